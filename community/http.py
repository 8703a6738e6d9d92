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
