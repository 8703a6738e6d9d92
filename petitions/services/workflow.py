"""The request's state machine, written once: ``petition_move``.

Every change of a request's status (and hold, resume and the deadline watch)
goes through ``petition_move``; pages, the API, the beat sweep and the demo
data all call it. The table of allowed moves is ``petitions.models.MOVES``;
the small functions in ``APPLY`` check a move's own fields and change the row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.errors import Conflict, DomainError, NotAllowed
from community.http import MAX_DAY
from community.images import clean_photos
from community.models import Department, Role, User
from grids.models import GridStaff
from petitions.models import (
    HANDLING_STATUSES,
    LEVEL_OF,
    MOVES,
    OPEN_STATUSES,
    STAGE_STATUSES,
    Action,
    Desk,
    Level,
    Petition,
    PetitionEvent,
    Priority,
    Rating,
    Status,
)
from petitions.services.deadlines import deadline_hours, stage_hours, warn_at
from petitions.services.desks import DESK_ORDER, desks_of
from petitions.services.notices import notify_event
from petitions.services.photos import photos_save

STALE = _("This request changed while you had it open. Reload the page to see where it stands.")


class _NoOp(Exception):
    """The move is already in effect (on hold twice, a warning sent already)."""


@dataclass
class Ctx:
    """What a move's handler works with; ``target`` may be chosen by it (rating)."""

    p: Petition
    actor: User | None
    desk: str
    now: datetime
    reason: str
    note: str
    fields: dict[str, Any]
    target: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def _text(ctx: Ctx, name: str, message: Any, limit: int = 4000) -> str:
    value = str(ctx.fields.get(name) or "").strip()
    if not value:
        raise DomainError(message)
    if len(value) > limit:
        raise DomainError(_("At most %(n)d characters.") % {"n": limit})
    return value


def _start_clock(p: Petition, due: datetime, now: datetime, *, keep_hold: bool = False) -> None:
    """A new deadline: a new cycle of one warning and one breach per level.

    ``keep_hold``: the work stays paused across the change of desk (an order
    put on hold before it was signed for); the resume moves the new deadline
    by the whole pause, as it moves the promised one.
    """
    p.due_at = due
    p.warn_at = warn_at(due, now)
    p.warned = False
    p.breach_level = 0
    p.deadline_cycle += 1
    if not keep_hold:
        p.on_hold_since = None
        p.hold_reason = ""


def _start_handling(p: Petition, due: datetime, now: datetime) -> None:
    """The handling deadline: the desk's clock, and the date promised to the resident."""
    _start_clock(p, due, now)
    p.promised_at = due


def _start_stage(c: Ctx, source: str, status: str) -> None:
    """The request now waits at a desk that signs for, reviews or calls back:
    that desk's time limit (for a work order, the sign-for limit ``_dispatch``
    set); or, once the department signs for the order or its reply is sent
    back, the handling deadline promised to the resident."""
    p = c.p
    keep_hold = False
    if status == Status.IN_PROGRESS and source in (Status.DISPATCHED, Status.REPLIED):
        due = p.promised_at or c.now + timedelta(hours=deadline_hours(p.category, p.priority))
        keep_hold = source == Status.DISPATCHED
    elif status == Status.DISPATCHED and p.sign_by is not None:
        due = p.sign_by
    elif status in STAGE_STATUSES:
        due = c.now + timedelta(hours=stage_hours(status, p.priority))
    else:
        return
    _start_clock(p, due, c.now, keep_hold=keep_hold)
    c.data["due"] = due.isoformat()


# --- Each move's own part -----------------------------------------------------------


def _accept(c: Ctx) -> None:
    priority = c.fields.get("priority")
    if priority:
        if priority not in Priority.values:
            raise DomainError(_("Choose a priority from the list."))
        c.p.priority = priority
    c.p.accepted_at = c.now
    c.p.accepted_by = c.actor


def _amend(c: Ctx) -> None:
    c.p.description = _text(c, "description", _("Say what the matter is."))


def _close(c: Ctx) -> None:
    c.p.closed_at = c.now


