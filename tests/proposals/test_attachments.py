"""A proposal's pictures and documents: what is refused (from the content, whatever the name), with nothing
kept; what is kept of an image (upright, resized, no EXIF or GPS position); who may add and remove them; and
that a file is served only to those who may read its proposal."""

import io
from functools import partial
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

from cms.models import ModerationMode
from cocreate.exceptions import Conflict, NotAllowed, ServiceError
from proposals.attachments import prepare_image, prepare_pdf, safe_title
from proposals.models import AuditAction, AuditEntry, ProposalAttachment, Visibility
from proposals.services import (
    attachment_remove,
    attachments_add,
    proposal_moderate,
    proposal_submit,
    proposal_submit_with_files,
)
from tests.support import factories, files

# Every test keeps its files in a folder of its own (the `media` fixture).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def submitted(author, consultation, files=None):
    submit = proposal_submit if files is None else partial(proposal_submit_with_files, files=files)
    return submit(
        author=author,
        consultation=consultation,
        title="Let people send a photo of the form",
        summary="The paper form is confusing.",
        body="Details.",
    )


@pytest.fixture
def proposal(citizen, consultation):
    return submitted(citizen, consultation)


def add_image(actor, proposal, upload=None, alt_text="The benefit form, page 2"):
    prepared = prepare_image(upload or files.jpeg(), alt_text)
    return attachments_add(actor=actor, proposal=proposal, files=[prepared])[0]


def test_a_photo_is_kept_upright_resized_and_without_its_location(citizen, proposal, media):
    upload = files.jpeg(size=(2000, 1500), gps=True, orientation=files.ROTATED_90)
    assert files.gps_of(upload.read())  # the photo as sent says where it was taken
    attachment = add_image(citizen, proposal, upload)

    assert (attachment.width, attachment.height) == (1200, 1600)  # turned upright, 1600 on the long side
    assert attachment.content_type == "image/jpeg"
    kept = attachment.file.read()
    assert files.gps_of(kept) == {}
    with Image.open(io.BytesIO(kept)) as image:
        assert image.format == "JPEG"
        assert image.size == (1200, 1600)
        assert not image.getexif()  # no orientation, maker or position left
    with Image.open(attachment.small_file) as small:
        assert small.size == (480, 640)
        assert not small.getexif()
    assert attachment.size == len(kept)
    assert len(files.stored(media)) == 2


@pytest.mark.parametrize(
    ("upload", "fmt", "content_type"),
    [(files.png, "PNG", "image/png"), (files.webp, "WEBP", "image/webp")],
)
def test_png_and_webp_are_kept_in_their_format(citizen, proposal, upload, fmt, content_type):
    attachment = add_image(citizen, proposal, upload(size=(300, 200)))
    assert attachment.content_type == content_type
    assert not attachment.small_file  # already small enough for a phone
    with Image.open(attachment.file) as image:
        assert (image.format, image.size) == (fmt, (300, 200))


def test_a_pdf_is_kept_as_sent_under_a_safe_name(citizen, proposal):
    prepared = prepare_pdf(files.pdf(name="../../etc/Plan du guichet <v2>.PDF"))
    (attachment,) = attachments_add(actor=citizen, proposal=proposal, files=[prepared])
    assert attachment.file.read() == files.PDF
    assert attachment.title == "Plan du guichet _v2.pdf"
    assert attachment.file.name.startswith(f"proposals/{proposal.pk}/")
    assert "Plan" not in attachment.file.name


@pytest.mark.parametrize(
    ("name", "mojibake"),
    [("", "document.pdf"), ("../..", "document.pdf"), ("répartition.pdf", "répartition.pdf")],
)
def test_download_names_keep_letters_only(name, mojibake):
    assert safe_title(name) == mojibake


def refused_image(upload, alt_text="A description"):
    with pytest.raises(ServiceError) as refused:
        prepare_image(upload, alt_text)
    return refused.value


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (files.exe, "unsupported_file_type"),  # a program named photo.jpg
        (lambda: files.upload("doc.jpg", files.PDF, "image/jpeg"), "unsupported_file_type"),
        (files.truncated_jpeg, "unsupported_file_type"),
        (files.bomb_png, "image_too_large"),
        (lambda: files.upload("anim.gif", _gif(), "image/gif"), "unsupported_file_type"),
    ],
)
def test_what_is_not_a_usable_image_is_refused_with_nothing_kept(citizen, proposal, media, make, code):
    error = refused_image(make())
    assert error.code == code
    assert error.fields["file"] and error.message
    assert files.stored(media) == [] and not ProposalAttachment.objects.exists()


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    return out.getvalue()


