"""A resident's own account: opening it by mobile number, passwords, the profile.

The number has been proved by an SMS code before any of these are called
(community.services.verification); these only write.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from axes.utils import reset as axes_reset
from django.contrib.auth import password_validation
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from community.errors import Conflict
from community.models import User
from community.services.memberships import user_set_language

# What later apps do once a person proved they hold their account's number
# (e.g. the requests app gives them the reports filed from that number on a
# building poster). Registered in each app's AppConfig.ready(): this app knows
# no other app.
NumberProvedHook = Callable[[User], object]
_number_proved: list[NumberProvedHook] = []


def on_number_proved(hook: NumberProvedHook) -> None:
    if hook not in _number_proved:
        _number_proved.append(hook)


def account_number_proved(*, user: User) -> User:
    """``user`` just proved by an SMS code that they hold the account's number
    (sign-up, sign-in or reset by code); run what the apps registered."""
    for hook in _number_proved:
        hook(user)
    return user


def account_sign_up(*, phone: str, name: str, password: str) -> User:
    """Open an account for a proved mobile number.

    The username is random (people sign in with the number); a username
    made from the number would show it wherever usernames appear. A number
    taken meanwhile (two tabs, a race) is a Conflict, nothing is saved.
    The password is checked by the project's validators.
    """
    user = User(username=f"r-{secrets.token_hex(6)}", phone=phone, name=name.strip())
    password_validation.validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise Conflict(_("This number already has an account.")) from None
    return user


def account_set_password(*, user: User, password: str) -> User:
    """A new password (after a reset code or with the old one); lifts any login lock."""
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    # A locked-out person who proved their number must not wait out the lock.
    axes_reset(username=user.get_username())
    return user


def account_update_profile(
    *, user: User, name: str, email: str, email_notifications: bool, language: str
) -> User:
    """What a person says about themself: name, e-mail and notices, language."""
    user.name = name.strip()
    user.email = email.strip()
    user.email_notifications = email_notifications
    user.save(update_fields=["name", "email", "email_notifications"])
    return user_set_language(user=user, language=language)