def _merge(c: Ctx) -> None:
    original = c.fields.get("original")
    p = c.p
    if not isinstance(original, Petition) or original.pk == p.pk:
        raise DomainError(_("Choose the request to merge into."))
    if original.community_id != p.community_id:
        raise DomainError(_("Only requests of the same community can be merged."))
    if original.status not in OPEN_STATUSES:
        raise DomainError(
            _("%(reference)s is no longer open; it cannot take a merge.")
            % {"reference": original.reference}
        )
    # Anything merged into this one follows it into the original.
    Petition.objects.filter(merged_into=p).update(merged_into=original)
    p.merged_into = original
    p.closed_at = c.now
    c.data["original"] = original.reference


def _assign(c: Ctx) -> None:
    person = c.fields.get("assignee")
    p = c.p
    works_here = isinstance(person, User) and (
        GridStaff.objects.filter(grid__community=p.community_id, user=person).exists()
        or any(
            m.role == Role.SECRETARY and m.community_id == p.community_id
            for m in person.active_memberships
        )
    )
    if not works_here or not isinstance(person, User):
        raise DomainError(_("Choose a grid worker or cadre of this community."))
    p.assignee = person
    _start_handling(p, c.now + timedelta(hours=deadline_hours(p.category, p.priority)), c.now)
    c.data.update(assignee=person.name or person.username, due=p.due_at.isoformat())  # type: ignore[union-attr]


def _dispatch(c: Ctx) -> None:
    department = c.fields.get("department")
    p = c.p
    if not isinstance(department, Department) or (department.street_id != p.community.street_id):
        raise DomainError(_("Choose a department of this street."))
    due = c.fields.get("due_at")
    if due is None:
        due = c.now + timedelta(hours=deadline_hours(p.category, p.priority))
    elif due <= c.now:
        raise DomainError(_("The deadline must be in the future."))
    elif timezone.localdate(due) > MAX_DAY:
        # A pause moves the deadline on: from year 9999 that is past any date (a 500).
        raise DomainError(
            _("The deadline must be on %(max)s or before.") % {"max": MAX_DAY.isoformat()}
        )
    p.department = department
    p.signed_at = None
    # The department's clock is its sign-for limit (``_start_stage``); the
    # handling deadline is promised to the resident now and becomes the clock
    # once it signs. An order due sooner than the limit is signed for by then.
    p.sign_by = min(c.now + timedelta(hours=stage_hours(Status.DISPATCHED, p.priority)), due)
    p.promised_at = due
    c.data.update(department=department.name, promised=due.isoformat())


def _sign(c: Ctx) -> None:
    p = c.p
    p.signed_at = c.now
    if p.on_hold_since is not None:
        # Signed for while on hold: the pause so far stopped the sign-for clock
        # (the response rate counts against sign_by); the rest of it moves the
        # handling deadline when the work resumes.
        assert p.sign_by is not None
        p.sign_by += c.now - p.on_hold_since


def _result(c: Ctx) -> None:
    c.p.result = _text(c, "result", _("Say what was done."))
    c.data["result"] = c.p.result


def _resolve(c: Ctx) -> None:
    _result(c)
    c.p.resolved_at = c.now


def _approve(c: Ctx) -> None:
    c.p.resolved_at = c.now


def _callback(c: Ctx) -> None:
    if not c.note.strip():
        raise DomainError(_("Say what the resident said on the callback."))


def _rate(c: Ctx) -> None:
    p = c.p
    rating = c.fields.get("rating")
    if rating not in Rating.values:
        raise DomainError(_("Choose satisfied, basically satisfied or unsatisfied."))
    if c.desk != Desk.REQUESTER and p.requester_id:
        # Staff may only write down a rating given by phone by someone without an account.
        raise NotAllowed(_("The resident rates this request from their own account."))
    p.rating = rating
    p.rating_comment = str(c.fields.get("comment") or "").strip()[:500]
    c.data.update(rating=rating, by_phone=c.desk != Desk.REQUESTER)
    if rating == Rating.UNSATISFIED:
        # Another round: back to the community desk, to be handled afresh.
        c.target = Status.ACCEPTED
        p.round += 1
        p.resolved_at = None
        p.assignee = None
    else:
        c.target = Status.CLOSED
        p.closed_at = c.now


def _hold(c: Ctx) -> None:
    p = c.p
    if p.on_hold_since is not None:
        raise _NoOp
    department = LEVEL_OF[p.status] == Level.DEPARTMENT
    if department != (c.desk in (Desk.DEPARTMENT, Desk.STREET)):
        raise NotAllowed(_("Only whoever is working the request can put it on hold."))
    p.on_hold_since = c.now
    p.hold_reason = c.reason


