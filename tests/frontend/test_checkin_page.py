"""The check-in page, without JavaScript: who may use it, saving, changing and deleting one stage's answers,
what is refused (a form error on the page and nothing written), the author's view of their story's
moderation, and the page in French."""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.throttling import ScopedRateThrottle

from cms.models import ConsultationStage, ModerationMode
from proposals.journey_selectors import stage_figures
from proposals.models import CheckIn, Visibility
from proposals.services import checkin_save
from tests.support import factories
from tests.support.pages import visible_text

pytestmark = pytest.mark.django_db

STAGES = ("Find out", "Apply online", "Wait for the decision")
VALID = {"frustration": "4", "motivation": "2", "story": "The form timed out twice."}


@pytest.fixture
def journey():
    return factories.consultation(stages=STAGES)


def url(page) -> str:
    return reverse("checkin", args=[page.pk])


def stage(page, n: int = 0) -> ConsultationStage:
    return page.stages.order_by("sort_order")[n]


def post(client, page, n: int = 0, **fields):
    data = {"stage": str(stage(page, n).pk), **VALID, **fields}
    return client.post(url(page), {name: value for name, value in data.items() if value is not None})


def section(response, page, n: int = 0) -> str:
    """The HTML of one stage's part of the page."""
    html = response.content.decode()
    start = rf'<li class="checkin-stage[^"]*" id="stage-{stage(page, n).pk}"'
    found = re.search(rf'{start}.*?</li>\s*(?=<li class="checkin-stage|</ol>)', html, re.S)
    assert found, f"no section for stage {n}"
    return found[0]


def visible_text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_a_visitor_is_sent_to_sign_in(client, journey):
    for response in (client.get(url(journey)), client.post(url(journey), VALID)):
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next={url(journey)}"
    assert not CheckIn.objects.exists()


def test_an_unverified_citizen_is_asked_to_confirm_and_nothing_is_written(client_for, unverified, journey):
    client = client_for(unverified)
    for response in (client.get(url(journey)), post(client, journey)):
        assert response.status_code == 200
        text = visible_text(response)
        assert "Confirm your e-mail address" in text
        assert (
            "Before you tell us how the journey went for “Redesigning the unemployment-benefit journey”"
            in text
        )
        assert "How frustrating" not in text
    assert not CheckIn.objects.exists()


def test_a_closed_consultation_takes_no_check_in(client_for, citizen):
    closed = factories.consultation(open_now=False, stages=STAGES)
    client = client_for(citizen)

    for response in (client.get(url(closed)), post(client, closed)):
        text = visible_text(response)
        assert "Check-ins are not open" in text
        assert "can no longer be given, changed or deleted" in text
        assert "How frustrating" not in text
    assert not CheckIn.objects.exists()


def test_a_consultation_without_stages_has_no_check_in_page(client_for, citizen, consultation):
    assert client_for(citizen).get(url(consultation)).status_code == 404


def test_a_verified_citizen_sees_every_stage_with_both_scales_in_words(client_for, citizen, journey):
    response = client_for(citizen).get(url(journey))

    assert response.status_code == 200
    text = visible_text(response)
    assert "Tell us how the journey went" in text
    assert "Stage 1: Find out" in text and "Stage 3: Wait for the decision" in text
    html = section(response, journey, 1)
    assert html.count("<fieldset") == 2
    assert "<legend>How frustrating was this stage?</legend>" in html
    assert "<legend>How motivated were you still to see it through?</legend>" in html
    for words in (
        "Not frustrating at all",
        "Extremely frustrating",
        "Not motivated at all",
        "Fully motivated",
    ):
        assert words in html
    pk = stage(journey, 1).pk
    assert f'<label for="id_stage{pk}_frustration_5"><span class="checkin-scale__point">5</span> ' in html
    assert 'name="csrfmiddlewaretoken"' in html and 'method="post"' in html
    assert f'name="stage" value="{pk}"' in html
    assert "I gave up at this stage" in html
    assert "What happened? (optional)" in html and "without your name" in html
    assert "Save my answers about “Apply online”" in visible_text(response)
    assert "Delete" not in html  # nothing to delete yet
    assert "You have answered about 0 stages of 3." in text


def test_saving_a_stage_redirects_to_it_with_a_message_naming_it(client_for, citizen, journey):
    client = client_for(citizen)

    response = post(client, journey, 1, gave_up="on")

    assert response.status_code == 302
    assert response["Location"] == f"{url(journey)}#stage-{stage(journey, 1).pk}"
    checkin = CheckIn.objects.get()
    assert (checkin.stage, checkin.author, checkin.consultation_id) == (
        stage(journey, 1),
        citizen,
        journey.pk,
    )
    assert (checkin.frustration, checkin.motivation, checkin.gave_up) == (4, 2, True)
    assert checkin.story == "The form timed out twice."
    assert stage_figures([checkin.stage_id])[checkin.stage_id].checkins == 1  # counted through the service

    page = client.get(response["Location"])
    text = visible_text(page)
    assert "Thank you: your answers about “Apply online” are saved." in text
    assert "You have answered about 1 stage of 3." in text
    html = section(page, journey, 1)
    pk = stage(journey, 1).pk
    assert f'value="4" id="id_stage{pk}_frustration_4" checked' in html  # shown again, pre-filled
    assert f'value="2" id="id_stage{pk}_motivation_2" checked' in html
    assert html.count(" checked") == 3  # the two scales and "I gave up"
    assert "The form timed out twice.</textarea>" in html
    assert "Delete my answers about “Apply online”" in re.sub(r"<[^>]+>", "", html)
    assert "Not answered yet" in section(page, journey, 0) and " checked" not in section(page, journey, 0)


