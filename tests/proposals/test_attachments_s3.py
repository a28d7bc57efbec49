"""The files in an S3-compatible object store, as production keeps them (STORAGES["default"] a
django-storages S3Storage, cocreate.settings.base.uploads_storage): on a real S3-API server process (moto's,
tests/support/servers.py), through the same pages and services as on the disk. What the bucket holds is read
with the tests' own client, past the code under test."""

import io
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from cocreate.exceptions import NotAllowed
from proposals.attachments import prepare_pdf
from proposals.models import Proposal
from proposals.services import attachment_remove, proposal_moderate, proposal_submit_with_files
from tests.support import factories, files, servers
from tests.support.deploy import manage, production_env

pytestmark = pytest.mark.django_db

TEXT = {"title": "Photos of the form", "summary": "The form is confusing.", "body": "See the pictures."}


@pytest.fixture(scope="module")
def s3_server():
    with servers.s3_serving() as server:
        yield server


@pytest.fixture
def bucket(s3_server, settings) -> str:
    """A new bucket on the server, the default storage for the test."""
    name = f"cocreate-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_server.storage_options(name)},
    }
    return name


def keys(s3_server, bucket: str) -> list[str]:
    listed = s3_server.client().list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_photo_goes_to_the_bucket_without_its_location_and_is_served_back(
    s3_server, bucket, citizen, consultation, moderator, django_capture_on_commit_callbacks
):
    author = Client()
    author.force_login(citizen)
    data = {
        **TEXT,
        "image_1": files.jpeg(size=(2000, 1500), gps=True),
        "alt_text_1": "The form, page 2",
        "document_1": files.pdf(name="Guide.pdf"),
    }
    response = author.post(reverse("proposal_submit", args=[consultation.pk]), data)
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    image, document = proposal.attachments.order_by("kind")
    # Three objects under the proposal's prefix, with random names: the photo, its phone copy, the PDF.
    stored = keys(s3_server, bucket)
    assert stored == sorted([image.file.name, image.small_file.name, document.file.name])
    assert all(key.startswith(f"proposals/{proposal.pk}/") for key in stored)
    kept = s3_server.client().get_object(Bucket=bucket, Key=image.file.name)["Body"].read()
    assert files.gps_of(kept) == {}

    visitor = Client()
    served = visitor.get(image.get_absolute_url())
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert body(served) == kept
    with Image.open(io.BytesIO(body(visitor.get(image.get_small_url())))) as small:
        assert small.size == (640, 480) and not small.getexif()
    pdf = visitor.get(document.get_absolute_url())
    assert body(pdf) == files.PDF
    assert pdf["Content-Disposition"] == 'attachment; filename="Guide.pdf"'

    # Hidden: not served to the public any more; still to its author.
    proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Personal data")
    assert visitor.get(image.get_absolute_url()).status_code == 404
    assert visitor.get(document.get_absolute_url()).status_code == 404
    assert author.get(image.get_absolute_url()).status_code == 200

    # Removed by a moderator: gone from the bucket once the removal commits.
    with django_capture_on_commit_callbacks(execute=True):
        attachment_remove(actor=moderator, attachment=image, reason="Shows a face")
    assert keys(s3_server, bucket) == [document.file.name]


def test_a_refused_upload_leaves_nothing_in_the_bucket(s3_server, bucket, citizen, consultation):
    client = Client()
    client.force_login(citizen)
    data = {
        **TEXT,
        "image_1": files.jpeg(),
        "alt_text_1": "A good photo",
        "image_2": files.exe(),
        "alt_text_2": "A program named as a photo",
    }
    response = client.post(reverse("proposal_submit", args=[consultation.pk]), data)
    assert response.status_code == 200  # the form again, with its error
    assert not Proposal.objects.exists()
    assert keys(s3_server, bucket) == []


def test_a_refused_submission_leaves_nothing_in_the_bucket(s3_server, bucket, consultation):
    with pytest.raises(NotAllowed):
        proposal_submit_with_files(
            files=[prepare_pdf(files.pdf())],
            author=factories.unverified_citizen(),
            consultation=consultation,
            **TEXT,
        )
    assert keys(s3_server, bucket) == []


PRINT_STORAGE = (
    "from django.conf import settings; from django.core.files.storage import default_storage as s; "
    "print(settings.STORAGES['default']['BACKEND'], getattr(s, 'bucket_name', '-'), "
    "getattr(s, 'endpoint_url', '-'), settings.STORAGES['staticfiles']['BACKEND'])"
)


def last_line(result) -> list[str]:
    return result.stdout.strip().splitlines()[-1].split()  # after the shell's own line on its imports


def test_production_keeps_files_on_disk_unless_a_bucket_is_named():
    on_disk = manage("shell", "-c", PRINT_STORAGE, env=production_env())
    assert on_disk.returncode == 0, on_disk.stderr
    assert last_line(on_disk)[:2] == ["django.core.files.storage.FileSystemStorage", "-"]
    env = production_env(
        AWS_STORAGE_BUCKET_NAME="cocreate-uploads",
        AWS_S3_ENDPOINT_URL="https://s3.example-provider.net",
        AWS_S3_REGION_NAME="fr-par",
    )
    in_bucket = manage("shell", "-c", PRINT_STORAGE, env=env)
    assert in_bucket.returncode == 0, in_bucket.stderr
    assert last_line(in_bucket) == [
        "storages.backends.s3.S3Storage",
        "cocreate-uploads",
        "https://s3.example-provider.net",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",  # static files stay the site's own
    ]
