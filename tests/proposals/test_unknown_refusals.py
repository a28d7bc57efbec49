"""A refusal code that a service has no error for yet (a new rule added to proposals.permissions) is refused
all the same (cocreate.exceptions.refuse): 403 with that code, and nothing written. Each case makes one
permission predicate answer a code no service knows, then tries the write it guards through the API; each
`write` returns the answer and how many rows it changed."""

import pytest

from proposals import permissions
from proposals.models import CheckIn, Comment, Proposal
from tests.support import factories
from tests.support.api import assert_error, client_for
from votes.models import Support
from votes.services import support_add

pytestmark = pytest.mark.django_db

NEW = "something_new"


def _support(citizen, refuse):
    proposal = factories.ProposalFactory()
    refuse()
    response = client_for(citizen).post(f"/api/v1/proposals/{proposal.pk}/support/")
    return response, Support.objects.count()


def _withdraw(citizen, refuse):
    proposal = factories.ProposalFactory()
    support_add(user=citizen, proposal=proposal)
    refuse()
    response = client_for(citizen).delete(f"/api/v1/proposals/{proposal.pk}/support/")
    return response, 1 - Support.objects.count()  # 0: the support stays


def _submit(citizen, refuse):
    body = {"consultation": factories.consultation().pk, "title": "A call back", "summary": "s", "body": "b"}
    refuse()
    return client_for(citizen).post("/api/v1/proposals/", body, format="json"), Proposal.objects.count()


def _comment(citizen, refuse):
    proposal = factories.ProposalFactory()
    refuse()
    response = client_for(citizen).post(f"/api/v1/proposals/{proposal.pk}/comments/", {"body": "Yes."})
    return response, Comment.objects.count()


def _check_in(citizen, refuse):
    consultation = factories.consultation(stages=("Apply online",))
    body = {"frustration": 4, "motivation": 2, "gave_up": False}
    url = f"/api/v1/consultations/{consultation.pk}/checkins/apply-online/"
    refuse()
    return client_for(citizen).put(url, body, format="json"), CheckIn.objects.count()


@pytest.mark.parametrize(
    ("predicate", "write"),
    [
        ("support_change_refusal", _support),
        ("support_change_refusal", _withdraw),
        ("level_refusal", _support),  # what the consultation asks: only a new support
        ("submit_refusal", _submit),
        ("level_refusal", _submit),
        ("comment_refusal", _comment),
        ("checkin_refusal", _check_in),
    ],
)
def test_an_unknown_refusal_is_a_403_with_its_code_and_writes_nothing(monkeypatch, citizen, predicate, write):
    response, written = write(
        citizen, lambda: monkeypatch.setattr(permissions, predicate, lambda *a, **k: NEW)
    )
    assert assert_error(response, 403, NEW)["message"] == "You are not allowed to do this."
    assert written == 0


def test_the_refusal_is_said_in_french(monkeypatch, citizen):
    monkeypatch.setattr(permissions, "comment_refusal", lambda *args, **kwargs: NEW)
    proposal = factories.ProposalFactory()
    client = client_for(citizen)
    response = client.post(
        f"/api/v1/proposals/{proposal.pk}/comments/", {"body": "Oui."}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert assert_error(response, 403, NEW)["message"] == "Vous n’avez pas le droit de faire ceci."
