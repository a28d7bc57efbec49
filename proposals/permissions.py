"""Who may do what: named predicates, one per permission, with no side effects.

Role matrix (docs/roles.md has the full table):
- anonymous visitor: reads published proposals and responses.
- citizen (signed in): as a visitor, plus their own proposals whatever their state.
- verified citizen (confirmed e-mail): submits proposals, supports and comments while the consultation is
  open (can_submit, can_support, can_comment: the person, the proposal and the consultation's phase).
  A consultation may ask more to support and submit (its participation_level, level_refusal): a verified
  identity (signed in through an identity provider), or that identity's address in its residents' areas.
  Comments, check-ins and withdrawing a support ask a confirmed address only.
- moderator (group "Moderators"): approves or hides proposals; sees pending and hidden ones.
- official (group "Officials"): as a moderator, plus sets the status and publishes official responses.
- admin (superuser): everything.
A role counts only with a second factor: until its holder activates a TOTP authenticator, the role
predicates below (is_official, can_moderate and every one built on them) answer no, whatever asks them
(the API, the services, the pages), and their *_refusal says `mfa_required` (cocreate/accounts/mfa.py).
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils import timezone

from cms.participation import ParticipationLevel

# The role names are the accounts layer's; callers may still read them here, as permissions.OFFICIALS_GROUP.
from cocreate.accounts.mfa import ADMIN_ACCESS, MFA_REQUIRED, has_second_factor
from cocreate.accounts.roles import (
    MODERATORS_GROUP,
    OFFICIALS_GROUP,
    VERIFIED_ATTRIBUTE,
    holds_role,
    role_groups,
)
from cocreate.accounts.selectors import verified_identity_get

from .choices import CoauthorState, Visibility


def _in_group(user, name: str) -> bool:
    """`name` is one of ROLE_GROUPS: the API's token authentication reads only those with the user."""
    return _active(user) and name in role_groups(user)


def _active(user) -> bool:
    return user.is_authenticated and user.is_active


def _official_role(user) -> bool:
    # An inactive account holds no role, superuser or not.
    return _active(user) and (user.is_superuser or _in_group(user, OFFICIALS_GROUP))


def _moderator_role(user) -> bool:
    return _official_role(user) or _in_group(user, MODERATORS_GROUP)


# The role predicates: the role, and its second factor (asked last, so a citizen's answer needs no query).


def is_official(user) -> bool:
    return _official_role(user) and has_second_factor(user)


def can_moderate(user) -> bool:
    return _moderator_role(user) and has_second_factor(user)


FORBIDDEN = "forbidden"


def _role_refusal(role_held: bool, user) -> str | None:
    if not role_held:
        return FORBIDDEN
    return None if has_second_factor(user) else MFA_REQUIRED


def official_refusal(user) -> str | None:
    """Why `user` may not act as an official (status, responses, milestones, the dashboards): None if they
    may, MFA_REQUIRED if they hold the role without a second factor yet, FORBIDDEN otherwise."""
    return _role_refusal(_official_role(user), user)


def moderation_refusal(user) -> str | None:
    """Why `user` may not moderate (proposals, comments, stories, reports): as official_refusal."""
    return _role_refusal(_moderator_role(user), user)


def has_verified_email(user) -> bool:
    if not _active(user):
        return False
    verified = getattr(user, VERIFIED_ATTRIBUTE, None)
    if verified is None:
        verified = EmailAddress.objects.filter(user=user, verified=True).exists()
        setattr(user, VERIFIED_ATTRIBUTE, verified)
    return verified


def can_participate(user) -> bool:
    """The person's part of taking part (submitting, supporting, commenting): a confirmed address. Whether
    they may now, on a given consultation or proposal, is can_submit, can_support and can_comment below."""
    return has_verified_email(user)


# May this person take part now ---------------------------------------------------------------------------
# The person (a confirmed address), the proposal (published) and the consultation (live, in its open phase:
# from opens_at until closes_at). Each *_refusal says why not, as the error code the API answers with, so a
# service raises its own error and a page explains; each can_* is the same rule as a yes or no.

