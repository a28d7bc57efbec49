"""The consultation stream, in process: the ASGI stack of cocreate.asgi (origin check, session, routing,
consumer) on the Redis channel layer, driven by WebsocketCommunicator.

Each test creates its data first (committed: transactional database), then runs one coroutine with
async_to_sync, so database calls made through database_sync_to_async run on this thread's connection.
A "nothing was sent" check is never a sleep: a later action that does broadcast must be the next message.
"""

import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import transaction
from django.test import Client
from django.utils import timezone

from cms.models import ModerationMode
from cocreate import page_cache
from cocreate.asgi import application
from proposals import services as proposal_services
from proposals.live import broadcasts, events
from proposals.models import Proposal, Status, Visibility
from tests.support import factories
from tests.support.broadcasts import without_generations
from tests.support.live import ORIGIN, TIMEOUT, WebsocketCommunicator, connected, stream
from votes.services import support_add, support_withdraw

pytestmark = pytest.mark.django_db(transaction=True)

PROPOSAL_FIELDS = {
    "id",
    "title",
    "summary",
    "category",
    "category_slug",
    "stage",
    "stage_slug",
    "area_id",
    "status",
    "status_label",
    "supports",
    "version",
    "url",
    "created_at",
}


def fresh(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_related("category").get(pk=proposal.pk)


def test_snapshot_holds_published_proposals_only():
    consultation = factories.consultation()
    category = consultation.categories.get()
    popular = factories.ProposalFactory(
        consultation=consultation, category=category, supports_count=7, supports_version=9
    )
    newer = factories.ProposalFactory(consultation=consultation)
    factories.ProposalFactory(consultation=consultation, visibility=Visibility.PENDING, published_at=None)
    factories.ProposalFactory(consultation=consultation, visibility=Visibility.HIDDEN)
    factories.ProposalFactory()  # another consultation's

    async def scenario():
        communicator, snapshot = await connected(consultation.pk)
        await communicator.disconnect()
        return snapshot

    snapshot = async_to_sync(scenario)()

    assert snapshot["consultation"] == consultation.pk
    assert snapshot["state"] == "open"
    assert [p["id"] for p in snapshot["proposals"]] == [popular.pk, newer.pk]  # most supported first
    # Counts and statuses only: the page has each card's text already.
    assert snapshot["proposals"] == [
        {"id": popular.pk, "status": "open", "supports": 7, "version": 9},
        {"id": newer.pk, "status": "open", "supports": 0, "version": 0},
    ]


@pytest.mark.parametrize(("open_now", "state"), [(True, "open"), (False, "closed")])
def test_snapshot_states_the_phase(open_now, state):
    consultation = factories.consultation(open_now=open_now)

    async def scenario():
        communicator, snapshot = await connected(consultation.pk)
        await communicator.disconnect()
        return snapshot

    assert async_to_sync(scenario)() == {
        "type": "snapshot",
        "consultation": consultation.pk,
        "state": state,
        "generations": page_cache.generations(consultation.pk),
        "proposals": [],
        "stages": [],
    }


def test_snapshot_of_an_upcoming_consultation():
    now = timezone.now()
    consultation = factories.consultation(opens_at=now + timedelta(days=2), closes_at=now + timedelta(days=9))

    async def scenario():
        communicator, snapshot = await connected(consultation.pk)
        await communicator.disconnect()
        return snapshot

    assert async_to_sync(scenario)()["state"] == "upcoming"


def test_a_support_sends_the_absolute_count_and_version():
    proposal = factories.ProposalFactory()
    first, second = factories.citizen(), factories.citizen()

    async def scenario():
        communicator, _ = await connected(proposal.consultation_id)
        received = []
        for action, user in [(support_add, first), (support_add, second), (support_withdraw, first)]:
            await database_sync_to_async(action)(user=user, proposal=proposal)
            received.append(await communicator.receive_json_from(timeout=TIMEOUT))
        await communicator.disconnect()
        return received

    assert async_to_sync(scenario)() == [
        {"type": "proposal.support_changed", "proposal": proposal.pk, "supports": 1, "version": 1},
        {"type": "proposal.support_changed", "proposal": proposal.pk, "supports": 2, "version": 2},
        {"type": "proposal.support_changed", "proposal": proposal.pk, "supports": 1, "version": 3},
    ]


def test_a_count_no_newer_than_the_socket_has_is_not_forwarded(monkeypatch):
    """Each worker coalesces its counts on its own, so one worker's held count can reach the group after
    another worker's newer one, and a count sent while the snapshot was read can be older than it. Here each
    count is sent as it commits, in the order a group could receive them: the socket forwards only news."""
    proposal = factories.ProposalFactory(supports_count=5, supports_version=5)
    other = factories.ProposalFactory(consultation=proposal.consultation)

    def send(proposal_id: int, version: int) -> None:
        with transaction.atomic():
            broadcasts.broadcast_on_commit(
                proposal.consultation_id,
                events.support_changed(proposal_id=proposal_id, supports=version, version=version),
            )

    async def scenario():
        communicator, _ = await connected(proposal.consultation_id)
        monkeypatch.setattr(broadcasts, "_server_loop", None)  # sent at once, not coalesced
        # Older than the snapshot, the snapshot's, newer, older than the last forwarded, another's, newer.
        for proposal_id, version in [
            (proposal.pk, 4),
            (proposal.pk, 5),
            (proposal.pk, 6),
            (proposal.pk, 5),
            (other.pk, 1),
            (proposal.pk, 7),
        ]:
            await database_sync_to_async(send)(proposal_id, version)
        received = [await communicator.receive_json_from(timeout=TIMEOUT) for _ in range(3)]
        await communicator.disconnect()
        return received

    assert [(m["proposal"], m["version"]) for m in async_to_sync(scenario)()] == [
        (proposal.pk, 6),
        (other.pk, 1),
        (proposal.pk, 7),
    ]


def test_a_stages_figures_no_newer_than_the_socket_forwarded_are_dropped(monkeypatch):
    """As counts: one worker's held figures can reach the group after another worker's newer ones. A stage
    and a proposal with the same id are kept apart."""
    proposal = factories.ProposalFactory(supports_count=1, supports_version=1)

    def send(event) -> None:
        with transaction.atomic():
            broadcasts.broadcast_on_commit(proposal.consultation_id, event)

    def stage(version: int):
        return {"type": "journey.stage_changed", "stage": proposal.pk, "version": version, "figures": None}

    async def scenario():
        communicator, _ = await connected(proposal.consultation_id)
        monkeypatch.setattr(broadcasts, "_server_loop", None)  # sent at once, not coalesced
        for event in [
            stage(3),
            stage(2),  # older than the last forwarded
            stage(3),  # the same
            events.support_changed(proposal_id=proposal.pk, supports=2, version=2),  # the proposal's own
            stage(4),
        ]:
            await database_sync_to_async(send)(event)
        received = [await communicator.receive_json_from(timeout=TIMEOUT) for _ in range(3)]
        await communicator.disconnect()
        return received

    assert [(m["type"], m["version"]) for m in async_to_sync(scenario)()] == [
        ("journey.stage_changed", 3),
        ("proposal.support_changed", 2),
        ("journey.stage_changed", 4),
    ]


def test_the_snapshot_gives_the_version_of_each_stage_shown_and_older_figures_are_not_forwarded(monkeypatch):
    """Versions only, never figures, and only of the stages with five check-ins or more (a withheld stage's
    version would count its check-ins): a page whose journey map is older reads it again."""
    consultation = factories.consultation(stages=("Apply", "Wait", "Paid"))
    apply, wait, _paid = consultation.stages.order_by("sort_order")
    for stage, times in ((apply, 5), (wait, 4)):
        for _ in range(times):
            proposal_services.checkin_save(
                author=factories.citizen(),
                consultation=consultation,
                stage_id=stage.pk,
                frustration=3,
                motivation=3,
                gave_up=False,
            )

    def send(version: int) -> None:
        with transaction.atomic():
            event = {"type": "journey.stage_changed", "stage": apply.pk, "version": version, "figures": None}
            broadcasts.broadcast_on_commit(consultation.pk, event)

    async def scenario():
        communicator, snapshot = await connected(consultation.pk)
        monkeypatch.setattr(broadcasts, "_server_loop", None)  # sent at once, not coalesced
        for version in (4, 5, 6):  # older than the snapshot's, the snapshot's, newer
            await database_sync_to_async(send)(version)
        message = await communicator.receive_json_from(timeout=TIMEOUT)
        await communicator.disconnect()
        return snapshot, message

    snapshot, message = async_to_sync(scenario)()
    assert snapshot["stages"] == [{"id": apply.pk, "version": 5}]  # "Wait" (four) and "Paid" (none) left out
    assert (message["stage"], message["version"]) == (apply.pk, 6)


def test_a_check_in_reaches_the_page_with_the_stages_figures_from_the_fifth_on():
    consultation = factories.consultation(stages=("Apply",))
    stage_id = consultation.stages.get().pk
    citizens = [factories.citizen() for _ in range(5)]

    def check_in(citizen) -> None:
        proposal_services.checkin_save(
            author=citizen,
            consultation=consultation,
            stage_id=stage_id,
            frustration=4,
            motivation=2,
            gave_up=citizen is citizens[0],
        )

    async def scenario():
        communicator, _ = await connected(consultation.pk)
        for citizen in citizens:
            await database_sync_to_async(check_in)(citizen)
        # Nothing of the first four (not even that they happened): the fifth is the first message.
        message = await communicator.receive_json_from(timeout=TIMEOUT)
        await communicator.disconnect()
        return message

    message = async_to_sync(scenario)()
    assert (message["stage"], message["version"]) == (stage_id, 5)
    assert message["figures"] == {
        "checkins": 5,
        "frustration_median": 4.0,
        "motivation_median": 2.0,
        "gave_up_share": 0.2,
        "frustration_overtakes": True,
    }


def test_a_repeated_support_sends_nothing():
    proposal = factories.ProposalFactory()
    citizen, other = factories.citizen(), factories.citizen()
    support_add(user=citizen, proposal=proposal)

    async def scenario():
        communicator, _ = await connected(proposal.consultation_id)
        await database_sync_to_async(support_add)(user=citizen, proposal=proposal)  # already supporting
        await database_sync_to_async(support_add)(user=other, proposal=proposal)
        message = await communicator.receive_json_from(timeout=TIMEOUT)
        await communicator.disconnect()
        return message

    assert async_to_sync(scenario)() == {
        "type": "proposal.support_changed",
        "proposal": proposal.pk,
        "supports": 2,
        "version": 2,
    }


def test_events_reach_only_their_consultation():
    watched = factories.ProposalFactory()
    elsewhere = factories.ProposalFactory()
    citizen = factories.citizen()

    async def scenario():
        communicator, _ = await connected(watched.consultation_id)
        await database_sync_to_async(support_add)(user=citizen, proposal=elsewhere)
        await database_sync_to_async(support_add)(user=citizen, proposal=watched)
        message = await communicator.receive_json_from(timeout=TIMEOUT)
        await communicator.disconnect()
        return message

    assert async_to_sync(scenario)()["proposal"] == watched.pk


def test_a_pre_moderated_submission_is_silent_until_approved():
    consultation = factories.consultation(moderation=ModerationMode.PRE)
    author, moderator = factories.citizen(), factories.moderator()

    async def scenario():
        communicator, _ = await connected(consultation.pk)
        pending = await database_sync_to_async(proposal_services.proposal_submit)(
            author=author,
            consultation=consultation,
            title="Fewer forms",
            summary="One form.",
            body="Details.",
        )
        assert pending.visibility == Visibility.PENDING
        # Had the pending proposal gone out, it would come before the approval's event.
        await database_sync_to_async(proposal_services.proposal_moderate)(
            actor=moderator, proposal=pending, action="approve"
        )
        message = await communicator.receive_json_from(timeout=TIMEOUT)
        await communicator.disconnect()
        return pending, message

    pending, message = async_to_sync(scenario)()
    assert without_generations(message) == events.proposal_published(fresh(pending))
    assert message["proposal"]["title"] == "Fewer forms"
    assert set(message["proposal"]) == PROPOSAL_FIELDS


def test_a_post_moderated_submission_is_published_at_once():
    consultation = factories.consultation(moderation=ModerationMode.POST)
    author = factories.citizen()

    async def scenario():
        communicator, _ = await connected(consultation.pk)
        proposal = await database_sync_to_async(proposal_services.proposal_submit)(
            author=author, consultation=consultation, title="Open on Saturdays", summary="S.", body="B."
        )
        message = await communicator.receive_json_from(timeout=TIMEOUT)
        await communicator.disconnect()
        return proposal, message

    proposal, message = async_to_sync(scenario)()
    assert without_generations(message) == events.proposal_published(fresh(proposal))


def test_hiding_sends_proposal_hidden_and_drops_it_from_the_snapshot():
    proposal = factories.ProposalFactory()
    moderator = factories.moderator()

    async def scenario():
        communicator, before = await connected(proposal.consultation_id)
        await database_sync_to_async(proposal_services.proposal_moderate)(
            actor=moderator, proposal=proposal, action="hide", reason="Personal data."
        )
        message = await communicator.receive_json_from(timeout=TIMEOUT)
        await communicator.disconnect()
        later, after = await connected(proposal.consultation_id)
        await later.disconnect()
        return before, message, after

    before, message, after = async_to_sync(scenario)()
    assert [p["id"] for p in before["proposals"]] == [proposal.pk]
    # The id only: no hidden text.
    assert without_generations(message) == {"type": "proposal.hidden", "proposal": proposal.pk}
    assert after["proposals"] == []


def test_moderating_a_pending_proposal_into_hidden_sends_nothing():
    consultation = factories.consultation()
    pending = factories.ProposalFactory(
        consultation=consultation, visibility=Visibility.PENDING, published_at=None
    )
    visible = factories.ProposalFactory(consultation=consultation)
    moderator, citizen = factories.moderator(), factories.citizen()

    async def scenario():
        communicator, _ = await connected(consultation.pk)
        await database_sync_to_async(proposal_services.proposal_moderate)(
            actor=moderator, proposal=pending, action="hide", reason="Spam."
        )
        await database_sync_to_async(support_add)(user=citizen, proposal=visible)
        message = await communicator.receive_json_from(timeout=TIMEOUT)
        await communicator.disconnect()
        return message

    assert async_to_sync(scenario)()["type"] == "proposal.support_changed"


def test_an_official_response_sends_the_status_then_the_response():
    proposal = factories.ProposalFactory()
    official = factories.official(first_name="Ada", last_name="Lovelace")

    async def scenario():
        communicator, _ = await connected(proposal.consultation_id)
        response = await database_sync_to_async(proposal_services.response_publish)(
            actor=official, proposal=proposal, body="We will do it.", decision=Status.ACCEPTED
        )
        messages = [await communicator.receive_json_from(timeout=TIMEOUT) for _ in range(2)]
        await communicator.disconnect()
        return response, messages

    response, (status, published) = async_to_sync(scenario)()
    assert without_generations(status) == {
        "type": "proposal.status_changed",
        "proposal": proposal.pk,
        "status": "accepted",
        "status_label": "Accepted",
    }
    assert without_generations(published) == {
        "type": "response.published",
        "proposal": proposal.pk,
        "response": {
            "id": response.pk,
            "body": "We will do it.",
            "author_name": "Ada Lovelace",
            "department": "Employment Services",
            "decision": "accepted",
            "published_at": response.published_at.isoformat(),
        },
    }


def test_a_status_change_of_a_hidden_proposal_sends_nothing():
    consultation = factories.consultation()
    hidden = factories.ProposalFactory(consultation=consultation, visibility=Visibility.HIDDEN)
    visible = factories.ProposalFactory(consultation=consultation)
    official = factories.official()

    async def scenario():
        communicator, _ = await connected(consultation.pk)
        for proposal in (hidden, visible):
            await database_sync_to_async(proposal_services.proposal_set_status)(
                actor=official, proposal=proposal, status=Status.UNDER_REVIEW
            )
        message = await communicator.receive_json_from(timeout=TIMEOUT)
        await communicator.disconnect()
        return message

    assert async_to_sync(scenario)()["proposal"] == visible.pk


def test_an_unknown_consultation_is_closed_with_4404():
    known = factories.consultation()

    async def scenario():
        communicator = stream(known.pk + 10_000)
        accepted, _ = await communicator.connect(timeout=TIMEOUT)
        closing = await communicator.receive_output(timeout=TIMEOUT)
        return accepted, closing

    # Accepted, then closed: a browser sees 4404 only on an open socket (a refused handshake is a 1006).
    accepted, closing = async_to_sync(scenario)()
    assert accepted
    assert (closing["type"], closing["code"]) == ("websocket.close", 4404)


def test_a_draft_consultation_is_unknown():
    draft = factories.consultation()
    draft.unpublish()

    async def scenario():
        communicator = stream(draft.pk)
        await communicator.connect(timeout=TIMEOUT)
        return await communicator.receive_output(timeout=TIMEOUT)

    assert async_to_sync(scenario)()["code"] == 4404


@pytest.mark.parametrize("path", ["/ws/nothing/", "/ws/consultations/abc/"])
def test_a_path_with_no_stream_is_refused_at_the_handshake_by_a_server_without_http_responses(path):
    """WebsocketCommunicator offers no `websocket.http.response` extension, as some servers do not: the
    handshake is refused (the server's 403) instead of raising "No route found"."""

    async def scenario():
        communicator = WebsocketCommunicator(application, path, headers=[ORIGIN])
        connected = await communicator.connect(timeout=TIMEOUT)
        await communicator.wait(timeout=TIMEOUT)  # raises what the application raised, if anything
        return connected

    accepted, _code = async_to_sync(scenario)()
    assert not accepted


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param([(b"origin", b"http://evil.example")], id="foreign-origin"),
        pytest.param([(b"origin", b"null")], id="null-origin"),
        pytest.param([], id="no-origin"),
    ],
)
def test_a_bad_or_missing_origin_is_refused(headers):
    consultation = factories.consultation()

    async def scenario():
        return await stream(consultation.pk, headers=headers).connect(timeout=TIMEOUT)

    accepted, _code = async_to_sync(scenario)()
    assert not accepted


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param({"text_data": '{"type": "support", "proposal": 1}'}, id="json"),
        pytest.param({"text_data": "not json"}, id="text"),
        pytest.param({"bytes_data": b"\x00\x01"}, id="binary"),
    ],
)
def test_a_client_message_gets_the_read_only_error_and_the_stream_goes_on(frame):
    proposal = factories.ProposalFactory()
    citizen = factories.citizen()

    async def scenario():
        communicator, _ = await connected(proposal.consultation_id)
        await communicator.send_to(**frame)
        error = await communicator.receive_json_from(timeout=TIMEOUT)
        await database_sync_to_async(support_add)(user=citizen, proposal=proposal)
        after = await communicator.receive_json_from(timeout=TIMEOUT)
        await communicator.disconnect()
        return error, after

    error, after = async_to_sync(scenario)()
    assert error["type"] == "error"
    assert "read-only" in error["message"]
    assert after["type"] == "proposal.support_changed"
    assert not proposal.supports.exclude(user=citizen).exists()  # the message wrote nothing


