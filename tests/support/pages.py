"""Reading rendered pages as a person does: their visible text, and the figures, tables and lists the
back office shows."""

import re
from html import unescape

NB, NNB = "\u00a0", "\u202f"  # French typography: no-break space, narrow no-break space


def _text(response, whitespace: str) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|template|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"</?(?:span|a|strong|em|b|time|code)\b[^>]*>", "", html)  # inline: no break in the text
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(whitespace, " ", text)


def visible_text(response) -> str:
    """The page's text without tags and with entities decoded, whitespace folded: what a reader sees.
    Script and template contents are dropped (the card template is not shown)."""
    return _text(response, r"\s+")


def visible_text_with_nbsp(response) -> str:
    """As `visible_text`, but folding only ASCII whitespace: the no-break spaces of French typography
    are part of the text under test."""
    return _text(response, r"[ \t\r\n\f\v]+")


def listing_titles(response) -> list[str]:
    """The titles of the rows of a Wagtail admin listing, in order."""
    return re.findall(r'<div class="title-wrapper">\s*<a [^>]*>([^<]+)</a>', response.content.decode())


def figure(response, name: str) -> str:
    """The text of a dashboard figure (`<dd data-figure="name">`)."""
    html = response.content.decode()
    match = re.search(rf'<dd data-figure="{name}">(.*?)</dd>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def chart_table(response) -> list[tuple[str, int]]:
    """The rows (day, count) of the table that gives a chart's figures to screen readers."""
    html = response.content.decode()
    table = re.search(r'<table class="w-sr-only" data-role="chart-data">(.*?)</table>', html, re.S).group(1)
    return [(day, int(n)) for day, n in re.findall(r'<time datetime="([\d-]+)">.*?<td>(\d+)</td>', table)]