def test_changing_a_stage_updates_the_one_check_in(client_for, citizen, journey):
    client = client_for(citizen)
    post(client, journey, 0)

    response = post(client, journey, 0, frustration="1", motivation="5", story="")

    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert (checkin.frustration, checkin.motivation, checkin.gave_up, checkin.story) == (1, 5, False, "")
    assert "Your answers about “Find out” are updated." in visible_text(client.get(url(journey)))


def test_deleting_a_stage_takes_the_answers_out(client_for, citizen, journey):
    client = client_for(citizen)
    post(client, journey, 2)
    other = factories.citizen()
    checkin_save(
        author=other,
        consultation=journey,
        stage_id=stage(journey, 2).pk,
        frustration=1,
        motivation=1,
        gave_up=False,
    )

    response = client.post(url(journey), {"stage": stage(journey, 2).pk, "delete": "1"})

    assert response.status_code == 302
    assert response["Location"] == f"{url(journey)}#stage-{stage(journey, 2).pk}"
    assert list(CheckIn.objects.values_list("author", flat=True)) == [other.pk]  # only their own
    assert stage_figures([stage(journey, 2).pk])[stage(journey, 2).pk].checkins == 1
    page = client.get(url(journey))
    assert "Your answers about “Wait for the decision” are deleted." in visible_text(page)
    assert "Not answered yet" in section(page, journey, 2)
    # Twice (another tab): said, nothing else happens.
    again = client.post(url(journey), {"stage": stage(journey, 2).pk, "delete": "1"}, follow=True)
    assert "You have no answers about “Wait for the decision” to delete." in visible_text(again)
    assert CheckIn.objects.count() == 1


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"frustration": "7"}, "frustration", "Choose a point from 1 to 5."),
        ({"motivation": "0"}, "motivation", "Choose a point from 1 to 5."),
        ({"frustration": "three"}, "frustration", "Choose a point from 1 to 5."),
        ({"frustration": None}, "frustration", "Choose how frustrating this stage was."),
        ({"motivation": None}, "motivation", "Choose how motivated you still were."),
        ({"story": "x" * 1001}, "story", "1,000"),
    ],
)
def test_a_bad_answer_is_a_form_error_on_its_stage_and_nothing_is_written(
    client_for, citizen, journey, fields, field, message
):
    response = post(client_for(citizen), journey, 1, **fields)

    assert response.status_code == 200
    assert not CheckIn.objects.exists()
    text = visible_text(response)
    assert "Please correct the following" in text
    assert message in text
    html = section(response, journey, 1)
    assert 'class="error-summary"' in html  # above the stage's own form
    pk = stage(journey, 1).pk
    assert f'href="#id_stage{pk}_{field}"' in html and f'id="id_stage{pk}_{field}"' in html
    assert "error-summary" not in section(response, journey, 0)
    if field != "story":  # what was typed is kept
        assert "The form timed out twice.</textarea>" in html


def test_a_change_that_fails_keeps_the_saved_answers(client_for, citizen, journey):
    client = client_for(citizen)
    post(client, journey, 0)

    response = post(client, journey, 0, frustration="9", motivation="1")

    assert "Choose a point from 1 to 5." in visible_text(response)
    checkin = CheckIn.objects.get()
    assert (checkin.frustration, checkin.motivation) == (4, 2)


@pytest.mark.parametrize("posted", ["other", "garbage", "missing"])
def test_a_stage_of_another_consultation_is_refused(client_for, citizen, journey, posted):
    other = factories.consultation(stages=("Elsewhere",), title="Another consultation")
    stage_id = {"other": str(stage(other).pk), "garbage": "x1", "missing": None}[posted]
    data = {**VALID, **({"stage": stage_id} if stage_id else {})}

    response = client_for(citizen).post(url(journey), data)

    assert response.status_code == 200
    assert "This stage is not part of this consultation's journey." in visible_text(response)
    assert 'class="error-summary"' in response.content.decode()
    assert not CheckIn.objects.exists()
    assert "Stage 1: Find out" in visible_text(response)  # the page is still there to use


