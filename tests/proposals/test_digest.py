"""The officials' daily digest: thresholds crossed in the last 24 hours, responses overdue and due within
7 days, per consultation, with admin links, in each official's language; nothing sent when nothing to say."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import formats, timezone, translation

from proposals.models import Visibility
from proposals.notifications import digest_groups
from tests.support import factories
from votes.merging import proposals_merge

pytestmark = pytest.mark.django_db

SITE_URL = "https://participate.example.org"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL


def promised(consultation, title, *, reached_hours_ago, due_in_days, responded=False, **fields):
    now = timezone.now()
    return factories.ProposalFactory(
        consultation=consultation,
        title=title,
        threshold_reached_at=now - timedelta(hours=reached_hours_ago),
        response_due_at=now + timedelta(days=due_in_days),
        responded_at=now if responded else None,
        **fields,
    )


def digest(stdout=None) -> list:
    call_command("send_digest", stdout=stdout or StringIO())
    return mail.outbox


@pytest.fixture
def officials():
    return factories.official(first_name="Claire", last_name="Martin"), factories.official(language="fr")


def test_the_digest_lists_what_needs_a_response(officials):
    benefits = factories.consultation(title="Unemployment benefit")
    housing = factories.consultation(title="Housing allowance")
    crossed = promised(benefits, "Pay within two weeks", reached_hours_ago=3, due_in_days=30)
    overdue = promised(housing, "One form for all", reached_hours_ago=24 * 40, due_in_days=-2)
    soon = promised(benefits, "A call-back service", reached_hours_ago=24 * 25, due_in_days=5)
    promised(benefits, "Already answered", reached_hours_ago=24 * 40, due_in_days=-2, responded=True)
    promised(benefits, "Not urgent yet", reached_hours_ago=48, due_in_days=20)
    promised(benefits, "Answered, then crossed", reached_hours_ago=2, due_in_days=30, responded=True)
    promised(benefits, "Hidden since", reached_hours_ago=2, due_in_days=30, visibility=Visibility.HIDDEN)
    factories.ProposalFactory(consultation=benefits, title="Below the threshold")

    english = next(m for m in digest() if m.to == [officials[0].email])

    body = english.body
    assert english.subject.endswith(": 1 new over threshold, 1 overdue, 1 due this week")
    assert "Hello Claire Martin," in body
    for proposal in (crossed, overdue, soon):
        assert proposal.title in body
        assert f"{SITE_URL}/cms/proposals/{proposal.pk}/" in body
    for title in (
        "Already answered",
        "Answered, then crossed",
        "Not urgent yet",
        "Hidden since",
        "Below the threshold",
    ):
        assert title not in body
    # Grouped by consultation, in title order, each proposal under its own.
    assert (
        body.index("== Housing allowance ==")
        < body.index("One form for all")
        < body.index("== Unemployment benefit ==")
    )
    assert body.index("== Unemployment benefit ==") < body.index("Pay within two weeks")
    assert body.index("Reached the support threshold") < body.index("Pay within two weeks")
    assert body.index("Responses due in the next 7 days:") < body.index("A call-back service")
    assert "Responses overdue:" in body


def test_a_merged_duplicate_is_not_asked_a_response(officials):
    # A threshold of 0 is met with no support: the merge cannot withdraw the duplicate's promise. Before,
    # the digest asked the officials for its response, overdue, beside the target's.
    page = factories.consultation(support_threshold=0)
    target = promised(page, "Longer opening hours", reached_hours_ago=24 * 40, due_in_days=5)
    duplicate = promised(page, "Open the office later", reached_hours_ago=24 * 40, due_in_days=-2)
    proposals_merge(actor=officials[0], target=target, sources=[duplicate], reason="The same.")
    [group] = digest_groups()
    assert (group.crossed, group.overdue, group.due_soon) == ([], [], [target])


def test_every_official_and_superuser_with_an_address_gets_it_in_their_language(officials):
    admin = factories.citizen(is_superuser=True, is_staff=True)
    no_address = factories.official(email="")
    factories.official(is_active=False)
    citizen, moderator = factories.citizen(), factories.moderator()
    proposal = promised(factories.consultation(), "Pay within two weeks", reached_hours_ago=1, due_in_days=30)

    sent = digest()

    assert sorted(m.to[0] for m in sent) == sorted([officials[0].email, officials[1].email, admin.email])
    for nobody in (no_address, citizen, moderator):
        assert [nobody.email] not in [m.to for m in sent]
    due = timezone.localtime(proposal.response_due_at)
    with translation.override("fr"):
        french_due = formats.date_format(due, "DATE_FORMAT")
    with translation.override("en"):
        english_due = formats.date_format(due, "DATE_FORMAT")
    assert french_due in next(m for m in sent if m.to == [officials[1].email]).body
    assert english_due in next(m for m in sent if m.to == [officials[0].email]).body


def test_nothing_to_say_sends_nothing(officials):
    consultation = factories.consultation()
    factories.ProposalFactory(consultation=consultation)
    promised(consultation, "Crossed two days ago", reached_hours_ago=48, due_in_days=20)
    out = StringIO()

    assert digest(out) == []
    assert "no digest sent" in out.getvalue()


def test_each_official_reads_the_consultations_names_in_their_language(officials):
    benefits = factories.consultation(title="Unemployment benefit")
    factories.translation(benefits, factories.french(), title="Allocation chômage")
    housing = factories.consultation(title="Housing allowance", slug="housing")  # not translated
    promised(benefits, "Pay within two weeks", reached_hours_ago=3, due_in_days=30)
    promised(housing, "One form for all", reached_hours_ago=3, due_in_days=30)

    sent = digest()
    english = next(m for m in sent if m.to == [officials[0].email]).body
    french = next(m for m in sent if m.to == [officials[1].email]).body

    assert english.index("== Housing allowance ==") < english.index("== Unemployment benefit ==")
    assert "Allocation chômage" not in english
    # In French, in the order of the French names; the one not translated keeps its own.
    assert french.index("== Allocation chômage ==") < french.index("== Housing allowance ==")
    assert "== Unemployment benefit ==" not in french
