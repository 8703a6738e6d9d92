"""Request types for views that require a signed-in person."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from community.models import User


class AuthedHttpRequest(HttpRequest):
    """What a ``@login_required`` view receives: ``user`` is a real person."""

    user: User


def api_user(request: Request) -> User:
    """The signed-in caller of an API view (the permission classes ran already)."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated
    return user


def int_param(value: str | None) -> int | None:
    """A row id from a query string or form, or None for anything else.

    ``str.isdigit`` alone lets through "²" (which ``int`` refuses) and numbers
    too large for the database; either would be a 500 instead of "not found".
    """
    if value and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None
