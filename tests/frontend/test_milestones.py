"""The proposal page's "Implementation" section ("you said, we did"): each step with its state and dates in
words, the official's note escaped, "late" said in words; the history lists each change; in English and
French."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from proposals.models import Follow, Milestone, Status
from proposals.services import milestone_add, milestone_update, proposal_set_status
from tests.support import factories
from tests.support.pages import visible_text

pytestmark = pytest.mark.django_db


def page(client, proposal):
    return client.get(reverse("proposal_detail", args=[proposal.pk]))


def section(response, name: str) -> str:
    """The visible text of one section of the page (`<section class="name"...>`)."""
    html = response.content.decode()
    match = re.search(rf'<section class="{name}".*?</section>', html, flags=re.S)
    if not match:
        return ""
    shown = re.sub(r"<(p)\b[^>]*\shidden>.*?</\1>", "", match.group(0), flags=re.S)  # not read out
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", shown)).replace("\u00a0", " ").strip()


@pytest.fixture
def story(consultation):
    """An accepted proposal with three steps: one done on time, one started and late, one planned."""
    official = factories.official(first_name="Claire", last_name="Martin")
    proposal = factories.ProposalFactory(
        consultation=consultation, status=Status.ACCEPTED, title="Pay sooner"
    )
    today = timezone.localdate()
    done = milestone_add(actor=official, proposal=proposal, title="Form tested", planned_for=today)
    milestone_update(
        actor=official, milestone_id=done.pk, state="done", on=today, note="<b>Ten</b> claimants & staff."
    )
    late = milestone_add(actor=official, proposal=proposal, title="Staff trained", planned_for=today)
    milestone_update(actor=official, milestone_id=late.pk, state="in_progress", on=today)
    Milestone.objects.filter(pk=late.pk).update(planned_for=date(2026, 1, 5), started_on=date(2026, 1, 2))
    planned = milestone_add(
        actor=official, proposal=proposal, title="Rolled out", planned_for=date(2099, 6, 1)
    )
    return proposal, done, late, planned


@pytest.mark.parametrize("viewer", ["anonymous", "citizen", "official"])
def test_every_reader_sees_the_steps_in_order(client_for, story, viewer):
    proposal, done, late, planned = story
    user = None if viewer == "anonymous" else getattr(factories, viewer)()
    response = page(client_for(user), proposal)
    text = section(response, "milestones")
    day = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    assert text == (
        "Implementation "
        "Staff trained In progress Late Planned for Jan. 5, 2026 Started on Jan. 2, 2026 "
        f"Form tested Done Planned for {day} Done on {day} &lt;b&gt;Ten&lt;/b&gt; claimants &amp; staff. "
        "Rolled out Planned Planned for June 1, 2099"
    )


def test_late_is_said_in_words_not_colour_alone(client_for, story):
    proposal, _done, late, planned = story
    html = page(client_for(), proposal).content.decode()
    item = re.search(rf'<li [^>]*id="milestone-{late.pk}".*?</li>', html, flags=re.S).group(0)
    assert ">Late</span>" in item
    other = re.search(rf'<li [^>]*id="milestone-{planned.pk}".*?</li>', html, flags=re.S).group(0)
    assert "Late" not in other


def test_a_step_done_after_its_date_says_done_late(client_for, consultation, official):
    proposal = factories.ProposalFactory(consultation=consultation, status=Status.ACCEPTED)
    step = milestone_add(
        actor=official, proposal=proposal, title="Form", planned_for=timezone.localdate() - timedelta(days=3)
    )
    milestone_update(actor=official, milestone_id=step.pk, state="done")
    assert "Done late" in section(page(client_for(), proposal), "milestones")


def test_the_notes_are_escaped(client_for, story):
    proposal, *_ = story
    html = page(client_for(), proposal).content.decode()
    assert "<b>Ten</b>" not in html
    assert "&lt;b&gt;Ten&lt;/b&gt; claimants &amp; staff." in html


def test_an_accepted_proposal_without_steps_says_so(client_for, consultation):
    proposal = factories.ProposalFactory(consultation=consultation, status=Status.ACCEPTED)
    assert section(page(client_for(), proposal), "milestones") == (
        "Implementation No implementation steps are planned yet."
    )


def test_an_open_proposal_keeps_its_implementation_section_hidden(client_for, consultation):
    """In the page for live.js to show when a first step comes, hidden until then."""
    proposal = factories.ProposalFactory(consultation=consultation)
    response = page(client_for(), proposal)
    assert re.search(r'<section class="milestones"[^>]* hidden>', response.content.decode())
    accepted = factories.ProposalFactory(consultation=consultation, status=Status.ACCEPTED)
    assert re.search(
        r'<section class="milestones"[^>]*"milestones">', page(client_for(), accepted).content.decode()
    )


def test_steps_stay_shown_if_the_decision_changes(client_for, story, official):
    proposal, *_ = story
    proposal_set_status(actor=official, proposal=proposal, status=Status.REJECTED)
    assert "Form tested" in section(page(client_for(), proposal), "milestones")


def test_the_history_lists_each_change(client_for, story):
    proposal, *_ = story
    day = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    text = section(page(client_for(), proposal), "history")
    by = "· by Claire Martin (Official)"
    assert text == (
        "Status history "
        f"{day}: implementation step “Form tested” planned {by} "
        f"{day}: implementation step “Form tested” done {by} &lt;b&gt;Ten&lt;/b&gt; claimants &amp; staff. "
        f"{day}: implementation step “Staff trained” planned {by} "
        f"{day}: implementation step “Staff trained” started {by} "
        f"{day}: implementation step “Rolled out” planned {by}"
    )


def test_the_section_and_history_in_french(client_for, story):
    proposal, *_ = story
    client = client_for(headers={"accept-language": "fr-FR,fr;q=0.9"})
    response = page(client, proposal)
    steps = section(response, "milestones")
    assert steps.startswith("Mise en œuvre Staff trained En cours En retard Prévue pour le 5 janvier 2026")
    assert "Commencée le 2 janvier 2026" in steps
    assert "Form tested Faite Prévue pour le" in steps and "Faite le" in steps
    assert "Rolled out Planifiée Prévue pour le 1 juin 2099" in steps
    history = section(response, "history")
    assert ": étape de mise en œuvre « Form tested » planifiée" in history
    assert ": étape de mise en œuvre « Form tested » faite" in history
    assert ": étape de mise en œuvre « Staff trained » commencée" in history
    assert "Late" not in visible_text(response).split("Mise en œuvre")[1].split("Historique")[0]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Implementation of “Pay sooner”: the step “Form tested” is done."),
        ("fr", "Mise en œuvre de « Pay sooner » : l’étape « Form tested » est faite."),
    ],
)
def test_followers_read_each_change_in_their_notifications(
    client_for, consultation, official, language, expected
):
    proposal = factories.ProposalFactory(
        consultation=consultation, status=Status.ACCEPTED, title="Pay sooner"
    )
    fan = factories.citizen()
    Follow.objects.create(user=fan, proposal=proposal)
    step = milestone_add(actor=official, proposal=proposal, title="Form tested", planned_for=date(2099, 6, 1))
    milestone_update(actor=official, milestone_id=step.pk, state="done")
    client = client_for(fan, headers={"accept-language": language})
    text = visible_text(client.get(reverse("notifications"))).replace("\u00a0", " ")
    assert expected in text
    assert text.count(proposal.title) == 2  # planned, then done: one line each
