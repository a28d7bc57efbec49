"""The viewers and the content of the security tables: a browser-like client per role, and content that
only some of them may see."""

from django.test import Client
from wagtail.models import PageViewRestriction

from cms.models import ModerationMode
from proposals.models import Visibility
from tests.support import factories

ROLES = ("anonymous", "unverified_citizen", "citizen", "moderator", "official")
STAFF = ("moderator", "official")
OUTSIDERS = ("anonymous", "citizen")  # no role, and not the author


def signed_in(user, **kwargs) -> Client:
    """A browser: session cookie, and with enforce_csrf_checks=True the CSRF check a browser gets."""
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


def private_consultation(**fields):
    """A consultation restricted in the CMS (password): the site lists it nowhere."""
    page = factories.consultation(**fields)
    PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="only-us"
    )
    return page


def unseen_proposal(kind: str, *, author, title: str):
    """A proposal only its author and staff may see: `pending`, `hidden`, or published in a `private`
    consultation (which only staff may see)."""
    if kind == "private":
        return factories.ProposalFactory(consultation=private_consultation(), author=author, title=title)
    consultation = factories.consultation(moderation=ModerationMode.PRE)
    if kind == "pending":
        return factories.ProposalFactory(
            consultation=consultation,
            author=author,
            title=title,
            visibility=Visibility.PENDING,
            published_at=None,
        )
    return factories.ProposalFactory(
        consultation=consultation,
        author=author,
        title=title,
        visibility=Visibility.HIDDEN,
        moderation_reason="Personal data.",
    )
