"""The proposal tools in the Wagtail admin, for each role both ways. A refused request writes nothing."""

from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from cms.backoffice.wagtail_hooks import ProposalsMenuItem
from proposals.models import AuditEntry, OfficialResponse, Proposal, Status, Visibility
from tests.support import factories
from tests.support.factories import admin_only_user

pytestmark = pytest.mark.django_db

INDEX = reverse("cms_proposals:index")
LOGIN = reverse("wagtailadmin_login")


def url(name: str, proposal: Proposal) -> str:
    return reverse(f"cms_proposals:{name}", args=[proposal.pk])


def writes() -> tuple[int, int, int]:
    return (
        AuditEntry.objects.moderation().count(),
        AuditEntry.objects.status_changes().count(),
        OfficialResponse.objects.count(),
    )


# --- who gets in ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["index", "detail"])
def test_anonymous_is_sent_to_log_in(client_as, pending, name):
    target = INDEX if name == "index" else url("detail", pending)
    response = client_as(None).get(target)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("name", ["moderate", "status", "respond"])
def test_anonymous_post_is_sent_to_log_in_and_writes_nothing(client_as, pending, name):
    response = client_as(None).post(
        url(name, pending), {"action": "approve", "status": "accepted", "body": "x"}
    )
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert writes() == (0, 0, 0)


