"""Follows and notifications: who is told of a proposal's public events, in the site and by e-mail.

A public audit entry (proposals.audit) fans out to Notification rows in the action's own transaction, so a
notification exists exactly when the action does. E-mails go after commit; a row keeps `emailed_at` empty
until its e-mail went, so `manage.py send_notifications` sends what the request could not (a failure, a
down mail server, more followers than one request should wait for). Sending is at least once: a crash
between a delivered e-mail and its commit sends it again on the next run.

Which entries notify whom:
- a status change set by an official, and an official response: the proposal's followers, except the
  official who did it;
- the support threshold: the author and the followers, because the petition's promise (a response by a
  date) is what its supporters were waiting for. The status change to "awaiting response" that the
  platform makes with it, and a status change carried by a response, are said in that one notification
  rather than in a second one;
- an implementation step of an accepted proposal planned, rescheduled, started or done (proposals.services.
  milestones): the followers, except the official who did it ("you said, we did").
- a proposal merged into another (votes.merging): the duplicate's followers, who follow the other one
  from then on, except the two authors (each has a personal notice) and the official who merged. Of the
  "status" kind, it refers to the target's "merged from" entry and links there;
- someone else's comment or reply on a proposal becoming public (posted, or approved by a moderator in a
  pre-moderated consultation): its author, once per comment (an edit, a hide and a restore do not tell
  again). Instant e-mails of this kind go from `send_notifications`, one per proposal for the
  comments waiting, at most one an hour (delivery._coalesced_with); summaries give one line per proposal.
Nothing is notified about a proposal that is not published: its followers could not open it.

Each person chooses, per kind of notification (status, response, threshold, milestone, comments), to get
its e-mail at once, in a daily or weekly summary, or not at all (preferences); `email_notifications` is the
master switch the links in e-mails turn off. The in-site list shows every notification whatever the choices.

An invitation to co-author a proposal (coauthors) is e-mailed to the address invited, whoever has it, and
shown in the site to the account whose confirmed address it is.

A personal notice (personal) tells a citizen what an official did to their own support: set aside, with
the reason and where to ask for a review, or counted again after a review. It is not a kind one chooses:
always in the site, and e-mailed at once unless the master switch is off.

One module per concern: follows, fanout (the rows of an entry), preferences (the e-mail choices per kind),
delivery (composing and sending the instant e-mails, the background thread), citizen_digest (the daily and
weekly summaries, `send_citizen_digests`), unsubscribe (signed links, the master switch), inbox (the in-site
list), digest (the officials' daily e-mail). The names other modules use are re-exported here; patch a
name in the module that uses it (e.g. `proposals.notifications.delivery.render_email`), not here.
"""

from .citizen_digest import citizen_digests_send
from .delivery import (
    MAX_ATTEMPTS,
    SEND_AFTER_COMMIT_MAX,
    SendReport,
    absolute_url,
    background_sends_wait,
    build_notification_email,
    email_language,
    notifications_send,
    recipient_address,
    render_email,
    unsubscribe_headers,
)
from .digest import DigestGroup, digest_groups, digest_in_language, digest_recipients, digest_send
from .fanout import notify_comment_published, notify_entry, notify_merge_followers
from .follows import follow_add, follow_ensure, follow_remove, follows_ensure, is_following
from .inbox import (
    notification_list,
    notification_text,
    notification_url,
    notifications_mark_read,
    unread_count,
)
from .personal import notify_people
from .preferences import KIND_ACTIONS, email_settings, email_settings_set
from .unsubscribe import email_notifications_set, unsubscribe_target, unsubscribe_token, unsubscribe_user

__all__ = [
    "KIND_ACTIONS",
    "citizen_digests_send",
    "email_settings",
    "email_settings_set",
    "MAX_ATTEMPTS",
    "SEND_AFTER_COMMIT_MAX",
    "DigestGroup",
    "SendReport",
    "absolute_url",
    "background_sends_wait",
    "build_notification_email",
    "digest_groups",
    "digest_in_language",
    "digest_recipients",
    "digest_send",
    "email_language",
    "email_notifications_set",
    "follow_add",
    "follow_ensure",
    "follow_remove",
    "follows_ensure",
    "is_following",
    "notification_list",
    "notification_text",
    "notification_url",
    "notifications_mark_read",
    "notifications_send",
    "notify_comment_published",
    "notify_entry",
    "notify_merge_followers",
    "notify_people",
    "recipient_address",
    "render_email",
    "unread_count",
    "unsubscribe_headers",
    "unsubscribe_target",
    "unsubscribe_token",
    "unsubscribe_user",
]
