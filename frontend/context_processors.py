"""Template context every page gets."""

from django.utils.functional import SimpleLazyObject

from proposals.notifications import unread_count


def notifications(request):
    """The unread count in the header, counted only when a page shows it (signed-in people)."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user=user))}
