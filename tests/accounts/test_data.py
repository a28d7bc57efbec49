"""The export's sections come from the apps above through a Wagtail hook: a wiring mistake gives no file
rather than one that leaves data out or mixes two apps' rows."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from wagtail import hooks

from cocreate.accounts.data import ACCOUNT_EXPORT_HOOK, export_sections

pytestmark = pytest.mark.django_db


def _supports_again(*, user):
    return {"supports": []}


def _unknown_section(*, user):
    return {"badges": []}


@pytest.mark.parametrize("export", [_supports_again, _unknown_section])
def test_a_section_given_twice_or_unknown_is_refused(citizen, export):
    with hooks.register_temporarily(ACCOUNT_EXPORT_HOOK, export), pytest.raises(ImproperlyConfigured):
        export_sections(user=citizen)
