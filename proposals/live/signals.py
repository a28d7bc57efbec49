"""What Wagtail, a sender this app does not own, tells the live streams.

A consultation that stops being public (unpublished, deleted, or put behind a view restriction on its page
or above it) closes its open streams with 4404 after commit: a page opened before the change would
otherwise go on receiving its events until it reconnected. Connected by `ProposalsConfig.ready()`.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import PageViewRestriction
from wagtail.signals import page_unpublished

from cms.models import ConsultationPage

from .broadcasts import close_streams_on_commit


@receiver(page_unpublished, sender=ConsultationPage, dispatch_uid="proposals.live.consultation_unpublished")
def consultation_unpublished(sender, instance: ConsultationPage, **kwargs) -> None:
    close_streams_on_commit(instance.pk)


@receiver(post_delete, sender=ConsultationPage, dispatch_uid="proposals.live.consultation_deleted")
def consultation_deleted(sender, instance: ConsultationPage, **kwargs) -> None:
    close_streams_on_commit(instance.pk)


@receiver(post_save, sender=PageViewRestriction, dispatch_uid="proposals.live.consultation_restricted")
def consultation_restricted(sender, instance: PageViewRestriction, **kwargs) -> None:
    """A restriction on a consultation or on a page above it (the consultations' index, say)."""
    for consultation_id in ConsultationPage.objects.descendant_of(instance.page, inclusive=True).values_list(
        "pk", flat=True
    ):
        close_streams_on_commit(consultation_id)
