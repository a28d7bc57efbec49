"""WCAG 2.2 AA in a real browser, on every kind of page a citizen, a moderator or an official sees, in English
and in French: axe-core finds no serious or critical violation of the A and AA rules at desktop width nor
at 320 px; at 320×640 the page does not scroll sideways and its main controls are visible and at least
24×24 px (2.5.8). The main pages also leave full-page screenshots at phone and desktop width under
test-artifacts/screenshots/, pass or fail, for reviewers to look at.

The data is built once for the module (one consultation of each kind, a proposal with supports, comments,
a status change, a response and its history, a pending one, notifications) and every test only reads it,
so none of them needs a transactional database; the module leaves the database as it found it (the
page tree, site and locales the migrations made), for the plain database tests that run after it."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from cms.models import LifeEvent, ModerationMode
from proposals import notifications, services
from proposals.models import DeclaredArea, Status
from tests.support import factories
from tests.support.axe import axe_violations, describe_violations, horizontal_overflow, target_problems
from tests.support.browser import ARTIFACTS, wait_live
from tests.support.what_changed import checked_in, step
from votes.merging import proposals_merge
from votes.services import support_add

# Plain django_db: the tests read the module's committed data and write nothing. The mark also tells
# pytest-django that this module needs the test database, when it runs on its own.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 800}
SMALLEST = {"width": 320, "height": 640}
SCREENSHOTS = ARTIFACTS / "screenshots"
LANGUAGES = ["en", "fr"]

# The controls every page of the site has in its header at 320 px: the menu, the link to the search page
# (the search box's stand-in on a phone) and the other language's button.
HEADER = (".site-nav a", ".site-search-link", ".language-form [type=submit]")
SUPPORT = ".support-form [type=submit]"
# In the Wagtail admin, our views' content under Wagtail's header. axe checks the whole page, Wagtail's
# chrome included (it has no serious violation); but at 320 px the header truncates a long title on
# purpose (Wagtail's design, not ours to change), so the width is measured on our content.
ADMIN = ".nice-padding"
ADMIN_LINK = f"{ADMIN} a"


@dataclass(frozen=True)
class Screen:
    path: Callable[[World], str]
    user: str | None = None  # a key of World.users
    targets: tuple[str, ...] = HEADER  # must be visible and 24×24 px at 320 px
    prepare: Callable[[Page], None] | None = None  # what the person does before the page is checked
    status: int = 200
    screenshot: bool = False
    live: bool = False  # a live page: checked once its socket's snapshot is applied
    content: str = "main"  # what must not be wider than the screen


@dataclass
class World:
    urls: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)  # role -> session key


# The submit form's two buttons: send the proposal, or keep it as a draft.
SUBMIT_PROPOSAL = "form.form [type=submit]:not([name=save_draft])"
SAVE_DRAFT = "form.form [type=submit][name=save_draft]"


def submit_empty(page: Page) -> None:
    page.locator(SUBMIT_PROPOSAL).click()
    expect(page.locator(".error-summary")).to_be_visible()


SCREENS: dict[str, Screen] = {
    "home": Screen(lambda w: "/", screenshot=True),
    "consultation": Screen(
        lambda w: w.urls["open"],
        user="citizen",
        targets=(*HEADER, SUPPORT, ".filters [type=submit]"),
        screenshot=True,
        live=True,
    ),
    "consultation-closed": Screen(lambda w: w.urls["closed"], live=True),
    # Its journey map: the drawing, its key, the table in its scrolling region, a stage withheld.
    "consultation-journey": Screen(lambda w: w.urls["journey"], screenshot=True, live=True),
    "consultation-empty": Screen(lambda w: w.urls["empty"], live=True),
    # Its area map: the drawing, its key and its table.
    "consultation-areas": Screen(lambda w: w.urls["areas"], screenshot=True, live=True),
    # What changed: a stage compared (its table and verdicts), a stage with a step still to come, and a
    # step across the journey.
    "what-changed": Screen(lambda w: w.urls["what_changed"], screenshot=True),
    "proposal": Screen(
        lambda w: w.urls["proposal"], targets=(*HEADER, SUPPORT, ".follow-form [type=submit]"), live=True
    ),
    "proposal-signed-in": Screen(
        lambda w: w.urls["proposal"],
        user="citizen",
        targets=(
            *HEADER,
            SUPPORT,
            ".follow-form [type=submit]",
            "#comment-form [type=submit]",
            ".comment__helpful [type=submit]",
            ".comments__sort a",
        ),
        screenshot=True,
        live=True,
    ),
    # Its supporters by declared area: the map, one area withheld, the table.
    "proposal-areas": Screen(lambda w: w.urls["areas_proposal"], screenshot=True, live=True),
    "proposal-pending-author": Screen(lambda w: w.urls["pending"], user="author"),
    # Its author's edit page: the text, then the pictures and documents with the fields to add some.
    "proposal-edit": Screen(
        lambda w: w.urls["proposal"] + "edit/", user="author", targets=(*HEADER, "form.form [type=submit]")
    ),
    # A proposal a duplicate was merged into, reached from a link to the duplicate.
    "proposal-merged": Screen(lambda w: w.urls["merged"], live=True),
    # Its first author's co-authors: one who joined, an invitation open, each with its button, and the form.
    "proposal-author-coauthors": Screen(
        lambda w: w.urls["proposal"],
        user="author",
        targets=(*HEADER, ".coauthors__remove [type=submit]", ".coauthors form.form [type=submit]"),
        screenshot=True,
        live=True,
    ),
    "coauthor-invitation": Screen(
        lambda w: w.urls["invitation"],
        user="citizen",
        targets=(*HEADER, "main [type=submit]"),
        screenshot=True,
    ),
    "submit": Screen(
        lambda w: w.urls["propose"],
        user="citizen",
        targets=(*HEADER, SUBMIT_PROPOSAL, SAVE_DRAFT),
        screenshot=True,
    ),
    "submit-errors": Screen(
        lambda w: w.urls["propose"],
        user="citizen",
        targets=(*HEADER, SUBMIT_PROPOSAL, SAVE_DRAFT),
        prepare=submit_empty,
    ),
    "search": Screen(lambda w: "/search/?q=benefit", screenshot=True),
    "account": Screen(
        lambda w: "/account/", user="citizen", targets=(*HEADER, "form.form [type=submit]"), screenshot=True
    ),
    "notifications": Screen(
        lambda w: "/notifications/", user="citizen", targets=(*HEADER, "main [type=submit]")
    ),
    "account-delete": Screen(
        lambda w: "/account/delete/", user="citizen", targets=(*HEADER, "form.form [type=submit]")
    ),
    "sign-in": Screen(lambda w: "/accounts/login/", targets=(*HEADER, "main [type=submit]"), screenshot=True),
    "sign-in-errors": Screen(
        lambda w: "/accounts/login/", targets=(*HEADER, "main [type=submit]"), prepare=submit_empty
    ),
    "sign-up": Screen(
        lambda w: "/accounts/signup/", targets=(*HEADER, "main [type=submit]"), screenshot=True
    ),
    "password-reset": Screen(lambda w: "/accounts/password/reset/", targets=(*HEADER, "main [type=submit]")),
    "not-found": Screen(lambda w: "/no-such-page/", status=404),
    "accessibility-statement": Screen(lambda w: "/accessibility/"),
    "unsubscribe": Screen(lambda w: w.urls["unsubscribe"], targets=(*HEADER, "main [type=submit]")),
    "admin-moderation-queue": Screen(
        lambda w: "/cms/proposals/", user="moderator", targets=("main [type=submit]",), content=ADMIN
    ),
    "admin-proposal": Screen(
        lambda w: w.urls["admin_proposal"],
        user="official",
        targets=("main [type=submit]",),
        content=ADMIN,
    ),
    "admin-supports-review": Screen(
        lambda w: w.urls["admin_proposal"] + "supports/",
        user="official",
        targets=(ADMIN_LINK,),
        content=ADMIN,
    ),
    # Ticking the duplicates, the reason, then the count the proposal would reach.
    "admin-merge": Screen(
        lambda w: w.urls["admin_merge"], user="official", targets=("main [type=submit]",), content=ADMIN
    ),
    "admin-awaiting": Screen(
        lambda w: "/cms/promises/", user="official", targets=(ADMIN_LINK,), content=ADMIN
    ),
    "admin-dashboards": Screen(
        lambda w: "/cms/promises/dashboards/", user="official", targets=(ADMIN_LINK,), content=ADMIN
    ),
    "admin-dashboard": Screen(
        lambda w: w.urls["dashboard"], user="official", targets=(ADMIN_LINK,), content=ADMIN
    ),
    # The journey month by month, the stages ranked by frustration, the steps late.
    "admin-dashboard-journey": Screen(
        lambda w: w.urls["dashboard_journey"], user="official", targets=(ADMIN_LINK,), content=ADMIN
    ),
}


def areas_of(consultation) -> dict[str, str]:
    """`consultation` divided into six areas, with proposals about some, and one proposal whose supporters
    declared theirs: six in one area, two in another (withheld), one nowhere."""
    areas = list(factories.area_set(*AREAS, consultations=[consultation]).areas.order_by("sort_order"))
    for i, area in enumerate(areas[:4]):
        for _ in range(i + 1):
            factories.ProposalFactory(consultation=consultation, area=area)
    proposal = factories.ProposalFactory(consultation=consultation, area=areas[0], title="Fix the potholes")
    for area, n in ((areas[0], 6), (areas[1], 2), (None, 1)):
        for _ in range(n):
            supporter = factories.citizen()
            if area is not None:
                DeclaredArea.objects.create(user=supporter, area_set_id=area.area_set_id, area=area)
            support_add(user=supporter, proposal=proposal)
    return {"areas": consultation.url, "areas_proposal": f"/proposals/{proposal.pk}/"}


AREAS = ("Old Town", "Riverside", "Hillside", "Station", "Market", "North End")


def build_world() -> World:
    """The data every screen reads: written through the services, as people would."""
    world = World()
    citizen = factories.citizen(first_name="Amina", last_name="Diallo")
    author = factories.citizen(first_name="Louis", last_name="Petit")
    moderator = factories.moderator()
    official = factories.official(first_name="Claire", last_name="Martin")

    consultation = factories.consultation(categories=("Online", "At the counter"), support_threshold=3)
    # Its districts: on the submission form, the proposal's page, the filters and the account page.
    districts = factories.area_set("North", "South", consultations=[consultation])
    services.declared_area_set(user=citizen, area_set_id=districts.pk, area_id=districts.areas.first().pk)
    proposal = factories.ProposalFactory(
        consultation=consultation,
        area=districts.areas.first(),
        author=author,
        title="Pay the first benefit faster",
        summary="Within a week.",
    )
    awaited = factories.ProposalFactory(consultation=consultation, title="Answer the phone on Saturdays")
    factories.ProposalFactory(consultation=consultation, title="A benefit simulator in plain words")
    for _ in range(3):  # the threshold: a response is now awaited, listed on the officials' screen
        support_add(user=factories.citizen(), proposal=awaited)
    notifications.follow_add(user=citizen, proposal=proposal)
    # Co-authors: one joined, and the citizen invited (their notice, and the invitation's page).
    coauthor = factories.citizen(first_name="Inès", last_name="Moreau")
    joined = services.coauthor_invite(actor=author, proposal=proposal, email=coauthor.email)
    services.coauthor_respond(user=coauthor, invitation=joined, accept=True)
    services.coauthor_invite(actor=author, proposal=proposal, email=citizen.email)
    for supporter in (citizen, *(factories.citizen() for _ in range(3))):
        support_add(user=supporter, proposal=proposal)
    first = services.comment_post(
        author=citizen, proposal=proposal, body="Yes: the first month is the hardest."
    )
    services.comment_post(author=author, proposal=proposal, body="Thank you.", parent=first)
    # A second thread to sort by, and a count of helpful marks for everyone to read.
    services.comment_post(author=author, proposal=proposal, body="Counters close at noon on Fridays.")
    services.comment_helpful_mark(user=factories.citizen(), comment=first)
    services.proposal_set_status(
        actor=official, proposal=proposal, status=Status.UNDER_REVIEW, note="Costing."
    )
    services.response_publish(
        actor=official,
        proposal=proposal,
        body="We will pay within ten days from June.",
        decision=Status.ACCEPTED,
    )

    pre_moderated = factories.consultation(
        title="Simplifying the housing allowance", moderation=ModerationMode.PRE
    )
    pending = services.proposal_submit(
        author=author,
        consultation=pre_moderated,
        title="One form for both allowances",
        summary="Fewer forms.",
        body=".",
    )
    closed = factories.consultation(title="Opening hours of the benefit offices", open_now=False)
    factories.ProposalFactory(consultation=closed, title="Open until seven on Thursdays")
    empty = factories.consultation(title="Letters people understand")
    journey = factories.consultation(
        title="Registering as a job seeker", stages=("Find out", "Register online", "Send documents")
    )
    find_out, register, send = journey.stages.order_by("sort_order")
    factories.ProposalFactory(consultation=journey, stage=send, title="Accept photos of documents")
    for stage, answers in (
        (find_out, [(2, 4, False)] * 5),
        (register, [(3, 3, False)] * 4),  # too few: withheld
        (send, [(4, 2, True), *[(4, 2, False)] * 5]),  # the breaking point
    ):
        for frustration, motivation, gave_up in answers:
            services.checkin_save(
                author=factories.citizen(),
                consultation=journey,
                stage_id=stage.pk,
                frustration=frustration,
                motivation=motivation,
                gave_up=gave_up,
            )
    # The home page's life events: a consultation under two of them, so the screen checked shows the section.
    job, house = LifeEvent.objects.create(name="Losing a job"), LifeEvent.objects.create(name="Moving house")
    for tagged, events in ((consultation, [job, house]), (pre_moderated, [house])):
        tagged.life_events.set(events)
        tagged.save_revision().publish()
    changed = factories.consultation(title="Claiming housing help", stages=("Apply", "Wait for the decision"))
    apply, wait = changed.stages.order_by("sort_order")
    today = timezone.localdate()
    form = factories.ProposalFactory(consultation=changed, stage=apply, title="A shorter form")
    step(form, "Form cut to two pages", done_on=today)
    late = factories.ProposalFactory(consultation=changed, stage=wait)
    step(late, "Decisions in a week", planned_for=today - timedelta(days=3))  # late: on the dashboard
    step(factories.ProposalFactory(consultation=changed, stage=None, title="One number"), "Phone line open")
    checked_in(changed, apply, today - timedelta(days=3), 5, frustration=4, motivation=2)
    checked_in(changed, apply, today, 5, frustration=2, motivation=4)
    world.urls["what_changed"] = f"/consultations/{changed.pk}/what-changed/"
    # A duplicate merged into a proposal of its own: its reader arrives on the other, told so.
    merged_into = factories.ProposalFactory(consultation=closed, title="Longer opening hours")
    duplicate = factories.ProposalFactory(consultation=closed, title="Open the office later", author=author)
    proposals_merge(actor=official, target=merged_into, sources=[duplicate], reason="The same idea.")
    world.urls["merged"] = f"/proposals/{merged_into.pk}/?merged_from={duplicate.pk}"
    world.urls["admin_merge"] = f"/cms/proposals/{proposal.pk}/merge/"
    world.urls.update(areas_of(factories.consultation(title="Repairing the streets")))
    notifications.background_sends_wait(timeout=10)

    token = notifications.unsubscribe_token(user_id=citizen.pk, proposal_id=proposal.pk)
    world.urls.update(
        open=consultation.url,
        closed=closed.url,
        empty=empty.url,
        journey=journey.url,
        proposal=f"/proposals/{proposal.pk}/",
        pending=f"/proposals/{pending.pk}/",
        invitation=f"/proposals/{proposal.pk}/coauthor-invitation/",
        propose=f"/consultations/{consultation.pk}/propose/",
        unsubscribe=f"/unsubscribe/{token}/",
        admin_proposal=f"/cms/proposals/{proposal.pk}/",
        dashboard=f"/cms/promises/dashboards/{consultation.pk}/",
        dashboard_journey=f"/cms/promises/dashboards/{changed.pk}/",
    )
    for role, user in {
        "citizen": citizen,
        "author": author,
        "moderator": moderator,
        "official": official,
    }.items():
        client = Client()
        client.force_login(user)
        world.users[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return world


def build_world_in_a_thread() -> World:
    """build_world in a thread of its own: the package's browser keeps an event loop marked as running in
    this one, where the services' broadcasts after commit (async_to_sync) would fail."""

    def build() -> World:
        try:
            return build_world()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(build).result()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        before = connection.creation.serialize_db_to_string()
        try:
            yield build_world_in_a_thread()
        finally:
            # What Django's serialized rollback does: empty the tables, then put back what was there before.
            call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
            connection.creation.deserialize_db_from_string(before)
            # The rows came back with their ids, which the sequences the flush restarted do not know of.
            reset = connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True))
            with connection.cursor() as cursor:
                for statement in reset:
                    cursor.execute(statement)
            # Opened beside the browser's running loop, this connection belongs to the loop's context
            # (asgiref's Local), where nothing else would close it before the test database is dropped.
            connections.close_all()


