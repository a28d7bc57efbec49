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

from cms.models import ConsultationPage
from cocreate.exceptions import NotFound

from .models import OfficialResponse, Proposal

CHUNK = 500
PROPOSAL_FIELDS = (
    "id",
    "title",
    "summary",
    "category__name",
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
    published = Proposal.objects.published().for_consultation(consultation_id).order_by("id")
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
