"""The journey map on a consultation's page: the drawing's geometry for known figures, the stage withheld
below five check-ins, stage names escaped, the table's figures in words and numbers, French numbers, the
section journey.js reads again, and a query count that does not grow with check-ins or proposals."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from frontend import journey_map as drawing
from proposals.models import Status, Visibility
from proposals.services import checkin_save
from tests.support import factories
from tests.support.pages import visible_text, visible_text_with_nbsp

pytestmark = pytest.mark.django_db

WITHHELD = (
    "Fewer than 5 people have told us about this stage yet: "
    "we show nothing so that nobody can be singled out."
)


def check_in(consultation, stage_name: str, *answers: tuple[int, int, bool]) -> None:
    """One check-in by a new citizen per (frustration, motivation, gave up)."""
    stage = consultation.stages.get(name=stage_name)
    for frustration, motivation, gave_up in answers:
        checkin_save(
            author=factories.citizen(),
            consultation=consultation,
            stage_id=stage.pk,
            frustration=frustration,
            motivation=motivation,
            gave_up=gave_up,
        )


def section(response) -> str:
    found = re.search(r'<section class="journey-map".*?</table>', response.content.decode(), flags=re.S)
    assert found, "the page has no journey map"
    return found[0]


def stage_group(html: str, stage_id: int) -> str:
    found = re.search(
        rf'<g class="journey-chart__stage" data-stage="{stage_id}".*?</g>\s*<text[^>]*>[^<]*</text>\s*</g>',
        html,
        flags=re.S,
    )
    assert found, f"no row of stage {stage_id} in the drawing"
    return found[0]


def table_row(html: str, stage_id: int) -> str:
    found = re.search(rf'<tr data-stage="{stage_id}".*?</tr>', html, flags=re.S)
    assert found, f"no row of stage {stage_id} in the table"
    return found[0]


def attribute(html: str, role: str, name: str) -> str:
    found = re.search(rf'<[^>]*data-role="{role}"[^>]*>', html)
    assert found, role
    value = re.search(rf'\s{name}="([^"]*)"', found[0])
    return value[1] if value else None


@pytest.fixture
def journey():
    """Four stages: "Find out" fine, "Apply" withheld (4 check-ins), "Send documents" the breaking point
    (frustration 4 over motivation 2, one in five gave up), "Wait" frustrating too but later."""
    consultation = factories.consultation(stages=("Find out", "Apply", "Send documents", "Wait"))
    check_in(consultation, "Find out", *[(2, 4, False)] * 5)
    check_in(consultation, "Apply", *[(5, 1, True)] * 4)
    check_in(consultation, "Send documents", (4, 2, True), *[(4, 2, False)] * 4)
    check_in(
        consultation,
        "Wait",
        (3, 1, False),
        (3, 2, False),
        (4, 2, False),
        (4, 3, False),
        (5, 3, False),
        (5, 3, False),
    )
    return consultation


def stage_id(consultation, name: str) -> int:
    return consultation.stages.get(name=name).pk


def page(client, consultation):
    response = client.get(consultation.url)
    assert response.status_code == 200
    return response


def test_the_bars_are_as_long_as_the_medians_on_the_scale_and_labelled_beside_them(client, journey):
    found = drawing.journey_map_view(consultation=journey)
    breaking = found.rows[2]
    assert breaking.y == 2 * drawing.ROW
    assert breaking.frustration.width == 4 * drawing.UNIT == 176
    assert breaking.frustration.label_x == drawing.BAR_X + 176 + drawing.LABEL_GAP == 194
    assert breaking.motivation.width == 2 * drawing.UNIT == 88
    # Six answers: the median is between the third and fourth, a half.
    wait = found.rows[3]
    assert (wait.summary["frustration_median"], wait.frustration.width) == (4.0, 176)
    assert (wait.summary["motivation_median"], wait.motivation.width) == (2.5, 110)
    assert found.height == 4 * drawing.ROW

    html = section(page(client, journey))
    row = stage_group(html, stage_id(journey, "Send documents"))
    assert 'transform="translate(0 328)"' in row
    assert attribute(row, "frustration-bar", "width") == "176"
    assert attribute(row, "motivation-bar", "width") == "88"
    assert attribute(row, "frustration-label", "x") == "194"
    assert (
        attribute(row, "motivation-bar", "fill") == "url(#journey-hatch)"
    )  # told apart by shape, not colour
    assert attribute(row, "break-frame", "display") is None  # the breaking point's frame is drawn
    assert attribute(stage_group(html, stage_id(journey, "Wait")), "motivation-bar", "width") == "110"
    # The scale the drawing was made with, for journey.js to redraw it the same way.
    assert 'data-unit="44" data-bar-x="10" data-label-gap="8"' in html


def test_a_stage_with_fewer_than_five_check_ins_shows_nothing_and_the_page_says_why(client, journey):
    response = page(client, journey)
    html = section(response)
    apply = stage_id(journey, "Apply")
    row = stage_group(html, apply)
    assert attribute(row, "figures", "display") == "none"
    assert attribute(row, "withheld-label", "display") is None
    assert "Frustration" not in row and "Gave up" not in row  # nothing drawn of its four check-ins
    cells = table_row(html, apply)
    assert 'data-version="0"' in cells  # its version would count its check-ins
    assert re.search(r'<td data-role="checkins" hidden></td>', cells)
    assert re.search(r'<td data-role="frustration" hidden></td>', cells)
    assert re.search(r'<td data-role="gave-up" hidden></td>', cells)
    assert WITHHELD in visible_text(response)
    # Its five-times-frustrated check-ins do not make it the breaking point: it is not shown.
    assert drawing.journey_map_view(consultation=journey).rows[1].breaks is False


def test_the_table_gives_each_stage_in_words_and_numbers_and_names_the_breaking_point(client, journey):
    proposal = factories.ProposalFactory(
        consultation=journey,
        stage=journey.stages.get(name="Send documents"),
        title="Accept photos of documents",
        supports_count=40,
        status=Status.ACCEPTED,
    )
    factories.ProposalFactory(
        consultation=journey, stage=journey.stages.get(name="Send documents"), visibility=Visibility.HIDDEN
    )
    response = page(client, journey)
    text = visible_text(response)
    assert "The journey breaks at “Send documents”: frustration overtakes motivation there." in text
    row = table_row(section(response), stage_id(journey, "Send documents"))
    assert '<th scope="row"><span data-role="stage-name">Send documents</span>' in row
    assert '<td data-role="checkins">5</td>' in row
    assert '<td data-role="frustration">4 – Very frustrating</td>' in row
    assert '<td data-role="motivation">2 – Hardly motivated</td>' in row
    assert '<td data-role="gave-up">20%</td>' in row
    assert f'<a href="{proposal.get_absolute_url()}">Accept photos of documents</a>' in row
    assert 'class="badge badge--accepted">Accepted</span>' in row
    assert row.count("<li>") == 1  # the hidden proposal is not listed
    wait = table_row(section(response), stage_id(journey, "Wait"))
    assert "2.5 – between “Hardly motivated” and “Somewhat motivated”" in wait
    assert '<td data-role="gave-up">0%</td>' in wait
    assert "<caption" in section(response) and section(response).count('<th scope="col">') == 6


def test_without_a_breaking_point_the_page_says_so(client):
    consultation = factories.consultation(stages=("Apply",))
    check_in(consultation, "Apply", *[(1, 5, False)] * 5)
    text = visible_text(page(client, consultation))
    assert "frustration does not overtake motivation anywhere" in text
    assert "The journey breaks" not in text


def test_a_consultation_without_stages_has_no_journey_map(client, consultation):
    html = page(client, consultation).content.decode()
    assert "journey-map" not in html and "journey.js" not in html


def test_stage_names_are_escaped_in_the_drawing_the_table_and_the_sentence(client):
    name = '<script>alert("x")</script> & co'
    consultation = factories.consultation(stages=(name,))
    check_in(consultation, name, *[(5, 1, False)] * 5)
    html = page(client, consultation).content.decode()
    assert "<script>alert" not in html
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co"
    # The table's name, the sentence, the stories’ heading if any; the drawing’s is cut at 30 characters.
    assert html.count(escaped) >= 2
    assert '<span data-role="stage-name">' + escaped + "</span>" in html
    assert "“" + escaped + "”" in html
    assert re.search(r'class="journey-chart__name"[^>]*>&lt;script&gt;alert\(&quot;x&quot;\)', html)


def test_a_long_stage_name_is_cut_in_the_drawing_and_whole_in_the_table(client):
    name = "Send the documents that prove your past employment and income"
    consultation = factories.consultation(stages=(name,))
    check_in(consultation, name, *[(2, 4, False)] * 5)
    html = section(page(client, consultation))
    drawn = re.search(r'class="journey-chart__name"[^>]*>([^<]*)</text>', html)[1]
    assert drawn == "Send the documents that prove…" and len(drawn) <= drawing.NAME_MAX
    assert f'<span data-role="stage-name">{name}</span>' in html


def test_french_readers_get_french_numbers_and_words(journey):
    with translation.override("fr"):
        found = drawing.journey_map_view(consultation=journey)
        wait = found.rows[3]
        assert (
            wait.motivation.words
            == "2,5 – entre «\u00a0Très peu de motivation\u00a0» et «\u00a0Une motivation moyenne\u00a0»"
        )
        assert wait.motivation.label == "Motivation 2,5"
        assert found.rows[2].gave_up == "20\u202f%"
        assert drawing.number(1234) == "1\u202f234"
        assert found.sentence == (
            "Le parcours se brise à l’étape «\u00a0Send documents\u00a0»\u00a0: "
            "la frustration y dépasse la motivation."
        )


def test_the_page_in_french_says_it_in_french(journey):
    client = Client(headers={"accept-language": "fr-FR,fr;q=0.9"})
    text = visible_text_with_nbsp(client.get(journey.url))
    assert "20\u202f%" in text
    assert "Moins de 5 personnes" in text


def test_the_section_alone_for_journey_js(client, journey):
    response = client.get(reverse("consultation_journey_map", args=[journey.pk]), {"version": "3"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-role="journey-map"') == 1
    assert "The journey breaks at “Send documents”" in html
    assert 'id="journey-config"' in html


@pytest.mark.parametrize("version", ["x", "1.5", ""])
def test_the_section_refuses_a_version_that_is_not_a_whole_number(client, journey, version):
    response = client.get(reverse("consultation_journey_map", args=[journey.pk]), {"version": version})
    assert response.status_code == 400


def test_the_section_of_a_consultation_without_stages_or_not_public_is_not_found(client, consultation):
    assert client.get(reverse("consultation_journey_map", args=[consultation.pk])).status_code == 404
    draft = factories.consultation(stages=("Apply",))
    draft.unpublish()
    assert client.get(reverse("consultation_journey_map", args=[draft.pk])).status_code == 404
    assert client.get(reverse("consultation_journey_map", args=[987654])).status_code == 404


def test_the_section_serves_a_fresh_rendering_once_the_page_knows_a_newer_version(client, journey):
    url = reverse("consultation_journey_map", args=[journey.pk])
    version = drawing.journey_map_view(consultation=journey).version
    apply = stage_id(journey, "Apply")
    before = client.get(url, {"version": version}).content.decode()
    assert '<td data-role="checkins" hidden></td>' in table_row(before, apply)
    check_in(journey, "Apply", (5, 1, True))  # the fifth: "Apply" appears
    # A page that knows only the older version may get the rendering cached at it; one that heard of the
    # change gets it.
    after = client.get(url, {"version": version + 1}).content.decode()
    assert '<td data-role="checkins">5</td>' in table_row(after, apply)
    # Apply's five check-ins count in the section's version only now.
    assert f'data-role="journey-map" data-version="{version + 5}">' in after


def queries_for(client, url: str) -> int:
    client.get(url)  # the first request fills the per-process caches (Wagtail's site, content types)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_page_costs_the_same_queries_whatever_the_check_ins_and_proposals(client, journey):
    for name in ("Find out", "Send documents"):
        factories.ProposalFactory(consultation=journey, stage=journey.stages.get(name=name))
    few = queries_for(client, journey.url)
    for name in ("Find out", "Apply", "Send documents", "Wait"):
        check_in(journey, name, *[(3, 3, True)] * 8)
        for supports in range(6):
            factories.ProposalFactory(
                consultation=journey, stage=journey.stages.get(name=name), supports_count=supports
            )
    many = queries_for(client, journey.url)
    assert many <= few
    html = section(page(client, journey))
    assert '<td data-role="checkins">13</td>' in table_row(html, stage_id(journey, "Find out"))
    assert table_row(html, stage_id(journey, "Wait")).count("<li>") == 3  # the three most supported


def test_what_people_said_is_shown_under_each_shown_stage_only(client):
    consultation = factories.consultation(stages=("Apply", "Wait"))
    for stage_name, times in (("Apply", 5), ("Wait", 4)):
        stage = consultation.stages.get(name=stage_name)
        for i in range(times):
            checkin_save(
                author=factories.citizen(),
                consultation=consultation,
                stage_id=stage.pk,
                frustration=3,
                motivation=3,
                gave_up=False,
                story=f"{stage_name} story {i}: <b>the form</b> timed out",
            )
    html = page(client, consultation).content.decode()
    apply = stage_id(consultation, "Apply")
    stories = re.search(
        rf'<section class="journey-stage" aria-labelledby="journey-stage-{apply}">.*?</section>', html, re.S
    )
    assert stories and "<h3" in stories[0] and "What people said" in stories[0]
    assert "Apply story 4: &lt;b&gt;the form&lt;/b&gt; timed out" in stories[0]
    assert "Wait story" not in html  # four check-ins: not even their stories
