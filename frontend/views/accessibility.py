"""The accessibility statement."""

from datetime import date

from django.conf import settings
from django.shortcuts import render

# When the accessibility statement was last written; change it with the statement.
ACCESSIBILITY_STATEMENT_PREPARED_ON = date(2026, 11, 24)


def accessibility_statement(request):
    return render(
        request,
        "frontend/accessibility.html",
        {
            "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
            "prepared_on": ACCESSIBILITY_STATEMENT_PREPARED_ON,
        },
    )
