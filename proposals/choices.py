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


class Frustration(models.IntegerChoices):
    """How frustrating a stage of the journey was, in words at every point of the scale."""

    NONE = 1, pgettext_lazy("frustration", "Not frustrating at all")
    SLIGHT = 2, pgettext_lazy("frustration", "Slightly frustrating")
    SOMEWHAT = 3, pgettext_lazy("frustration", "Somewhat frustrating")
    VERY = 4, pgettext_lazy("frustration", "Very frustrating")
    EXTREME = 5, pgettext_lazy("frustration", "Extremely frustrating")


class Motivation(models.IntegerChoices):
    """How motivated the person still was to see it through at that stage."""

    NONE = 1, pgettext_lazy("motivation", "Not motivated at all")
    HARDLY = 2, pgettext_lazy("motivation", "Hardly motivated")
    SOMEWHAT = 3, pgettext_lazy("motivation", "Somewhat motivated")
    QUITE = 4, pgettext_lazy("motivation", "Quite motivated")
    FULLY = 5, pgettext_lazy("motivation", "Fully motivated")


class MilestoneState(models.TextChoices):
    """Where one step of putting an accepted proposal into practice stands."""

    PLANNED = "planned", pgettext_lazy("milestone", "Planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("milestone", "In progress")
    DONE = "done", pgettext_lazy("milestone", "Done")


class CoauthorState(models.TextChoices):
    """Where an invitation to co-author a proposal stands (models.ProposalCoauthor)."""

    INVITED = "invited", pgettext_lazy("an invitation to co-author", "Invited")
    ACCEPTED = "accepted", pgettext_lazy("an invitation to co-author", "Accepted")
    DECLINED = "declined", pgettext_lazy("an invitation to co-author", "Declined")
