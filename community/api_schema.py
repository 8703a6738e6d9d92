"""The API schema's refusals: every operation documents the errors it can answer.

DRF and our services refuse with 400 (a form's field errors, or ``detail``), 401
(no or a wrong token), 403 (not yours to do), 404 (no such row for you, or no
such page), 409 (the row changed meanwhile, or the move is not possible now),
415 (a body it cannot read) and 429 (throttled, or a login locked).
``PortalAutoSchema`` (the project's ``DEFAULT_SCHEMA_CLASS``) adds those to each
operation in one place (``error_codes`` says which apply), all with the one body
``Error`` that ``community.api_errors`` guarantees.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ErrorSerializer(serializers.Serializer):
    """A refusal: detail says why; a form's refusal lists each field's errors instead."""

    detail = serializers.CharField(required=False, help_text="Why the request was refused.")


class ErrorSerializerExtension(OpenApiSerializerExtension):
    """``Error`` also allows one key per refused field, each with a list of messages."""

    target_class = ErrorSerializer

    def map_serializer(self, auto_schema: AutoSchema, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer(self.target_class, direction, bypass_extensions=True)
        schema["additionalProperties"] = {
            "type": "array",
            "items": {"type": "string"},
            "description": "A field's errors (non_field_errors: the form's as a whole).",
        }
        return schema


def error_codes(method: str, operation: dict[str, Any]) -> list[str]:
    """The refusals an operation can answer, from what it takes."""
    params = operation.get("parameters", [])
    has_path = any(p["in"] == "path" for p in params)
    has_query = any(p["in"] == "query" for p in params)
    has_body = "requestBody" in operation
    codes = []
    if has_body or has_query:
        codes.append("400")  # a field, a filter or the body refused
    codes += ["401", "403"]  # no or a wrong token; not this caller's to see or do
    if has_path or any(p["name"] == "page" for p in params):
        codes.append("404")  # no such row for this caller, or past the last page
    if method in UNSAFE_METHODS and has_path and has_body:
        codes.append("409")  # a move on a row that changed meanwhile, or not possible now
    if has_body:
        codes.append("415")  # a body in a media type the operation does not read
    codes.append("429")  # throttled, or a login locked
    return codes


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's schema, with each operation's error responses documented."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code in error_codes(self.method, operation):
            # An explicit @extend_schema(responses={code: ...}) wins.
            responses.setdefault(code, self._error_response(code))
        return operation

    def _error_response(self, code: str) -> dict[str, Any]:
        component = self.resolve_serializer(ErrorSerializer, "response")
        assert isinstance(component, ResolvedComponent)
        return {
            "description": ERROR_DESCRIPTIONS[code],
            "content": {"application/json": {"schema": component.ref}},
        }


ERROR_DESCRIPTIONS = {
    "400": "Refused: a field, a filter or the body is not valid (each field's errors).",
    "401": "No token or session, or a token that is not valid.",
    "403": "Not the caller's to see or do.",
    "404": "Nothing with this id for this caller, or no such page.",
    "409": "The row changed meanwhile, or this is not possible now: reload and try again.",
    "415": "The body's media type is not one the operation reads.",
    "429": "Too many requests, or this login is locked for a while.",
}
