"""What live.js needs to write a date as the server does (frontend.pages.date_config): the site's time zone
and the month names of DATE_FORMAT in the page's language, which Intl alone cannot give ("Sept.")."""

from datetime import date

import pytest
from django.utils import translation
from django.utils.formats import date_format

from frontend.pages import date_config


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_month_names_are_those_of_the_servers_dates(language, settings):
    with translation.override(language):
        config = date_config()
        for month in range(1, 13):
            assert config["months"][month - 1] in date_format(date(2026, month, 9), "DATE_FORMAT")
    assert config["time_zone"] == settings.TIME_ZONE


def test_english_and_french_month_names():
    with translation.override("en"):
        assert date_config()["months"][8] == "Sept."
    with translation.override("fr"):
        assert date_config()["months"][8] == "septembre"
