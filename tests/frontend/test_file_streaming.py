"""A proposal's document is sent as it is read, through the site's ASGI application (as uvicorn serves it):
a large PDF never sits whole in a worker's memory while a slow line downloads it, the request's database
connection is given back before the download, not after it, and the file is closed once sent."""

import psycopg
import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.core.files.storage import FileSystemStorage
from django.db import connection

from cocreate.asgi import application
from cocreate.streaming import StreamedFileResponse
from proposals.attachments import prepare_pdf
from proposals.services import attachments_add
from tests.support import factories, files
from tests.support.postgres import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media")]

SIZE = 2 * 1024 * 1024  # 32 chunks
TIMEOUT = 10
OTHER_SESSIONS = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


class Counted:
    """A stored file that counts what was read of it."""

    opened: list["Counted"] = []

    def __init__(self, file):
        self.file, self.read_bytes = file, 0
        Counted.opened.append(self)

    def read(self, *args):
        data = self.file.read(*args)
        self.read_bytes += len(data)
        return data

    def __getattr__(self, name):
        return getattr(self.file, name)


def sessions() -> int:
    """The connections to the test database but this one's."""
    database = connection.settings_dict
    with psycopg.connect(
        dbname=database["NAME"], user=database["USER"], host=database["HOST"], port=database["PORT"]
    ) as own:
        return own.execute(OTHER_SESSIONS).fetchone()[0]


def test_a_large_document_is_read_as_it_is_sent_and_closed_after(media, monkeypatch):
    author = factories.citizen()
    proposal = factories.ProposalFactory(author=author)
    (document,) = attachments_add(actor=author, proposal=proposal, files=[prepare_pdf(files.pdf())])
    content = files.PDF + bytes(range(256)) * (SIZE // 256)
    (media / document.file.name).write_bytes(content)
    opened = FileSystemStorage.open
    monkeypatch.setattr(FileSystemStorage, "open", lambda *args, **kwargs: Counted(opened(*args, **kwargs)))
    Counted.opened = []
    before = sessions()

    async def download():
        scope = {"type": "http", "http_version": "1.1", "method": "GET", "query_string": b""}
        scope |= {"path": document.get_absolute_url(), "headers": [(b"host", b"testserver")]}
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "http.request", "body": b""})
        start = await communicator.receive_output(TIMEOUT)
        chunks = [await communicator.receive_output(TIMEOUT)]
        read_at_first_chunk = Counted.opened[0].read_bytes
        # While the first chunk is all that was sent (the loop is held: the download cannot go on), the
        # request's connection is closed; a closed one leaves pg_stat_activity a moment after.
        wait_for(lambda: sessions() == before, timeout=5)
        while chunks[-1].get("more_body", False):
            chunks.append(await communicator.receive_output(TIMEOUT))
        await communicator.wait(TIMEOUT)
        return start, b"".join(chunk.get("body", b"") for chunk in chunks), read_at_first_chunk

    start, body, read_at_first_chunk = async_to_sync(download)()

    headers = dict(start["headers"])
    assert start["status"] == 200 and body == content
    assert headers[b"Content-Length"] == str(len(content)).encode()
    assert headers[b"Content-Disposition"] == b'attachment; filename="plan.pdf"'
    assert read_at_first_chunk <= 2 * StreamedFileResponse.block_size  # not the whole file first
    assert Counted.opened[0].closed