def test_another_persons_check_in_is_never_shown_or_deleted(client_for, citizen, journey):
    other = factories.citizen()
    checkin_save(
        author=other,
        consultation=journey,
        stage_id=stage(journey).pk,
        frustration=5,
        motivation=1,
        gave_up=True,
        story="My own secret story",
    )
    client = client_for(citizen)

    page = client.get(url(journey))
    client.post(url(journey), {"stage": stage(journey).pk, "delete": "1"})

    assert "My own secret story" not in page.content.decode()
    assert "Not answered yet" in section(page, journey, 0)
    assert CheckIn.objects.get().author == other


def test_the_story_is_escaped(client_for, citizen, journey):
    client = client_for(citizen)
    post(client, journey, 0, story='<script>alert("x")</script><b>bold</b>')

    html = client.get(url(journey)).content.decode()

    assert '<script>alert("x")</script>' not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;</textarea>" in html


def test_a_stage_name_is_escaped_in_the_page_and_the_message(client_for, citizen):
    page = factories.consultation(stages=("Apply",))
    ConsultationStage.objects.filter(page=page).update(name='<img src=x onerror="alert(1)">')
    client = client_for(citizen)

    response = client.post(url(page), {"stage": stage(page).pk, **VALID}, follow=True)

    html = response.content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_the_author_sees_a_story_waiting_for_moderation(client_for, citizen):
    page = factories.consultation(stages=STAGES, moderation=ModerationMode.PRE)
    client = client_for(citizen)

    response = post(client, page, 0)
    shown = client.get(response["Location"])

    assert CheckIn.objects.get().visibility == Visibility.PENDING
    text = visible_text(shown)
    assert "What you wrote will be shown once a moderator has read it." in text  # the message
    assert "What you wrote is waiting for moderation" in visible_text_of(section(shown, page, 0))
    assert "waiting for moderation" not in visible_text_of(section(shown, page, 1))


def test_the_author_sees_why_a_story_was_hidden(client_for, citizen, journey):
    client = client_for(citizen)
    post(client, journey, 0)
    CheckIn.objects.update(visibility=Visibility.HIDDEN, moderation_reason="Names a <staff> member.")

    html = section(client.get(url(journey)), journey, 0)

    text = visible_text_of(html)
    assert "A moderator hid what you wrote" in text
    assert "The moderator’s reason: Names a <staff> member." in text
    assert "Names a &lt;staff&gt; member." in html


def test_the_page_in_french(citizen, journey):
    french = factories.translation(journey, factories.french(), title="Refonte du parcours des allocations")
    translated = {stage.slug: stage for stage in ConsultationStage.objects.filter(page=french)}
    assert set(translated) == {"find-out", "apply-online", "wait-for-the-decision"}
    ConsultationStage.objects.filter(pk=translated["apply-online"].pk).update(
        name="Déposer la demande en ligne"
    )
    client = Client(headers={"accept-language": "fr-FR,fr;q=0.9"})
    client.force_login(citizen)

    response = client.get(url(french))  # the French page's link: the same consultation

    assert response.status_code == 200
    text = visible_text(response)
    assert "Racontez-nous comment le parcours s’est passé" in text
    assert "Refonte du parcours des allocations" in text
    assert "Étape 2 : Déposer la demande en ligne" in text.replace("\u202f", " ").replace("\u00a0", " ")
    for words in (
        "Pas du tout frustrant",
        "Extrêmement frustrant",
        "Plus aucune motivation",
        "Une motivation intacte",
    ):
        assert words in text
    assert "J’ai abandonné à cette étape" in text

    saved = client.post(url(french), {"stage": stage(journey, 1).pk, **VALID}, follow=True)

    assert CheckIn.objects.get().consultation_id == journey.pk
    assert CheckIn.objects.get().language == "fr"
    assert "Merci : vos réponses sur « Déposer la demande en ligne » sont enregistrées." in visible_text(
        saved
    ).replace("\u202f", " ").replace("\u00a0", " ")
    refused = client.post(url(french), {"stage": stage(journey, 1).pk, **VALID, "frustration": "8"})
    assert "Choisissez un point de 1 à 5." in visible_text(refused)


def test_the_consultation_page_links_to_the_check_in_page(client_for, citizen, journey):
    assert f'href="{url(journey)}"' in client_for(citizen).get(journey.url).content.decode()
    assert f'href="{url(journey)}"' in Client().get(journey.url).content.decode()
    no_stages = factories.consultation(title="Without a journey")
    assert "Tell us how the journey went" not in visible_text(Client().get(no_stages.url))
    closed = factories.consultation(open_now=False, stages=STAGES, title="Closed one")
    assert "Tell us how the journey went" not in visible_text(Client().get(closed.url))


def test_saving_and_deleting_are_rate_limited_but_the_page_still_shows(
    monkeypatch, client_for, citizen, journey
):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"checkins": "2/hour"})
    client = client_for(citizen)
    assert post(client, journey, 0).status_code == 302
    assert client.post(url(journey), {"stage": stage(journey).pk, "delete": "1"}).status_code == 302

    refused = post(client, journey, 1)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert not CheckIn.objects.exists()
    assert client.get(url(journey)).status_code == 200  # reading the page is not limited
    assert post(client_for(factories.citizen()), journey, 1).status_code == 302  # a budget per person
