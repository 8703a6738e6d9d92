"""The check-in code an activity's QR code carries, and what is wrong with a scanned one."""

from __future__ import annotations

from django.core import signing
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from community.errors import DomainError
from volunteers.models import Activity

CHECK_IN_SALT = "volunteers.check-in"


def checkin_code(activity: Activity) -> str:
    """What the activity's QR code carries: its id and its day, signed.

    Signed so that it cannot be made up; bound to the day so that a photo of
    the code is no use tomorrow, and a moved activity gets a new one.
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
    if timezone.localdate() != activity.day:
        raise DomainError(
            _("This check-in code is valid on %(date)s only.")
            % {"date": formats.date_format(activity.day, "Y-m-d")}
        )


def checkin_problem(activity: Activity, code: str) -> str:
    """Why this code does not check anyone in to this activity now ("" when it does)."""
    if activity.is_cancelled:
        return str(_("This activity was cancelled."))
    try:
        check_code(activity, code)
    except DomainError as exc:
        return exc.message
    return ""
