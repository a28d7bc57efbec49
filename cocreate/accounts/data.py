"""A person's rows in the apps above, gathered for their data export (services.account_export).

The accounts layer is the ground floor: it cannot import the apps that hold a person's proposals, comments
or supports. Each of them hands its sections over through the Wagtail hook `ACCOUNT_EXPORT_HOOK`, as the
consultation page gets its context (`cms.models.CONSULTATION_CONTEXT_HOOK`): one mechanism for every
"a floor below asks the floors above", registered in the app's `wagtail_hooks.py`, which Wagtail finds in
every installed app without an import from below. A hook is called with the user and returns
{section name: rows}.

Deleting an account needs no hook: each app says on its own foreign keys to the user what becomes of its
rows (SET_NULL keeps a proposal, a comment, a support or a check-in without its person, CASCADE removes a
follow), and the one `delete()` of services.account_delete applies them all in its transaction.
"""

from django.core.exceptions import ImproperlyConfigured
from wagtail import hooks

ACCOUNT_EXPORT_HOOK = "cocreate_account_export"

# The file is a format (services.EXPORT_FORMAT): its sections after "account", in the file's order, are
# written here once, whichever app fills each of them in.
EXPORT_SECTIONS = (
    "proposals",
    "supports",
    "comments",
    "follows",
    "notifications",
    "reports",
    "checkins",
    "helpful",
    "drafts",
    "declared_areas",
    "coauthors",
)


def when(value) -> str | None:
    """A date or a time as the export writes it."""
    return value.isoformat() if value else None


def export_sections(*, user) -> dict[str, list]:
    """Every section of `user`'s export, from the apps' hooks, in the file's order. A section no app fills,
    or two apps fill, is a wiring mistake: better no file than one that silently leaves data out."""
    found: dict[str, list] = {}
    for export in hooks.get_hooks(ACCOUNT_EXPORT_HOOK):
        for name, rows in export(user=user).items():
            if name not in EXPORT_SECTIONS or name in found:
                raise ImproperlyConfigured(f"Account export section {name!r} is unknown or given twice.")
            found[name] = rows
    missing = [name for name in EXPORT_SECTIONS if name not in found]
    if missing:
        raise ImproperlyConfigured(f"No app exports the account sections {missing}.")
    return {name: found[name] for name in EXPORT_SECTIONS}
