"""Request guards that must act before DRF parses a body."""
from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

from core import errors

MULTIPART_LIMIT = 12 * 1024 * 1024  # one or a few images, each validated separately


class RequestSizeLimitMiddleware:
    """Refuse oversized bodies with 413 before anything reads them.

    Django enforces DATA_UPLOAD_MAX_MEMORY_SIZE only for ``request.body``; DRF parses
    JSON from the stream, so without this a 10 MB JSON body would be read whole.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = MULTIPART_LIMIT if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > limit:
            return JsonResponse(
                {"code": errors.REQUEST_TOO_LARGE, "detail": _("The request body is too large.")},
                status=413,
            )
        return self.get_response(request)
