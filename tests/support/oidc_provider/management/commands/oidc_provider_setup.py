"""`oidc_provider_setup client <id> <secret> <redirect-uri>`: the site under test, registered as a client;
`oidc_provider_setup user <email> <password> [--unverified]`: a person who can sign in at the provider."""

from allauth.account.models import EmailAddress
from allauth.idp.oidc.models import Client
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    def add_arguments(self, parser):
        kinds = parser.add_subparsers(dest="kind", required=True)
        client = kinds.add_parser("client")
        client.add_argument("id")
        client.add_argument("secret")
        client.add_argument("redirect_uri")
        user = kinds.add_parser("user")
        user.add_argument("email")
        user.add_argument("password")
        user.add_argument("--unverified", action="store_true")

    def handle(self, *args, kind, **options):
        if kind == "client":
            client = Client(id=options["id"], name="cocreate", type=Client.Type.CONFIDENTIAL)
            client.set_secret(options["secret"])
            client.set_scopes(["openid", "email", "profile", "address"])
            client.set_redirect_uris([options["redirect_uri"]])
            client.save()
        else:
            user = get_user_model().objects.create_user(
                username=options["email"], email=options["email"], password=options["password"]
            )
            EmailAddress.objects.create(
                user=user, email=options["email"], primary=True, verified=not options["unverified"]
            )
