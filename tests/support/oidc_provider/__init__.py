"""A real OpenID Connect identity provider for the sign-in tests: django-allauth's (`allauth.idp.oidc`) in a
Django site of its own (settings.py here), served by uvicorn in its own process, on its own port and its
own SQLite file, signing with an RSA key made for the run. Nothing here imports Django:

    with running_provider(tmp_path) as provider:                # migrated, serving, no client yet
        provider.add_client(client_id, secret, redirect_uri)    # the site under test
        provider.add_user("jean@example.org", PASSWORD)         # vouched for; verified=False: not
        provider.server.http_url("/")                           # the issuer, OIDC_<ID>_SERVER_URL
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support import servers

SETTINGS = "tests.support.oidc_provider.settings"
APP = "tests.support.oidc_provider.asgi:application"


@dataclass
class IdentityProvider:
    server: servers.AsgiServer
    env: dict[str, str]

    @property
    def issuer(self) -> str:
        return self.server.base_url

    def manage(self, *args: str) -> None:
        """A management command in the provider's own settings (and database)."""
        _manage(self.env, *args)

    # "--" before the values: a generated secret may start with "-", which would read as an option.
    def add_client(self, client_id: str, secret: str, redirect_uri: str) -> None:
        self.manage("oidc_provider_setup", "client", "--", client_id, secret, redirect_uri)

    def add_user(self, email: str, password: str, *, verified: bool = True) -> None:
        unverified = [] if verified else ["--unverified"]
        self.manage("oidc_provider_setup", "user", *unverified, "--", email, password)


def _manage(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "django", *args],
        cwd=servers.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode:
        raise servers.ServerError(f"{' '.join(args)} at the identity provider:\n{done.stdout}{done.stderr}")


def provider_env(database: Path) -> dict[str, str]:
    """The provider's environment: its settings, its database file, a fresh signing key; nothing of the
    site under test's (its database, its Redis, Django's async-safety exemption of the browser tests)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        OIDC_PROVIDER_DATABASE=str(database),
        OIDC_PROVIDER_PRIVATE_KEY=pem,
        PYTHONUNBUFFERED="1",
    )
    return env


@contextlib.contextmanager
def running_provider(directory: Path) -> Iterator[IdentityProvider]:
    """The provider, migrated and answering, with no client and nobody yet; stopped when the block ends."""
    env = provider_env(directory / "identity-provider.sqlite3")
    _manage(env, "migrate", "--verbosity", "0")
    with servers.serving(env, app=APP) as server:
        yield IdentityProvider(server=server, env=env)
