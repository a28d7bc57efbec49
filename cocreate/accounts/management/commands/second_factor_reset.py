"""Take away a person's second factor when they lost both their phone and their recovery codes.

There is no page for it: the Django admin is not installed and Wagtail's user pages do not show
authenticators. Until the person sets up a new app, their role gives them nothing (cocreate/accounts/mfa.py),
and /cms/ sends them to set one up; an API token they had goes when they do.
"""

from django.core.management.base import BaseCommand, CommandError

from cocreate.accounts.mfa import second_factor_reset
from cocreate.accounts.models import User


class Command(BaseCommand):
    help = "Remove the authenticator app and recovery codes of the account with this e-mail address."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The account's e-mail address.")

    def handle(self, *args, email: str, **options):
        user = User.objects.filter(emailaddress__email__iexact=email.strip()).distinct().first()
        if user is None:
            raise CommandError(f"No account has the address {email}.")
        removed = second_factor_reset(user=user)
        if not removed:
            self.stdout.write(f"{user.get_username()} has no second factor: nothing changed.")
            return
        self.stdout.write(
            f"Removed the authenticator app and recovery codes of {user.get_username()}: they set up a new "
            "app at their next visit to /cms/ (after their password, asked again)."
        )
