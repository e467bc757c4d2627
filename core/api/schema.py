"""OpenAPI shapes shared by every app: the error object of API.md."""
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The API's error object: a stable ``code``, human ``detail`` in the request's language, and extras."""

    code = serializers.CharField(help_text="Stable machine-readable code, e.g. validation_error, out_of_stock.")
    detail = serializers.CharField(help_text="Human text in the request's language.")
    fields = serializers.DictField(child=serializers.JSONField(), required=False,
                                   help_text="Per-field messages of a validation error: a list of messages, or "
                                             "for nested objects and lists, the same shape nested.")
    reasons = serializers.ListField(required=False, help_text="Why a credit or risk decision said no.")
    closed_on = serializers.DateField(required=False, help_text="window_closed: the date the window closed.")


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


# Answers any operation can give, whatever its view declares: a bad or missing token (401), a
# resource or page the caller may not see (404), throttling (429), the database gone mid-request (503);
# a body or query that does not parse or validate (400); and for writes, an action the caller may see
# but not do (403) or that the resource's state does not allow (409). Views document their specific
# errors; this fills the rest.
_COMMON_ERRORS = {
    "400": "validation_error or malformed_request",
    "401": "not_authenticated: missing or invalid credentials",
    "404": "not_found: no such resource, or not one the caller may see",
    "429": "throttled",
    "503": "service_unavailable: the database connection failed mid-request; nothing was saved, retry",
}
_WRITE_ERRORS = {
    "403": "permission_denied",
    "409": "invalid_transition or another conflict with the resource's state",
    "413": "request_too_large",
    "415": "unsupported_media_type",
}


def add_common_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: document the error object for the common 4xx answers."""
    for component in result.get("components", {}).get("schemas", {}).values():
        # A read-only field marked "x-optional" (extend_schema_field) may be left out of a response.
        optional = {name for name, prop in component.get("properties", {}).items() if prop.pop("x-optional", False)}
        if optional and "required" in component:
            component["required"] = [name for name in component["required"] if name not in optional]
    ref = {"$ref": "#/components/schemas/Error"}
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault("Error", {
        "type": "object", "required": ["code", "detail"], "additionalProperties": True,
        "properties": {"code": {"type": "string"}, "detail": {"type": "string"}},
    })
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            extra = dict(_COMMON_ERRORS)
            if method != "get":
                extra.update(_WRITE_ERRORS)
            for status, description in extra.items():
                responses.setdefault(status, {"description": description,
                                              "content": {"application/json": {"schema": ref}}})
    return result
