"""A proposal's supports standing at the end of each day (votes.selectors.supports_by_day): the days
without supports, withdrawn and anonymised supports, the site's calendar, and one query however many."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from proposals.models import Proposal, Visibility
from tests.support import factories
from tests.support.factories import at
from votes.models import Support
from votes.selectors import supports_by_day
from votes.services import support_add, support_withdraw

pytestmark = pytest.mark.django_db

NOV_3 = date(2026, 11, 3)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 11, tzinfo=UTC)  # 12:00 in Paris in winter


def published_on(day: date, **fields) -> Proposal:
    return factories.ProposalFactory(published_at=noon(day), **fields)


def test_every_day_from_publication_the_quiet_ones_too():
    proposal = published_on(NOV_3)
    at(noon(NOV_3), proposal, 2)
    at(noon(NOV_3 + timedelta(days=3)), proposal, 1)

    days = supports_by_day(proposal=proposal, until=NOV_3 + timedelta(days=5))

    assert days == [
        (date(2026, 11, 3), 2),
        (date(2026, 11, 4), 2),
        (date(2026, 11, 5), 2),
        (date(2026, 11, 6), 3),
        (date(2026, 11, 7), 3),
        (date(2026, 11, 8), 3),
    ]


def test_a_proposal_without_supports_stays_at_zero_until_today():
    proposal = factories.ProposalFactory(published_at=timezone.now() - timedelta(days=2))

    days = supports_by_day(proposal=proposal)

    assert [n for _day, n in days] == [0, 0, 0]
    assert days[-1][0] == timezone.localdate()


def test_a_closed_consultation_ends_on_its_closing_day():
    consultation = factories.consultation(open_now=False)  # closed yesterday
    proposal = factories.ProposalFactory(
        consultation=consultation, published_at=timezone.now() - timedelta(days=10)
    )
    at(timezone.now() - timedelta(days=5), proposal, 4)

    days = supports_by_day(proposal=proposal)

    assert days[-1] == (timezone.localdate(consultation.closes_at), 4)
    assert (
        len(days)
        == (timezone.localdate(consultation.closes_at) - timezone.localdate(proposal.published_at)).days + 1
    )


def test_a_withdrawn_support_is_gone_and_the_last_day_is_the_count(citizen):
    proposal = factories.ProposalFactory(published_at=timezone.now() - timedelta(days=1))
    others = [factories.citizen() for _ in range(3)]
    for user in [citizen, *others]:
        support_add(user=user, proposal=proposal)
    support_withdraw(user=citizen, proposal=proposal)

    days = supports_by_day(proposal=proposal)

    proposal.refresh_from_db()
    assert days[-1] == (timezone.localdate(), 3) and proposal.supports_count == 3


def test_an_anonymised_support_still_counts():
    proposal = factories.ProposalFactory(published_at=timezone.now())
    leaving, staying = factories.citizen(), factories.citizen()
    support_add(user=leaving, proposal=proposal)
    support_add(user=staying, proposal=proposal)
    leaving.delete()

    assert Support.objects.filter(proposal=proposal, user=None).count() == 1
    assert supports_by_day(proposal=proposal) == [(timezone.localdate(), 2)]


def test_days_are_those_of_the_sites_calendar(settings):
    assert settings.TIME_ZONE == "Europe/Paris"  # UTC+1 in November
    proposal = published_on(NOV_3)
    at(datetime(2026, 11, 3, 22, 59, tzinfo=UTC), proposal)  # 23:59 on 3 November in Paris
    at(datetime(2026, 11, 3, 23, 0, tzinfo=UTC), proposal, 2)  # midnight: 4 November in Paris
    at(datetime(2026, 11, 4, 22, 30, tzinfo=UTC), proposal)  # 23:30 on 4 November

    assert supports_by_day(proposal=proposal, until=date(2026, 11, 5)) == [
        (date(2026, 11, 3), 1),
        (date(2026, 11, 4), 4),
        (date(2026, 11, 5), 4),
    ]


def test_publication_late_in_the_evening_starts_on_that_local_day():
    proposal = factories.ProposalFactory(
        published_at=datetime(2026, 11, 2, 23, 30, tzinfo=UTC)
    )  # 00:30, 3 Nov

    assert supports_by_day(proposal=proposal, until=NOV_3) == [(NOV_3, 0)]


def test_a_proposal_never_published_has_no_days():
    proposal = factories.ProposalFactory(visibility=Visibility.PENDING, published_at=None)

    assert supports_by_day(proposal=proposal) == []


@pytest.mark.parametrize("supports", [2, 40])
def test_one_query_however_many_supports(django_assert_num_queries, supports):
    proposal = published_on(NOV_3)
    for i in range(supports):
        at(noon(NOV_3 + timedelta(days=i % 7)), proposal)
    proposal = Proposal.objects.select_related("consultation").get(pk=proposal.pk)

    with django_assert_num_queries(1):
        days = supports_by_day(proposal=proposal)

    assert days[-1][1] == supports
