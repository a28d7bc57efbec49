"""Test data. Pages go into Wagtail's tree through `consultation()`, not a bare factory."""

import time
from datetime import UTC, date, datetime, timedelta

import factory
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.auth.models import Group, Permission
from django.db.models import F
from django.utils import timezone
from wagtail.models import Locale, Page, Site

from cms.models import (
    Area,
    AreaSet,
    ConsultationCategory,
    ConsultationIndexPage,
    ConsultationPage,
    ConsultationStage,
    ModerationMode,
)
from cms.roles import ensure_role_groups
from cocreate.accounts.models import User
from proposals.models import Comment, Flag, OfficialResponse, Proposal, Status, Visibility
from proposals.permissions import MODERATORS_GROUP, OFFICIALS_GROUP
from proposals.services import coauthor_invite, coauthor_respond, flag_create
from votes.models import Support

PASSWORD = "correct horse battery staple"  # every user's, for the tests that sign in through the form


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        """verified=True (the default) records a confirmed primary e-mail address, as allauth would."""
        if create:
            EmailAddress.objects.create(
                user=user, email=user.email, primary=True, verified=extracted is not False
            )

    @factory.post_generation
    def second_factor(user, create, extracted, **kwargs):
        """Staff (is_superuser or is_staff) get an activated TOTP authenticator, as the site requires of
        them, unless second_factor=False; second_factor=True gives anyone one."""
        if create and (extracted or (extracted is None and (user.is_superuser or user.is_staff))):
            activate_totp(user)


