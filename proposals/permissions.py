"""Who may do what: named predicates, one per permission, with no side effects.

Role matrix (docs/roles.md has the full table):
- anonymous visitor: reads published proposals and responses.
- citizen (signed in): as a visitor, plus their own proposals whatever their state.
- verified citizen (confirmed e-mail): submits proposals and supports while the consultation is open.
- moderator (group "Moderators"): approves or hides proposals; sees pending and hidden ones.
- official (group "Officials"): as a moderator, plus sets the status and publishes official responses.
- admin (superuser): everything.
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils import timezone

# The role names are the accounts layer's; callers may still read them here, as permissions.OFFICIALS_GROUP.
from cocreate.accounts.roles import MODERATORS_GROUP, OFFICIALS_GROUP

from .models import Visibility


def _in_group(user, name: str) -> bool:
    if not _active(user):
        return False
    # Cached per user object: a request asks several predicates of one user.
    groups = getattr(user, "_cocreate_groups", None)
    if groups is None:
        groups = set(user.groups.values_list("name", flat=True))
        user._cocreate_groups = groups
    return name in groups


def _active(user) -> bool:
    return user.is_authenticated and user.is_active


def is_official(user) -> bool:
    # An inactive account holds no role, superuser or not.
    return _active(user) and (user.is_superuser or _in_group(user, OFFICIALS_GROUP))


def can_moderate(user) -> bool:
    return is_official(user) or _in_group(user, MODERATORS_GROUP)


def has_verified_email(user) -> bool:
    if not _active(user):
        return False
    verified = getattr(user, "_cocreate_verified", None)
    if verified is None:
        verified = EmailAddress.objects.filter(user=user, verified=True).exists()
        user._cocreate_verified = verified
    return verified


def can_participate(user) -> bool:
    """Submit and support (the consultation must also be open; the services check that)."""
    return has_verified_email(user)


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


def can_comment(user) -> bool:
    """Comment on a proposal or reply to a comment (the proposal must also be published and its
    consultation open; the services check that)."""
    return can_participate(user)


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
