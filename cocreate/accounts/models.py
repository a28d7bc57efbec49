from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EmailFrequency(models.TextChoices):
    """How a person wants one kind of notification by e-mail (the in-site list gets every one anyway)."""

    INSTANT = "instant", pgettext_lazy("e-mail frequency", "At once, one e-mail each")
    DAILY = "daily", pgettext_lazy("e-mail frequency", "In a daily summary")
    WEEKLY = "weekly", pgettext_lazy("e-mail frequency", "In a weekly summary")
    NONE = "none", pgettext_lazy("e-mail frequency", "No e-mail")


# The kinds of notification a person chooses a frequency for, each a field `email_<kind>` below; which
# audit actions make each kind is proposals.notifications.preferences' business.
EMAIL_KINDS = ("status", "response", "threshold", "milestone", "comments")


def _frequency_field(verbose_name, default=EmailFrequency.INSTANT):
    # The default in the database too: rows written without the column (raw SQL, or the previous release's
    # code during a deploy) get it as well.
    return models.CharField(
        verbose_name, max_length=8, choices=EmailFrequency.choices, default=default, db_default=default
    )


class User(AbstractUser):
    """A person with an account. Roles are groups (see proposals.permissions); citizens need no group."""

    display_name = models.CharField(
        _("public name"), max_length=80, blank=True, help_text=_("Shown next to your proposals.")
    )
    department = models.CharField(
        _("department"),
        max_length=120,
        blank=True,
        help_text=_("For officials: shown with every official response they publish."),
    )
    # The master switch: off, no notification e-mail goes, whatever the kinds below say. It is what the
    # link in every e-mail and the one-click List-Unsubscribe turn off, so "stop everything" is one
    # reversible step that keeps the person's choices per kind for when they turn it back on.
    email_notifications = models.BooleanField(
        _("e-mail me about proposals I follow"),
        default=True,
        help_text=_("Official responses and status changes. Every e-mail has a link to stop them."),
    )
    email_status = _frequency_field(_("e-mails about status changes"))
    email_response = _frequency_field(_("e-mails about official responses"))
    email_threshold = _frequency_field(_("e-mails about support thresholds reached"))
    email_milestone = _frequency_field(_("e-mails about implementation steps"))
    # Comments on the person's own proposals: a daily summary by default. A busy proposal gets hundreds a
    # day, and one e-mail each would bury the ones that matter (an official's response); the in-site list
    # still shows each at once, and "instant" is one choice away.
    email_comments = _frequency_field(_("e-mails about comments on my proposals"), EmailFrequency.DAILY)

    # The language the person last used the site in (set as they sign in or change language): e-mails to
    # them are written in it. Blank until known; e-mails then use the site's default language.
    language = models.CharField(_("language"), max_length=8, blank=True)

    class Meta(AbstractUser.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(**{f"email_{kind}__in": EmailFrequency.values}),
                name=f"email_{kind}_known_frequency",
            )
            for kind in EMAIL_KINDS
        ]

    @property
    def public_name(self) -> str:
        return self.display_name or self.get_full_name() or _("A citizen")


class VerifiedIdentity(models.Model):
    """That the person signed in through an identity provider (settings: OIDC_PROVIDERS): which one, when
    last, and the postcode and locality it vouched for, if it sent any. One per person, the latest sign-in's;
    read with the person on every request (selectors.user_with_roles), for the consultations that ask for a
    verified identity. It goes with the account, or when the person disconnects that provider."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="verified_identity"
    )
    provider = models.CharField(_("identity provider"), max_length=30)  # its id in OIDC_PROVIDERS
    verified_at = models.DateTimeField(_("verified at"))
    postal_code = models.CharField(_("postcode"), max_length=16, blank=True)
    locality = models.CharField(_("locality"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("verified identity")
        verbose_name_plural = _("verified identities")

    def __str__(self) -> str:
        return f"{self.provider} ({self.verified_at:%Y-%m-%d})"


class CanonicalEmail(models.Model):
    """The canonical form (canonical.py) of one of allauth's e-mail addresses, unique across all accounts:
    one mailbox, one account, decided by the database even when two sign-ups race. Written with the
    address (signals.py); NULL for an address that already shared its canonical form with an older account
    when the rule came in (migration 0005 keeps the oldest as the owner)."""

    address = models.OneToOneField(
        "account.EmailAddress", on_delete=models.CASCADE, primary_key=True, related_name="canonical_form"
    )
    canonical = models.CharField(max_length=254, null=True)

    class Meta:
        # PostgreSQL lets many NULLs through a unique constraint: the addresses that own no mailbox.
        constraints = [models.UniqueConstraint(fields=["canonical"], name="one_account_per_mailbox")]

    def __str__(self) -> str:
        return self.canonical or ""


class AccountBlock(models.Model):
    """A moderator's block of an account: the person can sign in and read, but not write
    (cocreate.accounts.blocking). The row is its audit record: who blocked, when and why; who lifted it,
    when and why. At most one block stands per account (the partial unique constraint)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks")
    reason = models.TextField()
    blocked_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The names as they were, kept if the moderator's account goes (as the proposals' audit trail does).
    blocked_by_name = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    lifted_by_name = models.CharField(max_length=150, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(lifted_at__isnull=True), name="one_standing_block"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ({self.created_at:%Y-%m-%d})"
