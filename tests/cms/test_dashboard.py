"""The officials' dashboard of a consultation: who may see it, and that its figures are right (counts by
status, responses awaited and overdue, the median time to respond, supports per day)."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cms.backoffice.selectors import awaiting_counts, consultations_with_promises
from proposals.models import Proposal, Status, Visibility
from tests.support import factories
from tests.support.factories import admin_only_user, answered, awaiting, support_on
from tests.support.pages import chart_table, figure, visible_text
from votes.merging import proposals_merge

pytestmark = pytest.mark.django_db

INDEX = reverse("cms_promises:dashboards")
LOGIN = reverse("wagtailadmin_login")


def read(proposal) -> Proposal:
    return Proposal.objects.get(pk=proposal.pk)


def dashboard(consultation) -> str:
    return reverse("cms_promises:dashboard", args=[consultation.pk])


# --- who gets in -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["index", "dashboard"])
def test_anonymous_and_citizens_are_sent_to_log_in(client_as, citizen, consultation, which):
    target = INDEX if which == "index" else dashboard(consultation)
    for user in (None, citizen):
        response = client_as(user).get(target)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("which", ["index", "dashboard"])
def test_moderators_and_other_admin_users_are_refused(client_as, moderator, consultation, which):
    target = INDEX if which == "index" else dashboard(consultation)
    for user in (moderator, admin_only_user()):
        response = client_as(user).get(target)
        assert response.status_code == 403
        assert "Median time to respond" not in response.content.decode()


@pytest.mark.parametrize("which", ["index", "dashboard"])
def test_officials_and_admins_get_in(client_as, official, consultation, which):
    target = INDEX if which == "index" else dashboard(consultation)
    admin = factories.citizen(is_superuser=True, is_staff=True)
    for user in (official, admin):
        assert client_as(user).get(target).status_code == 200


def test_an_unknown_consultation_is_not_found(client_as, official, moderator):
    unknown = reverse("cms_promises:dashboard", args=[999_999])
    assert client_as(official).get(unknown).status_code == 404
    assert client_as(moderator).get(unknown).status_code == 403  # refused before any look-up


def test_the_index_lets_the_official_choose_a_consultation(client_as, official, consultation):
    other = factories.consultation(title="Housing allowance")
    awaiting(other, due_in_days=-2)
    awaiting(other, due_in_days=3)
    response = client_as(official).get(INDEX)
    html = response.content.decode()
    assert f'href="{dashboard(consultation)}"' in html and f'href="{dashboard(other)}"' in html
    assert re.search(r"Housing allowance 2 2 1", visible_text(response))


def test_the_awaiting_view_links_to_the_dashboards(client_as, official):
    assert f'href="{INDEX}"' in client_as(official).get(reverse("cms_promises:awaiting")).content.decode()


# --- the figures -------------------------------------------------------------------------------------------


def test_counts_by_status_and_visibility(client_as, official, consultation):
    for status, n in ((Status.OPEN, 3), (Status.UNDER_REVIEW, 1), (Status.REJECTED, 2)):
        for _ in range(n):
            factories.ProposalFactory(consultation=consultation, status=status)
    factories.ProposalFactory(consultation=consultation, visibility=Visibility.PENDING, published_at=None)
    factories.ProposalFactory(consultation=consultation, visibility=Visibility.HIDDEN, status=Status.OPEN)
    factories.ProposalFactory(status=Status.OPEN)  # another consultation's
    text = visible_text(client_as(official).get(dashboard(consultation)))
    assert "Open for support 3 " in text
    assert "Awaiting an official response 0 " in text
    assert "Under review 1 " in text
    assert "Accepted 0 " in text
    assert "Rejected 2 " in text
    assert "Not published: 1 waiting for moderation, 1 hidden." in text


def test_a_merged_duplicate_counts_in_no_status_and_awaits_nothing(client_as, official, consultation):
    # Before, the dashboard showed each duplicate under the status it was left with: 2 "open" too many
    # (the merge reopens one that awaited its response), 1 "accepted" too many.
    target = factories.ProposalFactory(consultation=consultation, status=Status.OPEN)
    overdue = awaiting(consultation, due_in_days=-3)
    accepted = answered(consultation, after=timedelta(days=2))
    duplicate = factories.ProposalFactory(consultation=consultation, status=Status.OPEN)
    proposals_merge(actor=official, target=target, sources=[overdue, accepted, duplicate], reason="Same.")
    response = client_as(official).get(dashboard(consultation))
    text = visible_text(response)
    assert "Open for support 1 " in text and "Accepted 0 " in text
    assert (figure(response, "awaiting"), figure(response, "overdue")) == ("0", "0")
    assert figure(response, "median") == "No responses yet"


def test_a_merged_duplicate_whose_promise_stays_awaits_nothing(client_as, official):
    # A threshold of 0 is met with no support: the merge cannot withdraw the duplicate's promise (and
    # makes the target's). Before, the official saw the duplicate's response awaited and overdue too:
    # 2 and 1 here, on the awaiting list, in the admin's panel and the consultations' list.
    consultation = factories.consultation(support_threshold=0)
    target = factories.ProposalFactory(consultation=consultation)
    duplicate = awaiting(consultation, due_in_days=-3)
    proposals_merge(actor=official, target=target, sources=[duplicate], reason="Same.")
    assert read(duplicate).response_due_at is not None
    client = client_as(official)
    response = client.get(dashboard(consultation))
    assert (figure(response, "awaiting"), figure(response, "overdue")) == ("1", "0")
    assert duplicate.title not in visible_text(client.get(reverse("cms_promises:awaiting")))
    assert awaiting_counts() == {"awaiting": 1, "overdue": 0}
    [row] = consultations_with_promises().filter(pk=consultation.pk)
    assert (row.awaiting, row.overdue) == (1, 0)


def test_a_merged_duplicate_whose_promise_stays_is_not_in_the_median(client_as, official):
    # Before, the median took the duplicate's 40 days: "21 days (over 1 response)".
    consultation = factories.consultation(support_threshold=0)
    target = answered(consultation, after=timedelta(days=2))
    duplicate = answered(consultation, after=timedelta(days=40))
    proposals_merge(actor=official, target=target, sources=[duplicate], reason="Same.")
    response = client_as(official).get(dashboard(consultation))
    assert figure(response, "median") == "2 days (over 1 response)"
    assert "Accepted 1 " in visible_text(response)


def test_responses_awaited_and_overdue(client_as, official, consultation):
    awaiting(consultation, due_in_days=-3)
    awaiting(consultation, due_in_days=-0.1)
    awaiting(consultation, due_in_days=4)
    answered(consultation, after=timedelta(days=40))  # late, but answered: not overdue any more
    response = client_as(official).get(dashboard(consultation))
    assert (figure(response, "awaiting"), figure(response, "overdue")) == ("3", "2")


def test_no_responses_yet(client_as, official, consultation):
    awaiting(consultation, due_in_days=4)
    assert figure(client_as(official).get(dashboard(consultation)), "median") == "No responses yet"


def test_the_median_of_an_odd_number_of_responses(client_as, official, consultation):
    for days in (2, 4, 10):
        answered(consultation, after=timedelta(days=days))
    awaiting(consultation, due_in_days=1)  # not answered: not in the median
    other = factories.consultation(title="Elsewhere")
    answered(other, after=timedelta(days=1))
    assert figure(client_as(official).get(dashboard(consultation)), "median") == "4 days (over 3 responses)"


def test_the_median_of_an_even_number_interpolates(client_as, official, consultation):
    for days in (2, 3, 9, 30):
        answered(consultation, after=timedelta(days=days))
    assert figure(client_as(official).get(dashboard(consultation)), "median") == "6 days (over 4 responses)"


def test_an_answer_before_the_threshold_counts_as_no_time(client_as, official, consultation):
    answered(consultation, after=-timedelta(days=5))
    answered(consultation, after=timedelta(hours=6))
    answered(consultation, after=timedelta(hours=20))
    assert figure(client_as(official).get(dashboard(consultation)), "median") == "6 hours (over 3 responses)"


def test_the_chart_table_has_the_supports_of_each_day(client_as, official, consultation):
    first, second = (factories.ProposalFactory(consultation=consultation) for _ in range(2))
    support_on(first, date(2026, 3, 1), 2)
    support_on(second, date(2026, 3, 1), 1)
    support_on(first, date(2026, 3, 3), 4)  # nothing on the 2nd: a day of zero
    support_on(factories.ProposalFactory(), date(2026, 3, 2), 5)  # another consultation's
    response = client_as(official).get(dashboard(consultation))
    assert chart_table(response) == [("2026-03-01", 3), ("2026-03-02", 0), ("2026-03-03", 4)]
    text = visible_text(response)
    assert "7 supports in all, at most 4 in a day." in text


def test_the_chart_is_an_image_with_a_name_and_no_script_or_style(client_as, official, consultation):
    support_on(factories.ProposalFactory(consultation=consultation), date(2026, 3, 1), 1)
    html = client_as(official).get(dashboard(consultation)).content.decode()
    svg = re.search(r'<svg role="img".*?</svg>', html, re.S).group(0)
    assert 'aria-labelledby="chart-title"' in svg
    assert '<title id="chart-title">Supports per day</title>' in svg
    assert "style" not in svg and "<script" not in svg
    assert len(re.findall(r"<rect\b", svg)) == 1


def test_no_supports_no_chart(client_as, official, consultation):
    response = client_as(official).get(dashboard(consultation))
    assert "No supports yet." in visible_text(response)
    assert 'id="chart-title"' not in response.content.decode()


def test_the_dashboard_reads_a_fixed_number_of_queries(client_as, official, consultation):
    client = client_as(official)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(dashboard(consultation)).status_code == 200
        return len(captured)

    proposal = factories.ProposalFactory(consultation=consultation)
    support_on(proposal, date(2026, 3, 1), 1)
    queries()
    few = queries()
    for days in (1, 2, 3):
        answered(consultation, after=timedelta(days=days))
        support_on(factories.ProposalFactory(consultation=consultation), date(2026, 3, days), 2)
    assert queries() == few


def test_the_chart_geometry_is_not_localised(client_as, official, consultation):
    """French writes 12,5: the SVG's numbers must keep their dot whatever the official's language."""
    for day in (1, 2, 3):
        support_on(factories.ProposalFactory(consultation=consultation), date(2026, 3, day), day)
    client = client_as(official)
    client.cookies["django_language"] = "fr"
    html = client.get(dashboard(consultation), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'lang="fr"' in html
    svg = re.search(r'<svg role="img".*?</svg>', html, re.S).group(0)
    shapes = " ".join(re.findall(r"<(?:rect|line|text)\b[^>]*>", svg))
    numbers = re.findall(r'\b(?:x|y|x1|y1|x2|y2|width|height)="([^"]*)"', shapes)
    assert numbers and all(re.fullmatch(r"\d+(\.\d+)?", n) for n in numbers), numbers
