"""Counts on the search page that may be lower bounds: a search over very many matches counts a bounded
set of them (`SearchPage.total_is_lower_bound`), and then every count there reads "at least"."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def at_least(count: int, bounded: bool) -> str | int:
    """`{{ facet.count|at_least:results.total_is_lower_bound }}`: "at least 12" when bounded, else 12."""
    return _("at least %(count)s") % {"count": count} if bounded else count
