"""The client address a write came from, kept only as a keyed hash (docs/security.md, "What is stored
about a support").

The address is the one the rate limits use (DRF's `get_ident`: REMOTE_ADDR, or the right entry of
X-Forwarded-For behind TRUSTED_PROXY_COUNT proxies). An IPv6 address is cut to its /64 network first: one
household or one phone has a whole /64 and may use a new address in it for every connection, so the
network is what says "many accounts from one place". The hash is an HMAC-SHA256 keyed by the site's
SECRET_KEY (through Django's `salted_hmac`, with a salt of its own), cut to 64 bits: enough that two
addresses among millions do not share one, and, without the key, nobody holding a copy of the database can
recover an address by hashing the four thousand million IPv4 addresses. Changing SECRET_KEY makes new
hashes that no longer match the old ones."""

import ipaddress

from django.utils.crypto import salted_hmac
from rest_framework.throttling import BaseThrottle

HASH_LENGTH = 16  # hex digits: 64 bits
_SALT = "cocreate.addresses.client"


def client_address(request) -> str:
    """The address the rate limits charge this request to (Django's or DRF's request)."""
    return BaseThrottle().get_ident(request)


def address_hash(address: str) -> str | None:
    """The keyed hash of `address`, an IPv6 one by its /64 network; None if it is no address at all."""
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if parsed.version == 6 and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    value = str(ipaddress.ip_network(f"{parsed}/64", strict=False)) if parsed.version == 6 else str(parsed)
    return salted_hmac(_SALT, value, algorithm="sha256").hexdigest()[:HASH_LENGTH]


def request_address_hash(request) -> str | None:
    return address_hash(client_address(request))