def open_screen(page: Page, base_url: str, world: World, screen: Screen, language: str) -> None:
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}]
    if screen.user:
        cookies.append(
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": world.users[screen.user],
                "url": base_url,
                "httpOnly": True,
            }
        )
    page.context.add_cookies(cookies)
    page.set_viewport_size(DESKTOP)
    response = page.goto(screen.path(world))
    assert response.status == screen.status, f"{page.url} answered {response.status}"
    expect(page.locator("html")).to_have_attribute("lang", re.compile(f"^{language}"))
    if screen.live:
        wait_live(page)
    if screen.prepare:
        screen.prepare(page)


def screenshot(page: Page, name: str, language: str, size: dict) -> None:
    page.set_viewport_size(size)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}-{language}-{size['width']}.png", full_page=True)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", list(SCREENS))
def test_wcag_aa_at_desktop_and_at_320_px(world, new_page, asgi_server, name, language):
    screen = SCREENS[name]
    page = new_page(label=f"{name}-{language}")
    open_screen(page, asgi_server.base_url, world, screen, language)
    if screen.screenshot:
        screenshot(page, name, language, DESKTOP)
        screenshot(page, name, language, PHONE)

    problems = []
    for size in (DESKTOP, SMALLEST):
        page.set_viewport_size(size)
        if found := axe_violations(page):
            problems.append(f"axe at {size['width']} px:\n{describe_violations(found)}")
    # At 320×640 (WCAG 1.4.10, reflow): no sideways scrolling, main controls visible and big enough.
    if overflow := horizontal_overflow(page, screen.content):
        problems.append(f"scrolls sideways at 320 px: {overflow}")
    problems += [f"at 320 px, {problem}" for problem in target_problems(page, list(screen.targets))]

    assert not problems, f"{name} in {language} ({page.url}):\n" + "\n".join(problems)


