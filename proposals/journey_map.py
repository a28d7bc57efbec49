"""The journey map of a consultation: each stage of its service journey with what its check-ins say, the
stage's most supported proposals, and the breaking point. Read from the tallies: the same cost at 100
check-ins and at 100,000."""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import caches
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils.connection import ConnectionProxy
from django.utils.translation import get_language

from cms.models import ConsultationPage, ConsultationStage

from .journey_selectors import MIN_CHECKINS, StageFigures, stage_figures
from .models import Proposal

TOP_PROPOSALS = 3
# The readings are forgotten by a delete (forget_reading), so they must be the same for every worker: the
# `pages` cache, which a Redis that does not answer turns into misses (cocreate/cache.py).
cache = ConnectionProxy(caches, "pages")


@dataclass
class MapStage:
    stage: ConsultationStage  # named in the reader's language
    figures: StageFigures
    proposals: list[Proposal] = field(default_factory=list)  # the most supported first

    @property
    def shown(self) -> bool:
        return self.figures.shown


@dataclass
class JourneyMap:
    stages: list[MapStage]
    minimum: int = MIN_CHECKINS

    @property
    def breaking_point(self) -> MapStage | None:
        """The first stage, in journey order, whose check-ins (enough to be shown) say frustration's median
        is above motivation's: where people give up."""
        return next((s for s in self.stages if s.shown and s.figures.frustration_overtakes), None)

    @property
    def version(self) -> int:
        return sum(s.figures.version for s in self.stages)


def top_proposals(stage_ids, limit: int = TOP_PROPOSALS) -> dict[int, list[Proposal]]:
    """Each stage's `limit` most supported published proposals (ties: the oldest first). One query."""
    ranked = (
        Proposal.objects.listed()
        .filter(stage_id__in=list(stage_ids))
        .annotate(
            rank=Window(
                RowNumber(), partition_by=F("stage_id"), order_by=(F("supports_count").desc(), F("id"))
            )
        )
        .only("id", "title", "status", "supports_count", "supports_version", "stage_id")
    )
    found: dict[int, list[Proposal]] = {stage_id: [] for stage_id in stage_ids}
    for proposal in ranked.filter(rank__lte=limit).order_by("stage_id", "rank"):
        found[proposal.stage_id].append(proposal)
    return found


def journey_map(*, consultation: ConsultationPage, stages=None) -> JourneyMap:
    """`consultation` is the canonical page (proposals and check-ins point to it); `stages`, its
    localized_stages() when the caller has them already. Four queries (two with `stages`)."""
    if stages is None:
        stages = consultation.localized_stages()
    ids = [stage.pk for stage in stages]
    figures = stage_figures(ids)
    proposals = top_proposals(ids)
    return JourneyMap([MapStage(stage, figures[stage.pk], proposals[stage.pk]) for stage in stages])


def cache_key(kind: str, consultation_id: int, language: str | None = None) -> str:
    return f"{kind}:{int(consultation_id)}:{language or get_language() or settings.LANGUAGE_CODE}"


def cached_reading(kind: str, consultation_id: int, seconds: int, read):
    """`read()`, kept `seconds` in the cache under `kind` for the consultation in the reader's language; read
    every time when `seconds` is 0."""
    if not seconds:
        return read()
    key = cache_key(kind, consultation_id)
    found = cache.get(key)
    if found is None:
        found = read()
        cache.set(key, found, seconds)
    return found


def forget_reading(kind: str, consultation_id: int) -> None:
    """Call after commit: the next reader, in any language, reads afresh."""
    cache.delete_many([cache_key(kind, consultation_id, code) for code, _name in settings.LANGUAGES])


def current_journey_map(*, consultation: ConsultationPage, stages=None) -> JourneyMap:
    """journey_map, kept JOURNEY_CACHE_SECONDS in the cache for the reader's language: one cache read instead
    of four queries while readers pile onto a consultation. A check-in forgets it at once
    (forget_journey_map), so its figures are never older than the live stream's."""
    return cached_reading(
        "journey-map",
        consultation.pk,
        settings.JOURNEY_CACHE_SECONDS,
        lambda: journey_map(consultation=consultation, stages=stages),
    )


def forget_journey_map(consultation_id: int) -> None:
    forget_reading("journey-map", consultation_id)
