"""API errors: DRF's exception handler taught our domain errors, and Django's
error views answering JSON under /api/.

Every refusal the API sends has the one shape the schema documents as
``Error`` (community.api_schema): an object with ``detail`` (a sentence), or
with one key per refused field, each a list of sentences.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import BadRequest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from community.errors import DomainError

API_PREFIX = "/api/"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = _error_body(response.data)
    return response


def _error_body(data: Any) -> dict[str, Any]:
    """``{"detail": "..."}`` or ``{"field": ["...", ...]}``, whatever DRF was given."""
    if isinstance(data, dict):
        return {
            key: (" ".join(_messages(value)) if key == "detail" else _messages(value))
            for key, value in data.items()
        }
    return {"detail": " ".join(_messages(data))}


def _messages(value: Any) -> list[str]:
    """A field's errors as a flat list of sentences (nested ones prefixed by where)."""
    if isinstance(value, dict):
        return [f"{key}: {m}" for key, inner in value.items() for m in _messages(inner)]
    if isinstance(value, list | tuple):
        return [m for item in value for m in _messages(item)]
    return [str(value)]


# --- Django's error views: a page for people, JSON for the API -------------------------


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(message: str, code: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=code)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    # A BadRequest of ours says what was wrong (community.http.day_param); other
    # 400s (a Host not allowed, a broken multipart body) keep their reasons to the log.
    reason = str(exception) if type(exception) is BadRequest else ""
    if is_api(request):
        return api_error(reason or _("The request could not be understood."), 400)
    return render(request, "400.html", {"reason": reason}, status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return api_error(_("You do not have permission to do this."), 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return api_error(_("Not found."), 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return api_error(_("Something went wrong; try again later."), 500)
    return defaults.server_error(request)
