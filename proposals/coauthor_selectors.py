"""Reads of co-authors (models.ProposalCoauthor): who is named on a proposal, what its first author sees of
its invitations, and which invitations wait for a person."""

from allauth.account.models import EmailAddress
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from cocreate.accounts.canonical import canonical_email

from .models import CoauthorState, Proposal, ProposalCoauthor


def verified_canonical_addresses(user, *, verified_only: bool = True) -> set[str]:
    """The canonical forms of `user`'s confirmed addresses (all of their addresses with `verified_only`
    False): an invitation to any of them is theirs. One query, none for a visitor."""
    if not user.is_authenticated:
        return set()
    addresses = EmailAddress.objects.filter(user_id=user.pk)
    if verified_only:
        addresses = addresses.filter(verified=True)
    return {canonical_email(address) for address in addresses.values_list("email", flat=True)}


def coauthors_of(*, proposal: Proposal) -> list[ProposalCoauthor]:
    """Its co-authors, the first to join first, each with their account. One query."""
    return list(
        ProposalCoauthor.objects.filter(proposal=proposal, state=CoauthorState.ACCEPTED)
        .select_related("user")
        .order_by("responded_at", "id")
    )


def coauthor_names(coauthors: list[ProposalCoauthor]) -> list[str]:
    return [str(row.user.public_name) for row in coauthors]


def names_joined(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C", in the active language."""
    if len(names) < 2:
        return "".join(names)
    return _("%(names)s and %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}


def coauthor_rows(*, proposal: Proposal) -> QuerySet[ProposalCoauthor]:
    """Every invitation and co-author of `proposal`, oldest first: what its first author manages."""
    return (
        ProposalCoauthor.objects.filter(proposal=proposal).select_related("user").order_by("created_at", "id")
    )


def invitations_waiting(*, user) -> QuerySet[ProposalCoauthor]:
    """The open invitations to `user`'s confirmed addresses, on proposals they may read, newest first."""
    return (
        ProposalCoauthor.objects.filter(
            email__in=verified_canonical_addresses(user),
            state=CoauthorState.INVITED,
            proposal__in=Proposal.objects.readable_by(user),
        )
        .select_related("proposal", "invited_by")
        .defer("proposal__search_en", "proposal__search_fr")
        .order_by("-created_at", "-id")
    )


def coauthorships_of(*, user) -> QuerySet[ProposalCoauthor]:
    """The proposals `user` co-authors, and the invitations to their confirmed addresses (their export)."""
    return (
        ProposalCoauthor.objects.filter(Q(user_id=user.pk) | Q(email__in=verified_canonical_addresses(user)))
        .select_related("proposal", "invited_by")
        .defer("proposal__search_en", "proposal__search_fr")
        .order_by("created_at", "id")
    )
