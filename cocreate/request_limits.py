"""What a client may send, beyond Django's own limits on a body's size and its number of fields.

A URL longer than MAX_URL_LENGTH, or JSON nested deeper than JSON_MAX_DEPTH, is refused here; Django refuses
a body over DATA_UPLOAD_MAX_MEMORY_SIZE and more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS; a multipart
body's files, which Django does not count in those bytes, are refused past UPLOAD_MAX_REQUEST_SIZE. Every such
refusal becomes the common error body under /api/ and the site's error page elsewhere
(cocreate.exceptions.refusal, cocreate.views.bad_request).
"""

import io
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from .limits import grouped


class URLTooLong(SuspiciousOperation):
    """The URL (path and query) is longer than MAX_URL_LENGTH characters: 414."""


class URLLengthMiddleware(MiddlewareMixin):
    """Refuses a URL longer than MAX_URL_LENGTH before any view reads it. The limit stays under Django's
    16,384 characters for a redirect, so the slash CommonMiddleware appends never makes an address it
    refuses; the HTTP server's own limit is higher still (README, "The API"). After LocaleMiddleware: the
    page that says so is in the reader's language."""

    def process_request(self, request):
        if len(request.get_full_path()) > settings.MAX_URL_LENGTH:
            raise URLTooLong(f"URL longer than {settings.MAX_URL_LENGTH} characters")


class UploadTooLarge(RequestDataTooBig):
    """A multipart body over UPLOAD_MAX_REQUEST_SIZE: 413 `request_too_large`, naming that limit."""


class UploadSizeHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: refuses a multipart body larger than UPLOAD_MAX_REQUEST_SIZE (413
    `request_too_large`, like any body too large) from its Content-Length before a byte of it is read, and
    one without a length, or longer than it said, as its files' bytes arrive past the limit. Each file's own
    limit is its kind's, checked by the service that keeps it (proposals.attachments)."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0
        if content_length and content_length > settings.UPLOAD_MAX_REQUEST_SIZE:
            raise UploadTooLarge(upload_too_large())

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_REQUEST_SIZE:
            raise UploadTooLarge(upload_too_large())
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler keeps the file


def upload_too_large() -> str:
    return f"Multipart body larger than {settings.UPLOAD_MAX_REQUEST_SIZE} bytes"


class UnreadLargeBodies:
    """ASGI, around Django: a request whose Content-Length is past UPLOAD_MAX_REQUEST_SIZE is handed to
    Django with an empty body, its own left unread (Django's ASGI handler would first copy all of it to a
    temporary file). Django refuses it from the length it declares, as any body too large (413
    `request_too_large`: UploadSizeHandler for a multipart body, DATA_UPLOAD_MAX_MEMORY_SIZE for any
    other); what the client still sends is read and dropped while Django waits for it to go."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or _declared_length(scope) <= settings.UPLOAD_MAX_REQUEST_SIZE:
            return await self.app(scope, receive, send)
        handed = False

        async def nothing_then_disconnect():
            nonlocal handed
            if not handed:
                handed = True
                return {"type": "http.request", "body": b"", "more_body": False}
            while True:  # Django listens for the client leaving: pass that on, never the dropped body
                message = await receive()
                if message["type"] != "http.request":
                    return message

        return await self.app(scope, nothing_then_disconnect, send)


def _declared_length(scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


class WithoutTraceback(logging.Filter):
    """Logs a refusal as its one-line message: Django logs each SuspiciousOperation with its traceback, which
    for a client's oversized request says nothing about the site and reads like a crash."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = record.exc_text = None
        return True


def nesting_depth_exceeds(value, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels deep in `value` (`[]` is one level), found
    level by level, without recursion."""
    level, depth = [value], 0
    while True:
        level = [node for node in level if isinstance(node, dict | list)]
        if not level:
            return False
        depth += 1
        if depth > limit:
            return True
        level = [child for node in level for child in (node.values() if isinstance(node, dict) else node)]


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing nesting deeper than JSON_MAX_DEPTH. Python's decoder recurses once per
    level and raises RecursionError near a thousand levels (a 500 if let through); anything it does decode
    is checked against the documented limit, so the answer does not depend on the depth of the stack."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise ParseError(too_deep()) from None
        # Walking the data costs a few milliseconds per 10,000 values: only when the brackets (counted in
        # the bytes, quoted ones too) are enough to nest past the limit.
        limit = settings.JSON_MAX_DEPTH
        if raw.count(b"[") + raw.count(b"{") > limit and nesting_depth_exceeds(data, limit):
            raise ParseError(too_deep())
        return data


def too_deep() -> str:
    return _("JSON nested too deeply: %(limit)s levels at most.") % {
        "limit": grouped(settings.JSON_MAX_DEPTH)
    }
