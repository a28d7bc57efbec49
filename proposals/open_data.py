"""Open data: a live, public consultation and its published proposals (counts, statuses, official
responses), for anyone to download as JSON or CSV. Nothing personal: no author, no official's name (the
department stays), nothing about pending or hidden proposals, no comments (only their count).

Proposals are read in chunks of CHUNK by id (keyset pagination), with one query for the responses of each
chunk, so a consultation with ten thousand proposals is never held in memory at once."""

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from cms.models import ConsultationPage, ConsultationStage
from cocreate.exceptions import NotFound

from .journey_map import JourneyMap, MapStage
from .journey_selectors import MIN_CHECKINS, StageFigures, stage_figures
from .models import SCALE, OfficialResponse, Proposal

CHUNK = 500
PROPOSAL_FIELDS = (
    "id",
    "title",
    "summary",
    "category__name",
    "stage__slug",
    "stage__name",
    "status",
    "supports_count",
    "comments_count",
    "created_at",
    "threshold_reached_at",
    "response_due_at",
    "responded_at",
)
CSV_COLUMNS = [
    "id",
    "title",
    "summary",
    "category",
    "stage",
    "stage_name",
    "status",
    "supports",
    "comments",
    "created_at",
    "threshold_reached_at",
    "response_due_at",
    "responded_at",
    "url",
    "responses",
    "response_decision",
    "response_department",
    "response_published_at",
    "response_body",
]
# A cell starting with one of these is a formula to a spreadsheet: citizens' text is quoted (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def open_consultation(pk: int) -> ConsultationPage:
    """The consultation if it is live and public, as in the consultation list; NotFound for anything else,
    whoever asks."""
    consultation = ConsultationPage.objects.live().public().canonical().filter(pk=pk).first()
    if consultation is None:
        raise NotFound(_("No such consultation."))
    return consultation


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def consultation_record(consultation: ConsultationPage, absolute: Callable[[str], str]) -> dict:
    page_url = consultation.url  # None for a page under no site: not the address of the download itself
    return {
        "id": consultation.pk,
        "title": consultation.title,
        "service": consultation.service,
        "opens_at": iso(consultation.opens_at),
        "closes_at": iso(consultation.closes_at),
        "support_threshold": consultation.support_threshold,
        "response_deadline_days": consultation.response_deadline_days,
        "url": absolute(page_url) if page_url else None,
    }


def _responses_by_proposal(ids: list[int]) -> dict[int, list[dict]]:
    """The official responses of these proposals, oldest first, without the official's name: one query."""
    found = defaultdict(list)
    rows = (
        OfficialResponse.objects.filter(proposal_id__in=ids)
        .order_by("published_at", "id")
        .values_list("proposal_id", "decision", "department", "published_at", "body")
    )
    for proposal_id, decision, department, published_at, body in rows:
        found[proposal_id].append(
            {
                "decision": decision or None,
                "department": department,
                "published_at": iso(published_at),
                "body": body,
            }
        )
    return found


def proposal_chunks(consultation_id: int, absolute: Callable[[str], str]) -> Iterator[list[dict]]:
    """The consultation's published proposals by id, each with its responses, a chunk at a time: two
    queries per chunk."""
    # A merged proposal's supports and comments are counted in the one it went into (votes.merging).
    published = Proposal.objects.listed().for_consultation(consultation_id).order_by("id")
    last_id = 0
    while True:
        rows = list(published.filter(id__gt=last_id).values(*PROPOSAL_FIELDS)[:CHUNK])
        if not rows:
            return
        last_id = rows[-1]["id"]
        responses = _responses_by_proposal([row["id"] for row in rows])
        yield [
            {
                "id": row["id"],
                "title": row["title"],
                "summary": row["summary"],
                "category": row["category__name"],
                "stage": row["stage__slug"],
                "stage_name": row["stage__name"],
                "status": row["status"],
                "supports": row["supports_count"],
                "comments": row["comments_count"],
                "created_at": iso(row["created_at"]),
                "threshold_reached_at": iso(row["threshold_reached_at"]),
                "response_due_at": iso(row["response_due_at"]),
                "responded_at": iso(row["responded_at"]),
                "url": absolute(reverse("proposal_detail", args=[row["id"]])),
                "responses": responses.get(row["id"], []),
            }
            for row in rows
        ]
        if len(rows) < CHUNK:
            return  # the last chunk: no need to ask for an empty one


def json_export(consultation: ConsultationPage, absolute: Callable[[str], str]) -> Iterator[str]:
    """`{"consultation": {...}, "proposals": [...]}`, written a chunk at a time."""
    yield '{"consultation": ' + json.dumps(consultation_record(consultation, absolute)) + ', "proposals": ['
    separator = ""
    for chunk in proposal_chunks(consultation.pk, absolute):
        yield separator + ", ".join(json.dumps(proposal) for proposal in chunk)
        separator = ", "
    yield "]}"


