"""Pictures and documents in the pages, without script: the submit form takes them (multipart), refuses a
bad one with the form's error and keeps nothing, the proposal page shows them (a phone-sized image in
srcset, its size, its description escaped; a PDF's name and size), and its author adds and removes them from
the edit page while the proposal may be edited. In French too."""

import pytest
from django.test import Client
from django.urls import reverse

from proposals.models import Proposal, ProposalAttachment
from proposals.services import proposal_moderate, proposal_submit
from tests.support import factories, files
from tests.support.pages import NB, visible_text_with_nbsp

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

TEXT = {"title": "Photos of the form", "summary": "The form is confusing.", "body": "See the pictures."}


def signed_in(user, language="en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def submit_url(consultation) -> str:
    return reverse("proposal_submit", args=[consultation.pk])


@pytest.fixture
def proposal(citizen, consultation):
    return proposal_submit(author=citizen, consultation=consultation, **TEXT)


def test_a_proposal_is_submitted_with_a_picture_and_a_document(citizen, consultation):
    data = {
        **TEXT,
        "image_1": files.jpeg(size=(2000, 1000), gps=True),
        "alt_text_1": 'The form\'s page 2, with "<b>" boxes',
        "document_1": files.pdf(name="Guide.pdf"),
    }
    response = signed_in(citizen).post(submit_url(consultation), data, follow=True)
    assert response.status_code == 200
    proposal = Proposal.objects.get()
    image, document = proposal.attachments.order_by("kind")
    html = response.content.decode()
    assert "The form&#x27;s page 2, with &quot;&lt;b&gt;&quot; boxes" in html  # escaped, never markup
    assert f'srcset="{image.get_small_url()} 640w, {image.get_absolute_url()} 1600w"' in html
    assert 'width="1600" height="800"' in html and 'loading="lazy"' in html
    assert f'href="{document.get_absolute_url()}" download>Guide.pdf</a>' in html
    assert "(PDF, " in visible_text_with_nbsp(response)


def test_the_submit_form_is_multipart_and_says_the_limits(citizen, consultation):
    response = signed_in(citizen).get(submit_url(consultation))
    html, text = response.content.decode(), visible_text_with_nbsp(response)
    assert 'enctype="multipart/form-data"' in html
    assert "JPEG, PNG or WebP, up to 5 MB. Its location data is removed." in text
    assert "A PDF document, up to 10 MB." in text
    assert html.count('type="file"') == 6


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"image_1": files.exe(), "alt_text_1": "A photo"}, "This file is not a JPEG, PNG or WebP image"),
        ({"image_1": files.jpeg()}, "Describe the image for those who cannot see it."),
        ({"document_1": files.png(name="plan.pdf")}, "This file is not a PDF document."),
        ({"alt_text_1": "A photo of nothing"}, "Choose the image this text describes."),
    ],
)
def test_a_bad_file_is_refused_on_the_form_and_nothing_is_kept(citizen, consultation, media, data, message):
    response = signed_in(citizen).post(submit_url(consultation), {**TEXT, **data})
    assert response.status_code == 200
    assert message in visible_text_with_nbsp(response)
    assert "Please correct the following" in visible_text_with_nbsp(response)
    assert not Proposal.objects.exists() and files.stored(media) == []


def test_the_form_and_its_refusals_in_french(citizen, consultation, media):
    client = signed_in(citizen, "fr")
    text = visible_text_with_nbsp(client.get(submit_url(consultation)))
    assert "Images (facultatif)" in text and "Documents (facultatif)" in text
    assert f"JPEG, PNG ou WebP, jusqu’à 5{NB}Mo. Ses données de localisation sont retirées." in text
    response = client.post(submit_url(consultation), {**TEXT, "image_1": files.exe(), "alt_text_1": "Photo"})
    text = visible_text_with_nbsp(response)
    assert "Ce fichier n’est pas une image JPEG, PNG ou WebP, ou il est endommagé." in text
    assert f"Image 1 (facultatif){NB}: Ce fichier" in text
    assert files.stored(media) == []


def test_a_body_too_large_is_a_page_saying_so_not_an_error(citizen, consultation, settings, media):
    settings.UPLOAD_MAX_REQUEST_SIZE = 50_000
    big = files.upload("plan.pdf", files.PDF + b"0" * 60_000, "application/pdf")
    response = signed_in(citizen).post(submit_url(consultation), {**TEXT, "document_1": big})
    assert response.status_code == 413
    assert "The request is too large: 50,000 bytes at most." in visible_text_with_nbsp(response)
    assert not Proposal.objects.exists() and files.stored(media) == []


def edit_url(proposal) -> str:
    return reverse("proposal_edit", args=[proposal.pk])


def add_url(proposal) -> str:
    return reverse("proposal_attachments_add", args=[proposal.pk])


def test_the_author_adds_and_removes_files_from_the_edit_page(citizen, proposal, media):
    client = signed_in(citizen)
    page = client.get(edit_url(proposal))
    assert "Your proposal has no pictures or documents yet." in visible_text_with_nbsp(page)
    response = client.post(
        add_url(proposal), {"image_1": files.png(), "alt_text_1": "A drawing"}, follow=True
    )
    assert "Your files are added." in visible_text_with_nbsp(response)
    attachment = proposal.attachments.get()
    # One image fewer offered: the room left.
    assert response.content.decode().count('name="image_') == 2
    remove = reverse("proposal_attachment_remove", args=[proposal.pk, attachment.pk])
    response = client.post(remove, follow=True)
    assert "The file is removed." in visible_text_with_nbsp(response)
    assert not ProposalAttachment.objects.exists()


def test_a_bad_file_on_the_edit_page_shows_the_page_again_with_the_error(citizen, proposal, media):
    response = signed_in(citizen).post(add_url(proposal), {"document_1": files.exe(name="a.pdf")})
    assert response.status_code == 400
    assert "This file is not a PDF document." in visible_text_with_nbsp(response)
    assert files.stored(media) == []
    response = signed_in(citizen).post(add_url(proposal), {})
    assert "Choose a file to add." in visible_text_with_nbsp(response)


def test_nobody_else_adds_or_removes_files(citizen, proposal, moderator, media):
    other = signed_in(factories.citizen())
    response = other.post(add_url(proposal), {"document_1": files.pdf()})
    assert response.status_code == 403
    assert "Only its authors can edit a proposal." in visible_text_with_nbsp(response)
    assert files.stored(media) == []
    signed_in(citizen).post(add_url(proposal), {"document_1": files.pdf()})
    attachment = proposal.attachments.get()
    remove = reverse("proposal_attachment_remove", args=[proposal.pk, attachment.pk])
    response = other.post(remove, follow=True)
    assert "Only its author, or a moderator, can remove a proposal" in visible_text_with_nbsp(response)
    assert Client().post(remove).status_code == 302  # to sign in
    assert ProposalAttachment.objects.exists()
    # Once hidden, not even its author adds files, and the others do not find the proposal's.
    proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Spam")
    assert signed_in(citizen).post(add_url(proposal), {"document_1": files.pdf()}).status_code == 409
    assert other.post(remove).status_code == 404
    assert other.get(attachment.get_absolute_url()).status_code == 404