def _resume(c: Ctx) -> None:
    p = c.p
    if p.on_hold_since is None:
        raise _NoOp
    paused = c.now - p.on_hold_since
    # The clock stood still while on hold: the deadline moves by the pause.
    if p.due_at:
        p.due_at += paused
    if p.warn_at:
        p.warn_at += paused
    if p.promised_at:
        p.promised_at += paused
    if p.status == Status.DISPATCHED and p.sign_by:
        p.sign_by += paused  # the clock is the sign-for limit: the two stay one
    p.on_hold_since = None
    p.hold_reason = ""
    c.data["paused_minutes"] = int(paused.total_seconds() // 60)


def _watch(c: Ctx) -> None:
    """The deadline watch: only for the cycle it looked at, while the clock runs."""
    p = c.p
    if c.fields.get("cycle") != p.deadline_cycle or p.on_hold_since is not None:
        raise _NoOp
    level = int(c.fields.get("level", 0))
    if level:
        if p.breach_level >= level:
            raise _NoOp
        p.breach_level = level
        c.data["level"] = level
    else:
        if p.warned:
            raise _NoOp
        p.warned = True
    c.data["due"] = p.due_at.isoformat() if p.due_at else ""


def _urge(c: Ctx) -> None:
    """催办: only past the time limit, and once a (Shanghai) day per request."""
    p = c.p
    if not p.is_overdue:
        raise DomainError(_("You can urge a request only once it is past its time limit."))
    midnight = timezone.localtime(c.now).replace(hour=0, minute=0, second=0, microsecond=0)
    if p.events.filter(action=Action.URGE, created_at__gte=midnight).exists():
        raise DomainError(
            _("You urged this request today already. You can urge it again tomorrow.")
        )
    c.data["due"] = p.due_at.isoformat() if p.due_at else ""


def _nothing(c: Ctx) -> None:
    return None


APPLY: dict[str, Callable[[Ctx], None]] = {
    Action.ACCEPT: _accept,
    Action.RETURN: _nothing,
    Action.AMEND: _amend,
    Action.WITHDRAW: _close,
    Action.MERGE: _merge,
    Action.ASSIGN: _assign,
    Action.ESCALATE: _nothing,
    Action.STREET_RETURN: _nothing,
    Action.DISPATCH: _dispatch,
    Action.SIGN: _sign,
    Action.DECLINE: _nothing,
    Action.REPLY: _result,
    Action.APPROVE: _approve,
    Action.SEND_BACK: _nothing,
    Action.RESOLVE: _resolve,
    Action.CALLBACK: _callback,
    Action.RATE: _rate,
    Action.CLOSE_UNRATED: _close,
    Action.HOLD: _hold,
    Action.RESUME: _resume,
    Action.DEADLINE_NEAR: _watch,
    Action.BREACH: _watch,
    Action.URGE: _urge,
}
# Moves that do not change what a person would decide on: no new version.
_QUIET = {Action.DEADLINE_NEAR, Action.BREACH, Action.URGE}
# What the holder of a poster report's follow link may do as its requester,
# with no account: urge it. Rating and withdrawing want the account (a link
# forwarded to a neighbour should not close someone's request).
LINK_MOVES = frozenset({Action.URGE})


def _repeat_of(p: Petition, action: str, actor: User | None) -> bool:
    """The last step is this very move by this very person: a double click."""
    last = p.events.order_by("-id").first()
    return bool(last and actor and last.action == action and last.actor_id == actor.pk)


def allowed_actions(p: Petition, desks: set[str]) -> list[str]:
    """The moves a person at ``desks`` may offer on this request now (for the page)."""
    return [
        a
        for a, move in MOVES.items()
        if p.status in move.sources
        and desks & move.desks
        and Desk.SYSTEM not in move.desks
        and not (a == Action.HOLD and p.on_hold_since)
        and not (a == Action.RESUME and not p.on_hold_since)
        and not (a == Action.RATE and Desk.REQUESTER not in desks and p.requester_id)
        and not (a == Action.URGE and not p.is_overdue)
    ]


def petition_move(
    *,
    petition: Petition,
    actor: User | None,
    action: str,
    version: int | None = None,
    reason: str = "",
    note: str = "",
    internal_note: str = "",
    share: bool = False,
    photos: list[UploadedFile] | None = None,
    by_link: bool = False,
    **fields: Any,
) -> Petition:
    """Move a request one step along ``MOVES`` (see ``petition_step``)."""
    return petition_step(
        petition=petition,
        actor=actor,
        action=action,
        version=version,
        reason=reason,
        note=note,
        internal_note=internal_note,
        share=share,
        photos=photos,
        by_link=by_link,
        **fields,
    )[0]


def petition_step(
    *,
    petition: Petition,
    actor: User | None,
    action: str,
    version: int | None = None,
    reason: str = "",
    note: str = "",
    internal_note: str = "",
    share: bool = False,
    photos: list[UploadedFile] | None = None,
    by_link: bool = False,
    **fields: Any,
) -> tuple[Petition, PetitionEvent | None]:
    """Move a request one step; returns it and the event, None when nothing was done.

    ``actor`` None is the deadline watch; with ``by_link``, the holder of the
    follow link of a report filed without an account, who is its requester
    (the caller checked the link): only the moves in ``LINK_MOVES``, recorded
    at the requester's desk with no actor. ``share``: the resident reads the
    reason and note of a move whose text is about the handling (an
    escalation, a callback); without it they stay with staff.

    Steps: clean the photos before anything is written; lock the row; the
    same move repeated by the same person (a double click) returns the
    request as it is; a page drawn from an older version, or a move the
    current status does not allow, is a Conflict ("reload"); the actor must
    hold one of the move's desks; the move's own function checks its fields
    and changes the row; save with the version bumped; write the event (with
    the photos) and the notifications (outbox rows, delivered after commit).
    Any refusal raises before commit, so nothing is half-saved.
    """
    move = MOVES.get(action)
    if move is None:
        raise DomainError(_("Unknown action."))
    if by_link and (actor is not None or action not in LINK_MOVES):
        raise NotAllowed(
            _("You cannot “%(action)s” on this request.") % {"action": Action(action).label}
        )
    cleaned = clean_photos(photos or [])
    reason = reason.strip()[:500]
    with transaction.atomic():
        p = (
            Petition.objects.select_for_update(of=("self",))
            .select_related("community__street", "building", "department", "assignee")
            .get(pk=petition.pk)
        )
        stale = version is not None and version != p.version
        if stale or p.status not in move.sources:
            if _repeat_of(p, action, actor):
                return p, None
            if stale:
                raise Conflict(STALE)
            raise Conflict(
                _("“%(action)s” is not possible while the request is “%(status)s”.")
                % {"action": Action(action).label, "status": p.get_status_display()}
            )
        desks: set[str] = {Desk.SYSTEM}  # the deadline watch
        if by_link:
            desks = {Desk.REQUESTER}
        elif actor is not None:
            desks = desks_of(actor, p)
        usable = desks & move.desks
        if not usable:
            raise NotAllowed(
                _("You cannot “%(action)s” on this request.") % {"action": Action(action).label}
            )
        desk = next(d for d in [*DESK_ORDER, Desk.SYSTEM] if d in usable)
        if move.needs_reason and not reason:
            raise DomainError(_("Give a reason."))
        now = timezone.now()
        ctx = Ctx(p=p, actor=actor, desk=desk, now=now, reason=reason, note=note, fields=fields)
        if by_link:
            ctx.data["by_link"] = True  # who pressed it: whoever holds the SMS's link
        from_status = p.status
        try:
            APPLY[action](ctx)
        except _NoOp:
            return p, None
        to_status = ctx.target or (move.targets[0] if move.targets else from_status)
        p.status = to_status
        if to_status != from_status:
            _start_stage(ctx, from_status, to_status)
        if to_status not in HANDLING_STATUSES:
            p.on_hold_since = None  # the clock stops when the work leaves the desk
        if action not in _QUIET:
            p.version += 1
        text_public = move.public_text if move.public_text is not None else share
        p.save()
        event = PetitionEvent.objects.create(
            petition=p,
            action=action,
            actor=actor,
            desk=desk,
            from_status=from_status,
            to_status=to_status,
            level=LEVEL_OF[to_status],
            round=p.round,
            reason=reason,
            reason_public=text_public,
            public_note=note.strip() if text_public else "",
            internal_note=internal_note.strip()
            if text_public
            else "\n".join(t for t in (note.strip(), internal_note.strip()) if t),
            data=ctx.data,
            public=move.public,
            created_at=now,
        )
        if cleaned and actor is not None:
            photos_save(p, event, cleaned, actor)
        notify_event(p, event)
    return p, event