EMAIL_UNVERIFIED = "email_unverified"
PROPOSAL_NOT_PUBLISHED = "proposal_not_published"
CONSULTATION_CLOSED = "consultation_closed"
IDENTITY_REQUIRED = "identity_required"
RESIDENTS_ONLY = "residents_only"
PROPOSAL_WITHDRAWN = "proposal_withdrawn"
# Merged into another proposal (votes.merging): closed to supports, their withdrawal, comments and edits.
PROPOSAL_MERGED = "proposal_merged"


def consultation_open(consultation, at=None) -> bool:
    """The consultation takes proposals, supports and comments: live, and its phase is "open"."""
    return consultation.is_open(at)


def proposal_open(proposal, at=None) -> bool:
    """The proposal takes supports and comments: published, in an open consultation."""
    return proposal.is_published and consultation_open(proposal.consultation, at)


def level_refusal(user, consultation) -> str | None:
    """Why `user` falls short of what `consultation` asks to support and submit (its participation_level):
    IDENTITY_REQUIRED, RESIDENTS_ONLY, or None. No query for the person a request reads (their verified
    identity comes with them: cocreate.accounts.selectors.user_with_roles)."""
    level = consultation.participation_level
    if level == ParticipationLevel.EMAIL:
        return None
    identity = verified_identity_get(user=user)
    if level == ParticipationLevel.IDENTITY:
        return None if identity is not None else IDENTITY_REQUIRED
    admitted = identity is not None and consultation.admits_resident(
        postal_code=identity.postal_code, locality=identity.locality
    )
    return None if admitted else RESIDENTS_ONLY


def _consultation_refusal(user, consultation, at=None) -> str | None:
    if not can_participate(user):
        return EMAIL_UNVERIFIED
    if not consultation_open(consultation, at):
        return CONSULTATION_CLOSED
    return None


def submit_refusal(user, consultation, at=None) -> str | None:
    """Why `user` may not submit a proposal to `consultation` now, or None if they may."""
    return _consultation_refusal(user, consultation, at) or level_refusal(user, consultation)


def _proposal_refusal(user, proposal, at=None) -> str | None:
    if not can_participate(user):
        return EMAIL_UNVERIFIED
    if not proposal.is_published:
        return PROPOSAL_NOT_PUBLISHED
    if proposal.merged_into_id is not None:
        return PROPOSAL_MERGED
    if not consultation_open(proposal.consultation, at):
        return CONSULTATION_CLOSED
    return None


def support_change_refusal(user, proposal, at=None) -> str | None:
    """Why `user` may not give or withdraw a support of `proposal` now (the person, the proposal and the
    phase); None if they may. Withdrawing asks nothing more: people may always take back a support, also
    one given before the consultation asked more than they have."""
    return _proposal_refusal(user, proposal, at)


def support_refusal(user, proposal, at=None) -> str | None:
    """Why `user` may not support `proposal` now; None if they may: support_change_refusal, then whether
    its author withdrew it (PROPOSAL_WITHDRAWN: it takes no new support, those given may be taken back),
    then what the consultation asks (level_refusal)."""
    return (
        support_change_refusal(user, proposal, at)
        or (PROPOSAL_WITHDRAWN if proposal.withdrawn_at is not None else None)
        or level_refusal(user, proposal.consultation)
    )


def comment_refusal(user, proposal, at=None) -> str | None:
    """Why `user` may not comment on `proposal` (or reply to a comment on it) now; None if they may."""
    return _proposal_refusal(user, proposal, at)


OWN_COMMENT = "own_comment"
COMMENT_NOT_PUBLISHED = "comment_not_published"


def helpful_refusal(user, comment, at=None) -> str | None:
    """Why `user` may not mark `comment` as helpful now; None if they may: whoever may comment on its
    proposal now (comment_refusal), on a published comment that stands (not pending, hidden or deleted),
    not their own. Taking a mark back asks nothing: people may always withdraw it."""
    refusal = comment_refusal(user, comment.proposal, at)
    if refusal is not None:
        return refusal
    if is_comment_author(user, comment):
        return OWN_COMMENT
    if not comment.is_published or comment.is_deleted:
        return COMMENT_NOT_PUBLISHED
    return None


def can_mark_helpful(user, comment, at=None) -> bool:
    return helpful_refusal(user, comment, at) is None