def _cell(text: str | None) -> str:
    text = text or ""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_row(proposal: dict) -> list:
    latest = proposal["responses"][-1] if proposal["responses"] else {}
    return [
        proposal["id"],
        _cell(proposal["title"]),
        _cell(proposal["summary"]),
        _cell(proposal["category"]),
        _cell(proposal["stage"]),
        _cell(proposal["stage_name"]),
        proposal["status"],
        proposal["supports"],
        proposal["comments"],
        proposal["created_at"],
        proposal["threshold_reached_at"],
        proposal["response_due_at"],
        proposal["responded_at"],
        proposal["url"],
        len(proposal["responses"]),
        latest.get("decision"),
        _cell(latest.get("department")),
        latest.get("published_at"),
        _cell(latest.get("body")),
    ]


def csv_export(consultation: ConsultationPage, absolute: Callable[[str], str]) -> Iterator[str]:
    """A header row, then one row per published proposal with its latest response, a chunk at a time.
    Text that a spreadsheet would take for a formula starts with an apostrophe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    for chunk in proposal_chunks(consultation.pk, absolute):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_csv_row(proposal) for proposal in chunk)
        yield buffer.getvalue()


# The journeys of every live, public consultation: what the check-ins of each stage add up to, never a
# check-in. A stage with fewer than MIN_CHECKINS check-ins has its figures empty (null in JSON, empty cells
# in CSV), its count with them. Stages are named as the original page names them, as categories are above.
JOURNEY_CSV_COLUMNS = [
    "consultation_id",
    "consultation_title",
    "stage_position",
    "stage_slug",
    "stage_name",
    "checkins",
    "frustration_median",
    "motivation_median",
    "gave_up_share",
    *(f"frustration_{value}" for value in SCALE),
    *(f"motivation_{value}" for value in SCALE),
    "breaking_point",
]


def _journey_figures(figures: StageFigures) -> dict | None:
    if not figures.shown:
        return None
    return {
        "checkins": figures.checkins,
        "frustration_median": figures.frustration_median,
        "motivation_median": figures.motivation_median,
        "gave_up_share": round(figures.gave_up_share, 4),
        "frustration": list(figures.frustration),
        "motivation": list(figures.motivation),
    }


def journey_records() -> Iterator[dict]:
    """Every live, public consultation by id, with its stages in journey order and their figures, a
    consultation at a time. Three queries, whatever the number of consultations, stages and check-ins."""
    consultations = list(
        ConsultationPage.objects.live().public().canonical().order_by("pk").only("id", "title")
    )
    stages = defaultdict(list)
    for stage in ConsultationStage.objects.filter(page_id__in=[c.pk for c in consultations]).order_by(
        "page_id", "sort_order", "pk"
    ):
        stages[stage.page_id].append(stage)
    figures = stage_figures([stage.pk for found in stages.values() for stage in found])
    for consultation in consultations:
        journey = JourneyMap([MapStage(stage, figures[stage.pk]) for stage in stages[consultation.pk]])
        breaking = journey.breaking_point
        yield {
            "id": consultation.pk,
            "title": consultation.title,
            "breaking_point": breaking.stage.slug if breaking else None,
            "stages": [
                {
                    "position": position,
                    "slug": item.stage.slug,
                    "name": item.stage.name,
                    "figures": _journey_figures(item.figures),
                    "breaking_point": item is breaking,
                }
                for position, item in enumerate(journey.stages, start=1)
            ],
        }


def journeys_json() -> Iterator[str]:
    """`{"minimum": 5, "consultations": [...]}`, written a consultation at a time."""
    yield '{"minimum": ' + json.dumps(MIN_CHECKINS) + ', "consultations": ['
    separator = ""
    for record in journey_records():
        yield separator + json.dumps(record)
        separator = ", "
    yield "]}"


def _journey_csv_row(consultation: dict, stage: dict) -> list:
    figures = stage["figures"] or {}
    return [
        consultation["id"],
        _cell(consultation["title"]),
        stage["position"],
        _cell(stage["slug"]),
        _cell(stage["name"]),
        figures.get("checkins"),
        figures.get("frustration_median"),
        figures.get("motivation_median"),
        figures.get("gave_up_share"),
        *figures.get("frustration", [None] * len(SCALE)),
        *figures.get("motivation", [None] * len(SCALE)),
        "true" if stage["breaking_point"] else "false",
    ]


def journeys_csv() -> Iterator[str]:
    """A header row, then one row per stage of each consultation, a consultation at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(JOURNEY_CSV_COLUMNS)
    yield buffer.getvalue()
    for record in journey_records():
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_journey_csv_row(record, stage) for stage in record["stages"])
        yield buffer.getvalue()
