"""The check-in page in a real browser on a phone (360×740): filled in with the keyboard alone and without
JavaScript (arrow keys in the radio groups, Space on the checkbox, typing, Enter on the buttons), a missing
answer first, then a save that comes back to the stage, then a deletion; and axe's WCAG A and AA rules in
English and in French, with a saved stage and with a form in error, the page no wider than the screen."""

import pytest
from playwright.sync_api import Page, expect

from cms.models import ConsultationStage
from proposals.models import CheckIn
from tests.support import factories
from tests.support.axe import axe_violations, describe_violations, horizontal_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
STAGES = ("Find out", "Apply online", "Wait for the decision")
TAB_LIMIT = 80  # more stops than the page has before its last form

TEXTS = {
    "en": {
        "errors": "Please correct the following",
        "missing": "How frustrating was this stage?: Choose how frustrating this stage was.",
        "saved": "Thank you: your answers about “Apply online” are saved.",
        "deleted": "Your answers about “Apply online” are deleted.",
        "save": "Save my answers about “Apply online”",
        "delete": "Delete my answers about “Apply online”",
        "answered": "Answered",
    },
    "fr": {
        "errors": "Veuillez corriger les points suivants",
        "missing": "À quel point cette étape a-t-elle été frustrante\u202f?\u00a0: "
        "Choisissez à quel point cette étape a été frustrante.",
        "saved": "Merci\u00a0: vos réponses sur «\u00a0Déposer la demande\u00a0» sont enregistrées.",
        "deleted": "Vos réponses sur «\u00a0Déposer la demande\u00a0» sont supprimées.",
        "save": "Enregistrer mes réponses sur «\u00a0Déposer la demande\u00a0»",
        "delete": "Supprimer mes réponses sur «\u00a0Déposer la demande\u00a0»",
        "answered": "Répondu",
    },
}


def a_journey():
    consultation = factories.consultation(stages=STAGES)
    french = factories.translation(consultation, factories.french(), title="Refonte du parcours")
    ConsultationStage.objects.filter(page=french, slug="apply-online").update(name="Déposer la demande")
    return consultation, consultation.stages.get(slug="apply-online")


def focused_id(page: Page) -> str:
    return page.evaluate("() => document.activeElement ? document.activeElement.id : ''")


def tab_to(page: Page, element_id: str) -> None:
    """Tab until the element with this id has focus."""
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        if focused_id(page) == element_id:
            return
    raise AssertionError(f"#{element_id} never got focus with Tab")


def open_page(new_page, user, language: str, *, java_script_enabled: bool = True) -> Page:
    page = new_page(user=user, language=language, java_script_enabled=java_script_enabled, label=language)
    page.set_viewport_size(PHONE)
    return page


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_stage_checked_in_on_and_deleted_with_the_keyboard_alone_and_no_javascript(new_page, language):
    texts = TEXTS[language]
    consultation, stage = a_journey()
    citizen = factories.citizen()
    page = open_page(new_page, citizen, language, java_script_enabled=False)
    prefix = f"id_stage{stage.pk}_"
    page.goto(f"/consultations/{consultation.pk}/check-in/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")

    # Motivation only: the page comes back with the error summary focused, its link leads to the scale.
    tab_to(page, f"{prefix}motivation_1")
    page.keyboard.press("ArrowDown")  # moves to the next point and chooses it
    tab_to(page, f"{prefix}story")
    page.keyboard.type("The upload failed <twice>.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=texts["save"])).to_be_focused()
    page.keyboard.press("Enter")

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(texts["errors"])
    expect(summary.get_by_role("link")).to_have_text(texts["missing"])
    assert not CheckIn.objects.exists()
    expect(page.locator(f"#{prefix}story")).to_have_value("The upload failed <twice>.")
    expect(page.locator(f"#{prefix}motivation_2")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the summary's link
    expect(page.locator(f"#{prefix}frustration")).to_be_focused()

    # Then the scale, "I gave up", and Save: the page comes back at this stage, saying so.
    page.keyboard.press("Tab")
    expect(page.locator(f"#{prefix}frustration_1")).to_be_focused()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(page.locator(f"#{prefix}frustration_4")).to_be_checked()
    tab_to(page, f"{prefix}gave_up")
    page.keyboard.press("Space")
    expect(page.locator(f"#{prefix}gave_up")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=texts["save"])).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_text(texts["saved"])).to_be_visible()
    assert page.url.endswith(f"/check-in/#stage-{stage.pk}")
    section = page.locator(f"#stage-{stage.pk}")
    expect(section).to_be_in_viewport()
    expect(section.get_by_text(texts["answered"], exact=True)).to_be_visible()
    checkin = CheckIn.objects.get()
    assert (checkin.stage_id, checkin.author_id) == (stage.pk, citizen.pk)
    assert (checkin.frustration, checkin.motivation, checkin.gave_up) == (4, 2, True)
    assert checkin.story == "The upload failed <twice>."
    # The keyboard goes on from the stage: its chosen point is the group's stop.
    page.keyboard.press("Tab")
    expect(page.locator(f"#{prefix}frustration_4")).to_be_focused()
    expect(page.locator(f"#{prefix}story")).to_have_value("The upload failed <twice>.")

    # Delete, from the keyboard too.
    delete = page.get_by_role("button", name=texts["delete"])
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        if delete.evaluate("(button) => button === document.activeElement"):
            break
    page.keyboard.press("Enter")

    expect(page.get_by_text(texts["deleted"])).to_be_visible()
    assert not CheckIn.objects.exists()
    expect(page.locator("html[data-live]")).to_have_count(0)  # no script ran


@pytest.mark.parametrize("language", ["en", "fr"])
def test_wcag_aa_on_a_phone_with_a_saved_stage_and_a_form_in_error(new_page, language):
    consultation, stage = a_journey()
    citizen = factories.citizen()
    CheckIn.objects.create(
        consultation=consultation,
        stage=stage,
        author=citizen,
        frustration=5,
        motivation=1,
        gave_up=True,
        story="Nobody answered.",
        visibility="hidden",
        moderation_reason="Names a person.",
        day="2026-12-01",
    )
    page = open_page(new_page, citizen, language)
    page.goto(f"/consultations/{consultation.pk}/check-in/")
    expect(page.locator(f"#stage-{stage.pk} .notice--hidden")).to_be_visible()
    problems = []
    if violations := axe_violations(page):
        problems.append(f"saved stage:\n{describe_violations(violations)}")

    first = consultation.stages.get(slug="find-out")
    page.locator(f"#stage-{first.pk} form.checkin-form [type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    if violations := axe_violations(page):
        problems.append(f"form in error:\n{describe_violations(violations)}")
    if overflow := horizontal_overflow(page):
        problems.append(overflow)

    assert not problems, "\n".join(problems)
