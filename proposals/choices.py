"""The moderation state, apart from the models: the permission predicates read it, and the models ask those
predicates who may see what, so neither module has to import the other both ways."""

from django.db import models
from django.utils.translation import pgettext_lazy


class Visibility(models.TextChoices):
    """Moderation state. Only PUBLISHED proposals are ever shown or sent to citizens. The labels are a
    proposal's (feminine in French: « publiée »); a comment's are models.COMMENT_VISIBILITY_LABELS
    (« publié »)."""

    PENDING = "pending", pgettext_lazy("visibility of a proposal", "Waiting for moderation")
    PUBLISHED = "published", pgettext_lazy("visibility of a proposal", "Published")
    HIDDEN = "hidden", pgettext_lazy("visibility of a proposal", "Hidden by moderation")
