"""Photo uploads: decode for real, cap bytes and pixels, re-encode without metadata.

The file name and the declared content type are ignored: an HTML or SVG file named
`.jpg` fails to decode and is refused. Re-encoding drops EXIF (GPS position, camera
serial), XMP and ICC text chunks; the orientation is applied to the pixels first.
"""

import io
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from permits.models import Attachment, ServiceRequest

MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
MAX_STORED_SIDE = 2560
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}


class PhotoRejected(ValueError):
    """The upload is not an acceptable photo; the message says why, for a person."""


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    extension: str
    content_type: str
    width: int
    height: int


def _read_capped(upload) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_PHOTO_BYTES:
        raise PhotoRejected(_("Each photo must be at most 5 MB."))
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_PHOTO_BYTES + 1) if hasattr(upload, "read") else bytes(upload)
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoRejected(_("Each photo must be at most 5 MB."))
    if not data:
        raise PhotoRejected(_("The photo file is empty."))
    return data


def photo_clean(upload) -> CleanPhoto:
    """Decode `upload` (a file-like object or bytes) and re-encode it, or PhotoRejected."""
    data = _read_capped(upload)
    not_an_image = PhotoRejected(_("Photos must be JPEG, PNG or WebP images."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
                if probe.format not in FORMATS:
                    raise not_an_image
                width, height = probe.size
                if width * height > MAX_PHOTO_PIXELS:
                    raise PhotoRejected(_("The photo has too many pixels (at most 40 megapixels)."))
                probe.verify()
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            image_format = image.format
            image.load()
    except PhotoRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise not_an_image from None
    except (OSError, SyntaxError, ValueError):
        raise PhotoRejected(_("The photo file is damaged or incomplete.")) from None
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_STORED_SIDE, MAX_STORED_SIDE))
    transparency = image.info.get("transparency")
    image.info = {"transparency": transparency} if transparency is not None else {}
    out = io.BytesIO()
    if image_format == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    elif image_format == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(out, "WEBP", quality=85)
    extension, content_type = FORMATS[image_format]
    return CleanPhoto(
        data=out.getvalue(),
        extension=extension,
        content_type=content_type,
        width=image.width,
        height=image.height,
    )


def photo_attach(*, request: ServiceRequest, photo: CleanPhoto) -> Attachment:
    """Store a cleaned photo as the request's attachment: the file, then the row (the file
    is removed if the row fails; a caller whose transaction fails later removes it)."""
    attachment = Attachment(
        request=request,
        content_type=photo.content_type,
        size_bytes=len(photo.data),
    )
    attachment.image.save(f"photo.{photo.extension}", ContentFile(photo.data), save=False)
    attachment.width, attachment.height = photo.width, photo.height
    try:
        attachment.full_clean(exclude=["image"])
        attachment.save()
    except BaseException:
        default_storage.delete(attachment.image.name)
        raise
    return attachment
