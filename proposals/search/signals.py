"""What Wagtail, a sender this app does not own, tells search.

A consultation's categories and stages are edited in the CMS and take effect when the page is published; each
indexed proposal carries its category's and its stage's names, so publishing the page rewrites the
consultation's proposals in the index (after commit, like every index write). Connected by
`ProposalsConfig.ready()` importing this module.
"""

from django.dispatch import receiver
from wagtail.signals import page_published

from cms.models import ConsultationPage

from . import consultation_index_on_commit


@receiver(page_published, sender=ConsultationPage, dispatch_uid="proposals.search.consultation_published")
def consultation_published(sender, instance: ConsultationPage, **kwargs) -> None:
    consultation_index_on_commit(instance.pk)
