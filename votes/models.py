from django.conf import settings
from django.db import models


class Support(models.Model):
    """A citizen's support (signature) for a proposal. One per citizen per proposal, kept by the database."""

    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supports")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="one_support_per_citizen")]
        indexes = [models.Index(fields=["user", "proposal"], name="support_by_user")]

    def __str__(self) -> str:
        return f"{self.user_id} supports {self.proposal_id}"
