"""Request middleware of the portal."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Chinese unless the person chose English with the switch.

    Django would follow the browser's Accept-Language; a community worker's
    phone set to English would then get an English portal nobody in the
    office reads. Only the language cookie (set by the switch) counts.
    """

    def process_request(self, request: HttpRequest) -> None:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)


def _back(request: HttpRequest) -> str:
    """The page the form was on (its Referer, if it is ours), else home."""
    referer = request.META.get("HTTP_REFERER", "")
    if url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return "/"


class BodySizeLimitMiddleware:
    """A request body larger than ``MAX_REQUEST_BODY`` gets a page saying so (413).

    Django reads any size of file upload into temporary files, and its own
    limit (DATA_UPLOAD_MAX_MEMORY_SIZE) covers only the other fields and ends
    in a bare 400. The length is read from the header, so nothing of the body
    is read or stored. A body sent without a length (chunked) is left to the
    proxy's own limit.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BODY:
            return render(
                request,
                "413.html",
                {
                    "limit_mb": settings.MAX_REQUEST_BODY // 2**20,
                    "sent_mb": -(-length // 2**20),
                    "back": _back(request),
                },
                status=413,
            )
        return self.get_response(request)