def test_the_generations_in_the_snapshot_move_before_any_change_but_a_count_is_sent(monkeypatch):
    """What a page reconnecting after a drop reads again over REST depends on them (live.js): the generation
    it was rendered with ("list" on the consultation's page, "page" on a proposal's), met again in a
    snapshot, means it missed nothing but counts, which the snapshot brings. So a count moves neither, a
    comment only the page's (a list shows nothing of comments), and any event leaves once they have moved:
    a page that missed it reconnects to another generation. Each moves them on by one, and the event says
    to what: a page that was at the one before and received it missed nothing."""
    proposal = factories.ProposalFactory()
    consultation = proposal.consultation
    moderator, citizen = factories.moderator(), factories.citizen()
    listed = Client().get(consultation.url).content.decode()
    detailed = Client().get(proposal.get_absolute_url()).content.decode()
    sent = []
    group_send = broadcasts._group_send

    async def noting_the_generations(group, message, **kwargs):
        event = json.loads(message["text"])
        sent.append((event["type"], page_cache.generations(consultation.pk), event.get("generations")))
        return await group_send(group, message, **kwargs)

    monkeypatch.setattr(broadcasts, "_group_send", noting_the_generations)

    async def scenario():
        communicator, first = await connected(consultation.pk)
        snapshots = [first]
        for action in (
            lambda: support_add(user=citizen, proposal=proposal),
            lambda: proposal_services.comment_post(author=citizen, proposal=proposal, body="Yes, please."),
            lambda: proposal_services.proposal_moderate(
                actor=moderator, proposal=proposal, action="hide", reason="Personal data."
            ),
        ):
            await database_sync_to_async(action)()
            await communicator.receive_json_from(timeout=TIMEOUT)
            later, snapshot = await connected(consultation.pk)
            await later.disconnect()
            snapshots.append(snapshot)
        await communicator.disconnect()
        return [snapshot["generations"] for snapshot in snapshots]

    first, after_count, after_comment, after_hide = async_to_sync(scenario)()
    assert f'data-live-generation="{first["list"]}"' in listed
    assert f'data-live-generation="{first["page"]}"' in detailed
    assert after_count == first
    assert after_comment["list"] == first["list"]
    assert after_comment["page"] not in (None, first["page"])
    assert after_hide["list"] not in (None, first["list"])
    assert after_hide["page"] not in (None, after_comment["page"])
    assert after_comment["page"] == first["page"] + 1
    assert after_hide == {"page": first["page"] + 2, "list": first["list"] + 1}
    # Each event went out under the generations it moved to, and carrying them; the count under the first
    # ones, carrying none.
    assert sent == [
        ("proposal.support_changed", first, None),
        ("comment.published", after_comment, {"page": after_comment["page"], "list": None}),
        ("proposal.hidden", after_hide, after_hide),
    ]
