"""Test data. Pages go into Wagtail's tree through `consultation()`, not a bare factory."""

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone
from wagtail.models import Locale, Page, Site

from cms.models import ConsultationCategory, ConsultationIndexPage, ConsultationPage, ModerationMode
from cms.roles import ensure_role_groups
from cocreate.accounts.models import User
from proposals.models import Proposal, Visibility
from proposals.permissions import MODERATORS_GROUP, OFFICIALS_GROUP


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        """verified=True (the default) records a confirmed primary e-mail address, as allauth would."""
        if create:
            EmailAddress.objects.create(
                user=user, email=user.email, primary=True, verified=extracted is not False
            )


def citizen(**kwargs) -> User:
    return UserFactory(**kwargs)


def unverified_citizen(**kwargs) -> User:
    return UserFactory(verified=False, **kwargs)


def moderator(**kwargs) -> User:
    user = UserFactory(**kwargs)
    user.groups.add(ensure_role_groups()[MODERATORS_GROUP])
    return user


def official(**kwargs) -> User:
    kwargs.setdefault("department", "Employment Services")
    user = UserFactory(**kwargs)
    user.groups.add(ensure_role_groups()[OFFICIALS_GROUP])
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
    *, open_now: bool = True, moderation: str = ModerationMode.POST, categories=("Online",), **fields
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
