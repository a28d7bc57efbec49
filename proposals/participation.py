"""What a consultation asks to support and submit (cms ParticipationLevel), said to the person it refuses:
what is missing and how to get it. The API's 403 and the pages say the same sentences."""

from collections.abc import Callable
from typing import Literal

from django.utils.translation import gettext as _

from cms.participation import ParticipationLevel, identity_services
from cocreate.accounts.selectors import verified_identity_get
from cocreate.exceptions import NotAllowed

from . import permissions

Action = Literal["support", "submit", "both"]


def requirement(consultation, *, action: Action) -> str:
    """What `consultation` asks to `action`, as a sentence; empty when a confirmed address is enough."""
    level = consultation.participation_level
    if level == ParticipationLevel.IDENTITY:
        if action == "support":
            return _("Supporting proposals in this consultation needs a verified identity.")
        if action == "submit":
            return _("Submitting a proposal to this consultation needs a verified identity.")
        return _("Supporting and submitting proposals in this consultation need a verified identity.")
    if level == ParticipationLevel.RESIDENTS:
        areas = {"areas": ", ".join(consultation.resident_areas)}
        if action == "support":
            return _("Only residents of %(areas)s may support proposals in this consultation.") % areas
        if action == "submit":
            return _("Only residents of %(areas)s may submit proposals to this consultation.") % areas
        return _("Only residents of %(areas)s may support and submit proposals in this consultation.") % areas
    return ""


def how_to(user, consultation) -> str:
    """How `user` gets what `consultation` asks when level_refusal says they lack it, as a sentence."""
    identity = verified_identity_get(user=user) if user.is_authenticated else None
    if identity is not None:  # then the consultation asks for residents, and this is not one
        if not (identity.postal_code or identity.locality):
            return _("Your identity service did not confirm your address, so it cannot show where you live.")
        return _("The address your identity service confirmed (%(place)s) is not in these areas.") % {
            "place": " ".join(part for part in (identity.postal_code, identity.locality) if part)
        }
    services = {"services": ", ".join(identity_services())}
    if not services["services"]:
        return _("No identity service is set up on this site yet: ask the team running the consultation.")
    if consultation.participation_level == ParticipationLevel.RESIDENTS:
        return _("Sign in with %(services)s: it confirms who you are and where you live.") % services
    return _("Sign in with %(services)s: it confirms who you are.") % services


def level_errors(user, consultation, *, action: Action) -> dict[str, Callable[[], NotAllowed]]:
    """The 403s of a support or submission refused for want of what `consultation` asks, by refusal code
    (permissions.IDENTITY_REQUIRED, RESIDENTS_ONLY), for cocreate.exceptions.refuse: the message says what
    is missing and how to get it."""

    def message() -> str:
        return f"{requirement(consultation, action=action)} {how_to(user, consultation)}"

    return {
        permissions.IDENTITY_REQUIRED: lambda: NotAllowed(message(), code="identity_required"),
        permissions.RESIDENTS_ONLY: lambda: NotAllowed(message(), code="residents_only"),
    }


def participation_context(user, consultation) -> dict:
    """For the pages: `participation`, what `consultation` asks to support and submit beyond a confirmed
    address (None when nothing more), said before anyone tries; `level_refusal`, why the signed-in `user`
    falls short of it (permissions.level_refusal), or None. No query for the person a request reads."""
    if consultation.participation_level == ParticipationLevel.EMAIL:
        return {"participation": None, "level_refusal": None}
    signed_in = user.is_authenticated
    refusal = permissions.level_refusal(user, consultation) if signed_in else None
    has_identity = signed_in and verified_identity_get(user=user) is not None
    return {
        "level_refusal": refusal,
        "participation": {
            "requirement": requirement(consultation, action="both"),
            "met": signed_in and refusal is None,
            "how_to": how_to(user, consultation) if refusal or not signed_in else "",
            # The identity services' buttons, for a signed-in person without an identity yet (a visitor is
            # sent to the sign-in page, which has them: a visitor's page holds no form token).
            "sign_in": refusal is not None and not has_identity and bool(identity_services()),
        },
    }
