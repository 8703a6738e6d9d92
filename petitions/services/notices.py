"""Who hears of each step of a request, and what they are told.

Called inside the transaction of the move (``petition_move``): the outbox rows
exist if and only if the move does, and their delivery is queued on commit.
Each message's key names the event, so a step never tells anyone twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from community.models import Department, Street, User
from community.services import notify, notify_unit
from community.services.notifications import Text
from petitions.models import Action, Desk, Level, Petition, PetitionEvent, Status
from petitions.services import desks

Audience = Callable[[Petition], list[User]]


def holders(p: Petition) -> list[User]:
    """The desk the request waits at now: told of a hand-over, a near deadline, an urge."""
    status = p.status
    if status == Status.SUBMITTED:
        return desks.grid_workers(p)
    if status == Status.ACCEPTED:
        return desks.secretaries(p)
    if status == Status.IN_COMMUNITY:
        return desks.assignee(p) or desks.secretaries(p)
    if status in (Status.ESCALATED, Status.REPLIED):
        return desks.dispatchers(p)
    if status in (Status.DISPATCHED, Status.IN_PROGRESS):
        return desks.handlers(p)
    if status == Status.RESOLVED:  # to call back
        return desks.grid_workers(p) or desks.secretaries(p)
    return []


# Where the community answers for the clock (the grid's and the community's
# desks); elsewhere the street does.
COMMUNITY_SIDE = frozenset(
    {Status.SUBMITTED, Status.ACCEPTED, Status.IN_COMMUNITY, Status.RESOLVED}
)


def _first_rung(p: Petition) -> list[User]:
    """A breach: the desk itself, and who answers for it (the secretary, the dispatcher)."""
    if p.status in COMMUNITY_SIDE:
        return desks.secretaries(p) + holders(p)
    return desks.dispatchers(p) + holders(p)


def _second_rung(p: Petition) -> list[User]:
    return desks.dispatchers(p) if p.status in COMMUNITY_SIDE else desks.street_leads(p)


def _hold_audience(p: Petition) -> list[User]:
    return desks.dispatchers(p) if p.level == Level.DEPARTMENT else desks.secretaries(p)


NEW = _("New request %(reference)s: %(category)s at %(building)s")
# What a requester reads says what happened to which request, in its own words
# ("您的诉求“楼道灯不亮”已派单到城管"), not the reference number again and again.
RESOLVED = _("Your request “%(short)s” is resolved")
# How much of the description names the request in a requester's message.
SHORT_CHARS = 20

# action -> [(who, title, body)]; the body may use the event's reason and note.
NOTICES: dict[str, list[tuple[Audience, Text, Text]]] = {
    Action.SUBMIT: [(desks.grid_workers, NEW, "%(description)s")],
    Action.AMEND: [
        (desks.grid_workers, _("Request %(reference)s has new details"), "%(description)s")
    ],
    Action.ACCEPT: [
        # "by the community secretary 李书华": the desk the actor accepted from.
        (desks.requesters, _("Your request “%(short)s” was accepted by %(role)s %(actor)s"), ""),
        # The next desk: the community reviews what its grids accepted.
        (
            desks.secretaries,
            _("%(reference)s accepted by %(role)s %(actor)s: for the community to decide"),
            "%(description)s",
        ),
    ],
    Action.RETURN: [
        (
            desks.requesters,
            _("Your request “%(short)s” needs more details"),
            _("Please add details: %(reason)s"),
        ),
    ],
    Action.MERGE: [
        (
            desks.requesters,
            _("Your request “%(short)s” was joined to an earlier report"),
            _("The same matter was already reported as %(original)s; you will hear of it."),
        )
    ],
    Action.ASSIGN: [
        (desks.assignee, _("Request %(reference)s is yours to handle"), "%(description)s")
    ],
    Action.ESCALATE: [
        (
            desks.dispatchers,
            _("%(community)s escalated %(reference)s: %(category)s"),
            "%(reason)s",
        ),
        (desks.requesters, _("Your request “%(short)s” was passed to the street office"), ""),
    ],
    Action.STREET_RETURN: [
        (desks.secretaries, _("The street sent %(reference)s back"), "%(reason)s"),
    ],
    Action.DISPATCH: [
        (
            desks.handlers,
            _("Work order %(reference)s: sign for it by %(due)s, to be done by %(promised)s"),
            "%(description)s",
        ),
        (desks.requesters, _("Your request “%(short)s” was dispatched to %(department)s"), ""),
    ],
    Action.DECLINE: [
        (desks.dispatchers, _("%(department)s declined %(reference)s"), "%(reason)s"),
    ],
    Action.REPLY: [
        (desks.dispatchers, _("%(department)s replied on %(reference)s"), "%(result)s"),
        (desks.secretaries, _("%(department)s replied on %(reference)s"), "%(result)s"),
    ],
    Action.SEND_BACK: [
        (desks.handlers, _("The street sent back your reply on %(reference)s"), "%(reason)s"),
    ],
    Action.APPROVE: [
        (desks.requesters, RESOLVED, "%(result)s"),
        (desks.grid_workers, _("%(reference)s is resolved: please call back"), "%(result)s"),
    ],
    Action.RESOLVE: [
        (desks.requesters, RESOLVED, "%(result)s"),
        (desks.grid_workers, _("%(reference)s is resolved: please call back"), "%(result)s"),
    ],
    Action.CALLBACK: [
        (
            desks.requesters,
            _("Your request “%(short)s” was followed up: please rate how it was handled"),
            "",
        ),
    ],
    Action.HOLD: [(_hold_audience, _("%(reference)s is on hold"), "%(reason)s")],
    Action.DEADLINE_NEAR: [(holders, _("%(reference)s is due %(due)s"), "%(description)s")],
    Action.URGE: [
        (
            holders,
            _("The resident urges %(reference)s: past its time limit (%(due)s)"),
            "%(description)s",
        )
    ],
}
REOPENED: list[tuple[Audience, Text, Text]] = [
    (desks.secretaries, _("%(reference)s reopened: the resident is not satisfied"), "%(comment)s"),
    (desks.grid_workers, _("%(reference)s reopened: the resident is not satisfied"), "%(comment)s"),
]
BREACHED = _("%(reference)s is past its deadline (%(due)s)")
LADDER: dict[int, list[tuple[Audience, Text, Text]]] = {
    1: [(_first_rung, BREACHED, "%(description)s")],
    2: [(_second_rung, _("%(reference)s is still overdue: escalated to you"), "%(description)s")],
}


def due_text(when: datetime) -> str:
    """A deadline in a message: the same digits in every reader's language."""
    return f"{timezone.localtime(when):%Y-%m-%d %H:%M}"


