"""Catalogue test helpers: uploaded files land in a temporary media directory; image makers."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def image_bytes(fmt="JPEG", size=(640, 480), color=(200, 30, 40), **save_kwargs) -> bytes:
    buffer = io.BytesIO()
    mode = "RGBA" if fmt == "PNG" else "RGB"
    Image.new(mode, size, color).save(buffer, fmt, **save_kwargs)
    return buffer.getvalue()


@pytest.fixture
def upload():
    """An uploaded file as a view or service receives it."""

    def make(fmt="JPEG", size=(640, 480), *, name=None, content=None, content_type=None):
        extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "BMP": "bmp"}.get(fmt, "bin")
        data = content if content is not None else image_bytes(fmt, size)
        return SimpleUploadedFile(name or f"photo.{extension}", data,
                                  content_type=content_type or f"image/{extension}")

    return make
