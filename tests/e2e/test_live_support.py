"""Live updates in the browser: two visitors on the same consultation, one acts, the other's page follows
without a reload. The pages are served by a real uvicorn process; other people's actions go through its
API with their tokens, as a second browser or a script would make them.

"Without a reload" is checked, not assumed: each watching page gets a marker on `window` before the
action, and a reload would lose it.
"""

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.support import factories
from tests.support.browser import (
    ARTIFACTS,
    REFETCH_JITTER_MS,
    reconnect_after,
    wait_live,
    with_fetches_listed_and_a_test_clock,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUPPORT = re.compile(r"^Support\b")
WITHDRAW = re.compile(r"^Withdraw support\b")


def card(page: Page, proposal_id: int):
    return page.locator(f"article.proposal-card[data-proposal-id='{proposal_id}']")


def count(holder):
    return holder.locator("[data-role=supports-count]")


def mark_unreloaded(page: Page) -> None:
    page.evaluate("window.__sameDocument = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


@pytest.fixture
def two_proposals():
    consultation = factories.consultation()
    author = factories.citizen()
    first = factories.ProposalFactory(
        consultation=consultation, author=author, title="Pay the first benefit faster"
    )
    second = factories.ProposalFactory(
        consultation=consultation, author=author, title="One form instead of four"
    )
    return consultation, first, second


def test_a_support_reaches_the_other_visitors_page_without_reload(two_proposals, new_page):
    consultation, first, second = two_proposals
    acting = new_page(user=factories.citizen(), label="acting")
    watching = new_page(user=factories.citizen(), label="watching")
    for page in (acting, watching):
        page.goto(consultation.url)
        wait_live(page)
    mark_unreloaded(watching)
    expect(count(card(watching, first.pk))).to_have_text("0")

    card(acting, first.pk).get_by_role("button", name=SUPPORT).click()

    expect(count(card(watching, first.pk))).to_have_text("1")
    expect(card(acting, first.pk).get_by_role("button", name=WITHDRAW)).to_be_visible()
    expect(count(card(acting, first.pk))).to_have_text("1")
    expect(count(card(watching, second.pk))).to_have_text("0")
    # The watcher's own control is untouched: someone else's support is not theirs.
    expect(card(watching, first.pk).get_by_role("button", name=SUPPORT)).to_be_visible()
    assert_not_reloaded(watching)


def test_a_withdrawal_reaches_an_anonymous_visitor(two_proposals, new_page, server_api):
    consultation, first, _second = two_proposals
    supporter = factories.citizen()
    assert server_api(supporter)("POST", f"/api/v1/proposals/{first.pk}/support/").status == 201
    acting = new_page(user=supporter, label="acting")
    watching = new_page(label="anonymous")
    for page in (acting, watching):
        page.goto(consultation.url)
        wait_live(page)
    mark_unreloaded(watching)
    expect(count(card(watching, first.pk))).to_have_text("1")

    card(acting, first.pk).get_by_role("button", name=WITHDRAW).click()

    expect(count(card(watching, first.pk))).to_have_text("0")
    expect(card(acting, first.pk).get_by_role("button", name=SUPPORT)).to_be_visible()
    assert_not_reloaded(watching)


def test_a_proposal_published_through_the_api_appears_in_the_list(two_proposals, new_page, server_api):
    consultation, _first, _second = two_proposals
    watching = new_page(user=factories.citizen(), label="watching")
    watching.goto(consultation.url)
    wait_live(watching)
    mark_unreloaded(watching)

    created = server_api(factories.citizen())(
        "POST",
        "/api/v1/proposals/",
        {
            "consultation": consultation.pk,
            "title": "Let people upload documents by phone",
            "summary": "A photo of a payslip should be enough.",
            "body": "Most people who apply have a phone, not a scanner.",
        },
    )

    assert created.status == 201, created.body
    new = card(watching, created.body["id"])
    expect(new.get_by_role("link", name="Let people upload documents by phone")).to_be_visible()
    expect(new.locator("[data-role=summary]")).to_have_text("A photo of a payslip should be enough.")
    expect(count(new)).to_have_text("0")
    expect(watching.locator("article.proposal-card")).to_have_count(3)
    assert_not_reloaded(watching)


def test_an_official_response_appears_on_the_proposal_page(two_proposals, new_page, server_api):
    _consultation, first, _second = two_proposals
    official = factories.official(first_name="Ada", last_name="Martin")
    watching = new_page(user=factories.citizen(), label="watching")
    watching.goto(first.get_absolute_url())
    wait_live(watching)
    mark_unreloaded(watching)
    responses = watching.locator("section[data-role=responses]")
    expect(responses.locator("[data-role=responses-empty]")).to_be_visible()

    published = server_api(official)(
        "POST",
        f"/api/v1/proposals/{first.pk}/responses/",
        {"body": "We will pay the first benefit within ten days from June."},
    )

    assert published.status == 201, published.body
    response = responses.locator(f"article[data-response-id='{published.body['id']}']")
    expect(response).to_contain_text("We will pay the first benefit within ten days from June.")
    expect(response).to_contain_text("Employment Services")
    # The anchor the proposal's history links to, as on a response rendered by the server.
    expect(response).to_have_attribute("id", f"response-{published.body['id']}")
    expect(responses.locator("[data-role=responses-empty]")).to_be_hidden()
    assert_not_reloaded(watching)


def test_after_a_dropped_connection_the_list_shows_the_count_that_changed_meanwhile(
    two_proposals, new_page, server_api
):
    consultation, first, second = two_proposals
    watching = new_page(label="watching")
    watching.goto(consultation.url)
    wait_live(watching)
    mark_unreloaded(watching)

    watching.context.set_offline(True)
    expect(watching.locator("html[data-live=reconnecting]")).to_be_attached()
    for supporter in (factories.citizen(), factories.citizen()):
        assert server_api(supporter)("POST", f"/api/v1/proposals/{second.pk}/support/").status == 201
    watching.context.set_offline(False)

    wait_live(watching)
    expect(count(card(watching, second.pk))).to_have_text("2")
    expect(count(card(watching, first.pk))).to_have_text("0")
    # Back in the server's order: the most supported first.
    expect(watching.locator("article.proposal-card").first).to_have_attribute(
        "data-proposal-id", str(second.pk)
    )
    assert_not_reloaded(watching)


def reads_of_the_list(page: Page, consultation) -> list[str]:
    """The page's fetches of its consultation's proposals over REST so far (with_fetches_listed...)."""
    path = f"/api/v1/consultations/{consultation.pk}/proposals/"
    return [url for url in page.evaluate("window.__fetched") if path in url]


def publish(server_api, consultation, title: str) -> int:
    """A citizen publishes a proposal through the API (the consultation is post-moderated): its id."""
    body = {"consultation": consultation.pk, "title": title, "summary": "Or call.", "body": "Soon."}
    created = server_api(factories.citizen())("POST", "/api/v1/proposals/", body)
    assert created.status == 201, created.body
    return created.body["id"]


def support(server_api, proposal) -> None:
    """A citizen supports the proposal through the API."""
    supported = server_api(factories.citizen())("POST", f"/api/v1/proposals/{proposal.pk}/support/")
    assert supported.status == 201, supported.body


def stream_through_the_test(page: Page, on_message) -> list:
    """From the next load on, the page's socket goes through the test: each of the server's messages goes
    to `on_message(message, deliver)` (decoded), and reaches the page when it calls `deliver()`, if ever.
    Returns the page's connections (their page side), the newest last."""
    connections = []

    def route(socket) -> None:
        server = socket.connect_to_server()
        server.on_message(lambda text: on_message(json.loads(text), lambda: socket.send(text)))
        connections.append(socket)

    page.route_web_socket(re.compile(r"/ws/consultations/\d+/$"), route)
    return connections


def watching_on_a_test_clock(new_page, consultation, on_message=None) -> tuple[Page, list]:
    """A visitor's page of the consultation, live, with its fetches listed, on a test clock, and with
    `on_message` its socket through the test (stream_through_the_test): the page and its connections."""
    page = new_page(label="watching")
    with_fetches_listed_and_a_test_clock(page)
    connections = stream_through_the_test(page, on_message) if on_message else []
    page.goto(consultation.url)
    wait_live(page)
    mark_unreloaded(page)
    return page, connections


def drop_and_reconnect(page: Page, connections: list) -> None:
    """The page's connection closes, and the page is back with a fresh snapshot and past the time a
    refetch may wait."""
    connections[-1].close(code=1001, reason="Going away")
    expect(page.locator("html[data-live=reconnecting]")).to_be_attached()
    page.clock.run_for(1000)  # the first reconnection waits up to 1 s
    wait_live(page)
    page.clock.run_for(REFETCH_JITTER_MS)


def test_after_a_dropped_connection_the_list_reads_its_proposals_again_only_if_more_than_counts_changed(
    two_proposals, new_page, server_api
):
    """The snapshot carries the consultation's generation, which every change but a count moves: a page that
    missed only counts (the hundreds a killed worker drops, most of the time) reads nothing over REST; one
    that missed a new proposal reads the list again and shows it."""
    consultation, first, second = two_proposals
    watching, _ = watching_on_a_test_clock(new_page, consultation)

    reconnect_after(watching, lambda: support(server_api, second))
    expect(count(card(watching, second.pk))).to_have_text("1")
    # In the snapshot's order without a refetch: the most supported first.
    expect(watching.locator("article.proposal-card").first).to_have_attribute(
        "data-proposal-id", str(second.pk)
    )
    assert reads_of_the_list(watching, consultation) == []

    created = []
    TITLE = "Answer letters within a week"
    reconnect_after(watching, lambda: created.append(publish(server_api, consultation, TITLE)))
    expect(card(watching, created[0]).get_by_role("link", name=TITLE)).to_be_visible()
    assert len(reads_of_the_list(watching, consultation)) == 1
    assert_not_reloaded(watching)


def test_a_change_heard_live_is_not_read_again_at_the_next_reconnect(two_proposals, new_page, server_api):
    """The event of a new proposal carries the generation it moved the list to, the one after the page's:
    the page that applied it missed nothing, and after a dropped connection reads nothing over REST."""
    consultation, _first, second = two_proposals
    watching, _ = watching_on_a_test_clock(new_page, consultation)

    for title in ("Answer letters within a week", "Call back before noon"):
        new = publish(server_api, consultation, title)
        expect(card(watching, new).get_by_role("link", name=title)).to_be_visible()

    reconnect_after(watching, lambda: support(server_api, second))
    expect(count(card(watching, second.pk))).to_have_text("1")
    assert reads_of_the_list(watching, consultation) == []
    expect(watching.locator("article.proposal-card")).to_have_count(4)
    assert_not_reloaded(watching)


def test_a_page_that_missed_a_change_reads_the_list_again_at_its_next_reconnect(
    two_proposals, new_page, server_api
):
    """A new proposal's event is lost on its way to the page, the next one comes: the page stays at the
    generation before the gap, so after a dropped connection it reads the list again, and shows both."""
    consultation, _first, _second = two_proposals
    lost = []

    def on_message(message, deliver) -> None:
        if message["type"] == "proposal.published" and not lost:
            lost.append(message["proposal"]["id"])
        else:
            deliver()

    watching, connections = watching_on_a_test_clock(new_page, consultation, on_message)

    missed = publish(server_api, consultation, "Answer letters within a week")
    heard = publish(server_api, consultation, "Call back before noon")
    expect(card(watching, heard)).to_be_visible()
    assert lost == [missed]
    expect(card(watching, missed)).to_have_count(0)

    drop_and_reconnect(watching, connections)
    expect(card(watching, missed).get_by_role("link", name="Answer letters within a week")).to_be_visible()
    assert len(reads_of_the_list(watching, consultation)) == 1
    assert len(connections) == 2
    assert_not_reloaded(watching)


def test_changes_heard_out_of_order_are_not_read_again_at_the_next_reconnect(
    two_proposals, new_page, server_api
):
    """Events from two workers may cross: the page hears the second new proposal before the first. Once it
    has both, nothing is missing, and after a dropped connection it reads nothing over REST."""
    consultation, _first, _second = two_proposals
    held = []

    def on_message(message, deliver) -> None:
        if message["type"] == "proposal.published" and not held:
            held.append(deliver)  # until the next one has gone
            return
        deliver()
        if message["type"] == "proposal.published":
            held.pop()()

    watching, connections = watching_on_a_test_clock(new_page, consultation, on_message)

    first = publish(server_api, consultation, "Answer letters within a week")
    second = publish(server_api, consultation, "Call back before noon")
    expect(watching.locator("article.proposal-card")).to_have_count(4)
    assert [card(watching, id).count() for id in (first, second)] == [1, 1]

    drop_and_reconnect(watching, connections)
    assert reads_of_the_list(watching, consultation) == []
    expect(watching.locator("article.proposal-card")).to_have_count(4)
    assert_not_reloaded(watching)


def test_after_a_dropped_connection_the_proposal_page_refetches_what_it_missed(
    two_proposals, new_page, server_api
):
    """The snapshot on reconnect carries counts only; the response published meanwhile comes from the
    REST refetch, and so does the viewer's own support cast from another tab."""
    _consultation, first, _second = two_proposals
    viewer = factories.citizen()
    watching = new_page(user=viewer, label="watching")
    watching.goto(first.get_absolute_url())
    wait_live(watching)
    mark_unreloaded(watching)
    article = watching.locator(f"article[data-proposal-id='{first.pk}']")
    expect(article.get_by_role("button", name=SUPPORT)).to_be_visible()

    watching.context.set_offline(True)
    expect(watching.locator("html[data-live=reconnecting]")).to_be_attached()
    assert server_api(viewer)("POST", f"/api/v1/proposals/{first.pk}/support/").status == 201
    published = server_api(factories.official())(
        "POST", f"/api/v1/proposals/{first.pk}/responses/", {"body": "Agreed: it is on the roadmap."}
    )
    assert published.status == 201, published.body
    watching.context.set_offline(False)

    wait_live(watching)
    expect(count(article)).to_have_text("1")
    expect(article.get_by_role("button", name=WITHDRAW)).to_be_visible()
    expect(article.locator("section[data-role=responses]")).to_contain_text("Agreed: it is on the roadmap.")
    assert_not_reloaded(watching)


def test_the_follow_form_after_a_support_by_script_is_the_one_a_reload_renders(two_proposals, new_page):
    """Supporting follows the proposal; withdrawing leaves it followed. The form says so without a reload,
    and a reload (the server's render) agrees at each step."""
    _consultation, first, _second = two_proposals
    page = new_page(user=factories.citizen(), label="supporter")
    page.goto(first.get_absolute_url())
    wait_live(page)
    mark_unreloaded(page)
    article = page.locator(f"article[data-proposal-id='{first.pk}']")
    follow_form = article.locator("form.follow-form")
    expect(follow_form.get_by_role("button", name=re.compile(r"^Follow\b"))).to_be_visible()
    expect(follow_form.get_by_text("Following", exact=True)).to_be_hidden()

    def shows_following() -> None:
        expect(follow_form.get_by_text("Following", exact=True)).to_be_visible()
        expect(follow_form.get_by_role("button", name=re.compile(r"^Stop following\b"))).to_be_visible()
        expect(follow_form).to_have_attribute("action", f"/proposals/{first.pk}/unfollow/")

    article.get_by_role("button", name=SUPPORT).click()
    expect(article.get_by_role("button", name=WITHDRAW)).to_be_visible()
    shows_following()
    assert_not_reloaded(page)
    page.reload()
    wait_live(page)
    mark_unreloaded(page)
    shows_following()

    article.get_by_role("button", name=WITHDRAW).click()
    expect(article.get_by_role("button", name=SUPPORT)).to_be_visible()
    shows_following()
    assert_not_reloaded(page)
    page.reload()
    shows_following()

    # Stop following (a plain post), then support again: the form the script changes really posts.
    follow_form.get_by_role("button", name=re.compile(r"^Stop following\b")).click()
    expect(follow_form.get_by_role("button", name=re.compile(r"^Follow\b"))).to_be_visible()
    wait_live(page)
    article.get_by_role("button", name=SUPPORT).click()
    shows_following()
    follow_form.get_by_role("button", name=re.compile(r"^Stop following\b")).click()
    expect(page.get_by_text(f"You no longer follow “{first.title}”.")).to_be_visible()
    expect(follow_form.get_by_role("button", name=re.compile(r"^Follow\b"))).to_be_visible()


def test_a_card_says_its_count_once_and_keeps_it_current(new_page, server_api):
    """Towards the threshold the card says "1 of 3 supports" and not also "1 support" under it; live
    supports change that one count; once the threshold is reached and the promise replaces the progress,
    the count is said under it instead."""
    consultation = factories.consultation(support_threshold=3)
    proposal = factories.ProposalFactory(
        consultation=consultation, title="Pay the first benefit faster", summary="Within a week."
    )
    assert server_api(factories.citizen())("POST", f"/api/v1/proposals/{proposal.pk}/support/").status == 201
    page = new_page(label="watching")
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(consultation.url)
    wait_live(page)
    mark_unreloaded(page)
    shown = card(page, proposal.pk)

    expect(shown.locator("[data-role=threshold-text]")).to_have_text("1 of 3 supports")
    assert re.findall(r"\d+", shown.inner_text()) == ["1", "3"], shown.inner_text()
    shown.screenshot(path=ARTIFACTS / "screenshots" / "proposal-card-en-360.png")

    assert server_api(factories.citizen())("POST", f"/api/v1/proposals/{proposal.pk}/support/").status == 201
    expect(shown.locator("[data-role=threshold-text]")).to_have_text("2 of 3 supports")
    assert re.findall(r"\d+", shown.inner_text()) == ["2", "3"], shown.inner_text()

    assert server_api(factories.citizen())("POST", f"/api/v1/proposals/{proposal.pk}/support/").status == 201
    expect(shown.locator("[data-state=due]")).to_be_visible()
    expect(shown.locator(".supports")).to_be_visible()
    expect(shown.locator(".supports")).to_have_text("3 supports")
    assert re.findall(r"\b3 supports?\b", shown.inner_text()) == ["3 supports"], shown.inner_text()
    shown.screenshot(path=ARTIFACTS / "screenshots" / "proposal-card-promised-en-360.png")
    assert_not_reloaded(page)
