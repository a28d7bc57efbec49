"""What a proposal's file is, read from its bytes (never from its name or the type the browser gave), and
what is kept of it: an image is decoded and encoded again through Willow (Wagtail's image library, on Pillow),
upright, without its metadata (EXIF and its GPS position, XMP, comments), at most IMAGE_LONG_SIDE pixels on
its long side, with a copy for phones; a PDF is kept as sent once it starts as a PDF does. Nothing here
writes anywhere: services.attachments keeps what this returns."""

import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from PIL.Image import DecompressionBombWarning
from willow.image import Image as WillowImage
from willow.image import UnrecognisedImageFormatError
from willow.plugins.pillow import PillowImage

from cocreate.exceptions import ServiceError
from cocreate.limits import grouped

from .models import AttachmentKind

ALT_TEXT_MAX, TITLE_MAX = 300, 120
# The formats an image may come in, as Pillow names them: each is kept in its own format.
IMAGE_FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
PDF_SIGNATURE = b"%PDF-"


@dataclass(frozen=True)
class Prepared:
    """A file ready to keep: its bytes, and for an image the phone copy's."""

    kind: str
    content: bytes
    extension: str
    content_type: str
    alt_text: str = ""
    title: str = ""
    width: int | None = None
    height: int | None = None
    small: bytes | None = None
    small_width: int | None = None


def megabytes(size: int) -> str:
    """A limit as people read it: "5 MB"."""
    return _("%(n)s MB") % {"n": grouped(round(size / (1024 * 1024)))}


def _read(upload: UploadedFile, limit: int, field: str) -> bytes:
    if upload is None or not upload.size:
        message = _("Choose a file.")
        raise ServiceError(message, code="required", fields={field: [message]})
    if upload.size > limit:
        message = _("This file is too large: %(limit)s at most.") % {"limit": megabytes(limit)}
        raise ServiceError(message, code="file_too_large", fields={field: [message]})
    upload.seek(0)
    return upload.read(limit + 1)


def prepare_image(upload: UploadedFile, alt_text: str, *, field: str = "file") -> Prepared:
    """The image to keep, or a ServiceError naming `field` (or `alt_text`) if it is not a JPEG, PNG or WebP
    image within the limits, or says nothing of what it shows."""
    alt_text = " ".join((alt_text or "").split())
    if not alt_text:
        message = _("Describe the image for those who cannot see it.")
        raise ServiceError(message, code="alt_text_required", fields={"alt_text": [message]})
    if len(alt_text) > ALT_TEXT_MAX:
        message = _("The description is too long: %(n)s characters at most.") % {"n": ALT_TEXT_MAX}
        raise ServiceError(message, code="invalid", fields={"alt_text": [message]})
    content = _read(upload, settings.ATTACHMENT_IMAGE_MAX_BYTES, field)
    pillow, fmt = _opened(content, field)
    extension, content_type = IMAGE_FORMATS[fmt]
    main, width, height = _encoded(pillow, fmt, settings.ATTACHMENT_IMAGE_LONG_SIDE)
    small = small_width = None
    if max(width, height) > settings.ATTACHMENT_IMAGE_SMALL_SIDE:
        small, small_width, _h = _encoded(pillow, fmt, settings.ATTACHMENT_IMAGE_SMALL_SIDE)
    return Prepared(
        kind=AttachmentKind.IMAGE,
        content=main,
        extension=extension,
        content_type=content_type,
        alt_text=alt_text,
        width=width,
        height=height,
        small=small,
        small_width=small_width,
    )


def _not_an_image(field: str) -> ServiceError:
    message = _("This file is not a JPEG, PNG or WebP image, or it is damaged.")
    return ServiceError(message, code="unsupported_file_type", fields={field: [message]})


