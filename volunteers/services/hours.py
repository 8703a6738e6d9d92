"""The hours ledger: credit attendance, take it back, correct it; always by adding a row.

How many hours attendance earns (``hours_due``):

- checked in and out: the time between them, counted only within the activity's
  own times (a check-in before the start counts from the start, a check-out after
  the end until the end), as a share of the activity's service hours;
- checked in, never checked out: nothing until the leader confirms them on the
  roll ("came"), which counts from the check-in to the end;
- not checked in, marked on the roll by the leader: the activity's service hours.

The leader corrects any of these by adding a correction (``hours_correct``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from community.errors import DomainError, NotAllowed
from community.models import User
from volunteers.models import (
    Activity,
    HoursEntry,
    HoursKind,
    SignUp,
    SignUpKind,
    SignUpStatus,
)
from volunteers.services.common import can_manage

MAX_HOURS = Decimal(24)


def credited(signup: SignUp) -> Decimal:
    """The hours a sign-up stands at now: the sum of its ledger rows."""
    total = HoursEntry.objects.filter(signup=signup).aggregate(total=Sum("hours"))["total"]
    return total or Decimal(0)


def _add(
    signup: SignUp, activity: Activity, hours: Decimal, actor: User | None, reason: str
) -> HoursEntry | None:
    if not hours:
        return None
    assert signup.volunteer_id is not None  # only serving sign-ups earn hours
    first = not HoursEntry.objects.filter(signup=signup, kind=HoursKind.ATTENDANCE).exists()
    return HoursEntry.objects.create(
        volunteer_id=signup.volunteer_id,
        signup=signup,
        activity=activity,
        served_on=activity.day,
        kind=HoursKind.ATTENDANCE if first else HoursKind.CORRECTION,
        hours=hours,
        reason=reason[:200],
        recorded_by=actor,
    )


def hours_due(signup: SignUp, activity: Activity) -> Decimal:
    """The hours attending earns (see the module's note), to a tenth of an hour."""
    if signup.checked_in_at is None:
        return activity.hours
    start = max(signup.checked_in_at, activity.starts_at)
    end = min(signup.checked_out_at or activity.ends_at, activity.ends_at)
    if end <= start:
        return Decimal(0)
    share = Decimal((end - start).total_seconds()) / Decimal(
        (activity.ends_at - activity.starts_at).total_seconds()
    )
    return (activity.hours * share).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def credit_attendance(*, signup: SignUp, activity: Activity, actor: User | None) -> None:
    """Bring a serving sign-up that attended to the hours it earned (called by the
    sign-up transition, inside its transaction, with the activity locked)."""
    if signup.kind != SignUpKind.SERVE:
        return
    _add(signup, activity, hours_due(signup, activity) - credited(signup), actor, "")


def take_back(*, signup: SignUp, activity: Activity, actor: User | None, reason: str) -> None:
    """Marked absent after all: the hours go back to nought by a correction."""
    if signup.kind != SignUpKind.SERVE:
        return
    _add(signup, activity, -credited(signup), actor, reason)


def hours_correct(*, signup: SignUp, actor: User, hours: Decimal, reason: str) -> HoursEntry | None:
    """Set the hours a volunteer served at one activity, by adding the difference.

    Steps: lock the activity and the sign-up; the actor manages the activity's team; only a
    volunteer who served and attended earns hours; a reason is written; the new
    total is more than nought and at most a day; add a correction for the
    difference (None when there is none).
    """
    reason = reason.strip()
    hours = Decimal(hours).quantize(Decimal("0.1"))
    with transaction.atomic():
        # The activity first, then the sign-up: the order every move takes them in.
        activity = (
            Activity.objects.select_for_update(of=("self",))
            .select_related("team")
            .get(pk=signup.activity_id)
        )
        locked = SignUp.objects.select_for_update().get(pk=signup.pk)
        if not can_manage(actor, activity.team):
            raise NotAllowed(_("Only the team's leader corrects service hours."))
        if locked.kind != SignUpKind.SERVE:
            raise DomainError(_("Only volunteers who serve earn service hours."))
        if locked.status != SignUpStatus.ATTENDED:
            raise DomainError(
                _("%(name)s did not attend: hours are credited for attendance only.")
                % {"name": locked.name}
            )
        if not reason:
            raise DomainError(_("Say why the hours change."))
        if not Decimal(0) < hours <= MAX_HOURS:
            raise DomainError(_("Service hours are more than 0 and at most 24."))
        return _add(locked, activity, hours - credited(locked), actor, reason)
