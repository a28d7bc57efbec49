"""Search engines for the tests: the real one TEST_ELASTICSEARCH_URL names (else the bundled in-memory
server, see tests/conftest.py), and engines that are down or hung."""

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

# Each test's indices and aliases get a prefix of their own under TEST_INDEX_PREFIX (see tests/conftest.py).
TEST_ELASTICSEARCH_URL = os.environ.get("TEST_ELASTICSEARCH_URL", "")
TEST_INDEX_PREFIX = "cocreate-test"


def stopped_engine(osmem_server) -> str:
    """The address of a search server that ran and was stopped: nothing listens there any more."""
    clone = osmem_server.clone()
    clone.close()
    return clone.url


@contextmanager
def hung_engine() -> Iterator[str]:
    """The address of a server that takes connections and never answers: the kernel completes them into
    the listen queue and nothing ever reads them."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def use_engine(settings, url: str) -> None:
    """Proposal search on the engine at `url` (`settings`: pytest-django's fixture)."""
    settings.ELASTICSEARCH_URL = url
    settings.SEARCH_BACKEND = "engine"