def test_the_checks_find_what_they_look_for(world, new_page, asgi_server):
    """The checks above can fail: on a real page, under its content-security policy, a picture without a
    text, grey on white, a 12 px button and a block wider than the screen are each reported."""
    page = new_page(label="broken")
    open_screen(page, asgi_server.base_url, world, SCREENS["home"], "en")
    page.set_viewport_size(SMALLEST)
    # Styles set through the DOM: the policy blocks style attributes in markup.
    page.evaluate(
        """() => {
            const main = document.querySelector('main');
            const add = (tag, text, style) => {
                const el = main.appendChild(document.createElement(tag));
                el.textContent = text;
                Object.assign(el.style, style);
                return el;
            };
            main.appendChild(document.createElement('img')).src = '/static/frontend/favicon.svg';
            add('p', 'Hard to read', {color: '#bbb'});
            const tiny = add('button', 'x', {all: 'unset', display: 'inline-block', width: '12px'});
            Object.assign(tiny, {id: 'tiny'}).style.height = '12px';
            add('div', 'Too wide', {width: '500px'});
        }"""
    )

    found = {violation["id"] for violation in axe_violations(page)}

    assert {"image-alt", "color-contrast"} <= found
    assert "main" in (horizontal_overflow(page) or "")
    assert target_problems(page, ["#tiny", "#missing"]) == [
        "#tiny: 12×12 px, under 24×24",
        "#missing: not visible",
    ]


