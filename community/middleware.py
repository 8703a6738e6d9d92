"""Request middleware of the portal."""

from __future__ import annotations

from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Chinese unless the person chose English with the switch.

    Django would follow the browser's Accept-Language; a community worker's
    phone set to English would then get an English portal nobody in the
    office reads. Only the language cookie (set by the switch) counts.
    """

    def process_request(self, request: HttpRequest) -> None:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
