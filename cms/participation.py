"""Who a consultation lets support and submit proposals (ConsultationPage.participation_level), and how its
residents' areas are read: pure functions, no queries."""

import unicodedata

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ParticipationLevel(models.TextChoices):
    EMAIL = "email", _("A verified e-mail address")
    IDENTITY = "identity", _("A verified identity: signed in through an identity service")
    RESIDENTS = "residents", _("Residents: a verified identity with an address in the areas below")


def identity_services() -> list[str]:
    """The names of the identity services people may sign in with (settings: OIDC_PROVIDERS), as the sign-in
    page offers them."""
    apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    return [app["name"] for app in apps]


def area_lines(text: str) -> list[str]:
    """The areas of a consultation's list (one per line), without blank lines or repeats, in order."""
    lines: dict[str, None] = {}
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            lines.setdefault(line)
    return list(lines)


def postcode_key(value: str) -> str:
    """A postcode as compared: exactly, without its spaces ("75 011" is "75011")."""
    return "".join(value.split())


def locality_key(value: str) -> str:
    """A locality as compared: without regard to case, accents, hyphens or apostrophes ("Saint-Étienne" is
    "saint etienne")."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    for mark in "-'’":
        plain = plain.replace(mark, " ")
    return " ".join(plain.split())


def admits(areas: str, *, postal_code: str, locality: str) -> bool:
    """Whether the address an identity service vouched for (`postal_code`, `locality`, either blank) is in
    `areas`, a consultation's list: its postcode is one of the lines, or its locality is."""
    lines = area_lines(areas)
    postcode, place = postcode_key(postal_code or ""), locality_key(locality or "")
    return bool(
        (postcode and postcode in {postcode_key(line) for line in lines})
        or (place and place in {locality_key(line) for line in lines})
    )