KEYBOARD_SCREENS = ["home", "consultation", "proposal-signed-in", "submit-errors", "search", "account"]
MAX_TABS = 80


@pytest.mark.parametrize("name", KEYBOARD_SCREENS)
def test_every_control_shows_the_keyboard_focus(world, new_page, asgi_server, name):
    """Tab from the top of the page through its controls: each one, when it has the focus, has an outline
    or a halo (WCAG 2.4.7), at desktop width and at 320 px where the header wraps."""
    page = new_page(label=f"{name}-focus")
    open_screen(page, asgi_server.base_url, world, SCREENS[name], "en")
    unmarked, seen = [], 0
    for size in (DESKTOP, SMALLEST):
        page.set_viewport_size(size)
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        for _ in range(MAX_TABS):
            page.keyboard.press("Tab")
            focused = page.evaluate(
                """() => {
                    const el = document.activeElement;
                    if (!el || el === document.body) return null;
                    const style = getComputedStyle(el);
                    const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
                    const halo = style.boxShadow !== 'none';
                    return {shown: outlined || halo, name: el.outerHTML.slice(0, 120)};
                }"""
            )
            if focused is None:
                break
            seen += 1
            if not focused["shown"]:
                unmarked.append(f"at {size['width']} px: {focused['name']}")
    assert seen > 5, f"the keyboard reached only {seen} controls"
    assert not unmarked, "no visible focus on:\n" + "\n".join(unmarked)


MOVING = """() => [...document.querySelectorAll('*')].filter((el) => {
    const style = getComputedStyle(el);
    return style.animationName !== 'none'
        || style.transitionDuration.split(',').some((duration) => parseFloat(duration) > 0);
}).map((el) => el.outerHTML.slice(0, 120))"""


def test_nothing_moves_for_people_who_ask_for_less_motion(world, new_page, asgi_server):
    """A new proposal's arrival and a count that changes are animated, except when the system asks for
    reduced motion (WCAG 2.3.3, and vestibular comfort): then no element has an animation or a transition."""
    page = new_page(label="motion")
    open_screen(page, asgi_server.base_url, world, SCREENS["consultation"], "en")
    mark_moving = """() => {
        document.querySelector('.proposal-card').classList.add('proposal-card--new');
        document.querySelector('[data-role=supports-count]').classList.add('count-changed');
    }"""
    page.evaluate(mark_moving)
    assert len(page.evaluate(MOVING)) >= 2  # the check sees the animations when motion is fine

    page.emulate_media(reduced_motion="reduce")
    page.reload()
    wait_live(page)
    page.evaluate(mark_moving)

    assert page.evaluate(MOVING) == []
