"""Fixtures that tests in several folders ask for by name: a pytest plugin (tests/conftest.py registers
it in `pytest_plugins`), so no test module imports them."""

import pytest
import redis
from django.conf import settings

from proposals.models import Visibility
from proposals.services import response_publish
from tests.support import factories


@pytest.fixture
def queue(consultation, official):
    """Proposals awaiting a response: two overdue, two due later, and those that must not be listed."""
    other = factories.consultation(title="Housing allowance")
    made = {
        "later": factories.promised(
            consultation, due_in_days=20.5, title="Due in twenty days", supports_count=130
        ),
        "soon": factories.promised(other, due_in_days=2.5, title="Due in two days", supports_count=101),
        "very late": factories.promised(
            consultation, due_in_days=-9.5, title="Nine days late", supports_count=300
        ),
        "late": factories.promised(other, due_in_days=-1.5, title="A day late", supports_count=120),
    }
    answered = factories.promised(consultation, due_in_days=-3, title="Answered already")
    response_publish(actor=official, proposal=answered, body="Our answer.")
    factories.promised(consultation, due_in_days=5, title="Hidden one", visibility=Visibility.HIDDEN)
    factories.ProposalFactory(consultation=consultation, title="Not reached", supports_count=10)
    return made


@pytest.fixture
def fresh_allauth_limits():
    """allauth's counters live in the shared cache too (its own key prefix): the test starts with none.
    Modules of sign-in tests use it for every test (`pytest.mark.usefixtures`)."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match="*allauth:rl:*", count=1000):
        client.delete(key)


@pytest.fixture
def quick_proof(settings):  # pytest-django's, changed for the test only
    """Proofs of work (cocreate/accounts/proof.py) that a test solves in a few milliseconds."""
    settings.PROOF_OF_WORK_MAX_NUMBER = 2000


@pytest.fixture
def strict_without_proof(settings):
    """One form without a proof of work per address and hour, for the sign-up and the reset request each."""
    settings.ACCOUNT_RATE_LIMITS = settings.ACCOUNT_RATE_LIMITS | {
        "signup_without_proof": "1/h/ip",
        "reset_password_without_proof": "1/h/ip",
    }


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files go to a folder of the test's own (the default storage is the disk under MEDIA_ROOT);
    tests.support.files.stored(media) lists what was kept there."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# Two people and a proposal, for the co-authors' tests (services, API and pages). A module that defines
# its own `author` or `proposal` uses its own.
@pytest.fixture
def author():
    """Ana, a citizen: the first author of `proposal`."""
    return factories.citizen(display_name="Ana", email="ana@example.org")


@pytest.fixture
def proposal(author):
    return factories.ProposalFactory(author=author)


@pytest.fixture
def ben():
    """Ben, a citizen: the one Ana invites."""
    return factories.citizen(display_name="Ben", email="ben@example.org")
