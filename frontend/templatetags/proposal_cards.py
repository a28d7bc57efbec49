"""`{% proposal_card_public proposal %}`: the public part of a proposal's card (proposal_card_public.html),
kept in this process by everything it shows, so that a page of cards renders each card once and then only
the reader's own part: the support control (its form, its CSRF token, "Withdraw support").

The key is what the part shows, read from the proposal of this request (texts, status, category and stage
names, counts, the promise's dates and whether it is overdue now) with the language and the time zone its
texts and dates are in: a card that changed has another key, so a kept card is never out of date and
nothing is forgotten on change. The templates and translations are the process's own, loaded once. The
part is rendered with the proposal alone, in a context without the request or the reader: nothing of one
reader can be kept for another. At most KEPT parts, the least recently read forgotten first.
"""

import secrets
from typing import NamedTuple

from django import template
from django.utils import timezone, translation
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from ..kept import KeptParts

register = template.Library()

PUBLIC_PART = "frontend/includes/proposal_card_public.html"
KEPT = 2000  # a consultation's first pages in both languages; a few KB each

_kept = KeptParts(KEPT)


def _shown(proposal) -> tuple:
    """Everything the public part shows of `proposal`, and the language and time zone it shows it in."""
    category = proposal.category if proposal.category_id else None
    stage = proposal.stage if proposal.stage_id else None
    return (
        translation.get_language(),
        timezone.get_current_timezone_name(),
        proposal.pk,
        proposal.status,
        category and category.name,
        stage and stage.name,
        bool(getattr(proposal, "has_response", False)),
        proposal.title,
        proposal.summary,
        proposal.language,
        proposal.supports_count,
        proposal.supports_version,
        getattr(proposal, "support_threshold", None),
        proposal.responded_at,
        proposal.response_due_at,
        proposal.is_overdue(),
        proposal.withdrawn_at is not None,
    )


@register.simple_tag(takes_context=True)
def proposal_card_public(context, proposal) -> str:
    def render() -> str:
        # A context of its own, with the proposal alone: no request, no user, no CSRF token.
        alone = template.Context(
            {"proposal": proposal},
            autoescape=context.autoescape,
            use_l10n=context.use_l10n,
            use_tz=context.use_tz,
        )
        return context.template.engine.get_template(PUBLIC_PART).render(alone)

    return _kept.get(_shown(proposal), render)


SUPPORT_CONTROL = "frontend/includes/support_form.html"
# Where the reader's own CSRF token goes in a kept support control: a kept control never holds a token.
# Drawn at random for each process (the kept parts are the process's own): a title or any other text of a
# citizen's that wrote it out would otherwise have the reader's token put in its place.
TOKEN_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"

_kept_controls = KeptParts(KEPT)


class _Reader(NamedTuple):
    """What the support control reads of the user and of the request, and nothing else."""

    is_authenticated: bool
    full_path: str

    def get_full_path(self) -> str:
        return self.full_path


@register.simple_tag(takes_context=True)
def proposal_support_control(context, proposal) -> str:
    """The reader's support control of `proposal` on a card (support_form.html): kept by all it depends on
    (the proposal's id, title and whether it was withdrawn, whether this reader supports it, may support,
    is signed in, the page's path, the language), rendered without the request, the user or a token; this
    reader's CSRF token is put in its place on the way out."""
    request = context.get("request")
    user = context.get("user")
    reader = _Reader(bool(user and user.is_authenticated), request.get_full_path() if request else "")
    supported = proposal.pk in context.get("supported_ids", ())
    key = (
        translation.get_language(),
        proposal.pk,
        proposal.title,
        proposal.withdrawn_at is not None,
        supported,
        bool(context.get("supports_open")),
        bool(context.get("can_participate")),
        bool(context.get("account_blocked")),
        context.get("level_refusal"),
        reader,
        request is not None,
    )

    def render() -> str:
        alone = template.Context(
            {
                "proposal": proposal,
                "supported_ids": (proposal.pk,) if supported else (),
                "supports_open": context.get("supports_open"),
                "can_participate": context.get("can_participate"),
                "account_blocked": context.get("account_blocked"),
                "level_refusal": context.get("level_refusal"),
                "user": reader,
                "request": reader if request is not None else None,
                "csrf_token": TOKEN_PLACEHOLDER,
            },
            autoescape=context.autoescape,
            use_l10n=context.use_l10n,
            use_tz=context.use_tz,
        )
        return context.template.engine.get_template(SUPPORT_CONTROL).render(alone)

    part = _kept_controls.get(key, render)
    if TOKEN_PLACEHOLDER in part:  # only then is the token asked for: a visitor's page stays shareable
        part = mark_safe(part.replace(TOKEN_PLACEHOLDER, conditional_escape(str(context["csrf_token"]))))  # noqa: S308 - the kept part is safe, the token escaped
    return part
