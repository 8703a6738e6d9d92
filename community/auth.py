"""Login by username or mobile number, and the keys django-axes locks on."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle


def find_user(login: str) -> Any | None:
    """The user a login name means: a username first, else a mobile number."""
    User = get_user_model()
    login = login.strip()
    user = User._default_manager.filter(username=login).first()
    if user is None and login.isdigit():
        user = User._default_manager.filter(phone=login).first()
    return user


class UsernameOrPhoneBackend(ModelBackend):
    def authenticate(  # type: ignore[override]  # stubs narrow BaseBackend's signature
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> AbstractBaseUser | None:
        if username is None or password is None:
            return None
        user = find_user(username)
        if user is None:
            # Hash anyway so that an unknown login takes as long as a wrong
            # password and does not reveal which accounts exist.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """Count failures against the account, however its owner typed the login.

    Without this, alternating username and mobile number would give an
    attacker twice the attempts before a lockout.
    """
    data = credentials or getattr(request, "data", None) or request.POST
    login = str(data.get("username", "")).strip()
    user = find_user(login) if login else None
    return user.get_username() if user is not None else login


def client_ip(request: HttpRequest) -> str:
    """The client's address, read the way the API throttles read it.

    One rule for both (DRF's, with NUM_PROXIES = TRUSTED_PROXY_COUNT), so the
    login lock and the API limits always agree on who the client is.
    """
    return str(BaseThrottle().get_ident(request) or "")  # type: ignore[arg-type]  # reads META only
