"""Work to do once the current transaction commits (broadcasts, search indexing, e-mails, cache entries to
forget), which must never fail the request whose data is already committed.

Django's `transaction.on_commit(..., robust=True)` logs a failing callback and goes on, but it names the
callback by its `__qualname__`, which a `functools.partial` lacks (Django ticket #36487, fixed after 5.2):
the logging itself then raised, and the request answered 500 after its commit. `after_commit` gives the
partial its function's names, so a failure is logged as meant.
"""

from collections.abc import Callable
from functools import partial, update_wrapper

from django.db import transaction


def after_commit(func: Callable[..., object], /, *args: object) -> None:
    """Call `func(*args)` after the current transaction commits (at once outside one); an exception it
    raises is logged with its traceback, never raised to the caller."""
    transaction.on_commit(update_wrapper(partial(func, *args), func), robust=True)
