"""Reads of a proposal's versions (ProposalVersion): when its author may still edit it, and what each edit
published changed, word by word, for its public history."""

import difflib
import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Min

from .models import CoauthorState, Proposal, ProposalVersion

# A word, or the spaces between two: the spaces are kept so that the pieces put back together are the text.
_TOKENS = re.compile(r"\s+|\S+")

SAME, INSERTED, DELETED = "same", "ins", "del"


def first_other_support_at(*, proposal: Proposal) -> datetime | None:
    """When the earliest support still standing from anyone but its authors (its first author and its
    co-authors) was given (a support whose account was deleted is someone else's; one set aside as
    fraudulent is not counted); None if there is none. No query while the proposal has no support at all."""
    if proposal.supports_count == 0:
        return None
    others = proposal.supports.filter(invalidation__isnull=True)
    authors = [proposal.author_id] if proposal.author_id is not None else []
    authors += proposal.coauthors.filter(state=CoauthorState.ACCEPTED).values_list("user_id", flat=True)
    if authors:
        # exclude() keeps the rows whose user is NULL: the supports of deleted accounts.
        others = others.exclude(user_id__in=authors)
    return others.aggregate(first=Min("created_at"))["first"]


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """`after` compared with `before` word by word: pieces (SAME, INSERTED or DELETED, text) that read, in
    order, as both texts at once; a replaced run of words is its deletion, then its insertion."""
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    pieces: list[tuple[str, str]] = []

    def add(kind: str, tokens: list[str]) -> None:
        if not tokens:
            return
        text = "".join(tokens)
        if pieces and pieces[-1][0] == kind:
            pieces[-1] = (kind, pieces[-1][1] + text)
        else:
            pieces.append((kind, text))

    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            add(SAME, old[i1:i2])
        else:
            add(DELETED, old[i1:i2])
            add(INSERTED, new[j1:j2])
    return pieces


@dataclass(frozen=True)
class Revision:
    """One edit made public: when, and what it changed of the title and summary (word_diff pieces, empty if
    unchanged) and whether it changed the details."""

    version: ProposalVersion
    title: list[tuple[str, str]]
    summary: list[tuple[str, str]]
    body_changed: bool

    @property
    def created_at(self) -> datetime:
        return self.version.created_at


def published_revisions(*, proposal: Proposal) -> list[Revision]:
    """The edits of `proposal` since it was first published, oldest first, each compared with the version
    before it. Edits made before it was published are not public: the first version shown is the one
    published. One query."""
    if proposal.published_at is None:
        return []
    versions = list(ProposalVersion.objects.filter(proposal=proposal))
    revisions = []
    for before, after in zip(versions, versions[1:], strict=False):
        if after.created_at <= proposal.published_at:
            continue
        revisions.append(
            Revision(
                version=after,
                title=word_diff(before.title, after.title) if before.title != after.title else [],
                summary=word_diff(before.summary, after.summary) if before.summary != after.summary else [],
                body_changed=before.body != after.body,
            )
        )
    return revisions


def published_versions(*, proposal: Proposal) -> list[ProposalVersion]:
    """The versions of `proposal` the public has read, oldest first: the one it was published with (the
    last written by then, or the first), then every edit since, as published_revisions compares them. One
    that never had a version kept (submitted before versions were) has its text as it is, dated from its
    publication. Nothing while it was never published. One query."""
    if proposal.published_at is None:
        return []
    versions = list(ProposalVersion.objects.filter(proposal=proposal))
    if not versions:
        return [
            ProposalVersion(
                proposal=proposal,
                title=proposal.title,
                summary=proposal.summary,
                body=proposal.body,
                created_at=proposal.published_at,
            )
        ]
    first = max((i for i, v in enumerate(versions) if v.created_at <= proposal.published_at), default=0)
    return versions[first:]
