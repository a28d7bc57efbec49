"""Production settings: `check --deploy` is clean with the required environment, and the settings refuse
to load without it. Each case runs manage.py in a fresh process with only the variables it names."""

import pytest
from cryptography.fernet import Fernet

from tests.support.deploy import manage, production_env

REQUIRED = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "MFA_ENCRYPTION_KEYS")


def test_check_deploy_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_on_a_weak_secret_key():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(SECRET_KEY="short"))
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


@pytest.mark.parametrize("value", [None, "", "   "], ids=["unset", "empty", "blank"])
@pytest.mark.parametrize("name", REQUIRED)
def test_production_refuses_to_start_without(name, value):
    result = manage("check", env=production_env(**{name: value}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr


def test_allowed_hosts_of_only_commas_is_refused():
    result = manage("check", env=production_env(ALLOWED_HOSTS=" , ,"))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


@pytest.mark.parametrize(
    "keys",
    [" , ,", "not-a-fernet-key", f"{Fernet.generate_key().decode()},short"],
    ids=["only-commas", "not-a-key", "a-key-then-a-short-one"],
)
def test_mfa_encryption_keys_that_are_not_fernet_keys_are_refused(keys):
    result = manage("check", env=production_env(MFA_ENCRYPTION_KEYS=keys))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "MFA_ENCRYPTION_KEYS" in result.stderr


def test_mfa_encryption_keys_newest_first_are_all_kept():
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    keys = production_setting("settings.MFA_ENCRYPTION_KEYS", MFA_ENCRYPTION_KEYS=f" {new}, {old} ")
    assert keys == str([new, old])


def production_setting(expression: str, **overrides) -> str:
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        f"from django.conf import settings; print({expression})",
        env=production_env(**overrides),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def test_production_pools_database_connections_unless_told_not_to():
    assert production_setting("settings.DATABASES['default']['OPTIONS']['pool']['max_size']") == "10"
    assert production_setting("settings.DATABASES['default']['CONN_MAX_AGE']", DB_CONN_MAX_AGE="60") == "0"
    assert "pool" not in production_setting("settings.DATABASES['default']['OPTIONS']", DB_POOL_MAX_SIZE="0")
    pool = (
        "{k: v for k, v in settings.DATABASES['default']['OPTIONS']['pool'].items()"
        " if k != 'reconnect_failed'}"
    )
    assert production_setting(pool, DB_POOL_MAX_SIZE="3") == (
        "{'min_size': 2, 'max_size': 3, 'timeout': 10.0, 'reconnect_timeout': 5.0}"
    )
    # After a long outage the pool starts its next reconnection attempt at once (docs/reliability.md).
    assert (
        production_setting(
            "settings.DATABASES['default']['OPTIONS']['pool']['reconnect_failed'].__name__",
            DB_POOL_MAX_SIZE="3",
        )
        == "reconnect_again"
    )


def test_production_gives_up_on_a_postgresql_that_does_not_answer():
    """Pooled or not, a connection attempt, and a pooled connection's check, end after DB_CONNECT_TIMEOUT
    seconds; a server that can no longer be reached is noticed within about 25 s (docs/reliability.md)."""
    options = "settings.DATABASES['default']['OPTIONS']"
    for pool_max_size in ("0", "3"):
        assert production_setting(f"{options}['connect_timeout']", DB_POOL_MAX_SIZE=pool_max_size) == "5"
    assert production_setting(f"{options}['connect_timeout']", DB_CONNECT_TIMEOUT="3") == "3"
    assert production_setting(f"{options}['tcp_user_timeout']") == "25000"
    assert production_setting("settings.DATABASES['default']['ENGINE']") == "cocreate.postgresql"


@pytest.mark.parametrize(
    ("layer", "backend"),
    [
        (None, "cocreate.channel_layers.RedisPubSubChannelLayer"),
        ("core", "channels_redis.core.RedisChannelLayer"),
        ("pubsub", "cocreate.channel_layers.RedisPubSubChannelLayer"),
    ],
)
def test_production_channel_layer_is_chosen_by_the_environment(layer, backend):
    assert (
        production_setting("settings.CHANNEL_LAYERS['default']['BACKEND']", REDIS_CHANNEL_LAYER=layer)
        == backend
    )


def test_an_unknown_channel_layer_is_refused():
    result = manage("check", env=production_env(REDIS_CHANNEL_LAYER="kafka"))
    assert result.returncode != 0
    assert "REDIS_CHANNEL_LAYER" in result.stderr