def test_an_image_too_large_is_refused_saying_the_limit(settings):
    settings.ATTACHMENT_IMAGE_MAX_BYTES = 1024 * 1024
    error = refused_image(files.upload("big.png", b"\x89PNG" + b"\x00" * (1024 * 1024 + 1), "image/png"))
    assert error.code == "file_too_large"
    assert "1 MB" in error.message


@pytest.mark.parametrize("alt_text", ["", "   "])
def test_an_image_without_its_description_is_refused(alt_text):
    error = refused_image(files.jpeg(), alt_text)
    assert error.code == "alt_text_required"
    assert set(error.fields) == {"alt_text"}


@pytest.mark.parametrize(
    "upload",
    [files.png(name="plan.pdf"), files.exe(name="plan.pdf"), files.upload("empty.pdf", b"")],
    ids=["png named pdf", "program named pdf", "empty"],
)
def test_what_is_not_a_pdf_is_refused(upload):
    with pytest.raises(ServiceError) as refused:
        prepare_pdf(upload)
    assert refused.value.code in {"unsupported_file_type", "required"}
    assert refused.value.fields["file"]


def test_a_pdf_too_large_is_refused(settings):
    settings.ATTACHMENT_PDF_MAX_BYTES = 1024 * 1024
    with pytest.raises(ServiceError) as refused:
        prepare_pdf(files.pdf(content=files.PDF + b"0" * 1024 * 1024))
    assert refused.value.code == "file_too_large"


def test_three_images_and_three_documents_at_most(citizen, proposal, media):
    for n in range(3):
        add_image(citizen, proposal, files.png(size=(100, 100)), alt_text=f"Picture {n}")
    kept = files.stored(media)
    with pytest.raises(Conflict) as refused:
        add_image(citizen, proposal, files.png(size=(100, 100)))
    assert refused.value.code == "too_many_attachments"
    assert files.stored(media) == kept  # the fourth was written nowhere
    # Documents have their own three.
    pdfs = [prepare_pdf(files.pdf()) for _ in range(3)]
    attachments_add(actor=citizen, proposal=proposal, files=pdfs)
    with pytest.raises(Conflict):
        attachments_add(actor=citizen, proposal=proposal, files=[prepare_pdf(files.pdf())])
    assert sorted(proposal.attachments.values_list("kind", "position")) == [
        ("image", 1), ("image", 2), ("image", 3), ("pdf", 1), ("pdf", 2), ("pdf", 3),
    ]  # fmt: skip


def test_a_removed_files_place_is_free_again(citizen, proposal, media, django_capture_on_commit_callbacks):
    first, second = (add_image(citizen, proposal, files.png(size=(100, 100))) for _ in range(2))
    with django_capture_on_commit_callbacks(execute=True):
        attachment_remove(actor=citizen, attachment=first)
    assert not Path(first.file.path).exists()  # deleted from the storage once the removal committed
    third = add_image(citizen, proposal, files.png(size=(100, 100)))
    assert (second.position, third.position) == (2, 1)


def test_submitting_with_files_keeps_them_all_or_none(citizen, consultation, media):
    prepared = [prepare_image(files.jpeg(), f"Photo {n}") for n in range(4)]
    with pytest.raises(Conflict):
        submitted(citizen, consultation, files=prepared)
    assert files.stored(media) == [] and not ProposalAttachment.objects.exists()

    proposal = submitted(citizen, consultation, files=[*prepared[:3], prepare_pdf(files.pdf())])
    assert proposal.attachments.count() == 4


def test_a_refused_submission_keeps_no_file(consultation, media):
    with pytest.raises(NotAllowed):
        submitted(factories.unverified_citizen(), consultation, files=[prepare_pdf(files.pdf())])
    assert files.stored(media) == []


