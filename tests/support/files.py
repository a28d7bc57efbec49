"""Files for the upload tests, made here with Pillow: photos with a GPS position in their EXIF, images in
each format, a damaged one, one whose header claims more pixels than allowed, and small PDFs."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

# Where the photo says it was taken: what must not reach anyone who downloads it.
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (2.0, 21.0, 3.0),
}
ROTATED_90 = 6  # EXIF orientation: the camera was turned; the picture is shown rotated 90° clockwise


def image_bytes(
    fmt: str = "JPEG", size=(800, 600), *, gps: bool = False, orientation: int | None = None
) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif[ExifTags.Base.Make] = "PhoneMaker"
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes()) if (gps or orientation) else image.save(out, fmt)
    return out.getvalue()


def gps_of(content: bytes) -> dict:
    with Image.open(io.BytesIO(content)) as image:
        return dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo))


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def jpeg(name: str = "photo.jpg", **kwargs) -> SimpleUploadedFile:
    return upload(name, image_bytes("JPEG", **kwargs), "image/jpeg")


def png(name: str = "drawing.png", **kwargs) -> SimpleUploadedFile:
    return upload(name, image_bytes("PNG", **kwargs), "image/png")


def webp(name: str = "picture.webp", **kwargs) -> SimpleUploadedFile:
    return upload(name, image_bytes("WEBP", **kwargs), "image/webp")


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf(name: str = "plan.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return upload(name, content, "application/pdf")


def exe(name: str = "photo.jpg") -> SimpleUploadedFile:
    """A Windows program, named as a photo."""
    return upload(name, b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "image/jpeg")


def truncated_jpeg(name: str = "broken.jpg") -> SimpleUploadedFile:
    content = image_bytes("JPEG", size=(400, 300))
    return upload(name, content[: len(content) // 2], "image/jpeg")


def bomb_png(name: str = "huge.png", side: int = 50_000) -> SimpleUploadedFile:
    """A valid PNG header claiming `side` × `side` pixels, with almost no data: refused from its header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    content = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
    return upload(name, content + chunk(b"IEND", b""), "image/png")


def stored(media) -> list:
    """The files kept under `media` (the `media` fixture's folder), in order."""
    return sorted(path for path in media.rglob("*") if path.is_file())
