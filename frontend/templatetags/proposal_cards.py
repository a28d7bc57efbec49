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

from django import template
from django.utils import timezone, translation

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
