"""An accepted proposal's implementation steps follow live on its page: an official plans a step and moves
it on through the API, and a reader's open page shows each change in words, in its language, and says it in
the polite live region, without a reload; after a dropped connection the page refetches what it missed."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from proposals.models import Milestone, Status
from tests.support import factories
from tests.support.axe import axe_violations, describe_violations, horizontal_overflow
from tests.support.browser import wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def mark_unreloaded(page: Page) -> None:
    page.evaluate("window.__sameDocument = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


@pytest.fixture
def accepted():
    return factories.ProposalFactory(
        consultation=factories.consultation(), status=Status.ACCEPTED, title="Pay the first benefit faster"
    )


def watch(new_page, proposal, **kwargs) -> Page:
    page = new_page(**kwargs)
    page.goto(proposal.get_absolute_url())
    wait_live(page)
    mark_unreloaded(page)
    return page


def test_a_step_is_planned_then_done_before_the_readers_eyes(accepted, new_page, server_api):
    official = factories.official()
    page = watch(new_page, accepted, user=factories.citizen(), label="watching")
    section = page.locator("section[data-role=milestones]")
    expect(section.locator("[data-role=milestones-empty]")).to_be_visible()

    planned = server_api(official)(
        "POST",
        f"/api/v1/proposals/{accepted.pk}/milestones/",
        {"title": "New form tested", "planned_for": "2099-03-01", "note": "In Lyon."},
    )
    assert planned.status == 201, planned.body
    item = section.locator(f"#milestone-{planned.body['id']}")
    expect(item).to_contain_text("New form tested")
    expect(item.locator(".milestone__state")).to_have_text("Planned")
    expect(item.locator(".milestone__dates")).to_contain_text("Planned for")
    expect(item.locator(".milestone__dates")).to_contain_text("March 1, 2099")
    expect(item.locator(".milestone__note")).to_have_text("In Lyon.")
    expect(section.locator("[data-role=milestones-empty]")).to_be_hidden()
    expect(page.locator("#live-announcer")).to_contain_text(
        "Implementation of “Pay the first benefit faster”, step “New form tested”: Planned."
    )

    done = server_api(official)("PATCH", f"/api/v1/milestones/{planned.body['id']}/", {"state": "done"})
    assert done.status == 200, done.body
    expect(item.locator(".milestone__state")).to_have_text("Done")
    expect(item.locator(".milestone__dates")).to_contain_text("Done on")
    expect(item.locator(".milestone__note")).to_have_count(0)  # the latest change had no note
    expect(section.locator("li.milestone")).to_have_count(1)
    assert_not_reloaded(page)


def test_steps_take_their_planned_order_and_a_hostile_title_stays_text(accepted, new_page, server_api):
    official = factories.official()
    page = watch(new_page, accepted, label="watching")
    api = server_api(official)
    for title, day in (("Later step", "2099-06-01"), ("<img src=x onerror=alert(1)>", "2099-01-01")):
        assert (
            api(
                "POST", f"/api/v1/proposals/{accepted.pk}/milestones/", {"title": title, "planned_for": day}
            ).status
            == 201
        )
    titles = page.locator("section[data-role=milestones] .milestone__title")
    expect(titles).to_have_text(["<img src=x onerror=alert(1)>", "Later step"])
    expect(page.locator("section[data-role=milestones] img")).to_have_count(0)


def test_in_french_the_step_comes_in_french(accepted, new_page, server_api):
    page = watch(new_page, accepted, language="fr", label="watching")
    planned = server_api(factories.official())(
        "POST",
        f"/api/v1/proposals/{accepted.pk}/milestones/",
        {"title": "Formulaire testé", "planned_for": "2099-03-01"},
    )
    assert planned.status == 201, planned.body
    item = page.locator(f"#milestone-{planned.body['id']}")
    expect(item.locator(".milestone__state")).to_have_text("Planifiée")
    expect(item.locator(".milestone__dates")).to_contain_text("Prévue pour le")
    expect(item.locator(".milestone__dates")).to_contain_text("1 mars 2099")


def test_a_proposal_accepted_after_the_page_opened_shows_its_first_step(new_page, server_api):
    proposal = factories.ProposalFactory(
        consultation=factories.consultation(), title="One form instead of four"
    )
    official = factories.official()
    page = watch(new_page, proposal, label="watching")
    section = page.locator("section[data-role=milestones]")
    expect(section).to_be_hidden()

    api = server_api(official)
    assert api("POST", f"/api/v1/proposals/{proposal.pk}/status/", {"status": "accepted"}).status == 200
    planned = api(
        "POST",
        f"/api/v1/proposals/{proposal.pk}/milestones/",
        {"title": "Draft", "planned_for": "2099-03-01"},
    )
    assert planned.status == 201, planned.body
    expect(section).to_be_visible()
    expect(section.locator(f"#milestone-{planned.body['id']}")).to_contain_text("Draft")
    assert_not_reloaded(page)


def test_after_a_dropped_connection_the_page_shows_the_steps_it_missed(accepted, new_page, server_api):
    official = factories.official()
    page = watch(new_page, accepted, label="watching")
    page.context.set_offline(True)
    expect(page.locator("html[data-live=reconnecting]")).to_be_attached()
    planned = server_api(official)(
        "POST",
        f"/api/v1/proposals/{accepted.pk}/milestones/",
        {"title": "Staff trained", "planned_for": "2099-03-01"},
    )
    assert planned.status == 201, planned.body
    page.context.set_offline(False)

    wait_live(page)
    expect(page.locator(f"#milestone-{planned.body['id']} .milestone__title")).to_have_text("Staff trained")
    assert_not_reloaded(page)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_implementation_section_is_accessible_at_desktop_and_at_320_px(accepted, new_page, language):
    # Straight to the database: the services broadcast after commit, which this browser thread cannot.
    today = timezone.localdate()
    Milestone.objects.create(
        proposal=accepted,
        title="Form tested",
        planned_for=today,
        state="done",
        done_on=today,
        note="With ten claimants.\nIn Lyon.",
    )
    Milestone.objects.create(
        proposal=accepted,
        title="Every-office-staff-trained-on-the-new-single-form-before-the-national-roll-out",
        planned_for=today - timedelta(days=3),
        state="in_progress",
        started_on=today - timedelta(days=5),
    )
    Milestone.objects.create(proposal=accepted, title="Rolled out", planned_for=today + timedelta(days=90))
    page = new_page(language=language, label=language)
    page.goto(accepted.get_absolute_url())
    expect(page.locator("section[data-role=milestones] li.milestone")).to_have_count(3)

    problems = []
    for size in ({"width": 1280, "height": 900}, {"width": 320, "height": 640}):
        page.set_viewport_size(size)
        if found := axe_violations(page):
            problems.append(f"axe at {size['width']} px:\n{describe_violations(found)}")
    if overflow := horizontal_overflow(page):
        problems.append(f"scrolls sideways at 320 px: {overflow}")
    assert not problems, "\n".join(problems)
