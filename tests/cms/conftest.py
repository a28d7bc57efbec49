import pytest
from django.test import Client

from tests.support import factories


@pytest.fixture
def client_as():
    def make(user) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def index(db):
    """The consultation list, under which officials add consultations."""
    return factories.site_root()


@pytest.fixture
def official(index):
    # After the site root: the role groups get their page permissions on the consultation list.
    return factories.official()


@pytest.fixture
def pending(db):
    """A proposal waiting in the queue of a pre-moderated consultation."""
    page = factories.consultation(moderation="pre", title="Housing allowance")
    return factories.ProposalFactory(consultation=page, visibility="pending", published_at=None)


@pytest.fixture
def published(consultation):
    return factories.ProposalFactory(consultation=consultation)
