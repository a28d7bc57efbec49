"""What the browser needs to write a date as the server does (frontend.pages.date_config): the site's time
zone, the page language's DATE_FORMAT and DATETIME_FORMAT, and the words they use in that language (month
names, a.m., noon), which Intl alone cannot give ("Sept."). tests/e2e/test_live_dates.py checks that the
browser's text is the server's."""

from datetime import date, datetime

import pytest
from django.utils import translation
from django.utils.formats import date_format, get_format

from frontend.pages import date_config, format_specs


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_formats_and_month_names_are_those_of_the_servers_dates(language, settings):
    with translation.override(language):
        config = date_config()
        assert config["date_format"] == get_format("DATE_FORMAT")
        assert config["datetime_format"] == get_format("DATETIME_FORMAT")
        assert config["months"], "the formats name months, and none were sent"
        for month in range(1, 13):
            shown = date_format(date(2026, month, 9), "DATE_FORMAT")
            assert any(names[month - 1] in shown for names in config["months"].values())
    assert config["time_zone"] == settings.TIME_ZONE


def test_english_and_french_words():
    with translation.override("en"):
        config = date_config()
        assert config["months"] == {"N": config["months"]["N"]}  # only the names the formats use
        assert config["months"]["N"][8] == "Sept."
        assert (config["ampm"]["a"], config["noon"], config["midnight"]) == (
            ["a.m.", "p.m."],
            "noon",
            "midnight",
        )
        assert date_format(datetime(2026, 9, 4, 12), "DATETIME_FORMAT") == "Sept. 4, 2026, noon"
    with translation.override("fr"):
        assert date_config()["months"] == {"F": date_config()["months"]["F"]}
        assert date_config()["months"]["F"][8] == "septembre"


def test_escaped_characters_are_not_format_characters():
    assert format_specs(r"j \d\e F", "H\\hi") == {"j", " ", "F", "H", "i"}
