from django.conf import settings
from django.db import models


class Support(models.Model):
    """A citizen's support (signature) for a proposal. One per citizen per proposal, kept by the database."""

    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="supports")
    # A support outlives its citizen's account: deleting an account sets `user` to NULL, so the support
    # keeps counting, anonymously, and the stored count stays equal to the rows. PostgreSQL treats NULLs as
    # distinct in the unique constraint below, so many anonymised supports coexist on one proposal while a
    # live citizen still gets one support per proposal.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="supports"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="one_support_per_citizen")]
        indexes = [models.Index(fields=["user", "proposal"], name="support_by_user")]

    def __str__(self) -> str:
        return f"{self.user_id or 'a former member'} supports {self.proposal_id}"
