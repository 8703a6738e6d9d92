"""The check-in code an activity's QR code carries, what is wrong with a scanned one,
and when checking in and out is open.

Check-in opens ``VOLUNTEER_CHECK_IN_OPENS`` (30 minutes) before the start and
closes at the end; check-out opens at the start and closes
``VOLUNTEER_CHECK_OUT_GRACE`` (30 minutes) after the end. A refusal says when
it opens or why it closed, in the activity's own times.
"""

from __future__ import annotations

from datetime import datetime

from django.core import signing
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from community.errors import DomainError
from volunteers.models import Activity, SignUpAction

CHECK_IN_SALT = "volunteers.check-in"


def checkin_code(activity: Activity) -> str:
    """What the activity's QR code carries: its id and its day, signed.

    Signed so that it cannot be made up; bound to the day so that a moved
    activity gets a new one. When it may be used is the window's business
    (``check_window``), not the code's.
    """
    return signing.Signer(salt=CHECK_IN_SALT).sign(f"{activity.pk}.{activity.day.isoformat()}")


def check_code(activity: Activity, code: str) -> None:
    """Refuse (DomainError, saying why) a code made up, of another activity or another day."""
    try:
        value = signing.Signer(salt=CHECK_IN_SALT).unsign(code)
    except signing.BadSignature:
        raise DomainError(_("This is not a check-in code of ours. Scan the code again.")) from None
    pk, _sep, day = value.partition(".")
    if pk != str(activity.pk):
        raise DomainError(_("This check-in code is for another activity."))
    if day != activity.day.isoformat():
        raise DomainError(_("The activity has moved: ask the leader for today's code."))


def clock_time(moment: datetime) -> str:
    """A time as people read it: "10:30" today, "05-13 10:30" on another day."""
    local = timezone.localtime(moment)
    fmt = "H:i" if local.date() == timezone.localdate() else "m-d H:i"
    return formats.date_format(local, fmt)


def check_window(activity: Activity, action: str) -> None:
    """Refuse (DomainError, saying when it opens or why it closed) a check-in or a
    check-out outside its window."""
    now = timezone.now()
    times = {
        "start": clock_time(activity.starts_at),
        "end": clock_time(activity.ends_at),
        "opens": clock_time(activity.check_in_opens_at),
        "closes": clock_time(activity.check_out_closes_at),
    }
    if action == SignUpAction.CHECK_IN:
        if now < activity.check_in_opens_at:
            raise DomainError(
                _(
                    "Check-in has not opened yet: the activity starts at %(start)s, "
                    "and you can check in from %(opens)s."
                )
                % times
            )
        if now >= activity.ends_at:
            raise DomainError(
                _(
                    "Check-in closed when the activity ended at %(end)s: "
                    "ask the leader to put you on the roll."
                )
                % times
            )
    elif action == SignUpAction.CHECK_OUT:
        if now < activity.starts_at:
            raise DomainError(
                _(
                    "The activity has not started yet (it starts at %(start)s): check out "
                    "when you leave. If you cannot stay, cancel your place instead."
                )
                % times
            )
        if now >= activity.check_out_closes_at:
            raise DomainError(
                _(
                    "Check-out closed at %(closes)s, a while after the activity ended "
                    "(%(end)s): ask the leader to confirm your hours."
                )
                % times
            )


def checkin_problem(activity: Activity, code: str, action: str = SignUpAction.CHECK_IN) -> str:
    """Why this code does not check anyone in (or out) of this activity now ("" when it does)."""
    if activity.is_cancelled:
        return str(_("This activity was cancelled."))
    try:
        check_code(activity, code)
        check_window(activity, action)
    except DomainError as exc:
        return exc.message
    return ""
