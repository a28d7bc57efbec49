"""The reader's Locale is read once per request, and forgotten when the request ends: a Locale added between
two requests counts from the next one."""

import pytest
from django.conf import settings
from wagtail.models import Locale

from cms import locales
from tests.support import factories

pytestmark = pytest.mark.django_db


def test_the_active_locale_is_read_once_in_a_request_and_again_in_the_next(django_assert_num_queries):
    locales.request_started()
    try:
        with django_assert_num_queries(1):
            first, second = locales.active_locale(), locales.active_locale()
        assert first == second == Locale.get_active()
    finally:
        locales.request_finished()
    with django_assert_num_queries(2):  # outside a request: read each time
        locales.active_locale()
        locales.active_locale()


def test_a_locale_added_between_two_requests_counts_at_the_next(client_as, consultation, citizen):
    proposal = factories.ProposalFactory(consultation=consultation)
    client = client_as(citizen)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    Locale.objects.filter(language_code="fr").delete()  # no French pages yet: the original for all
    assert "Repenser" not in client.get(proposal.get_absolute_url()).content.decode()

    factories.translation(consultation, factories.french(), title="Repenser le parcours")

    # The breadcrumb names the consultation in the reader's language.
    assert "Repenser le parcours" in client.get(proposal.get_absolute_url()).content.decode()
