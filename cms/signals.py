"""Receivers for Wagtail's signals about pages (senders cms does not own)."""

from django.contrib.auth.models import Group
from django.dispatch import receiver
from wagtail.signals import copy_for_translation_done

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
