"""Request types for views that require a signed-in person."""

from __future__ import annotations

import uuid
from datetime import date

from django.core.exceptions import BadRequest
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_htmx.middleware import HtmxDetails
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from community.models import User


class AuthedHttpRequest(HttpRequest):
    """What a ``@login_required`` view receives: ``user`` is a real person."""

    user: User
    htmx: HtmxDetails  # django_htmx's middleware: is this an htmx request


def api_user(request: Request) -> User:
    """The signed-in caller of an API view (the permission classes ran already)."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated
    return user


def idempotency_key(request: Request) -> uuid.UUID | None:
    """The ``Idempotency-Key`` header of an API create as a token (None without one):
    a retry that sends the same key gets what the first send made."""
    raw = request.headers.get("Idempotency-Key", "")
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        # Any other string still names one submission: hash it into a UUID.
        return uuid.uuid5(uuid.NAMESPACE_URL, raw)


# The largest id a database column holds: a signed 64-bit integer.
MAX_ID = 2**63 - 1
# The days the portal reads from a query string or a form. Wide enough for any
# record it keeps; narrow enough that a day's start and end exist in every time
# zone (0001-01-01 in Shanghai is before year 1 in UTC, and the day after
# 9999-12-31 does not exist: either was a 500).
MIN_DAY = date(1900, 1, 1)
MAX_DAY = date(2999, 12, 31)


def is_id(value: str | None) -> bool:
    """``value`` reads as a row id: ASCII digits, at most ``MAX_ID``.

    ``str.isdigit`` alone lets through "²" (which ``int`` refuses), and a number
    too large for the database would be a 500 instead of "not found".
    """
    return bool(
        value
        and value.isascii()
        and value.isdigit()
        and len(value) <= len(str(MAX_ID))
        and int(value) <= MAX_ID
    )


def int_param(value: str | None) -> int | None:
    """A row id from a query string or form, or None for anything else."""
    return int(value) if value is not None and is_id(value) else None


def day_param(value: str | None, name: str = "day") -> date | None:
    """A day (YYYY-MM-DD) from a query string; None when not given.

    Anything else, or a day outside MIN_DAY..MAX_DAY, is refused with a 400
    that names the parameter (BadRequest: the page's 400, JSON under /api/).
    """
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not MIN_DAY <= day <= MAX_DAY:
        raise BadRequest(
            _("%(name)s must be a date (YYYY-MM-DD) from %(min)s to %(max)s.")
            % {"name": name, "min": MIN_DAY.isoformat(), "max": MAX_DAY.isoformat()}
        )
    return day