@pytest.mark.parametrize("who", ["other citizen", "moderator", "official"])
def test_nobody_but_the_author_adds_files(who, proposal, media):
    actor = {
        "other citizen": factories.citizen,
        "moderator": factories.moderator,
        "official": factories.official,
    }
    with pytest.raises(NotAllowed) as refused:
        add_image(actor[who](), proposal)
    assert refused.value.code == "not_author"
    assert files.stored(media) == []


def test_no_file_is_added_to_a_hidden_proposal(citizen, proposal, moderator, media):
    proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Personal data")
    with pytest.raises(Conflict) as refused:
        add_image(citizen, proposal)
    assert refused.value.code == "proposal_hidden"
    assert files.stored(media) == []


def test_a_file_added_in_a_pre_moderated_consultation_goes_back_to_the_moderators(citizen, moderator):
    consultation = factories.consultation(moderation=ModerationMode.PRE)
    proposal = submitted(citizen, consultation)
    proposal_moderate(actor=moderator, proposal=proposal, action="approve")
    add_image(citizen, proposal)
    proposal.refresh_from_db()
    assert proposal.visibility == Visibility.PENDING


def test_someone_elses_file_is_removed_only_by_a_moderator_with_a_reason(citizen, proposal, moderator):
    attachment = add_image(citizen, proposal)
    with pytest.raises(NotAllowed):
        attachment_remove(actor=factories.citizen(), attachment=attachment)
    with pytest.raises(ServiceError) as refused:
        attachment_remove(actor=moderator, attachment=attachment)
    assert set(refused.value.fields) == {"reason"}
    assert ProposalAttachment.objects.filter(pk=attachment.pk).exists()

    attachment_remove(actor=moderator, attachment=attachment, reason="Shows a face")
    assert not ProposalAttachment.objects.filter(pk=attachment.pk).exists()
    entry = AuditEntry.objects.get(action=AuditAction.ATTACHMENT_REMOVED)
    assert (entry.reason, entry.from_value, entry.public) == ("Shows a face", "image", False)


# Serving: only to those who may read the proposal.


def get_file(client, attachment, *, small=False):
    url = attachment.get_small_url() if small else attachment.get_absolute_url()
    return client.get(url)


def test_a_published_proposals_image_is_served_inline_with_safe_headers(client, citizen, proposal):
    attachment = add_image(citizen, proposal, files.jpeg(size=(2000, 1500), gps=True))
    response = get_file(client, attachment)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == attachment.file.read() and files.gps_of(body) == {}
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Cache-Control"].startswith("public")
    assert not response.get("Content-Disposition", "").startswith("attachment")
    small = get_file(client, attachment, small=True)
    with Image.open(io.BytesIO(b"".join(small.streaming_content))) as image:
        assert image.size == (640, 480)


def test_a_pdf_is_served_as_a_download(client, citizen, proposal):
    (attachment,) = attachments_add(
        actor=citizen, proposal=proposal, files=[prepare_pdf(files.pdf(name="Plan d'accès.pdf"))]
    )
    response = get_file(client, attachment)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''Plan%20d_acc%C3%A8s.pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("state", ["hidden", "pending"])
def test_a_proposal_not_public_has_its_files_served_to_its_author_and_moderators_only(
    client, citizen, moderator, state
):
    consultation = factories.consultation(moderation=ModerationMode.PRE if state == "pending" else "post")
    proposal = submitted(citizen, consultation)
    attachment = add_image(citizen, proposal)
    if state == "hidden":
        proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Spam")
    for viewer in (None, factories.citizen(), factories.official(second_factor=False)):
        if viewer is not None:
            client.force_login(viewer)
        assert get_file(client, attachment).status_code == 404
        assert get_file(client, attachment, small=True).status_code == 404
        client.logout()
    for viewer in (citizen, moderator):
        client.force_login(viewer)
        response = get_file(client, attachment)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        client.logout()


def test_a_file_is_found_only_under_its_own_proposal(client, citizen, proposal, consultation):
    attachment = add_image(citizen, proposal)
    other = submitted(citizen, consultation)
    url = reverse("proposal_attachment", args=[other.pk, attachment.pk])
    assert client.get(url).status_code == 404
    assert client.post(attachment.get_absolute_url()).status_code == 405
