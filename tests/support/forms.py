"""Forms as the Wagtail editor posts them."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield


def page_form(**overrides) -> dict:
    """The add-page form of a consultation as the Wagtail editor posts it, with the publish button pressed."""
    now = timezone.localtime()
    fmt = "%Y-%m-%d %H:%M"
    data = {
        "title": "Faster disability allowance decisions",
        "slug": "disability-allowance",
        "service": "Disability allowance",
        "intro": "How could decisions come faster?",
        "body": streamfield(
            [("heading", "Why"), ("paragraph", rich_text("<p>Decisions take five months.</p>"))]
        ),
        "opens_at": now.strftime(fmt),
        "closes_at": (now + timedelta(days=30)).strftime(fmt),
        "support_threshold": "50",
        "response_deadline_days": "30",
        "moderation_mode": "post",
        "phases": inline_formset(
            [
                {
                    "title": "Proposals",
                    "description": "",
                    "starts_on": now.date().isoformat(),
                    "ends_on": (now.date() + timedelta(days=30)).isoformat(),
                }
            ]
        ),
        "categories": inline_formset([{"name": "Forms", "slug": "forms"}]),
        "stages": inline_formset([]),
        "comments": inline_formset([]),
        "action-publish": "action-publish",
    }
    data.update(overrides)
    return nested_form_data(data)


def consultation_add_url(index) -> str:
    """The editor's page that adds a consultation under the consultation list `index`."""
    return reverse("wagtailadmin_pages:add", args=("cms", "consultationpage", index.pk))
