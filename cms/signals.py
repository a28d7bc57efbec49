"""Receivers for Wagtail's signals about pages (senders cms does not own)."""

from django.contrib.auth.models import Group
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import PageViewRestriction, get_page_models
from wagtail.signals import (
    copy_for_translation_done,
    page_published,
    page_slug_changed,
    page_unpublished,
    post_page_move,
)

from cocreate import page_cache
from cocreate.accounts.roles import OFFICIALS_GROUP

from .models import ConsultationIndexPage
from .roles import grant_official_page_permissions


@receiver(copy_for_translation_done, dispatch_uid="cms.index_translated")
def index_translated(sender, source_obj, target_obj, **kwargs) -> None:
    """The consultation list translated into another language starts a page tree of its own: officials
    get the same page permissions on it as on the original, so that they can translate consultations into
    it and publish them. (Page permissions follow the tree, and the translation is not under the original.)"""
    if isinstance(target_obj, ConsultationIndexPage):
        group = Group.objects.filter(name=OFFICIALS_GROUP).first()
        if group is not None:
            grant_official_page_permissions(group)


@receiver(page_published, dispatch_uid="cms.page_cache.published")
@receiver(page_unpublished, dispatch_uid="cms.page_cache.unpublished")
@receiver(page_slug_changed, dispatch_uid="cms.page_cache.slug_changed")
@receiver(post_page_move, dispatch_uid="cms.page_cache.moved")
@receiver(post_save, sender=PageViewRestriction, dispatch_uid="cms.page_cache.restricted")
@receiver(post_delete, sender=PageViewRestriction, dispatch_uid="cms.page_cache.unrestricted")
def page_changed(sender, **kwargs) -> None:
    """A page published, unpublished (by hand or at its expiry), renamed or moved, or a view restriction
    added, changed or removed: the pages kept for visitors may show what is no longer so, or no longer
    public; forget them all after commit (cocreate/page_cache.py). Rare, so all of them."""
    page_cache.site_pages_changed_on_commit()


def page_saved_or_deleted(sender, **kwargs) -> None:
    """Any page saved or deleted, also without Wagtail's actions (a page added live by code, as the demo
    content is, sends no page_published): a kept page at the same address must not outlive it."""
    page_cache.site_pages_changed_on_commit()


# Connected to each page model, not to every model: a post_delete receiver without a sender makes Django
# read every row of every delete (of supports, notifications, ...) to send it, where it deletes them in one
# statement otherwise.
for _model in get_page_models():
    post_save.connect(
        page_saved_or_deleted, sender=_model, dispatch_uid=f"cms.page_cache.saved.{_model._meta.label}"
    )
    post_delete.connect(
        page_saved_or_deleted, sender=_model, dispatch_uid=f"cms.page_cache.deleted.{_model._meta.label}"
    )
