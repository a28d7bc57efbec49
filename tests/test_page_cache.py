"""Pages kept for visitors who are not signed in (cocreate/page_cache.py): what is shared, with whom, and
how soon a change reaches the next visitor."""

import re
import time

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Page, PageViewRestriction

from cms.models import ConsultationPage
from cocreate import page_cache
from proposals import services
from proposals.journey_selectors import MIN_CHECKINS
from proposals.models import Follow, Proposal, Visibility
from tests.support import factories
from tests.support.factories import PASSWORD
from tests.support.pages import visible_text
from votes import services as vote_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    """Kept pages on, and none left from another test (page paths and ids repeat from test to test)."""
    settings.PAGE_CACHE_SECONDS = 30
    client = redis.Redis.from_url(settings.REDIS_URL)
    for pattern in ("*page:*", "*page-generation-number:*"):
        for key in client.scan_iter(match=pattern, count=1000):
            client.delete(key)


@pytest.fixture
def scene(consultation):
    shown = factories.ProposalFactory(consultation=consultation, title="Shorter forms for everyone")
    other = factories.ProposalFactory(consultation=consultation, title="Call me back before noon")
    return consultation, shown, other


def get(client, url, **headers):
    return client.get(url, **headers)


def client_for(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def renamed_behind_the_cache(proposal, title: str) -> None:
    """A change written straight to the database, which no service announces: only a page rendered afresh
    shows it, so it tells a kept page from a new one."""
    Proposal.objects.filter(pk=proposal.pk).update(title=title)


@pytest.mark.parametrize("page", ["consultation", "proposal"])
def test_a_visitor_gets_the_kept_page_without_a_query(client, scene, page):
    consultation, shown, _ = scene
    url = consultation.url if page == "consultation" else reverse("proposal_detail", args=[shown.pk])
    first = get(client, url)
    renamed_behind_the_cache(shown, "Renamed meanwhile")

    with CaptureQueriesContext(connection) as queries:
        again = get(Client(), url)

    assert again.status_code == 200
    assert again.content == first.content
    assert "Shorter forms for everyone" in visible_text(again)
    assert len(queries) == 0


@pytest.mark.parametrize("page", ["consultation", "proposal"])
def test_a_kept_page_sets_no_cookie_and_carries_no_token(scene, page):
    consultation, shown, _ = scene
    url = consultation.url if page == "consultation" else reverse("proposal_detail", args=[shown.pk])
    visitor = Client(enforce_csrf_checks=True)
    visitor.cookies["csrftoken"] = "a" * 32  # one they had from another page

    for response in (visitor.get(url), Client().get(url)):  # rendered, then kept
        assert response.status_code == 200
        assert not response.cookies
        assert "Set-Cookie" not in response.headers
        assert "csrfmiddlewaretoken" not in response.content.decode()
        assert "Cookie" in response["Vary"]


@pytest.mark.parametrize("page", ["consultation", "proposal"])
def test_a_signed_in_citizen_never_gets_a_visitors_page_nor_anothers(scene, page):
    consultation, shown, _ = scene
    url = consultation.url if page == "consultation" else reverse("proposal_detail", args=[shown.pk])
    ada, bob = factories.citizen(first_name="Ada"), factories.citizen(first_name="Bob")
    vote_services.support_add(user=ada, proposal=shown)
    get(Client(), url)  # a visitor's page is kept
    ada_page = client_for(ada).get(url)
    renamed_behind_the_cache(shown, "Renamed meanwhile")

    bob_page = client_for(bob).get(url)

    assert "Your account" in visible_text(ada_page) and "Sign in" not in visible_text(ada_page)
    assert "Withdraw support" in visible_text(ada_page)
    assert "csrfmiddlewaretoken" in ada_page.content.decode()
    # Bob's page is his own, rendered now: the new title, no support of Ada's, his own token.
    assert "Renamed meanwhile" in visible_text(bob_page)
    assert "Withdraw support" not in visible_text(bob_page)
    assert bob_page.cookies["csrftoken"].value != ada_page.cookies["csrftoken"].value
    # And a visitor still gets the kept page, not one of theirs.
    visitor = visible_text(get(Client(), url))
    assert "Shorter forms for everyone" in visitor and "Your account" not in visitor


def test_past_its_time_one_visitor_renders_the_page_again_while_the_others_get_the_kept_one(
    scene, monkeypatch
):
    consultation, shown, _ = scene
    get(Client(), consultation.url)
    renamed_behind_the_cache(shown, "Renamed meanwhile")
    later = time.time() + settings.PAGE_CACHE_SECONDS + 1
    monkeypatch.setattr(page_cache.time, "time", lambda: later)

    renewing = get(Client(), consultation.url)  # the first one past its time renders it
    renamed_behind_the_cache(shown, "Renamed again")
    others = get(Client(), consultation.url)  # the page it kept is fresh for PAGE_CACHE_SECONDS more

    assert "Renamed meanwhile" in visible_text(renewing)
    assert "Renamed meanwhile" in visible_text(others) and "Renamed again" not in visible_text(others)


def test_while_one_visitor_renders_the_page_again_the_others_get_the_kept_one(scene, monkeypatch):
    consultation, shown, _ = scene
    get(Client(), consultation.url)
    renamed_behind_the_cache(shown, "Renamed meanwhile")
    later = time.time() + settings.PAGE_CACHE_SECONDS + 1
    monkeypatch.setattr(page_cache.time, "time", lambda: later)
    real_view = ConsultationPage.serve
    seen = []

    def another_visitor_meanwhile(page, request, *args, **kwargs):
        if not seen:
            seen.append(visible_text(Client().get(consultation.url)))
        return real_view(page, request, *args, **kwargs)

    monkeypatch.setattr(ConsultationPage, "serve", another_visitor_meanwhile)
    renewing = get(Client(), consultation.url)

    assert "Renamed meanwhile" in visible_text(renewing)
    assert "Shorter forms for everyone" in seen[0] and "Renamed meanwhile" not in seen[0]


def test_a_visitor_with_a_session_or_a_message_gets_a_page_of_their_own(client, scene):
    consultation, shown, _ = scene
    get(Client(), consultation.url)
    renamed_behind_the_cache(shown, "Renamed meanwhile")
    # Sent to sign in by the support button's former form: the message waits for their next page.
    client.post(reverse("proposal_support", args=[shown.pk]), {"next": consultation.url})

    response = client.get(reverse("proposal_detail", args=[shown.pk]))

    assert "Sign in to support proposals." in visible_text(response)
    assert "Renamed meanwhile" in visible_text(response)


def test_a_proposal_hidden_by_a_moderator_leaves_the_next_visitors_pages(
    client, scene, moderator, django_capture_on_commit_callbacks
):
    consultation, shown, other = scene
    detail = reverse("proposal_detail", args=[shown.pk])
    assert "Shorter forms for everyone" in visible_text(get(client, consultation.url))
    assert get(client, detail).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_moderate(actor=moderator, proposal=shown, action="hide", reason="Spam.")

    page = visible_text(get(Client(), consultation.url))
    assert "Shorter forms for everyone" not in page and "Call me back before noon" in page
    assert get(Client(), detail).status_code == 404


def test_a_status_change_reaches_the_next_visitor(
    client, scene, official, django_capture_on_commit_callbacks
):
    consultation, shown, _ = scene
    assert "badge--under_review" not in get(client, consultation.url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_set_status(actor=official, proposal=shown, status="under_review", note="Read.")

    html = get(Client(), consultation.url).content.decode()
    assert f'data-proposal-id="{shown.pk}"' in html
    assert '<span class="badge badge--under_review" data-role="status">' in html


def test_a_story_hidden_by_a_moderator_leaves_the_next_visitors_page(
    moderator, django_capture_on_commit_callbacks
):
    consultation = factories.consultation(stages=("Apply",))
    stage = consultation.stages.get().pk
    told = [
        services.checkin_save(
            author=factories.citizen(), consultation=consultation, stage_id=stage, frustration=4,
            motivation=2, gave_up=False, story=f"The letter never came, story {n}.",
        )[0]
        for n in range(MIN_CHECKINS)
    ]  # fmt: skip
    latest = f"The letter never came, story {MIN_CHECKINS - 1}."  # the latest stories are shown
    assert latest in visible_text(get(Client(), consultation.url))

    with django_capture_on_commit_callbacks(execute=True):
        services.checkin_moderate(actor=moderator, checkin_id=told[-1].pk, decision="hide", reason="Names.")

    text = visible_text(get(Client(), consultation.url))
    assert latest not in text and f"The letter never came, story {MIN_CHECKINS - 2}." in text


@pytest.mark.parametrize("change", ["unpublish", "private"])
def test_a_consultation_taken_out_of_public_view_is_not_served_again(
    scene, official, django_capture_on_commit_callbacks, change
):
    consultation, shown, _ = scene
    detail = reverse("proposal_detail", args=[shown.pk])
    assert get(Client(), consultation.url).status_code == 200
    assert get(Client(), detail).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        if change == "unpublish":
            consultation.unpublish()
        else:
            PageViewRestriction.objects.create(page=consultation, restriction_type=PageViewRestriction.LOGIN)

    response = get(Client(), consultation.url)
    assert response.status_code in (302, 404)
    assert "Shorter forms for everyone" not in response.content.decode()
    assert get(Client(), detail).status_code in (302, 404)


def test_a_page_added_by_code_at_the_address_of_a_kept_one_is_the_one_shown(
    django_capture_on_commit_callbacks,
):
    """No Wagtail action (a page added live by code, as the demo content is): saving and deleting pages
    are enough to forget what was kept at their address."""
    with django_capture_on_commit_callbacks(execute=True):
        first = factories.consultation(service="The first service")
    assert "The first service" in visible_text(get(Client(), first.url))

    # Moved away behind Wagtail's back (no signal at all), and a new page added at the same address.
    moved = first.url_path.replace(first.slug, "moved")
    Page.objects.filter(pk=first.pk).update(slug="moved", url_path=moved)
    with django_capture_on_commit_callbacks(execute=True):
        second = factories.consultation(service="The second service")

    assert second.url == first.url
    text = visible_text(get(Client(), second.url))
    assert "The second service" in text and "The first service" not in text


def test_a_consultation_made_public_again_is_shown_again(scene, django_capture_on_commit_callbacks):
    consultation, _, _ = scene
    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(
            page=consultation, restriction_type=PageViewRestriction.LOGIN
        )
    assert get(Client(), consultation.url).status_code == 302

    with django_capture_on_commit_callbacks(execute=True):
        restriction.delete()

    assert get(Client(), consultation.url).status_code == 200


@pytest.mark.parametrize("page", ["consultation", "proposal"])
def test_french_and_english_visitors_each_get_their_language(scene, page):
    consultation, shown, _ = scene
    url = consultation.url if page == "consultation" else reverse("proposal_detail", args=[shown.pk])
    english = Client(headers={"Accept-Language": "en"})
    french = Client(headers={"Accept-Language": "fr"})
    chosen = Client(headers={"Accept-Language": "en"})
    chosen.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    for _ in range(2):  # rendered, then kept
        assert '<html lang="en">' in english.get(url).content.decode()
        for visitor in (french, chosen):
            response = visitor.get(url)
            assert '<html lang="fr">' in response.content.decode()
            assert "Se connecter" in visible_text(response)


def test_each_query_string_is_its_own_page_and_bad_ones_answer_as_before(client, settings, consultation):
    for n in range(25):
        factories.ProposalFactory(consultation=consultation, title=f"Idea {n:02d}", supports_count=100 - n)
    first, second = get(client, consultation.url), get(client, f"{consultation.url}?page=2")
    bad = [f"{consultation.url}?page=x", f"{consultation.url}?status=nonsense", f"{consultation.url}?page=99"]
    kept = [get(Client(), url) for url in bad]
    settings.PAGE_CACHE_SECONDS = 0
    fresh = [get(Client(), url) for url in bad]

    assert "Idea 00" in visible_text(first) and "Idea 00" not in visible_text(second)
    assert "Idea 24" in visible_text(second)
    assert [r.status_code for r in kept] == [r.status_code for r in fresh]
    assert [visible_text(r) for r in kept] == [visible_text(r) for r in fresh]


def test_a_visitor_who_presses_support_signs_in_and_comes_back(scene):
    consultation, shown, _ = scene
    citizen = factories.citizen()
    visitor = Client(enforce_csrf_checks=True)
    html = visitor.get(consultation.url).content.decode()
    form = re.search(
        rf'<article class="proposal-card" data-proposal-id="{shown.pk}".*?'
        r'<form method="get" class="support-form" action="([^"]+)">\s*'
        r'<input type="hidden" name="next" value="([^"]+)">',
        html,
        re.S,
    )
    assert form is not None

    sign_in = visitor.get(form.group(1), {"next": form.group(2)})
    assert sign_in.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', sign_in.content.decode()).group(1)
    signed_in = visitor.post(
        form.group(1),
        {"login": citizen.email, "password": PASSWORD, "next": form.group(2), "csrfmiddlewaretoken": token},
    )

    assert signed_in.status_code == 302 and signed_in["Location"] == consultation.url
    back = visitor.get(consultation.url)
    assert "Your account" in visible_text(back)
    assert 'data-support-form data-supported="false"' in back.content.decode()


def test_a_visitor_switches_language_from_a_kept_page(scene):
    consultation, _, _ = scene
    visitor = Client(enforce_csrf_checks=True)
    html = visitor.get(consultation.url).content.decode()
    switcher = re.search(r'<form class="language-form" action="([^"]+)".*?</form>', html, re.S)
    assert "csrfmiddlewaretoken" not in switcher.group(0)

    origin = "http://testserver"
    switched = visitor.post(
        switcher.group(1), {"language": "fr", "next": consultation.url}, headers={"Origin": origin}
    )

    assert switched.status_code == 302 and switched["Location"] == consultation.url
    assert '<html lang="fr">' in visitor.get(consultation.url).content.decode()


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "https://evil.example"}, {"Origin": "null"}, {"Referer": "https://evil.example/"}, {}],
)
def test_a_language_switch_from_elsewhere_needs_the_token(headers):
    visitor = Client(enforce_csrf_checks=True)

    response = visitor.post(reverse("language_switch"), {"language": "fr", "next": "/"}, headers=headers)

    assert response.status_code == 403
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_a_signed_in_language_switch_needs_the_token_even_from_this_site(citizen):
    client = client_for(citizen, enforce_csrf_checks=True)

    response = client.post(
        reverse("language_switch"), {"language": "fr", "next": "/"}, headers={"Origin": "http://testserver"}
    )

    assert response.status_code == 403
    citizen.refresh_from_db()
    assert citizen.language != "fr"