@pytest.mark.parametrize("name", ["index", "detail"])
def test_citizen_has_no_access(client_as, citizen, pending, name):
    target = INDEX if name == "index" else url("detail", pending)
    response = client_as(citizen).get(target)
    # No admin access at all: Wagtail sends them to its log-in page.
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_citizen_cannot_moderate(client_as, citizen, pending):
    response = client_as(citizen).post(url("moderate", pending), {"action": "approve"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.visibility == Visibility.PENDING and writes() == (0, 0, 0)


def test_admin_user_without_a_role_gets_403(client_as, pending):
    client = client_as(admin_only_user())
    assert client.get(INDEX).status_code == 403
    assert client.get(url("detail", pending)).status_code == 403
    assert client.post(url("moderate", pending), {"action": "approve"}).status_code == 403
    pending.refresh_from_db()
    assert pending.visibility == Visibility.PENDING and writes() == (0, 0, 0)


def test_menu_item_only_for_moderators_and_officials(citizen, moderator, official):
    item = ProposalsMenuItem("Proposals", INDEX)
    request = RequestFactory().get("/cms/")
    for user, shown in [(citizen, False), (admin_only_user(), False), (moderator, True), (official, True)]:
        request.user = user
        assert item.is_shown(request) is shown


def test_menu_item_is_in_the_moderators_sidebar(client_as, moderator):
    assert INDEX in client_as(moderator).get(reverse("wagtailadmin_home")).content.decode()


# --- moderators ----------------------------------------------------------------------------------------


def test_queue_lists_pending_oldest_first(client_as, moderator, consultation):
    now = timezone.now()
    titles = ["Newest pending", "Oldest pending", "Middle pending"]
    for title, age in zip(titles, [1, 30, 10], strict=True):
        proposal = factories.ProposalFactory(
            consultation=consultation, title=title, visibility=Visibility.PENDING, published_at=None
        )
        # created_at is set on insert; moved back here to give each one its age.
        Proposal.objects.filter(pk=proposal.pk).update(created_at=now - timedelta(days=age))
    factories.ProposalFactory(consultation=consultation, title="Already published")
    factories.ProposalFactory(consultation=consultation, title="Already hidden", visibility=Visibility.HIDDEN)

    response = client_as(moderator).get(INDEX)
    assert response.status_code == 200
    assert [entry.item.title for entry in response.context["items"]] == [
        "Oldest pending",
        "Middle pending",
        "Newest pending",
    ]
    html = response.content.decode()
    assert html.index("Oldest pending") < html.index("Middle pending") < html.index("Newest pending")
    assert "Already published" not in html and "Already hidden" not in html


def test_consultation_tab_lists_every_proposal_with_status_and_supports(client_as, moderator, consultation):
    factories.ProposalFactory(consultation=consultation, title="Popular one", supports_count=42)
    factories.ProposalFactory(consultation=consultation, title="Hidden one", visibility=Visibility.HIDDEN)
    factories.ProposalFactory(title="Another consultation's")
    response = client_as(moderator).get(INDEX, {"consultation": consultation.pk})
    assert response.status_code == 200
    assert [p.title for p in response.context["proposals"]] == ["Popular one", "Hidden one"]
    html = response.content.decode()
    assert "42" in html and "Hidden by moderation" in html and "Open for support" in html


@pytest.mark.parametrize("value", ["abc", "999999", ""])
def test_consultation_tab_with_a_bad_id_is_a_form_error(client_as, moderator, published, value):
    response = client_as(moderator).get(INDEX, {"consultation": value})
    assert response.status_code == 200
    assert response.context["filter_form"].errors and not response.context["proposals"]


def test_moderator_approves(client_as, moderator, pending):
    response = client_as(moderator).post(url("moderate", pending), {"action": "approve", "next": INDEX})
    assert response.status_code == 302 and response["Location"] == INDEX
    pending.refresh_from_db()
    assert pending.visibility == Visibility.PUBLISHED and pending.published_at is not None
    decision = AuditEntry.objects.moderation().get()
    assert decision.actor == moderator and decision.action == "approved"


def test_moderator_hides_with_a_reason(client_as, moderator, published):
    response = client_as(moderator).post(
        url("moderate", published), {"action": "hide", "reason": "Names a member of staff."}
    )
    assert response.status_code == 302 and response["Location"] == url("detail", published)
    published.refresh_from_db()
    assert published.visibility == Visibility.HIDDEN
    assert published.moderation_reason == "Names a member of staff."


@pytest.mark.parametrize("reason", ["", "   "])
def test_hide_without_reason_is_a_form_error_and_writes_nothing(client_as, moderator, pending, reason):
    response = client_as(moderator).post(url("moderate", pending), {"action": "hide", "reason": reason})
    assert response.status_code == 200
    assert response.context["moderation_form"].errors["reason"] == ["A reason is required."]
    assert "A reason is required." in response.content.decode()
    pending.refresh_from_db()
    assert pending.visibility == Visibility.PENDING and writes() == (0, 0, 0)


@pytest.mark.parametrize(
    "data",
    [{"action": "delete"}, {}, {"action": "hide", "reason": "x" * 501}],
    ids=["unknown", "none", "long"],
)
def test_bad_moderation_input_is_a_form_error(client_as, moderator, pending, data):
    response = client_as(moderator).post(url("moderate", pending), data)
    assert response.status_code == 200 and response.context["moderation_form"].errors
    pending.refresh_from_db()
    assert pending.visibility == Visibility.PENDING and writes() == (0, 0, 0)


def test_moderator_sees_the_proposal_without_official_forms(client_as, moderator, published):
    response = client_as(moderator).get(url("detail", published))
    assert response.status_code == 200
    html = response.content.decode()
    assert url("moderate", published) in html
    assert url("status", published) not in html and url("respond", published) not in html


def test_moderator_cannot_set_status(client_as, moderator, published):
    response = client_as(moderator).post(url("status", published), {"status": Status.ACCEPTED, "note": "Yes"})
    assert response.status_code == 403
    published.refresh_from_db()
    assert published.status == Status.OPEN and writes() == (0, 0, 0)


def test_moderator_cannot_respond(client_as, moderator, published):
    response = client_as(moderator).post(url("respond", published), {"body": "We agree.", "decision": ""})
    assert response.status_code == 403
    assert writes() == (0, 0, 0)


# --- officials -----------------------------------------------------------------------------------------


def test_official_sees_every_form(client_as, official, published):
    html = client_as(official).get(url("detail", published)).content.decode()
    assert all(url(name, published) in html for name in ("moderate", "status", "respond"))


def test_official_moderates(client_as, official, pending):
    assert client_as(official).post(url("moderate", pending), {"action": "approve"}).status_code == 302
    pending.refresh_from_db()
    assert pending.visibility == Visibility.PUBLISHED


def test_official_sets_status_with_a_note(client_as, official, published):
    response = client_as(official).post(
        url("status", published), {"status": Status.UNDER_REVIEW, "note": "Costing it."}
    )
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.status == Status.UNDER_REVIEW
    change = AuditEntry.objects.status_changes().get()
    assert (change.actor, change.from_value, change.reason) == (official, Status.OPEN, "Costing it.")


def test_unknown_status_is_a_form_error(client_as, official, published):
    response = client_as(official).post(url("status", published), {"status": "approved-ish"})
    assert response.status_code == 200 and "status" in response.context["status_form"].errors
    published.refresh_from_db()
    assert published.status == Status.OPEN and writes() == (0, 0, 0)


def test_official_responds_with_a_decision(client_as, official, published):
    response = client_as(official).post(
        url("respond", published), {"body": "We will do it this year.", "decision": Status.ACCEPTED}
    )
    assert response.status_code == 302
    answer = OfficialResponse.objects.get()
    assert answer.author == official and answer.department == "Employment Services"
    published.refresh_from_db()
    assert published.status == Status.ACCEPTED


def test_official_responds_without_a_decision(client_as, official, published):
    assert (
        client_as(official).post(url("respond", published), {"body": "Thanks.", "decision": ""}).status_code
        == 302
    )
    published.refresh_from_db()
    assert OfficialResponse.objects.count() == 1 and published.status == Status.OPEN


@pytest.mark.parametrize("data", [{"body": ""}, {"body": "   "}, {"body": "ok", "decision": "maybe"}])
def test_bad_response_is_a_form_error(client_as, official, published, data):
    response = client_as(official).post(url("respond", published), data)
    assert response.status_code == 200 and response.context["response_form"].errors
    assert writes() == (0, 0, 0)


def test_response_to_a_pending_proposal_is_refused_on_the_form(client_as, official, pending):
    # The service refuses (the proposal is not published): its message shows on the form, nothing is written.
    response = client_as(official).post(url("respond", pending), {"body": "Too early."})
    assert response.status_code == 200
    assert (
        "Publish the proposal before responding to it."
        in response.context["response_form"].non_field_errors()
    )
    assert writes() == (0, 0, 0)


def test_superuser_is_an_official(client_as, published):
    admin = factories.citizen(is_superuser=True, is_staff=True)
    assert client_as(admin).post(url("status", published), {"status": Status.REJECTED}).status_code == 302


# --- requests ------------------------------------------------------------------------------------------


def test_unknown_proposal_is_404(client_as, official):
    assert client_as(official).get(reverse("cms_proposals:detail", args=[987654])).status_code == 404
    assert client_as(official).post(reverse("cms_proposals:moderate", args=[987654])).status_code == 404


def test_actions_are_post_only(client_as, official, pending):
    for name in ("moderate", "status", "respond"):
        assert client_as(official).get(url(name, pending)).status_code == 405


def test_next_url_must_be_on_this_site(client_as, moderator, pending):
    response = client_as(moderator).post(
        url("moderate", pending), {"action": "approve", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == url("detail", pending)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("moderate", {"action": "approve"}),
        ("status", {"status": Status.ACCEPTED}),
        ("respond", {"body": "Yes."}),
    ],
)
def test_csrf_is_enforced(official, pending, name, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(official)
    assert client.post(url(name, pending), data).status_code == 403
    pending.refresh_from_db()
    assert pending.visibility == Visibility.PENDING and writes() == (0, 0, 0)


def test_post_with_the_csrf_token_of_the_page_succeeds(official, pending):
    client = Client(enforce_csrf_checks=True)
    client.force_login(official)
    client.get(url("detail", pending))
    token = client.cookies["csrftoken"].value
    response = client.post(url("moderate", pending), {"action": "approve", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.visibility == Visibility.PUBLISHED
