"""What Wagtail, a sender this app does not own, tells the petition promise.

A consultation published with a lower support threshold makes the promise to each published proposal that
already has that many supports, at once (`consultation_thresholds_apply`). Connected by
`ProposalsConfig.ready()`.
"""

from django.dispatch import receiver
from wagtail.signals import page_published

from cms.models import ConsultationPage

from .services import consultation_thresholds_apply


@receiver(page_published, sender=ConsultationPage, dispatch_uid="proposals.consultation_thresholds")
def consultation_published(sender, instance: ConsultationPage, **kwargs) -> None:
    consultation_thresholds_apply(consultation=instance)
