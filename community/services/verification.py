"""SMS verification codes: issue, limit, verify. Everything lives in the shared cache.

A code is 6 digits from ``secrets``, kept only as an HMAC (keyed by SECRET_KEY
and bound to the number and the purpose), for five minutes, and used once. The
limits hold across gunicorn workers because every counter is a cache key
(Redis in production, see the deploy check tongxin.E004) changed with the
cache's atomic ``add``/``incr``/``delete``:

- one code per number per minute, whatever the purpose;
- a daily cap per number and per client address (Shanghai days);
- five wrong tries per code, after which the code is void.

A code is sent to any well-formed number, whether or not it has an account:
the answer, and the time it takes, are the same either way, so the form
cannot be used to find out who is registered. What a number is (registered
or not) is only told after its code was entered, to the person holding the phone.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from community.errors import DomainError
from community.sms import SmsError, get_backend

logger = logging.getLogger(__name__)

CODE_LIFETIME = timedelta(minutes=5)
RESEND_AFTER = timedelta(seconds=60)
MAX_TRIES = 5
DAILY_PER_PHONE = 10
DAILY_PER_ADDRESS = 30
MOBILE_RE = re.compile(r"1[3-9]\d{9}")


class Purpose(models.TextChoices):
    """What a code is for; a code for one purpose never works for another."""

    SIGN_UP = "sign_up", _("opening an account")
    SIGN_IN = "sign_in", _("signing in by code")
    RESET = "reset", _("resetting the password")
    POSTER = "poster", _("reporting from a building poster")


class TooManyRequests(DomainError):
    status_code = 429


class WrongCode(DomainError):
    """The code is wrong, expired (or used), or void after too many tries."""

    def __init__(self, message: str | Promise, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # "wrong", "expired" or "void"


@dataclass(frozen=True)
class Issued:
    phone: str
    purpose: str
    expires_in: int  # seconds


def _key(*parts: str) -> str:
    return "verify:" + ":".join(parts)


def _digest(*, phone: str, purpose: str, code: str) -> str:
    return salted_hmac("tongxin.verification", f"{purpose}:{phone}:{code}").hexdigest()


def cache_count(key: str, *, timeout: int) -> int:
    """Add one to a counter in the shared cache that starts at 0 and lives
    ``timeout`` seconds (atomic, so it holds across workers); return the count."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: start again
        cache.add(key, 1, timeout=timeout)
        return 1


def normalise_phone(value: str) -> str:
    """An 11-digit mainland mobile number, spaces and dashes dropped, or DomainError."""
    phone = re.sub(r"[\s-]", "", value or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not MOBILE_RE.fullmatch(phone):
        raise DomainError(_("Enter an 11-digit mainland mobile number, e.g. 13800138000."))
    return phone


def code_send(*, phone: str, purpose: str, client_address: str) -> Issued:
    """Issue a new code for ``purpose`` and send it to ``phone``.

    Steps: check the number; refuse a second code within a minute (an atomic
    ``add`` on the number's wait key); count the day's codes for the number
    and for the client address and refuse past either cap; draw the code,
    keep its HMAC with a fresh try counter; send it through the SMS backend.
    If the provider refuses, the code is dropped and the wait lifted, so the
    person can try again at once; the daily counts stay (they bound cost).
    """
    phone = normalise_phone(phone)
    if purpose not in Purpose.values:
        raise DomainError(_("Unknown purpose."))
    wait = int(RESEND_AFTER.total_seconds())
    if not cache.add(_key("wait", phone), 1, timeout=wait):
        raise TooManyRequests(
            _("A code was just sent to this number. Wait a minute before asking for another.")
        )
    day = timezone.localdate().isoformat()
    two_days = 2 * 24 * 3600
    refusal = None
    if cache_count(_key("day", day, "phone", phone), timeout=two_days) > DAILY_PER_PHONE:
        refusal = _("This number has had too many codes today. Try again tomorrow.")
    elif (
        cache_count(_key("day", day, "addr", client_address), timeout=two_days) > DAILY_PER_ADDRESS
    ):
        refusal = _("Too many codes were asked for from your network today. Try again tomorrow.")
    if refusal is not None:
        # Nothing was sent: the number's owner, elsewhere, need not wait a minute.
        cache.delete(_key("wait", phone))
        raise TooManyRequests(refusal)
    code = f"{secrets.randbelow(10**6):06d}"
    lifetime = int(CODE_LIFETIME.total_seconds())
    nonce = secrets.token_hex(8)
    cache.set(
        _key("code", purpose, phone),
        {"digest": _digest(phone=phone, purpose=purpose, code=code), "nonce": nonce},
        timeout=lifetime,
    )
    try:
        get_backend().send_code(phone=phone, code=code, purpose=str(Purpose(purpose).label))
    except SmsError as exc:
        logger.error("SMS code to %s****%s not sent: %s", phone[:3], phone[-4:], exc)
        cache.delete(_key("code", purpose, phone))
        cache.delete(_key("wait", phone))
        raise DomainError(
            _("The code could not be sent just now. Please try again in a moment.")
        ) from None
    return Issued(phone=phone, purpose=purpose, expires_in=lifetime)


def code_verify(*, phone: str, purpose: str, code: str) -> str:
    """Use up the code for ``purpose`` sent to ``phone``; return the number, or WrongCode.

    Steps: find the code kept for this number and purpose; count the try
    against that code (the counter is keyed by the code's nonce, so a new code
    starts afresh); past the limit, void the code; compare in constant time;
    on a match delete the code, and only the caller whose delete removed it
    wins (two tabs submitting the same code at once: one succeeds).
    """
    phone = normalise_phone(phone)
    key = _key("code", purpose, phone)
    kept = cache.get(key)
    expired = _("The code is wrong or has expired. Ask for a new one.")
    void = _("Too many wrong tries: this code no longer works. Ask for a new one.")
    if not isinstance(kept, dict):
        raise WrongCode(expired, reason="expired")
    tries = cache_count(_key("tries", kept["nonce"]), timeout=int(CODE_LIFETIME.total_seconds()))
    if tries > MAX_TRIES:
        cache.delete(key)
        raise WrongCode(void, reason="void")
    given = re.sub(r"\s", "", code or "")
    if not constant_time_compare(kept["digest"], _digest(phone=phone, purpose=purpose, code=given)):
        if tries == MAX_TRIES:
            cache.delete(key)
            raise WrongCode(void, reason="void")
        raise WrongCode(
            _("The code is wrong. %(left)d tries left.") % {"left": MAX_TRIES - tries},
            reason="wrong",
        )
    if not cache.delete(key):
        raise WrongCode(expired, reason="expired")
    return phone
