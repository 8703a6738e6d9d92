"""Signing up, the waiting list, check-in and attendance: one state machine.

Every write here locks the activity row first (``select_for_update``) and only
then reads or locks its sign-ups. Sign-ups of one activity therefore queue one
behind the other at the database, and the count of places taken that each one
reads is final until it commits: 50 people pressing at once for 20 places get
20 places and 30 places in the queue, on PostgreSQL as on any database that
locks rows. The lock order (activity, then sign-up) is the same everywhere, so
two moves never wait for each other in a circle.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from community.errors import Conflict, DomainError, NotAllowed
from community.models import User
from grids.models import Resident
from volunteers.models import (
    ACTIVE_STATUSES,
    MANAGER_ACTIONS,
    MOVES,
    OWN_DAY_ACTIONS,
    Activity,
    Audience,
    MemberStatus,
    SignUp,
    SignUpAction,
    SignUpEvent,
    SignUpKind,
    SignUpStatus,
    Volunteer,
    move_target,
)
from volunteers.services import hours as ledger
from volunteers.services.checkin import check_code, check_window
from volunteers.services.common import (
    activity_link,
    belongs_to,
    can_manage,
    is_own,
    people_of,
    tell,
)

# Sign-ups that hold one of the activity's places.
PLACE_HOLDING = (
    SignUpStatus.SIGNED_UP,
    SignUpStatus.CHECKED_IN,
    SignUpStatus.ATTENDED,
    SignUpStatus.NO_SHOW,
)


# --- Signing up ------------------------------------------------------------------------


def places_taken(activity: Activity, kind: str) -> int:
    return activity.signups.filter(kind=kind, status__in=PLACE_HOLDING).count()


def _serving(
    activity: Activity, actor: User, volunteer: Volunteer | None, manager: bool
) -> Volunteer:
    if volunteer is None:
        volunteer = (
            Volunteer.objects.filter(
                user=actor,
                community=activity.community_id,
                memberships__team=activity.team_id,
                memberships__status=MemberStatus.APPROVED,
            )
            .distinct()
            .first()
        )
        if volunteer is None:
            raise NotAllowed(_("Only members of %(team)s serve here.") % {"team": activity.team})
        return volunteer
    if volunteer.user_id != actor.pk and not manager:
        raise NotAllowed(_("You can only sign yourself up to serve."))
    if not volunteer.memberships.filter(
        team=activity.team_id, status=MemberStatus.APPROVED
    ).exists():
        raise DomainError(
            _("%(name)s is not a member of %(team)s.")
            % {"name": volunteer.name, "team": activity.team}
        )
    return volunteer


def _attending(
    activity: Activity, actor: User, resident: Resident | None, name: str, manager: bool
) -> tuple[Resident | None, str, str]:
    """Who takes the place, their name and their person key."""
    if activity.audience != Audience.RESIDENTS:
        raise NotAllowed(_("This activity is for the team's members only."))
    if not manager and not belongs_to(actor, activity.community_id):
        raise NotAllowed(
            _("Only residents of %(community)s sign up.") % {"community": activity.community}
        )
    if resident is not None:
        own = Resident.objects.filter(user=actor).first()
        if resident.household.unit.building.community_id != activity.community_id:
            raise DomainError(_("%(name)s lives in another community.") % {"name": resident.name})
        if not manager and (own is None or own.household_id != resident.household_id):
            raise NotAllowed(_("You can sign up yourself and your own household."))
        return resident, resident.name, f"r:{resident.pk}"
    name = name.strip()[:50]
    if name:  # a child not on the household register, an elderly neighbour on the phone
        return None, name, f"n:{actor.pk}:{name}"
    own = Resident.objects.filter(user=actor).first()
    if own is not None:
        return own, own.name, f"r:{own.pk}"
    return None, str(actor)[:50], f"u:{actor.pk}"


def _booker(
    actor: User, manager: bool, volunteer: Volunteer | None, resident: Resident | None, key: str
) -> User | None:
    """The account behind a sign-up: none when a leader signs up someone else."""
    if not manager or key == f"u:{actor.pk}":
        return actor
    if volunteer is not None and volunteer.user_id == actor.pk:
        return actor
    if resident is not None and resident.user_id == actor.pk:
        return actor
    return None


def signup_create(
    *,
    activity: Activity,
    actor: User,
    kind: str | None = None,
    volunteer: Volunteer | None = None,
    resident: Resident | None = None,
    name: str = "",
    note: str = "",
) -> SignUp:
    """Sign someone up (see ``signup_make``); returns the sign-up, new or earlier."""
    return signup_make(
        activity=activity,
        actor=actor,
        kind=kind,
        volunteer=volunteer,
        resident=resident,
        name=name,
        note=note,
    )[0]


def signup_make(
    *,
    activity: Activity,
    actor: User,
    kind: str | None = None,
    volunteer: Volunteer | None = None,
    resident: Resident | None = None,
    name: str = "",
    note: str = "",
) -> tuple[SignUp, bool]:
    """Sign someone up: a place when one is free, else a place on the waiting list.
    Returns the sign-up and whether it is new (False: they were signed up already).

    Steps: lock the activity row (see the module's note); refuse a cancelled
    activity, and one that has started unless its leader records it; work out
    who the place is for (a member of the team who serves, or a resident —
    themselves or their household — when it is open to residents); a live
    sign-up of the same person is returned as it is, and nothing is written (a
    double tap, or a second press on a page left open); count the
    places of that kind already held; write the sign-up, signed up or waiting,
    and its event. Team members who serve at an activity open to residents do
    not take the residents' places.
    """
    kind = kind or activity.capacity_kind
    if kind not in SignUpKind.values:
        raise DomainError(_("Unknown kind of sign-up."))
    with transaction.atomic():
        locked = (
            Activity.objects.select_for_update(of=("self",))
            .select_related("team", "community")
            .get(pk=activity.pk)
        )
        manager = can_manage(actor, locked.team)
        if locked.is_cancelled:
            raise Conflict(_("This activity was cancelled."))
        # The leader may put someone on the roll afterwards (they came without
        # signing up); everyone else signs up before the start.
        if locked.has_started and not manager:
            raise DomainError(
                _("Sign-up closed when the activity started (%(time)s).")
                % {"time": formats.date_format(timezone.localtime(locked.starts_at), "m-d H:i")}
            )
        if kind == SignUpKind.SERVE:
            volunteer = _serving(locked, actor, volunteer, manager)
            resident, who, key = volunteer.resident, volunteer.name, f"v:{volunteer.pk}"
        else:
            volunteer = None
            resident, who, key = _attending(locked, actor, resident, name, manager)
        earlier = (
            locked.signups.filter(person_key=key).exclude(status=SignUpStatus.CANCELLED).first()
        )
        if earlier is not None:
            return earlier, False
        full = kind == locked.capacity_kind and places_taken(locked, kind) >= locked.capacity
        status = SignUpStatus.WAITING if full else SignUpStatus.SIGNED_UP
        try:
            with transaction.atomic():  # a savepoint: the constraint is the last word
                signup = SignUp.objects.create(
                    activity=locked,
                    kind=kind,
                    volunteer=volunteer,
                    resident=resident,
                    name=who,
                    note=note.strip()[:200],
                    booked_by=_booker(actor, manager, volunteer, resident, key),
                    person_key=key,
                    status=status,
                )
        except IntegrityError:
            raise Conflict(_("%(name)s is signed up already.") % {"name": who}) from None
        SignUpEvent.objects.create(
            signup=signup, action=SignUpAction.SIGN_UP, actor=actor, to_status=status
        )
    return signup, True


# --- Moves ------------------------------------------------------------------------------


def allowed_actions(signup: SignUp, user: User, *, manager: bool) -> list[str]:
    """The moves a page offers this person on this sign-up now."""
    activity = signup.activity
    if activity.is_cancelled:
        return []
    own = is_own(signup, user)
    offered = []
    for action, (sources, _target) in MOVES.items():
        if signup.status not in sources:
            continue
        if action == SignUpAction.CANCEL:
            offer = (own and not activity.has_started) or (manager and not activity.has_ended)
        elif action == SignUpAction.CHECK_OUT:
            # Check-in needs the code on the spot (its page); leaving needs none.
            offer = own and activity.has_started and not _closed(activity)
        else:
            offer = action in MANAGER_ACTIONS and manager and _manager_may(action, activity)
        if offer:
            offered.append(action)
    return offered


def _closed(activity: Activity) -> bool:
    return activity.check_out_closes_at <= timezone.now()


def _manager_may(action: str, activity: Activity) -> bool:
    if action == SignUpAction.MARK_ATTENDED:
        return timezone.localdate() >= activity.day
    return activity.has_started  # no-show


_TOO_EARLY: dict[str, Any] = {
    SignUpAction.MARK_ATTENDED: _("Attendance is taken on the day of the activity."),
    SignUpAction.MARK_NO_SHOW: _("Nobody is absent before the activity starts."),
}


def _check(action: str, activity: Activity, signup: SignUp, actor: User | None, code: str) -> None:
    if action == SignUpAction.PROMOTE:
        if actor is not None:
            raise NotAllowed(_("Places go to the waiting list in the order people signed up."))
        if activity.has_started or places_taken(activity, signup.kind) >= activity.capacity:
            raise Conflict(_("No place is free."))
        return
    if actor is None:
        raise NotAllowed(_("Only a person can do this."))
    if activity.is_cancelled:
        raise Conflict(_("This activity was cancelled."))
    manager = can_manage(actor, activity.team)
    own = is_own(signup, actor)
    if action in OWN_DAY_ACTIONS:
        if not own:
            raise NotAllowed(_("Check in and out with your own account."))
        # Check-in proves one is there by the code shown on the spot; check-out
        # needs none (it is also a button on one's sign-up), but a code given
        # must be this activity's.
        if code or action == SignUpAction.CHECK_IN:
            check_code(activity, code)
        check_window(activity, action)
    elif action == SignUpAction.CANCEL:
        if manager:
            if activity.has_ended:
                raise DomainError(_("The activity is over: mark who did not come instead."))
        elif not own:
            raise NotAllowed(_("This is someone else's sign-up."))
        elif activity.has_started:
            raise DomainError(_("The activity has started: tell the leader instead."))
    else:
        if not manager:
            raise NotAllowed(_("Only the team's leader takes attendance."))
        if not _manager_may(action, activity):
            raise DomainError(_TOO_EARLY[action])


def own_day_signups(activity: Activity, user: User) -> list[SignUp]:
    """A person's live sign-ups at an activity (theirs, their family's), for its QR page."""
    return list(
        activity.signups.filter(
            Q(booked_by=user) | Q(volunteer__user=user) | Q(resident__user=user)
        )
        .exclude(status=SignUpStatus.CANCELLED)
        .select_related("volunteer", "resident", "booked_by")
        .order_by("created_at", "id")
    )


def signups_check(*, activity: Activity, actor: User, action: str, code: str) -> int:
    """What the QR code's page does: check in (or out) each of the person's sign-ups
    that can make the move (a parent checks in themself and the children they booked).

    Each moves by ``signup_step`` in its own transaction; the first refusal raises
    (the code and the window are the same for all, so it comes on the first).
    Returns how many moved.
    """
    if action not in OWN_DAY_ACTIONS:
        raise DomainError(_("Unknown action."))
    moved = 0
    for signup in own_day_signups(activity, actor):
        if signup.status not in MOVES[action][0]:
            continue
        if signup_step(signup=signup, actor=actor, action=action, code=code)[1] is not None:
            moved += 1
    return moved


def signup_move(
    *, signup: SignUp, actor: User | None, action: str, code: str = "", note: str = ""
) -> SignUp:
    """Move a sign-up one step along ``MOVES`` (see ``signup_step``)."""
    return signup_step(signup=signup, actor=actor, action=action, code=code, note=note)[0]


def signup_step(
    *, signup: SignUp, actor: User | None, action: str, code: str = "", note: str = ""
) -> tuple[SignUp, SignUpEvent | None]:
    """Move a sign-up one step; returns it and the event (None when nothing was done).

    Steps: lock the activity, then the sign-up; a move to the status it already
    has does nothing (a second scan of the code, a double tap); a move the
    status does not allow is a Conflict; the actor may make it (the person
    themself, with a valid code for a check-in; the team's leader for the
    roll); then ``_transition``. A refusal raises inside the transaction, so
    nothing is half-saved.
    """
    if action not in MOVES:
        raise DomainError(_("Unknown action."))
    sources = MOVES[action][0]
    with transaction.atomic():
        activity = (
            Activity.objects.select_for_update(of=("self",))
            .select_related("team", "community")
            .get(pk=signup.activity_id)
        )
        locked = (
            SignUp.objects.select_for_update(of=("self",))
            .select_related("volunteer__user", "booked_by", "resident__user")
            .get(pk=signup.pk)
        )
        if locked.status == move_target(action, locked.kind):
            return locked, None
        if locked.status not in sources:
            raise Conflict(
                _("“%(action)s” is not possible while the sign-up is “%(status)s”.")
                % {"action": SignUpAction(action).label, "status": locked.get_status_display()}
            )
        _check(action, activity, locked, actor, code)
        event = _transition(activity, locked, action, actor, note.strip())
    return locked, event


def _transition(
    activity: Activity,
    signup: SignUp,
    action: str,
    actor: User | None,
    note: str,
    quiet: bool = False,
) -> SignUpEvent:
    """The one place a sign-up's status is set: the status, the event, the hours,
    the next person on the waiting list, and whom to tell. Both row locks are held."""
    from_status = signup.status
    signup.status = move_target(action, signup.kind)
    fields = ["status"]
    if action == SignUpAction.CHECK_IN:
        signup.checked_in_at = timezone.now()
        fields.append("checked_in_at")
    elif action == SignUpAction.CHECK_OUT:
        signup.checked_out_at = timezone.now()
        fields.append("checked_out_at")
    signup.save(update_fields=fields)
    event = SignUpEvent.objects.create(
        signup=signup,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=signup.status,
        note=note[:200],
    )
    if signup.status == SignUpStatus.ATTENDED:
        ledger.credit_attendance(signup=signup, activity=activity, actor=actor)
    elif from_status == SignUpStatus.ATTENDED:
        ledger.take_back(
            signup=signup, activity=activity, actor=actor, reason=str(SignUpAction(action).label)
        )
    link = activity_link(activity.pk)
    if action == SignUpAction.PROMOTE:
        tell(
            people_of(signup),
            _("You have a place at “%(title)s” (%(time)s)"),
            key=f"volunteers:signup-event:{event.pk}",
            link=link,
            title=activity.title,
            **_when(activity),
        )
    elif action == SignUpAction.CANCEL and not quiet and actor not in people_of(signup):
        tell(
            people_of(signup),
            _("Your sign-up for “%(title)s” was cancelled"),
            key=f"volunteers:signup-event:{event.pk}",
            link=link,
            title=activity.title,
        )
    if action == SignUpAction.CANCEL and from_status in PLACE_HOLDING:
        promote_waiting(activity, signup.kind)
    return event


def _when(activity: Activity) -> dict[str, str]:
    return {"time": formats.date_format(timezone.localtime(activity.starts_at), "Y-m-d H:i")}


def promote_waiting(activity: Activity, kind: str) -> int:
    """Give free places to the waiting list, first come first served (activity locked)."""
    if activity.is_cancelled or activity.has_started or kind != activity.capacity_kind:
        return 0
    free = activity.capacity - places_taken(activity, kind)
    if free <= 0:
        return 0
    queue = (
        SignUp.objects.select_for_update(of=("self",))
        .select_related("volunteer__user", "booked_by", "resident__user")
        .filter(activity=activity, kind=kind, status=SignUpStatus.WAITING)
        .order_by("created_at", "id")[:free]
    )
    moved = 0
    for waiting in queue:
        _transition(activity, waiting, SignUpAction.PROMOTE, None, "")
        moved += 1
    return moved


def cancel_all(activity: Activity, actor: User, reason: str) -> list[SignUp]:
    """The activity is called off: every live sign-up is cancelled (activity locked).

    Returns them; the caller tells their people once, about the activity."""
    live = list(
        SignUp.objects.select_for_update(of=("self",))
        .select_related("volunteer__user", "booked_by", "resident__user")
        .filter(activity=activity, status__in=ACTIVE_STATUSES)
    )
    for signup in live:
        _transition(activity, signup, SignUpAction.CANCEL, actor, reason, quiet=True)
    return live
