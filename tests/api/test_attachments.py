"""The API of a proposal's files: its author adds them (multipart) and removes them; the proposal's
representation lists them with their addresses; refusals are the common error body, and nothing is kept."""

import pytest

from proposals.models import ProposalAttachment
from proposals.services import proposal_moderate, proposal_submit
from tests.support import factories, files
from tests.support.api import assert_error, client_for

# Every test keeps its files in a folder of its own (the `media` fixture).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture
def proposal(citizen, consultation):
    return proposal_submit(
        author=citizen, consultation=consultation, title="Photos", summary="Of the form.", body="Details."
    )


def attachments_of(proposal) -> str:
    return f"/api/v1/proposals/{proposal.pk}/attachments/"


def post(client, proposal, **data):
    return client.post(attachments_of(proposal), data, format="multipart")


def test_the_author_adds_an_image_and_a_pdf_and_the_proposal_lists_them(citizen, proposal, api):
    client = client_for(citizen)
    response = post(client, proposal, kind="image", file=files.jpeg(gps=True), alt_text="The form, page 2")
    assert response.status_code == 201, response.content
    image = response.json()
    assert (image["kind"], image["alt_text"], image["width"], image["height"]) == (
        "image", "The form, page 2", 800, 600,
    )  # fmt: skip
    response = post(client, proposal, kind="pdf", file=files.pdf(name="Guide.pdf"))
    assert response.status_code == 201, response.content

    listed = api.get(f"/api/v1/proposals/{proposal.pk}/").json()["attachments"]
    assert [(a["kind"], a["title"]) for a in listed] == [("image", ""), ("pdf", "Guide.pdf")]
    served = api.get(listed[0]["url"])
    assert served.status_code == 200
    assert files.gps_of(b"".join(served.streaming_content)) == {}
    assert api.get(listed[1]["url"])["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"kind": "image", "file": files.exe(), "alt_text": "A photo"}, "unsupported_file_type", "file"),
        ({"kind": "pdf", "file": files.png(name="plan.pdf")}, "unsupported_file_type", "file"),
        ({"kind": "image", "file": files.jpeg()}, "alt_text_required", "alt_text"),
        ({"kind": "image", "file": files.bomb_png(), "alt_text": "Huge"}, "image_too_large", "file"),
        ({"kind": "image", "alt_text": "Nothing"}, "invalid", "file"),
        ({"kind": "gif", "file": files.jpeg(), "alt_text": "A photo"}, "invalid", "kind"),
    ],
)
def test_a_bad_upload_is_refused_saying_why_and_nothing_is_kept(citizen, proposal, media, data, code, field):
    error = assert_error(post(client_for(citizen), proposal, **data), 400, code, [field])
    assert error["fields"][field]
    assert files.stored(media) == [] and not ProposalAttachment.objects.exists()


def test_a_fourth_image_is_refused(citizen, proposal, media):
    client = client_for(citizen)
    for n in range(3):
        assert post(client, proposal, kind="image", file=files.png(), alt_text=f"P{n}").status_code == 201
    count = len(files.stored(media))
    response = post(client, proposal, kind="image", file=files.png(), alt_text="One too many")
    assert_error(response, 409, "too_many_attachments", ["file"])
    assert len(files.stored(media)) == count


def test_a_body_larger_than_the_upload_limit_is_refused_before_anything_is_kept(
    citizen, proposal, media, settings
):
    settings.UPLOAD_MAX_REQUEST_SIZE = 50_000
    big = files.upload("plan.pdf", files.PDF + b"0" * 60_000, "application/pdf")
    error = assert_error(post(client_for(citizen), proposal, kind="pdf", file=big), 413, "request_too_large")
    assert "50,000" in error["message"]
    assert files.stored(media) == [] and not ProposalAttachment.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "other citizen", "moderator"])
def test_nobody_but_the_author_adds_a_file(who, proposal, media):
    user = {"anonymous": lambda: None, "other citizen": factories.citizen, "moderator": factories.moderator}
    response = post(client_for(user[who]()), proposal, kind="pdf", file=files.pdf())
    if who == "anonymous":
        assert_error(response, 401, "not_authenticated")
    else:
        assert_error(response, 403, "not_author")
    assert files.stored(media) == []


def test_the_author_removes_a_file_others_cannot(citizen, proposal):
    response = post(client_for(citizen), proposal, kind="pdf", file=files.pdf())
    url = f"{attachments_of(proposal)}{response.json()['id']}/"
    assert_error(client_for(factories.citizen()).delete(url), 403, "forbidden")
    assert_error(client_for(None).delete(url), 401, "not_authenticated")
    assert client_for(citizen).delete(url).status_code == 204
    assert not ProposalAttachment.objects.exists()
    assert_error(client_for(citizen).delete(url), 404, "not_found")


def test_a_moderator_removes_a_file_with_a_reason(citizen, proposal, moderator):
    response = post(client_for(citizen), proposal, kind="pdf", file=files.pdf())
    url = f"{attachments_of(proposal)}{response.json()['id']}/"
    assert_error(client_for(moderator).delete(url), 400, "invalid", ["reason"])
    assert client_for(moderator).delete(url, {"reason": "Personal data"}, format="json").status_code == 204
    assert not ProposalAttachment.objects.exists()


def test_a_hidden_proposals_files_are_not_listed_nor_served_to_others(citizen, proposal, moderator, api):
    response = post(client_for(citizen), proposal, kind="image", file=files.jpeg(), alt_text="Form")
    url = response.json()["url"]
    proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Spam")
    assert api.get(url).status_code == 404
    assert client_for(factories.citizen()).get(url).status_code == 404
    assert_error(api.get(f"/api/v1/proposals/{proposal.pk}/"), 404, "not_found")
    others = client_for(factories.citizen())
    assert_error(others.delete(f"{attachments_of(proposal)}{response.json()['id']}/"), 404, "not_found")
