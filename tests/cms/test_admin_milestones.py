"""The implementation steps on the officials' proposal page in the Wagtail admin: officials plan a step and
move it forward, with the errors on the form; everyone else is refused; a refused or bad post writes
nothing."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from proposals.models import AuditEntry, Follow, Milestone, Notification, Status
from proposals.services import milestone_add, milestone_update
from tests.support import factories
from tests.support.factories import admin_only_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("wagtailadmin_login")


def today():
    return timezone.localdate()


def detail(proposal) -> str:
    return reverse("cms_proposals:detail", args=[proposal.pk])


def add_url(proposal) -> str:
    return reverse("cms_proposals:milestone_add", args=[proposal.pk])


def update_url(milestone) -> str:
    return reverse("cms_proposals:milestone_update", args=[milestone.proposal_id, milestone.pk])


def written() -> tuple:
    return (
        list(Milestone.objects.order_by("pk").values()),
        AuditEntry.objects.count(),
        Notification.objects.count(),
    )


@pytest.fixture
def accepted(consultation):
    return factories.ProposalFactory(consultation=consultation, status=Status.ACCEPTED, title="Pay sooner")


@pytest.fixture
def step(accepted, official):
    return milestone_add(
        actor=official, proposal=accepted, title="Form tested", planned_for=today() + timedelta(days=10)
    )


# Who may


@pytest.mark.parametrize("who", ["anonymous", "citizen", "admin only", "moderator"])
def test_only_officials_plan_steps(who, client_as, accepted):
    user = {
        "anonymous": lambda: None,
        "citizen": factories.citizen,
        "admin only": admin_only_user,
        "moderator": factories.moderator,
    }[who]()
    before = written()
    response = client_as(user).post(add_url(accepted), {"title": "Sneaky", "planned_for": "2027-03-01"})
    if who in ("anonymous", "citizen"):
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    else:
        assert response.status_code == 403
    assert written() == before


@pytest.mark.parametrize("who", ["anonymous", "citizen", "admin only", "moderator"])
def test_only_officials_move_steps(who, client_as, step):
    user = {
        "anonymous": lambda: None,
        "citizen": factories.citizen,
        "admin only": admin_only_user,
        "moderator": factories.moderator,
    }[who]()
    before = written()
    response = client_as(user).post(update_url(step), {"state": "done"})
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith(LOGIN)
    assert written() == before


def test_a_moderator_sees_the_steps_but_no_forms(client_as, moderator, step):
    html = client_as(moderator).get(detail(step.proposal)).content.decode()
    assert "Form tested" in html
    assert add_url(step.proposal) not in html and update_url(step) not in html
    assert "Only officials plan and follow the implementation." in html


def test_an_official_sees_the_forms(client_as, official, step):
    html = client_as(official).get(detail(step.proposal)).content.decode()
    assert add_url(step.proposal) in html and update_url(step) in html
    assert "<legend>Plan a step</legend>" in html
    assert 'id="id_milestone_title"' in html and f'id="id_milestone_{step.pk}_state"' in html


def test_no_form_to_plan_before_the_proposal_is_accepted(client_as, official, consultation):
    proposal = factories.ProposalFactory(consultation=consultation)
    html = client_as(official).get(detail(proposal)).content.decode()
    assert add_url(proposal) not in html
    assert "Steps are planned once the proposal is published and accepted." in html


# Planning and moving forward


def test_an_official_plans_a_step(client_as, official, accepted):
    fan = factories.citizen()
    Follow.objects.create(user=fan, proposal=accepted)
    client = client_as(official)
    response = client.post(
        add_url(accepted), {"title": "Form tested", "planned_for": "2027-03-01", "note": "Ten claimants."}
    )
    assert response.status_code == 302 and response["Location"] == detail(accepted)
    milestone = Milestone.objects.get()
    assert (milestone.title, milestone.planned_for.isoformat(), milestone.note) == (
        "Form tested",
        "2027-03-01",
        "Ten claimants.",
    )
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [fan.pk]
    page = client.get(detail(accepted)).content.decode()
    assert "The step “Form tested” is planned; the proposal&#x27;s followers are told." in page
    assert "Implementation step planned: “Form tested”" in page  # the audit trail


def test_an_official_starts_then_completes_a_step(client_as, official, step):
    client = client_as(official)
    yesterday = (today() - timedelta(days=1)).isoformat()
    assert client.post(update_url(step), {"state": "in_progress", "on": yesterday}).status_code == 302
    assert client.post(update_url(step), {"state": "done", "note": "Live."}).status_code == 302
    step.refresh_from_db()
    assert (step.state, step.started_on.isoformat(), step.done_on, step.note) == (
        "done",
        yesterday,
        today(),
        "Live.",
    )
    html = client.get(detail(step.proposal)).content.decode()
    assert update_url(step) not in html  # done is final: no form any more


def test_an_official_reschedules_a_step(client_as, official, step):
    response = client_as(official).post(update_url(step), {"state": "", "planned_for": "2027-06-01"})
    assert response.status_code == 302
    step.refresh_from_db()
    assert (step.state, step.planned_for.isoformat()) == ("planned", "2027-06-01")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "", "planned_for": "2027-03-01"}, "title"),
        ({"title": "x" * 141, "planned_for": "2027-03-01"}, "title"),
        ({"title": "Step", "planned_for": "March"}, "planned_for"),
        ({"title": "Step", "planned_for": "2027-03-01", "note": "x" * 1001}, "note"),
    ],
)
def test_bad_steps_are_form_errors(data, field, client_as, official, accepted):
    before = written()
    response = client_as(official).post(add_url(accepted), data)
    assert response.status_code == 200
    assert field in response.context["milestone_add_form"].errors
    assert "The proposal was not changed: see the errors below." in response.content.decode()
    assert written() == before


@pytest.mark.parametrize(
    ("first", "data", "field"),
    [
        (None, {"state": "done", "on": (timezone.localdate() + timedelta(days=1)).isoformat()}, "on"),
        (None, {"state": "done", "on": "someday"}, "on"),
        (None, {"state": "finished"}, "state"),
        (None, {"state": "", "planned_for": ""}, None),
        ("in_progress", {"state": "in_progress"}, None),
        ("done", {"state": "done"}, None),
    ],
)
def test_refused_changes_are_errors_on_that_steps_form(first, data, field, client_as, official, step):
    other = milestone_add(actor=official, proposal=step.proposal, title="Another", planned_for=today())
    if first:
        milestone_update(actor=official, milestone_id=step.pk, state=first)
    before = written()
    response = client_as(official).post(update_url(step), data)
    # A done step has no form on the page any more; a post from an older page is still told why.
    assert response.status_code == 200
    forms = {m.pk: form for m, form in response.context["milestones"]}
    errors = forms[step.pk].errors
    assert (field in errors) if field else errors.get("__all__")
    assert not forms[other.pk].is_bound  # only the step that was posted shows errors
    assert written() == before


def test_a_step_of_another_proposal_is_not_found(client_as, official, step, consultation):
    other = factories.ProposalFactory(consultation=consultation, status=Status.ACCEPTED)
    before = written()
    url = reverse("cms_proposals:milestone_update", args=[other.pk, step.pk])
    assert client_as(official).post(url, {"state": "done"}).status_code == 404
    assert written() == before


def test_a_rejected_proposal_takes_no_step(client_as, official, consultation):
    proposal = factories.ProposalFactory(consultation=consultation, status=Status.REJECTED)
    before = written()
    response = client_as(official).post(add_url(proposal), {"title": "Step", "planned_for": "2027-03-01"})
    assert response.status_code == 200
    assert response.context["milestone_add_form"].errors["__all__"] == [
        "Only an accepted proposal has implementation steps: accept it first."
    ]
    assert written() == before


def test_csrf_is_enforced(official, accepted, step):
    client = Client(enforce_csrf_checks=True)
    client.force_login(official)
    before = written()
    assert client.post(add_url(accepted), {"title": "Step", "planned_for": "2027-03-01"}).status_code == 403
    assert client.post(update_url(step), {"state": "done"}).status_code == 403
    assert written() == before
    client.get(detail(accepted))
    token = client.cookies["csrftoken"].value
    response = client.post(update_url(step), {"state": "done", "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_the_forms_speak_french(client_as, official, step):
    official.language = "fr"
    official.save(update_fields=["language"])
    with translation.override("fr"):
        html = client_as(official).get(detail(step.proposal), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    html = html.replace("\u00a0", " ")
    assert "Mise en œuvre" in html and "Planifier une étape" in html and "Nouvel état" in html