def test_pages_are_not_kept_when_turned_off(client, settings, scene):
    settings.PAGE_CACHE_SECONDS = 0
    consultation, shown, _ = scene
    get(client, consultation.url)
    renamed_behind_the_cache(shown, "Renamed meanwhile")

    assert "Renamed meanwhile" in visible_text(get(Client(), consultation.url))


def test_hidden_and_pending_proposals_are_not_in_a_kept_page(client, consultation):
    factories.ProposalFactory(consultation=consultation, title="Waiting", visibility=Visibility.PENDING)
    factories.ProposalFactory(consultation=consultation, title="Removed", visibility=Visibility.HIDDEN)

    for _ in range(2):
        text = visible_text(get(Client(), consultation.url))
        assert "Waiting" not in text and "Removed" not in text


def test_forgetting_pages_on_any_page_change_leaves_other_deletes_one_statement(scene):
    """The receivers that forget kept pages when a page is saved or deleted listen to page models only: a
    post_delete receiver for every model would make Django read each row before deleting it. (Follows: a
    model nothing else points to, so Django's own cascade has nothing to read either.)"""
    _, shown, _ = scene
    Follow.objects.bulk_create(Follow(proposal=shown, user=factories.citizen()) for _ in range(3))
    with CaptureQueriesContext(connection) as queries:
        Follow.objects.filter(proposal=shown).delete()
    assert [query["sql"].split()[0] for query in queries.captured_queries] == ["DELETE"]


def test_a_change_moves_a_generation_on_by_one_and_a_lost_one_starts_where_no_page_was(consultation):
    """Live pages take an event's generation as proof they missed nothing when it is the one after theirs
    (frontend/static/frontend/live.js): so a change adds one, and a generation evicted from the cache must
    not start again at a number a page knew."""
    known = page_cache.generations(consultation.pk)
    page, listed = known["page"], known["list"]
    assert page_cache.pages_changed(consultation.pk, list_too=False) == {"page": page + 1, "list": None}
    assert page_cache.pages_changed(consultation.pk) == {"page": page + 2, "list": listed + 1}

    page_cache.cache.delete(page_cache._generation_key(consultation.pk))  # evicted
    again = page_cache.pages_changed(consultation.pk)["page"]

    assert again not in range(page - 10, page + 10)
    assert page_cache.generations(consultation.pk)["page"] == again