def short_title(description: str) -> str:
    """A request named in a few words: the start of its description's first line."""
    first = description.strip().splitlines()[0] if description.strip() else ""
    return Truncator(first).chars(SHORT_CHARS)


def _params(p: Petition, event: PetitionEvent) -> dict[str, Any]:
    original = p.merged_into.reference if p.merged_into_id and p.merged_into else ""
    return {
        "reference": p.reference,
        "short": short_title(p.description),
        "category": p.get_category_display(),
        "building": p.building,
        "community": p.community,
        "department": p.department or "",
        "description": p.description[:300],
        "result": p.result[:300],
        "reason": event.reason,
        "comment": p.rating_comment,
        "actor": event.actor or "",
        # The seat the actor moved from, in the reader's language (rendered late).
        "role": Desk(event.desk).label if event.desk else "",
        "original": original,
        "due": due_text(p.due_at) if p.due_at else "",
        "promised": due_text(p.promised_at) if p.promised_at else "",
    }


def _recipients(p: Petition, event: PetitionEvent) -> list[tuple[Audience, Text, Text]]:
    if event.action == Action.RATE:
        return REOPENED if event.to_status == Status.ACCEPTED else []
    if event.action == Action.BREACH:
        return LADDER.get(int(event.data.get("level", 0)), [])
    return NOTICES.get(event.action, [])


def _bot_hears_breach(p: Petition, event: PetitionEvent) -> bool:
    """The street's group bot hears of a breach on the street's or a
    department's side, and of any second rung; a grid's or the community's
    first breach goes to its people only (every desk has a clock now: the
    group would hear of each late acceptance in every grid)."""
    if event.action != Action.BREACH:
        return False
    return int(event.data.get("level", 0)) >= 2 or p.status not in COMMUNITY_SIDE


def notify_event(p: Petition, event: PetitionEvent) -> None:
    """Write the outbox rows for one step (in the caller's transaction)."""
    params = _params(p, event)
    link = reverse("petitions:detail", args=[p.pk])
    told: set[int] = set()
    for audience, title, body in _recipients(p, event):
        for person in audience(p):
            # The actor does not need telling what they just did, nor anyone twice.
            if person.pk in told or (event.actor_id and person.pk == event.actor_id):
                continue
            told.add(person.pk)
            notify(
                recipient=person,
                kind=f"petition.{event.action}",
                title=title,
                body=body,
                params=params,
                link=link,
                key=f"petition:{p.pk}:event:{event.pk}",
            )
    unit: Street | Department | None = None
    if event.action == Action.ESCALATE or _bot_hears_breach(p, event):
        unit = p.community.street
    elif event.action == Action.DISPATCH:
        unit = p.department
    if unit is not None:
        notify_unit(
            unit=unit,
            kind=f"petition.{event.action}",
            title=BREACHED if event.action == Action.BREACH else _recipients(p, event)[0][1],
            body="%(description)s",
            params=params,
            link=link,
            key=f"petition:{p.pk}:event:{event.pk}",
            mention=desks.handlers(p) if event.action == Action.DISPATCH else (),
        )
