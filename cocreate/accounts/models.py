from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    email_notifications = models.BooleanField(
        _("e-mail me about proposals I follow"),
        default=True,
        help_text=_("Official responses and status changes. Every e-mail has a link to stop them."),
    )

    # The language the person last used the site in (set as they sign in or change language): e-mails to
    # them are written in it. Blank until known; e-mails then use the site's default language.
    language = models.CharField(_("language"), max_length=8, blank=True)

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
