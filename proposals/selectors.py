"""Reads of proposals, composed from ProposalQuerySet methods. Callers get querysets free of N+1."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import DEFERRED, Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _
from wagtail.models import Locale

from cms.locales import active_locale
from cms.models import Area, AreaSet, ConsultationCategory, ConsultationPage, ConsultationStage
from cocreate.exceptions import NotFound

from . import permissions
from .models import (
    MOST_SUPPORTED,
    CheckIn,
    DeclaredArea,
    OfficialResponse,
    Proposal,
    ProposalAttachment,
    ProposalDraft,
    Visibility,
)

# The stored full-text vectors (as large as the text itself) serve search only, which reads them in SQL.
SEARCH_VECTORS = ("search_en", "search_fr")
ORDERINGS = {"-supports": MOST_SUPPORTED, "-created": ("-created_at", "-id")}
# A list shows each proposal's title and summary, never its details (up to 10,000 characters): leaving
# them out keeps the rows that PostgreSQL sorts narrow, which is most of the cost of a later page.
LIST_DEFERRED = (*SEARCH_VECTORS, "body")
# A proposal shows its area's name; the boundary (up to megabytes of GeoJSON) is for the map alone.
AREA_DEFERRED = ("area__geometry",)


def proposal_list(
    *,
    consultation_id: int,
    user,
    ordering: str = "-supports",
    status: str | None = None,
    category: str | None = None,
    stage: str | None = None,
    area: int | None = None,
    include_unpublished: bool = False,
    awaiting_response: bool = False,
) -> QuerySet[Proposal]:
    """With `awaiting_response`, only the promises still unanswered, the earliest deadline (so the
    overdue) first, whatever `ordering` says. Each proposal carries its consultation's `support_threshold`."""
    qs = Proposal.objects.for_consultation(consultation_id)
    qs = qs.visible_to(user) if include_unpublished else qs.listed()
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category__slug=category)
    if stage:
        qs = qs.filter(stage__slug=stage)
    if area:
        qs = qs.filter(area_id=area)
    order = ORDERINGS.get(ordering, ORDERINGS["-supports"])
    if awaiting_response:
        qs = qs.filter(response_due_at__isnull=False, responded_at__isnull=True)
        order = ("response_due_at", "id")
    return (
        qs.select_related("category", "stage", "author", "area")
        .annotate(support_threshold=F("consultation__support_threshold"))
        .defer(*LIST_DEFERRED, *AREA_DEFERRED)
        .order_by(*order)
    )