def can_submit(user, consultation, at=None) -> bool:
    return submit_refusal(user, consultation, at) is None


def can_support(user, proposal, at=None) -> bool:
    return support_refusal(user, proposal, at) is None


def can_comment(user, proposal, at=None) -> bool:
    return comment_refusal(user, proposal, at) is None


def can_flag(user) -> bool:
    """Report a published proposal or comment of someone else's to the moderators (the services check
    the item): verified citizens, like participation."""
    return can_participate(user)


def can_follow(user) -> bool:
    """Follow a published proposal (the services check that it is): any signed-in person, verified or
    not, since following only reads."""
    return _active(user)


def can_set_status(user) -> bool:
    return is_official(user)


def can_respond(user) -> bool:
    return is_official(user)


def can_set_aside_supports(user) -> bool:
    """Set aside a proposal's fraudulent supports, or count one again (votes.invalidations): the officials,
    who answer for the promise those supports make. Moderators do not: it moves the count and may withdraw
    the promise."""
    return is_official(user)


def can_merge_proposals(user) -> bool:
    """Merge duplicate proposals into one (votes.merging): the officials, as for setting supports aside,
    since a merge moves supports between counts and may make or withdraw a promise."""
    return is_official(user)


def can_manage_milestones(user) -> bool:
    """Plan, start and complete the implementation steps of an accepted proposal: the officials who decide
    are the ones who answer for putting it into practice."""
    return is_official(user)


# Editing a proposal -------------------------------------------------------------------------------------
# Its author corrects it while the people who support it have read what they support: at any time while no
# one else supports it, then for PROPOSAL_EDIT_WINDOW_MINUTES after the earliest support from someone else
# that still stands. Never once hidden (the moderator judged that text), withdrawn, or its consultation
# closed (the text the officials answer is fixed). Withdrawing it: its author, once (withdraw_refusal).

NOT_AUTHOR = "not_author"
PROPOSAL_HIDDEN = "proposal_hidden"
EDIT_WINDOW_CLOSED = "edit_window_closed"


def is_proposal_author(user, proposal) -> bool:
    """Its first author: the one who submitted it, who alone invites co-authors and withdraws it."""
    # Not a bare author_id == user.pk: a visitor's pk and a departed author's id are both None.
    return _active(user) and proposal.author_id is not None and proposal.author_id == user.pk


def is_coauthor(user, proposal) -> bool:
    """Someone who accepted its first author's invitation to co-author it (models.ProposalCoauthor): named
    on it, and edits it under the rules of its author. One query, none for a visitor."""
    return _active(user) and proposal.coauthors.filter(user_id=user.pk, state=CoauthorState.ACCEPTED).exists()


def is_among_authors(user, proposal) -> bool:
    """Its first author or one of its co-authors: who may edit its text (edit_refusal)."""
    return is_proposal_author(user, proposal) or is_coauthor(user, proposal)


def proposal_edit_deadline(first_other_support_at):
    """Until when the author may edit, given when the earliest support from someone else was given; None
    while no one else supports the proposal (no deadline yet)."""
    if first_other_support_at is None:
        return None
    return first_other_support_at + timedelta(minutes=settings.PROPOSAL_EDIT_WINDOW_MINUTES)


def edit_refusal(user, proposal, *, first_other_support_at, at=None) -> str | None:
    """Why `user` may not edit `proposal`'s text now; None if they may: its first author or a co-author,
    under the same rules. `first_other_support_at`: when the earliest support still standing from anyone
    but its authors was given, None if there is none (versions.first_other_support_at)."""
    if not is_among_authors(user, proposal):
        return NOT_AUTHOR
    if not can_participate(user):
        return EMAIL_UNVERIFIED
    if proposal.visibility == Visibility.HIDDEN:
        return PROPOSAL_HIDDEN
    if proposal.withdrawn_at is not None:
        return PROPOSAL_WITHDRAWN
    if proposal.merged_into_id is not None:
        return PROPOSAL_MERGED
    if not consultation_open(proposal.consultation, at):
        return CONSULTATION_CLOSED
    deadline = proposal_edit_deadline(first_other_support_at)
    if deadline is not None and (at or timezone.now()) >= deadline:
        return EDIT_WINDOW_CLOSED
    return None


