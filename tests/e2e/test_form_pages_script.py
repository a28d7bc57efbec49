"""The forms without a live list (submission, edit, check-in) load a small script (forms.js), not the live
one: their character counters still count as people type (the submission form's announcements of similar
proposals: tests/e2e/test_similar_proposals.py), and a phone never downloads the live script."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.support import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("form", ["submission", "edit", "check-in"])
def test_a_form_page_counts_characters_without_the_live_script(new_page, form):
    citizen = factories.citizen()
    consultation = factories.consultation(stages=("Find out", "Apply online"))
    proposal = factories.ProposalFactory(consultation=consultation, author=citizen, title="Book a call back")
    path = {
        "submission": f"/consultations/{consultation.pk}/propose/",
        "edit": f"/proposals/{proposal.pk}/edit/",
        "check-in": f"/consultations/{consultation.pk}/check-in/",
    }[form]
    page = new_page(user=citizen, label=form)
    scripts = []
    page.on("request", lambda request: scripts.append(urlsplit(request.url).path))
    page.goto(path)

    field = page.locator("[data-maxlength]").first
    field.fill("Oui 👍")
    counter = page.locator(f"#{field.get_attribute('id')}_counter")
    expect(counter).to_be_visible()
    expect(counter).to_have_text(re.compile(r"^5 of [\d,]+ characters$"))  # the emoji is one
    assert "/static/frontend/forms.js" in scripts
    assert "/static/frontend/live.js" not in scripts