def proposal_get(*, proposal_id: int, user) -> Proposal:
    """The proposal if this user may see it; a proposal they may not see does not exist for them."""
    proposals = Proposal.objects.visible_to(user)
    if not permissions.can_moderate(user):
        # A consultation taken offline or made private in the CMS takes its proposals with it, as its
        # list and its live stream already go.
        proposals = proposals.in_public_consultations()
    try:
        return (
            proposals.select_related("category", "stage", "author", "consultation", "area")
            .defer(*SEARCH_VECTORS, *AREA_DEFERRED)
            .prefetch_related(
                Prefetch("responses", queryset=OfficialResponse.objects.order_by("published_at")),
                "attachments",
            )
            .get(pk=proposal_id)
        )
    except (Proposal.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(_("No such proposal.")) from None


def attachment_get(*, proposal_id: int, attachment_id: int, user) -> ProposalAttachment:
    """A proposal's file if this user may read the proposal (the rule of proposal_get, so a hidden or
    pending proposal's files are its author's and the moderators' only); not found otherwise."""
    try:
        return ProposalAttachment.objects.select_related("proposal").get(
            pk=attachment_id,
            proposal_id=proposal_id,
            proposal__in=Proposal.objects.readable_by(user).values("pk"),
        )
    except (ProposalAttachment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(_("No such file.")) from None


# What giving or withdrawing a support reads of a proposal (votes.services): its state (withdrawn by its
# author, merged into another too), its count and promise, and its consultation's phase and threshold;
# nothing of its text, author, category or responses.
# One statement written once, the rule of `readable_by` in SQL: the ORM compiled its joins and subquery
# again on every support, which cost more than the database's answer (docs/performance.md). The first
# parameter is whether the reader moderates: then every proposal is theirs to read.
_TO_SUPPORT = """
    SELECT p.id, p.consultation_id, p.visibility, p.status, p.supports_count, p.supports_version,
        p.threshold_reached_at, p.response_due_at, p.withdrawn_at, p.merged_into_id,
        w.live, c.opens_at, c.closes_at, c.support_threshold, c.response_deadline_days,
        c.participation_level, c.participation_areas
    FROM proposals_proposal p
    JOIN cms_consultationpage c ON c.page_ptr_id = p.consultation_id
    JOIN wagtailcore_page w ON w.id = c.page_ptr_id
    WHERE p.id = %s AND (%s OR (
        (p.visibility = %s OR p.author_id = %s)
        AND w.live
        AND NOT EXISTS (SELECT 1 FROM wagtailcore_pageviewrestriction r
                        JOIN wagtailcore_page rw ON rw.id = r.page_id
                        WHERE rw.path = SUBSTR(w.path, 1, LENGTH(rw.path)))))"""
# The columns above, by attname: the proposal's, then its consultation's.
_SUPPORT_PROPOSAL_FIELDS = (
    "id", "consultation_id", "visibility", "status", "supports_count", "supports_version",
    "threshold_reached_at", "response_due_at", "withdrawn_at", "merged_into_id",
)  # fmt: skip
_SUPPORT_CONSULTATION = (
    "live", "opens_at", "closes_at", "support_threshold", "response_deadline_days",
    "participation_level", "participation_areas",
)  # fmt: skip
_CONSULTATION_FIELD = Proposal.consultation.field  # where a proposal keeps the consultation read with it
_BIGINT = range(-(2**63), 2**63)


def _from_row(model, values: dict):
    """An instance of `model` as the ORM builds it from a query that read only `values` (by attname): the
    other fields deferred, read from the database if something asks for them."""
    fields = model._meta.concrete_fields
    return model.from_db(connection.alias, values, [values.get(f.attname, DEFERRED) for f in fields])


def proposal_get_to_support(*, proposal_id: int, user) -> Proposal:
    """The proposal as a support needs it (its fields above; the others deferred, read if asked), with its
    consultation, if this user may see it: the rule and the 404 of proposal_get, in one statement."""
    if not isinstance(proposal_id, int) or proposal_id not in _BIGINT:
        raise NotFound(_("No such proposal."))
    if connection.vendor != "postgresql":
        # The demo's SQLite hands back raw dates as text, which only the ORM turns into the site's aware
        # datetimes: the ORM's read, the same rule, a few more statements.
        return proposal_get(proposal_id=proposal_id, user=user)
    moderates = permissions.can_moderate(user)
    author_id = user.pk if user.is_authenticated else None
    with connection.cursor() as cursor:
        cursor.execute(_TO_SUPPORT, [proposal_id, moderates, Visibility.PUBLISHED.value, author_id])
        row = cursor.fetchone()
    if row is None:
        raise NotFound(_("No such proposal."))
    split = len(_SUPPORT_PROPOSAL_FIELDS)
    proposal = _from_row(Proposal, dict(zip(_SUPPORT_PROPOSAL_FIELDS, row[:split], strict=True)))
    consultation = _from_row(
        ConsultationPage,
        {"id": row[1], "page_ptr_id": row[1], **dict(zip(_SUPPORT_CONSULTATION, row[split:], strict=True))},
    )
    _CONSULTATION_FIELD.set_cached_value(proposal, consultation)
    return proposal


def _names_of(model, field: str, proposal_ids) -> dict[int, str]:
    """The name of each proposal's `field` (a ConsultationCategory or ConsultationStage, `model`) in the
    reader's language, by proposal id, where its consultation's live page in that language names it (by
    slug, as ConsultationPage.category_names and stage_names): for lists of proposals, from one consultation
    or several. One query."""
    try:
        locale = active_locale()
    except Locale.DoesNotExist:  # no pages in the reader's language yet
        return {}
    named = model.objects.filter(
        page__translation_key=OuterRef("consultation__translation_key"),
        page__locale=locale,
        page__live=True,
        slug=OuterRef(f"{field}__slug"),
    ).values("name")[:1]
    return dict(
        Proposal.objects.filter(pk__in=list(proposal_ids), **{f"{field}__isnull": False})
        .annotate(localized=Subquery(named))
        .exclude(localized=None)
        .values_list("pk", "localized")
    )


def category_names_of(proposal_ids) -> dict[int, str]:
    return _names_of(ConsultationCategory, "category", proposal_ids)


def stage_names_of(proposal_ids) -> dict[int, str]:
    return _names_of(ConsultationStage, "stage", proposal_ids)


@dataclass(frozen=True)
class Funnel:
    """How far a consultation's proposals went, for everyone to see: numbers only, nobody named.

    `submitted`: every proposal ever submitted to it, whatever became of it: the published, those waiting
    for moderation, those hidden by it and the duplicates merged into another (a count says nothing of their
    text or authors). `published`: those public now and listed; not a merged duplicate, which counts in the
    one it went into, with its supports and comments. `reached`: published ones that reached the support
    threshold (once reached, it stays reached even if supports fall back); None when the consultation has
    no threshold (0: no promise is made, see threshold.html). `answered`: published ones with an official
    response, given before the threshold or after it."""

    submitted: int
    published: int
    reached: int | None
    answered: int


def consultation_funnel(*, consultation: ConsultationPage) -> Funnel:
    """One query, whatever the number of proposals."""
    published = Q(visibility=Visibility.PUBLISHED, merged_into__isnull=True)
    counts = Proposal.objects.for_consultation(consultation.pk).aggregate(
        submitted=Count("id"),
        published=Count("id", filter=published),
        reached=Count("id", filter=published & Q(threshold_reached_at__isnull=False)),
        answered=Count("id", filter=published & Q(responded_at__isnull=False)),
    )
    if not consultation.support_threshold:
        counts["reached"] = None
    return Funnel(**counts)


def checkins_of(*, author, consultation: ConsultationPage) -> dict[int, CheckIn]:
    """`author`'s own check-ins on `consultation` (its canonical page), by stage id: what their check-in
    page shows them again, pending and hidden stories and a moderator's reason included. Nobody else's
    check-in is ever read one by one. One query; empty for a visitor."""
    if not author.is_authenticated:
        return {}
    checkins = CheckIn.objects.filter(consultation=consultation, author=author)
    return {checkin.stage_id: checkin for checkin in checkins}


def draft_list(*, author, consultation_id: int | None = None) -> QuerySet[ProposalDraft]:
    """The author's drafts of proposals to this consultation (to every consultation without one), the last
    changed first: theirs alone."""
    if not author.is_authenticated:
        return ProposalDraft.objects.none()
    drafts = ProposalDraft.objects.filter(author=author)
    return drafts if consultation_id is None else drafts.filter(consultation_id=consultation_id)


def area_sets_in_use() -> QuerySet[AreaSet]:
    """The area sets of the live, public consultations: those a citizen may declare their area in."""
    consultations = ConsultationPage.objects.live().public().canonical()
    return AreaSet.objects.filter(consultations__in=consultations).distinct().order_by("name", "pk")


def areas_of_set(area_set_id: int | None) -> QuerySet[Area]:
    """A set's areas in their order, without their boundaries; none for no set."""
    return Area.objects.filter(area_set_id=area_set_id).defer("geometry").order_by("sort_order", "pk")


@dataclass
class DeclarableSet:
    """An area set in use, as the account page and the API show it: its areas, the live consultations that
    use it (canonical pages) and the area the person declared in it, if any."""

    area_set: AreaSet
    areas: list[Area]
    consultations: list[ConsultationPage]
    declared: Area | None


def declarable_sets(*, user) -> list[DeclarableSet]:
    """The area sets in use, each with `user`'s declared area. Four queries, whatever their number."""
    live = ConsultationPage.objects.live().public().canonical().order_by("title")
    sets = list(
        area_sets_in_use().prefetch_related(
            Prefetch("areas", queryset=Area.objects.defer("geometry").order_by("sort_order", "pk")),
            Prefetch("consultations", queryset=live.only("pk", "title", "area_set_id"), to_attr="live"),
        )
    )
    declared = dict(
        DeclaredArea.objects.filter(user=user, area_set__in=sets).values_list("area_set_id", "area_id")
    )
    result = []
    for area_set in sets:
        areas = list(area_set.areas.all())
        chosen = next((area for area in areas if area.pk == declared.get(area_set.pk)), None)
        result.append(DeclarableSet(area_set, areas, list(area_set.live), chosen))
    return result
