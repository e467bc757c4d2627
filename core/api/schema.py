"""OpenAPI shapes shared by every app: the error object of API.md."""
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The API's error object: a stable ``code``, human ``detail`` in the request's language, and extras."""

    code = serializers.CharField(help_text="Stable machine-readable code, e.g. validation_error, out_of_stock.")
    detail = serializers.CharField(help_text="Human text in the request's language.")
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False,
                                   help_text="Per-field messages of a validation error.")
    reasons = serializers.ListField(required=False, help_text="Why a credit or risk decision said no.")
    closed_on = serializers.DateField(required=False, help_text="window_closed: the date the window closed.")


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)