def can_edit_proposal(user, proposal, *, first_other_support_at, at=None) -> bool:
    return edit_refusal(user, proposal, first_other_support_at=first_other_support_at, at=at) is None


def coauthor_invite_refusal(user, proposal, at=None) -> str | None:
    """Why `user` may not invite co-authors to `proposal` now; None if they may: its first author, with a
    confirmed address, while it is published (its co-authors must be able to read it), not withdrawn, in
    an open consultation. The number of co-authors is the service's to count, under the proposal's lock."""
    if not is_proposal_author(user, proposal):
        return NOT_AUTHOR
    return coauthor_join_refusal(user, proposal, at)


def coauthor_join_refusal(user, proposal, at=None) -> str | None:
    """Why `user` may not join `proposal` as a co-author now (accepting an invitation, which services.
    coauthors checks is theirs); None if they may: a confirmed address, the proposal published, not
    withdrawn, its consultation open."""
    if not can_participate(user):
        return EMAIL_UNVERIFIED
    if proposal.visibility == Visibility.HIDDEN:
        return PROPOSAL_HIDDEN
    if not proposal.is_published:
        return PROPOSAL_NOT_PUBLISHED
    if proposal.withdrawn_at is not None:
        return PROPOSAL_WITHDRAWN
    if not consultation_open(proposal.consultation, at):
        return CONSULTATION_CLOSED
    return None


def withdraw_refusal(user, proposal) -> str | None:
    """Why `user` may not withdraw `proposal`; None if they may: its author, once, whatever its state or its
    consultation's phase (people may always stop standing behind their words; what was said stays public)."""
    if not is_proposal_author(user, proposal):
        return NOT_AUTHOR
    if proposal.withdrawn_at is not None:
        return PROPOSAL_WITHDRAWN
    return None


def can_withdraw_proposal(user, proposal) -> bool:
    return withdraw_refusal(user, proposal) is None


def is_comment_author(user, comment) -> bool:
    # Not a bare author_id == user.pk: a visitor's pk and a departed author's id are both None.
    return _active(user) and comment.author_id is not None and comment.author_id == user.pk


def comment_edit_deadline(comment):
    return comment.created_at + timedelta(minutes=settings.COMMENT_EDIT_MINUTES)


def can_edit_comment(user, comment, at=None) -> bool:
    """The author, within COMMENT_EDIT_MINUTES of posting, while the comment stands: a deleted comment has
    no text left, and a hidden one keeps the text the moderator judged."""
    return (
        is_comment_author(user, comment)
        and not comment.is_deleted
        and comment.visibility != Visibility.HIDDEN
        and (at or timezone.now()) < comment_edit_deadline(comment)
    )


def can_delete_comment(user, comment) -> bool:
    """The author, at any time: people may always take back their words."""
    return is_comment_author(user, comment) and not comment.is_deleted


def can_moderate_comments(user) -> bool:
    return can_moderate(user)


def can_read_comment_text(user, comment) -> bool:
    """Published text is for everyone; pending or hidden text for its author and the moderators (with the
    reason); a deleted comment has no text left."""
    if comment.is_deleted:
        return False
    return comment.is_published or can_moderate(user) or is_comment_author(user, comment)


def checkin_refusal(user, consultation, at=None) -> str | None:
    """Why `user` may not check in on (or change, or delete a check-in on) a stage of `consultation` now:
    a confirmed address and the consultation open, whatever it asks to support and submit (level_refusal);
    None if they may."""
    return _consultation_refusal(user, consultation, at)


def can_check_in(user, consultation, at=None) -> bool:
    return checkin_refusal(user, consultation, at) is None


def can_block_account(actor, target) -> bool:
    """Block or unblock `target`'s account (cocreate.accounts.blocking): moderators, officials and
    administrators, for a citizen's; the account of staff (a role: moderator, official, staff,
    administrator; or anyone let into the admin, such as an editor) only by an administrator; never one's
    own."""
    if not can_moderate(actor) or target.pk == actor.pk:
        return False
    if holds_role(target) or target.has_perm(ADMIN_ACCESS):
        return actor.is_superuser
    return True
