"""Uploaded images: strict validation, metadata stripping and thumbnails (listings, after-sales evidence).

Only JPEG, PNG and WebP within size and pixel limits are accepted; everything
else is refused with ``invalid_image``. Stored copies are re-encoded, which drops
EXIF data (a phone photo's GPS position must not leak) and anything appended to
the file after the image data.
"""
import io
import uuid
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import DomainError
from marketplace import errors_catalog as cat_errors

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 6000
THUMBNAIL_SIDE = 400
# Pillow format name → file extension of the stored copy.
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


@dataclass(frozen=True)
class ImageInfo:
    format: str  # "JPEG", "PNG" or "WEBP"
    width: int
    height: int

    @property
    def extension(self) -> str:
        return FORMATS[self.format]


def _invalid(message) -> DomainError:
    return DomainError(cat_errors.INVALID_IMAGE, str(message), fields={"file": [str(message)]})


def _rewind(file) -> None:
    if hasattr(file, "seek"):
        file.seek(0)


def validate_image(file) -> ImageInfo:
    """Check an uploaded file is a JPEG, PNG or WebP image we are willing to decode.

    Checks the byte size first, then the header's format and dimensions (cheap,
    nothing decoded), then ``verify()`` for structural damage, then decodes it for
    real on a fresh handle, as ``verify()`` leaves the image unusable.
    """
    if file is None:
        raise _invalid(_("Choose an image file."))
    size = getattr(file, "size", None)
    if size is None:
        raise _invalid(_("Choose an image file."))
    if size > MAX_BYTES:
        raise _invalid(_("The image is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    if size == 0:
        raise _invalid(_("The file is empty."))
    try:
        with warnings.catch_warnings():
            # A decompression-bomb warning becomes an error: we refuse such files anyway.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            _rewind(file)
            with Image.open(file) as image:
                fmt, (width, height) = image.format, image.size
                if fmt not in FORMATS:
                    raise _invalid(_("Upload a JPEG, PNG or WebP image."))
                if width > MAX_SIDE or height > MAX_SIDE or width < 1 or height < 1:
                    raise _invalid(_("The image must be at most %(px)d × %(px)d pixels.") % {"px": MAX_SIDE})
                image.verify()
            _rewind(file)
            with Image.open(file) as image:
                image.load()
    except DomainError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _invalid(_("Upload a JPEG, PNG or WebP image."))
    except (OSError, SyntaxError, ValueError, EOFError):
        # Truncated or corrupt data surfaces as any of these, depending on the codec.
        raise _invalid(_("The image file is damaged."))
    finally:
        _rewind(file)
    return ImageInfo(format=fmt, width=width, height=height)


def _open_upright(file) -> Image.Image:
    _rewind(file)
    image = Image.open(file)
    image.load()
    _rewind(file)
    # Phones store rotation in EXIF; apply it before the EXIF data is dropped.
    return ImageOps.exif_transpose(image)


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = _flatten(image)
        image.save(buffer, "JPEG", quality=88, optimize=True)
    elif fmt == "WEBP":
        image.save(buffer, "WEBP", quality=85)
    else:
        image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """Drop transparency onto white: JPEG has no alpha channel."""
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def sanitized_copy(file, info: ImageInfo) -> ContentFile:
    """The image re-encoded in its own format, upright, without metadata, under a random name."""
    image = _open_upright(file)
    return ContentFile(_encode(image, info.format), name=f"{uuid.uuid4().hex}.{info.extension}")


def make_thumbnail(file, *, max_side: int = THUMBNAIL_SIDE, fmt: str = "JPEG") -> ContentFile:
    """A copy no larger than ``max_side`` on either side, as JPEG (default) or WebP."""
    if fmt not in ("JPEG", "WEBP"):
        raise ValueError("thumbnails are JPEG or WebP")
    image = _open_upright(file)
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return ContentFile(_encode(image, fmt), name=f"{uuid.uuid4().hex}-thumb.{FORMATS[fmt]}")