def activate_totp(user, secret: str | None = None) -> str:
    """Give `user` an activated TOTP authenticator, as allauth's set-up page does; returns its secret."""
    secret = secret or generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    """The code an authenticator app shows for `secret` now, by allauth's own algorithm. In the last
    seconds of its period it waits for the next one, so the code is still good when the test sends it."""
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 5:
        time.sleep(period - time.time() % period + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def citizen(**kwargs) -> User:
    return UserFactory(**kwargs)


def unverified_citizen(**kwargs) -> User:
    return UserFactory(verified=False, **kwargs)


# Staff come with an activated TOTP authenticator, as the site requires of them before /cms/ or a staff API;
# second_factor=False makes one who has not set it up yet.


def moderator(*, second_factor: bool = True, **kwargs) -> User:
    user = UserFactory(second_factor=second_factor, **kwargs)
    user.groups.add(ensure_role_groups()[MODERATORS_GROUP])
    return user


def official(*, second_factor: bool = True, **kwargs) -> User:
    kwargs.setdefault("department", "Employment Services")
    user = UserFactory(second_factor=second_factor, **kwargs)
    user.groups.add(ensure_role_groups()[OFFICIALS_GROUP])
    return user


def admin_only_user(*, second_factor: bool = True) -> User:
    """Someone let into the admin for other work (an editor), without a proposal role."""
    group, _created = Group.objects.get_or_create(name="Editors of other things")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user = citizen(second_factor=second_factor)
    user.groups.add(group)
    return user


def site_root() -> ConsultationIndexPage:
    """The consultation list at the root of the default site, created if this database has none
    (transactional tests flush the pages that Wagtail's migrations made)."""
    index = ConsultationIndexPage.objects.first()
    if index:
        return index
    Locale.objects.get_or_create(language_code="en")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    index = root.add_child(instance=ConsultationIndexPage(title="Consultations", slug="consultations"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": index}
    )
    return index


def consultation(
    *,
    open_now: bool = True,
    moderation: str = ModerationMode.POST,
    categories=("Online",),
    stages=(),
    **fields,
) -> ConsultationPage:
    now = timezone.now()
    fields.setdefault("title", "Redesigning the unemployment-benefit journey")
    fields.setdefault("service", "Unemployment benefit")
    fields.setdefault("intro", "Tell us how the journey should work.")
    fields.setdefault("opens_at", now - timedelta(days=1) if open_now else now - timedelta(days=30))
    fields.setdefault("closes_at", now + timedelta(days=30) if open_now else now - timedelta(days=1))
    fields.setdefault("support_threshold", 100)
    page = ConsultationPage(moderation_mode=moderation, **fields)
    site_root().add_child(instance=page)
    for i, name in enumerate(categories):
        ConsultationCategory.objects.create(
            page=page, name=name, slug=name.lower().replace(" ", "-"), sort_order=i
        )
    for i, name in enumerate(stages):
        ConsultationStage.objects.create(
            page=page, name=name, slug=name.lower().replace(" ", "-"), sort_order=i
        )
    return page


def french() -> Locale:
    """The French locale (cms' migration makes it; transactional tests flush it)."""
    return Locale.objects.get_or_create(language_code="fr")[0]


def translation(page: ConsultationPage, locale: Locale, *, publish: bool = True, **texts) -> ConsultationPage:
    """What an official does with the CMS's Translate action (the list first, then the consultation): a
    copy of `page` in `locale`'s tree, its texts replaced by `texts`, published unless told not to."""
    index = page.get_parent().specific
    if not index.has_translation(locale):
        index.copy_for_translation(locale).save_revision().publish()
    copy = page.copy_for_translation(locale)
    for name, value in texts.items():
        setattr(copy, name, value)
    revision = copy.save_revision()
    if publish:
        revision.publish()
    return ConsultationPage.objects.get(pk=copy.pk)


def square(west: float, south: float, side: float = 0.01) -> dict:
    """A GeoJSON Polygon geometry: the square of `side` degrees whose south-west corner is (west, south)."""
    ring = [[west, south], [west + side, south], [west + side, south + side], [west, south + side]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def area_set(*names: str, name: str = "Districts", consultations=()) -> AreaSet:
    """An area set with one square area per name, side by side from (2.30, 48.85) eastwards, given to
    `consultations`."""
    areas = AreaSet.objects.create(name=name)
    for i, area_name in enumerate(names):
        Area.objects.create(
            area_set=areas,
            name=area_name,
            slug=area_name.lower().replace(" ", "-"),
            geometry=square(2.30 + 0.01 * i, 48.85),
            sort_order=i,
        )
    for page in consultations:
        page.area_set = areas
        page.save(update_fields=["area_set"])
    return areas


class ProposalFactory(factory.django.DjangoModelFactory):
    """A proposal written straight to the database; tests of submission go through the service."""

    class Meta:
        model = Proposal

    consultation = factory.LazyFunction(consultation)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Proposal number {n}")
    summary = factory.Faker("sentence")
    body = factory.Faker("paragraph")
    visibility = Visibility.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


# Records with a past: written straight to the database, then moved back in time where the test needs it.


def days_ago(n: int) -> datetime:
    return timezone.now() - timedelta(days=n)


def a_comment(proposal, **fields) -> Comment:
    """A comment written straight to the database, its proposal's count kept right."""
    fields.setdefault("author", citizen())
    fields.setdefault("visibility", Visibility.PUBLISHED)
    fields.setdefault("body", "A comment with an opinion.")
    comment = Comment.objects.create(proposal=proposal, **fields)
    if comment.is_published and not comment.is_deleted:
        Proposal.objects.filter(pk=proposal.pk).update(comments_count=F("comments_count") + 1)
    return comment


def reported(item, *reasons: str, age: int | None = None, details: str = "") -> list[Flag]:
    """Reports on a proposal or a comment, by new citizens; `age` in days moves them back in time."""
    target = {"comment": item} if isinstance(item, Comment) else {"proposal": item}
    flags = [flag_create(reporter=citizen(), reason=reason, details=details, **target) for reason in reasons]
    if age is not None:
        Flag.objects.filter(pk__in=[f.pk for f in flags]).update(created_at=days_ago(age))
    return flags


def aged(item, age: int):
    """`item` (a proposal or a comment) as if written `age` days ago."""
    type(item).objects.filter(pk=item.pk).update(created_at=days_ago(age))
    return item


def promised(consultation, *, due_in_days: float, title: str, **fields) -> Proposal:
    """A proposal whose threshold was reached, due `due_in_days` from now (negative: overdue)."""
    due = timezone.now() + timedelta(days=due_in_days)
    return ProposalFactory(
        consultation=consultation,
        title=title,
        threshold_reached_at=due - timedelta(days=consultation.response_deadline_days),
        response_due_at=due,
        status=Status.AWAITING_RESPONSE,
        **fields,
    )


def answered(consultation, *, after: timedelta, title: str = "Answered") -> Proposal:
    """Reached the threshold ten days ago and answered `after` it (negative: before)."""
    reached = timezone.now() - timedelta(days=10)
    return ProposalFactory(
        consultation=consultation,
        title=title,
        threshold_reached_at=reached,
        response_due_at=reached + timedelta(days=30),
        responded_at=reached + after,
        status=Status.ACCEPTED,
    )


def awaiting(consultation, *, due_in_days: float) -> Proposal:
    """A proposal awaiting its response, due `due_in_days` from now, its threshold reached 30 days before."""
    due = timezone.now() + timedelta(days=due_in_days)
    return ProposalFactory(
        consultation=consultation,
        threshold_reached_at=due - timedelta(days=30),
        response_due_at=due,
        status=Status.AWAITING_RESPONSE,
    )


def at(when: datetime, proposal: Proposal, n: int = 1) -> None:
    """`n` supports given at `when`, counted as the services count them."""
    for _ in range(n):
        support = Support.objects.create(proposal=proposal, user=citizen())
        Support.objects.filter(pk=support.pk).update(created_at=when)
    Proposal.objects.filter(pk=proposal.pk).update(
        supports_count=Support.objects.filter(proposal=proposal).count()
    )


def support_on(proposal, day: date, n: int) -> None:
    """`n` supports given at noon (UTC) on `day`; the proposal's count is left as it was."""
    for _ in range(n):
        support = Support.objects.create(proposal=proposal, user=citizen())
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        Support.objects.filter(pk=support.pk).update(created_at=noon)


_STATUSES = [Status.OPEN, Status.UNDER_REVIEW, Status.ACCEPTED, Status.REJECTED, Status.IMPLEMENTED]


def published_many(
    consultation, count: int, *, first: int = 1, authors: int = 0, supporter=None
) -> list[Proposal]:
    """`count` published proposals, "Idea <first>" the most supported: each with its own author (or one of
    `authors`), in turn in each category and status, one in three with an official response, one in four
    supported by `supporter`."""
    categories = [*consultation.categories.all(), None]
    people = [citizen() for _ in range(authors or count)]
    proposals = Proposal.objects.bulk_create(
        Proposal(
            consultation=consultation,
            author=people[i % len(people)],
            title=f"Idea {first + i}",
            summary="A summary.",
            body="The details.",
            category=categories[i % len(categories)],
            status=_STATUSES[i % len(_STATUSES)],
            visibility=Visibility.PUBLISHED,
            published_at=timezone.now(),
            supports_count=100_000 - first - i,
        )
        for i in range(count)
    )
    OfficialResponse.objects.bulk_create(
        OfficialResponse(proposal=p, author_name="Claire Martin", body="Our answer.") for p in proposals[::3]
    )
    if supporter is not None:
        Support.objects.bulk_create(Support(proposal=p, user=supporter) for p in proposals[::4])
    return proposals


def coauthor(proposal, person):
    """`person` co-authors `proposal`: invited by its author at their address, and accepted."""
    invitation = coauthor_invite(actor=proposal.author, proposal=proposal, email=person.email)
    return coauthor_respond(user=person, invitation=invitation, accept=True)
