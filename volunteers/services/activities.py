"""Activities: plan, change, call off, record walk-ins; the 24-hour reminder."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from community.errors import Conflict, DomainError, NotAllowed
from community.models import User
from volunteers.models import (
    ACTIVE_STATUSES,
    Activity,
    ActivityStatus,
    Audience,
    ServiceProject,
    SignUp,
    SignUpStatus,
)
from volunteers.services.common import activity_link, can_manage, people_of, tell
from volunteers.services.signups import cancel_all, places_taken, promote_waiting

REMIND_AHEAD = timedelta(hours=24)
MAX_LENGTH = timedelta(days=1)


def default_hours(starts_at: datetime, ends_at: datetime) -> Decimal:
    """The length of the activity, to the half hour; at least half an hour."""
    halves = Decimal((ends_at - starts_at).total_seconds() / 1800).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return max(Decimal("0.5"), min(Decimal(24), halves / 2))


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise DomainError(_("The activity must end after it starts."))
    if ends_at - starts_at > MAX_LENGTH:
        raise DomainError(_("An activity lasts a day at most; plan one for each day."))
    if starts_at <= timezone.now():
        raise DomainError(_("The start must be in the future."))


def _check_numbers(capacity: int, hours: Decimal) -> None:
    if not 1 <= capacity <= 1000:
        raise DomainError(_("Places are between 1 and 1000."))
    if not Decimal("0.5") <= hours <= Decimal(24):
        raise DomainError(_("Service hours are between 0.5 and 24."))


def activity_create(
    *,
    actor: User,
    project: ServiceProject,
    title: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    audience: str,
    hours: Decimal | None = None,
    description: str = "",
    token: uuid.UUID | None = None,
) -> Activity:
    """Plan an activity of a project (one activity per form token).

    Steps: the same token from the same person returns the first activity; the
    actor manages the project's team; the project is offered; it starts in the
    future and ends after it starts, within a day; places and hours are in
    range (hours default to its length); save.
    """
    token = token or uuid.uuid4()
    earlier = Activity.objects.filter(created_by=actor, client_token=token).first()
    if earlier is not None:
        return earlier
    team = project.team
    if not can_manage(actor, team):
        raise NotAllowed(_("Only the team's leader plans its activities."))
    if not project.active:
        raise DomainError(_("This project is not offered now."))
    if audience not in Audience.values:
        raise DomainError(_("Choose who may sign up."))
    if not title.strip() or not place.strip():
        raise DomainError(_("Give the activity a title and a place."))
    _check_times(starts_at, ends_at)
    hours = hours if hours is not None else default_hours(starts_at, ends_at)
    _check_numbers(capacity, hours)
    try:
        with transaction.atomic():
            return Activity.objects.create(
                project=project,
                team=team,
                community_id=team.community_id,
                title=title.strip()[:100],
                place=place.strip()[:100],
                description=description.strip(),
                starts_at=starts_at,
                ends_at=ends_at,
                capacity=capacity,
                audience=audience,
                hours=hours,
                created_by=actor,
                client_token=token,
            )
    except IntegrityError:
        earlier = Activity.objects.filter(created_by=actor, client_token=token).first()
        if earlier is None:
            raise
        return earlier


def _lock(activity: Activity, actor: User, version: int | None) -> Activity:
    locked = (
        Activity.objects.select_for_update(of=("self",)).select_related("team").get(pk=activity.pk)
    )
    if not can_manage(actor, locked.team):
        raise NotAllowed(_("Only the team's leader changes its activities."))
    if version is not None and version != locked.version:
        raise Conflict(_("This activity changed while you had it open. Reload the page."))
    if locked.is_cancelled:
        raise Conflict(_("This activity was cancelled."))
    return locked


def activity_update(
    *,
    activity: Activity,
    actor: User,
    version: int | None = None,
    title: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    hours: Decimal,
    description: str = "",
) -> Activity:
    """Change an activity before it starts, and tell everyone signed up or waiting.

    Steps: lock it (an older page is a Conflict); only before it starts; the
    times and numbers as when planning; never fewer places than already held;
    save with the version bumped; more places move the waiting list up; a new
    time or place is told to everyone signed up or waiting (and the reminder
    goes again for the new time).
    """
    with transaction.atomic():
        locked = _lock(activity, actor, version)
        if locked.has_started:
            raise DomainError(_("The activity has started: it can no longer be changed."))
        if not title.strip() or not place.strip():
            raise DomainError(_("Give the activity a title and a place."))
        _check_times(starts_at, ends_at)
        _check_numbers(capacity, hours)
        held = places_taken(locked, locked.capacity_kind)
        if capacity < held:
            raise DomainError(
                _("%(n)s people have a place already: there cannot be fewer places.") % {"n": held}
            )
        moved = (locked.starts_at, locked.ends_at, locked.place) != (starts_at, ends_at, place)
        locked.title, locked.place = title.strip()[:100], place.strip()[:100]
        locked.starts_at, locked.ends_at = starts_at, ends_at
        locked.capacity, locked.hours = capacity, hours
        locked.description = description.strip()
        locked.version += 1
        locked.save()
        promote_waiting(locked, locked.capacity_kind)
        if moved:
            tell(
                _people(locked),
                _("“%(title)s” changed: now %(time)s at %(place)s"),
                key=f"volunteers:activity:{locked.pk}:v{locked.version}",
                link=activity_link(locked.pk),
                title=locked.title,
                place=locked.place,
                time=formats.date_format(timezone.localtime(locked.starts_at), "Y-m-d H:i"),
            )
    return locked


def _people(activity: Activity) -> list[User]:
    rows = SignUp.objects.filter(activity=activity, status__in=ACTIVE_STATUSES).select_related(
        "booked_by", "volunteer__user", "resident__user"
    )
    return [person for signup in rows for person in people_of(signup)]


def activity_cancel(*, activity: Activity, actor: User, reason: str) -> Activity:
    """Call an activity off: every live sign-up is cancelled, and its people are told once.

    Steps: lock it; already cancelled does nothing; not once it is over; a
    reason is given; the status; each sign-up signed up or waiting moves to
    cancelled (its event), then one message to each person concerned.
    """
    reason = reason.strip()
    with transaction.atomic():
        locked = (
            Activity.objects.select_for_update(of=("self",))
            .select_related("team")
            .get(pk=activity.pk)
        )
        if not can_manage(actor, locked.team):
            raise NotAllowed(_("Only the team's leader cancels its activities."))
        if locked.is_cancelled:
            return locked
        if locked.has_ended:
            raise DomainError(_("The activity is over: it cannot be cancelled."))
        if not reason:
            raise DomainError(_("Say why the activity is cancelled."))
        locked.status = ActivityStatus.CANCELLED
        locked.cancel_reason = reason[:200]
        locked.version += 1
        locked.save(update_fields=["status", "cancel_reason", "version", "updated_at"])
        cancelled = cancel_all(locked, actor, reason)
        tell(
            [person for signup in cancelled for person in people_of(signup)],
            _("“%(title)s” on %(time)s is cancelled: %(reason)s"),
            key=f"volunteers:activity:{locked.pk}:cancelled",
            link=activity_link(locked.pk),
            title=locked.title,
            reason=reason,
            time=formats.date_format(timezone.localtime(locked.starts_at), "m-d H:i"),
        )
    return locked


def activity_record_walk_ins(*, activity: Activity, actor: User, walk_ins: int) -> Activity:
    """How many people were served without signing up (the knife-sharpening queue)."""
    with transaction.atomic():
        locked = _lock(activity, actor, None)
        if not locked.has_started:
            raise DomainError(_("Walk-ins are counted once the activity has started."))
        if not 0 <= walk_ins <= 10000:
            raise DomainError(_("Give a number between 0 and 10000."))
        locked.walk_ins = walk_ins
        locked.save(update_fields=["walk_ins", "updated_at"])
    return locked


def activities_remind(*, now: datetime | None = None) -> int:
    """Beat: remind everyone with a place at an activity starting within 24 hours.

    Per activity, in one transaction: lock the activity row (so sign-ups and
    a second beat queue behind), pick its places not yet reminded for this
    start time, mark them, and write the messages. Two beats at once remind
    once; a failure un-marks them with the messages. The messages' keys carry
    the start time: a moved activity is reminded again. Someone who signs up
    within the 24 hours is reminded by the next beat.
    Returns the number of sign-ups reminded.
    """
    now = now or timezone.now()
    due = SignUp.objects.filter(
        status=SignUpStatus.SIGNED_UP,
        activity__status=ActivityStatus.SCHEDULED,
        activity__starts_at__gt=now,
        activity__starts_at__lte=now + REMIND_AHEAD,
    ).exclude(reminded_for=F("activity__starts_at"))
    reminded = 0
    for activity_id in sorted(set(due.values_list("activity", flat=True)))[:500]:
        with transaction.atomic():
            activity = Activity.objects.select_for_update().get(pk=activity_id)
            rows = list(
                due.filter(activity=activity).select_related(
                    "booked_by", "volunteer__user", "resident__user"
                )
            )
            if not rows:
                continue  # another beat got there first
            SignUp.objects.filter(pk__in=[r.pk for r in rows]).update(
                reminded_for=activity.starts_at
            )
            tell(
                [person for signup in rows for person in people_of(signup)],
                _("Reminder: “%(title)s” at %(time)s, %(place)s"),
                key=f"volunteers:activity:{activity.pk}:remind:{activity.starts_at:%Y%m%d%H%M}",
                link=activity_link(activity.pk),
                title=activity.title,
                place=activity.place,
                time=formats.date_format(timezone.localtime(activity.starts_at), "m-d H:i"),
            )
        reminded += len(rows)
    return reminded
