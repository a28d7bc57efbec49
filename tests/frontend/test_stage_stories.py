"""The "What people said" list of a stage (includes/stage_stories.html): each story escaped, marked with
its language, dated, never with who told it; nothing at all without stories."""

from datetime import date

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from proposals.journey_selectors import Story
from tests.support.pages import visible_text

STORIES = [
    Story(text="The form <script>alert(1)</script> lost\nmy answers.", day=date(2026, 11, 3), language="en"),
    Story(text="J'ai attendu six semaines.", day=date(2026, 10, 28), language="fr"),
]


def render(stories, **context) -> str:
    return render_to_string("frontend/includes/stage_stories.html", {"stories": stories, **context})


def text(html: str) -> str:
    return visible_text(HttpResponse(html))


def test_each_story_is_escaped_dated_and_in_its_language():
    html = render(STORIES)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count('<li class="stage-story">') == 2
    assert '<blockquote class="stage-story__text" lang="fr">' in html
    assert '<time datetime="2026-11-03">' in html
    assert "lost<br>my answers." in html
    shown = text(html)
    assert "What people said" in shown
    assert shown.index("The form") < shown.index("six semaines")  # the selector's order, most recent first


def test_the_heading_level_follows_the_page():
    assert '<h4 class="stage-stories__title">' in render(STORIES)
    assert '<h3 class="stage-stories__title">' in render(STORIES, heading_level=3)


def test_no_stories_no_list():
    assert render([]).strip() == ""


def test_in_french():
    with translation.override("fr"):
        shown = text(render(STORIES))
    assert "Ce que les gens en ont dit" in shown
    assert "Raconté le 3 novembre 2026" in shown
