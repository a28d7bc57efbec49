"""Responses sent a chunk at a time as they are read. Under ASGI (uvicorn in production) Django reads a
synchronous iterator to its end before sending anything (and warns that it does): a 10 MB document in the
worker's memory for as long as a slow line takes to download it, an export built whole before its first
byte leaves. Here each chunk is read (by the ORM, or from the disk or an object store, all synchronous)
in a thread, one at a time, from an asynchronous iterator; under WSGI the iterator is left as it is."""

from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import FileResponse


def streamed(chunks: Iterator, request, *, database_done: bool = False) -> Iterator | AsyncIterator:
    """The chunks as the server can send them as they come. With `database_done` (the chunks need no
    database), the request's database connections go back (to the pool) before the first chunk is sent:
    Django gives them back when the response is closed, after its last chunk, and fifty slow downloads of a
    document would otherwise hold every connection of a worker's pool for minutes, and its pages wait."""
    if not isinstance(request, ASGIRequest):
        return chunks

    async def one_at_a_time():
        if database_done:
            await sync_to_async(connections.close_all)()  # in the request's thread, whose they are
        end = object()
        while (chunk := await sync_to_async(next)(chunks, end)) is not end:
            yield chunk

    return one_at_a_time()


class StreamedFileResponse(FileResponse):
    """A FileResponse (its length, type and name headers, the file closed with the response) whose file is
    read and sent a chunk at a time under ASGI too, without holding a database connection meanwhile."""

    block_size = 64 * 1024  # a thread hop per chunk: 160 for the largest document

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.streaming_content = streamed(self.streaming_content, request, database_done=True)
