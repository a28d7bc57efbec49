"""Work after commit (broadcasts, indexing, e-mails, cache) never fails the request whose data committed:
a callback that raises is logged by name, with its traceback, and the next callbacks still run."""

import logging

import pytest
from django.db import transaction

from cocreate.transactions import after_commit
from tests.support import factories

pytestmark = pytest.mark.django_db(transaction=True)


def broken(proposal_id: int) -> None:
    raise ConnectionError(f"the channel layer is down ({proposal_id})")


def test_a_failing_callback_is_logged_and_the_others_still_run(caplog):
    ran = []
    with caplog.at_level(logging.ERROR, logger="django.db.backends.base"), transaction.atomic():
        proposal = factories.ProposalFactory()
        after_commit(broken, proposal.pk)
        after_commit(ran.append, "after")
    assert ran == ["after"]
    [record] = [r for r in caplog.records if "broken" in r.getMessage()]
    assert "Error calling broken in on_commit()" in record.getMessage()
    assert record.exc_info[0] is ConnectionError


def test_outside_a_transaction_it_runs_at_once():
    ran = []
    after_commit(ran.append, 1)
    assert ran == [1]
