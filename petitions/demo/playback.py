"""Play the planned stories through the services, then set them back in time.

``run`` takes every step of every story in planned-time order (so a duplicate
is merged while its original is still open, and reference numbers grow with
the date), each through the service a person, or the beat sweep, would use.

``retime`` then moves what the services stamped "now" to the planned times:
each event; the request's dates (came in, accept and sign by, accepted,
signed, deadline and its warning, on hold since, resolved, closed); the
reference, which carries the day it came in; photos and hazards; and the
notices, whose texts name the reference and, for an order or the deadline
watch, the deadline (and an order the date promised; they are history:
read soon after they came). Every
date is taken from the story's ``Clock``, which followed the same rules as
``petition_move``, so they agree with the events.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

from community.models import Notification
from grids.models import Hazard
from grids.services.hazards import hazard_report
from petitions.demo.photos import photo
from petitions.demo.stories import ORIGINAL, Step, Story, token
from petitions.models import Action, Channel, Petition, PetitionEvent, PetitionPhoto
from petitions.services import hazard_to_petition, petition_submit
from petitions.services.notices import due_text
from petitions.services.workflow import petition_step

REFERENCE = re.compile(r"(?<!\d)\d{8}-(\d{5,})(?!\d)")
# The demo's notices are history: read, a while after they came. What comes
# after seeding (a demo user files or moves a request) shows as unread.
READ_WITHIN = timedelta(hours=3)


def run(stories: list[Story]) -> None:
    order = sorted((step.at, s.n, i) for s in stories for i, step in enumerate(s.steps))
    by_n = {s.n: s for s in stories}
    for _at, n, i in order:
        story = by_n[n]
        if i == 0:
            story.petition = _submit(story)
        else:
            story.petition = _move(story, story.steps[i])


def _submit(s: Story) -> Petition:
    photos = [photo(s.photo)] if s.photo else None
    if s.hazard_kind:
        hazard = hazard_report(
            actor=s.filer,
            building=s.building,
            unit=s.unit,
            kind=s.hazard_kind,
            description=s.description,
        )
        return hazard_to_petition(
            actor=s.filer, hazard=hazard, priority=s.priority, token=token(s.n)
        )
    on_behalf: dict[str, Any] = {}
    if s.channel != Channel.ONLINE:
        on_behalf = {"requester_name": s.name, "requester_phone": s.phone, "resident": s.resident}
    return petition_submit(
        actor=s.filer,
        building=s.building,
        unit=s.unit,
        category=s.category,
        priority=s.priority,
        description=s.description,
        channel=s.channel,
        photos=photos,
        token=token(s.n),
        **on_behalf,
    )


def _move(s: Story, step: Step) -> Petition:
    assert s.petition is not None
    fields = dict(step.fields)
    if step.action in (Action.DEADLINE_NEAR, Action.BREACH):
        fields["cycle"] = s.petition.deadline_cycle
    if fields.pop(ORIGINAL, None):
        assert s.original is not None
        fields["original"] = s.original.petition
    due_hours = fields.pop("due_hours", None)
    if due_hours:
        fields["due_at"] = timezone.now() + timedelta(hours=due_hours)
    p, event = petition_step(
        petition=s.petition,
        actor=step.actor,
        action=step.action,
        reason=step.reason,
        note=step.note,
        photos=[photo(step.photo)] if step.photo else None,
        **fields,
    )
    if event is None:  # the plan and the state machine disagree: a bug in the plan
        raise RuntimeError(f"demo request {s.n}: {step.action} did nothing at {p.status}")
    return p


# --- Back in time ----------------------------------------------------------------------


def _shown(when: datetime) -> str:
    """A deadline as the notices write it (see services.notices._params)."""
    return due_text(when)


PETITION_DATES = [
    "reference",
    "created_at",
    "updated_at",
    "accept_by",
    "accepted_at",
    "sign_by",
    "signed_at",
    "due_at",
    "warn_at",
    "on_hold_since",
    "promised_at",
    "resolved_at",
    "closed_at",
]


def retime(stories: list[Story], started: datetime) -> None:
    petitions = {s.petition.pk: s for s in stories if s.petition is not None}
    events = PetitionEvent.objects.filter(petition__in=list(petitions)).order_by("petition", "id")
    grouped: dict[int, list[PetitionEvent]] = {}
    for event in events:
        grouped.setdefault(event.petition_id, []).append(event)
    when: dict[int, datetime] = {}  # event pk -> planned time
    # event pk -> the deadlines its notices name, as (written, planned)
    deadline: dict[int, list[tuple[str, str]]] = {}
    rows = [_dates(story) for story in petitions.values()]
    references = {p.pk: p.reference for p in rows}
    for pk, story in petitions.items():
        for event, step in zip(grouped[pk], story.steps, strict=True):
            if event.action != step.action:
                raise RuntimeError(f"{story.n}: planned {step.action}, ran {event.action}")
            when[event.pk] = event.created_at = step.at
            for key, planned in (("due", step.due), ("promised", step.promised)):
                if planned is not None and event.data.get(key):
                    written = datetime.fromisoformat(event.data[key])
                    pair = (_shown(written), _shown(planned))
                    deadline.setdefault(event.pk, []).append(pair)
                    event.data[key] = planned.astimezone(UTC).isoformat()
            if step.paused is not None:
                event.data["paused_minutes"] = int(step.paused.total_seconds() // 60)
            if step.action == Action.MERGE and story.original and story.original.petition:
                event.data["original"] = references[story.original.petition.pk]
    for group in grouped.values():
        for e in group:
            PetitionEvent.objects.filter(pk=e.pk).update(created_at=e.created_at, data=e.data)
    for p in rows:
        Petition.objects.filter(pk=p.pk).update(**{f: getattr(p, f) for f in PETITION_DATES})
    for picture in PetitionPhoto.objects.filter(event__in=list(when)):
        PetitionPhoto.objects.filter(pk=picture.pk).update(created_at=when[picture.event_id])
    for p in rows:
        if p.hazard_id:
            found = p.created_at - timedelta(minutes=5)
            Hazard.objects.filter(pk=p.hazard_id).update(created_at=found, updated_at=found)
    _notices(started, when, deadline, references)


def _dates(story: Story) -> Petition:
    p, c = story.petition, story.clock
    assert p is not None
    assert c is not None
    assert c.created is not None
    assert c.accept_by is not None
    assert c.last is not None
    p.reference = f"{timezone.localdate(c.created):%Y%m%d}-{p.pk:05d}"
    p.created_at, p.updated_at, p.accept_by = c.created, c.last, c.accept_by
    p.accepted_at, p.sign_by, p.signed_at = c.accepted, c.sign_by, c.signed
    p.due_at, p.warn_at, p.on_hold_since = c.due, c.warn, c.hold
    p.promised_at = c.promised
    p.resolved_at, p.closed_at = c.resolved, c.closed
    return p


def _notices(
    started: datetime,
    when: dict[int, datetime],
    deadline: dict[int, list[tuple[str, str]]],
    references: dict[int, str],
) -> None:
    """Date each notice by its event, and write the planned reference and deadline."""

    def reference(match: re.Match[str]) -> str:
        return references.get(int(match.group(1)), match.group(0))

    now = timezone.now()
    rows = list(Notification.objects.filter(created_at__gte=started, kind__startswith="petition."))
    for n in rows:
        # The key names the event: petition:<pk>:event:<event pk>:…
        parts = n.dedupe_key.split(":")
        at = when.get(int(parts[3])) if len(parts) > 3 and parts[3].isdigit() else None
        if at is None:
            continue
        title, body = REFERENCE.sub(reference, n.title), REFERENCE.sub(reference, n.body)
        for written, planned in deadline.get(int(parts[3]), []):
            title, body = title.replace(written, planned), body.replace(written, planned)
        read = min(at + READ_WITHIN, now) if n.recipient_id else None
        Notification.objects.filter(pk=n.pk).update(
            created_at=at,
            next_attempt_at=at,
            sent_at=at if n.sent_at else None,
            read_at=read,
            title=title,
            body=body,
        )