def _too_many_pixels(field: str) -> ServiceError:
    message = _("This image has too many pixels: %(n)s million at most.") % {
        "n": grouped(settings.ATTACHMENT_IMAGE_MAX_PIXELS // 1_000_000)
    }
    return ServiceError(message, code="image_too_large", fields={field: [message]})


def _opened(content: bytes, field: str):
    """The decoded image (a Willow image on Pillow) and its format, once its header says it is one of
    IMAGE_FORMATS of at most ATTACHMENT_IMAGE_MAX_PIXELS pixels: read before decoding, so a few kilobytes
    that claim a gigapixel picture are refused without being decoded."""
    try:
        with PILImage.open(io.BytesIO(content)) as header:
            fmt, (width, height) = header.format, header.size
    except PILImage.DecompressionBombError:  # Pillow's own limit, far above ours
        raise _too_many_pixels(field) from None
    except (OSError, SyntaxError, ValueError):
        raise _not_an_image(field) from None
    if fmt not in IMAGE_FORMATS:
        raise _not_an_image(field)
    if width * height > settings.ATTACHMENT_IMAGE_MAX_PIXELS:
        raise _too_many_pixels(field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DecompressionBombWarning)
            image = WillowImage.open(io.BytesIO(content))
            if image.format_name.upper().replace("JPG", "JPEG") != fmt:
                raise _not_an_image(field)
            # Decoding the whole image here finds a damaged one (a truncated file, a broken stream).
            return image.auto_orient(), fmt
    except (OSError, SyntaxError, ValueError, UnrecognisedImageFormatError, DecompressionBombWarning):
        raise _not_an_image(field) from None


def _encoded(image, fmt: str, long_side: int) -> tuple[bytes, int, int]:
    """The image at most `long_side` pixels on its long side, encoded in `fmt` without any metadata."""
    width, height = image.get_size()
    if max(width, height) > long_side:
        scale = long_side / max(width, height)
        width, height = max(1, round(width * scale)), max(1, round(height * scale))
        image = image.resize((width, height))
    # Willow writes the EXIF and ICC data it finds back into the file: its pixels are converted to sRGB
    # first (so colours stay right without a profile), then nothing of the original's metadata is kept.
    pillow = image.transform_colorspace_to_srgb().get_pillow_image()
    clean = pillow.copy()
    clean.info = {}
    if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
        clean = clean.convert("RGB")
    saved, out = PillowImage(clean), io.BytesIO()
    if fmt == "JPEG":
        saved.save_as_jpeg(out, quality=85, progressive=True, apply_optimizers=False)
    elif fmt == "PNG":
        saved.save_as_png(out, optimize=True, apply_optimizers=False)
    else:
        saved.save_as_webp(out, quality=80, apply_optimizers=False)
    return out.getvalue(), width, height


def prepare_pdf(upload: UploadedFile, *, field: str = "file") -> Prepared:
    """The document to keep, or a ServiceError naming `field` if it is not a PDF within the limit."""
    content = _read(upload, settings.ATTACHMENT_PDF_MAX_BYTES, field)
    # The signature may follow a little junk (PDF readers look in the first kilobyte), never be absent.
    if PDF_SIGNATURE not in content[:1024]:
        message = _("This file is not a PDF document.")
        raise ServiceError(message, code="unsupported_file_type", fields={field: [message]})
    return Prepared(
        kind=AttachmentKind.PDF,
        content=content,
        extension="pdf",
        content_type="application/pdf",
        title=safe_title(upload.name or ""),
    )


def safe_title(name: str) -> str:
    """A download name from the uploader's file name: letters, digits, spaces, dots, dashes and underscores
    only, no path, ending in .pdf; "document.pdf" if nothing is left."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    stem = re.sub(r"\.pdf$", "", name, flags=re.IGNORECASE)
    stem = re.sub(r"[^\w\s.\-]", "_", stem, flags=re.UNICODE)
    stem = re.sub(r"\s+", " ", stem).strip(" ._")[: TITLE_MAX - 4]
    return f"{stem or 'document'}.pdf"
