"""The benchmark's district (bench/district.py, ``grow_district``): rows that the
portal itself could have written, from the demo's accounts' point of view too."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Max
from django.test import Client
from django.urls import reverse

from bench.district import PRESETS, Size, check, size_from
from community.models import Community, Membership, Notification, Role, Street, User
from grids.models import Duty, Grid, GridStaff, Resident
from petitions.models import (
    OPEN_STATUSES,
    Action,
    Channel,
    Petition,
    PetitionEvent,
    Status,
)
from petitions.services import petition_submit
from petitions.services.workflow import petition_step
from tests.conftest import WORLD_NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def district(demo_module, django_db_blocker):
    """The demo grown to the smoke size once for the module, rolled back after it.

    Yields the demo's last request id (the grown ones come after it: on PostgreSQL
    ids go on from where earlier tests' rolled-back rows left the sequence, so the
    demo's count is not its last id) and the command's output.
    """
    out = StringIO()
    # Grown, and read, on the demo's day (the district runs up to "now"), never on
    # the day the suite happens to run.
    with (
        time_machine.travel(WORLD_NOW + timedelta(minutes=5), tick=True),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        last_demo = Petition.objects.aggregate(last=Max("pk"))["last"] or 0
        call_command("grow_district", "--size", "smoke", stdout=out)
        yield last_demo, out.getvalue()
        transaction.set_rollback(True)


def test_the_district_has_the_rows_of_its_size(district):
    demo_requests, output = district
    size = PRESETS["smoke"]
    assert Petition.objects.filter(pk__gt=demo_requests).count() == size.requests
    assert Street.objects.count() == size.streets
    assert Community.objects.count() == size.communities
    new = Community.objects.exclude(name__in=["御景花园社区", "京杭佳苑社区"])
    assert Resident.objects.filter(household__unit__building__community__in=new).count() == (
        size.residents
    )
    assert "requests 300" in output
    # About seven events a request, and notices of them.
    grown = PetitionEvent.objects.filter(petition__pk__gt=demo_requests).count()
    assert 5 * size.requests <= grown <= 10 * size.requests
    assert Notification.objects.filter(kind__startswith="petition.").count() > size.requests


def test_every_request_agrees_with_the_state_machine(district):
    assert check(Petition.objects.select_related("merged_into")) == []


def test_old_requests_are_closed_and_recent_ones_in_every_open_status(district):
    demo_requests, _output = district
    grown = Petition.objects.filter(pk__gt=demo_requests)
    assert grown.filter(status=Status.CLOSED).count() > grown.count() // 2
    assert grown.filter(status__in=OPEN_STATUSES).exists()
    # Three years of them.
    first = grown.order_by("created_at").first()
    last = grown.order_by("created_at").last()
    assert (last.created_at - first.created_at).days > 2 * 365


def test_every_new_community_has_its_desks(district):
    for community in Community.objects.exclude(name__in=["御景花园社区", "京杭佳苑社区"]):
        assert Membership.objects.active().filter(role=Role.SECRETARY, community=community)
        for grid in Grid.objects.filter(community=community):
            assert GridStaff.objects.filter(grid=grid).count() == 1
    for street in Street.objects.all():
        assert Membership.objects.active().filter(role=Role.STREET_DISPATCHER, street=street)


def test_the_demo_secretary_sees_the_grown_requests_and_jumin_none_of_them(district):
    demo_requests, _output = district
    shuji = User.objects.get(username="shuji")
    jumin = User.objects.get(username="jumin")
    grown = Petition.objects.filter(pk__gt=demo_requests)
    # A quarter of them in the two demo communities, 御景花园 the larger.
    assert grown.visible_to(shuji).count() > PRESETS["smoke"].requests // 10
    assert not grown.visible_to(jumin).exists()
    client = Client()
    client.force_login(shuji)
    assert client.get(reverse("petitions:list"), secure=True).status_code == 200


def test_a_database_is_grown_once(district):
    with pytest.raises(CommandError, match="grown already"):
        call_command("grow_district", "--size", "smoke", stdout=StringIO())


def test_sizes_scale_with_the_requests():
    assert size_from("10k") == Size.scaled(10_000)
    full = size_from("1m")
    assert (full.streets, full.communities, full.residents) == (20, 200, 495_000)
    assert size_from("250k").communities == 50
    with pytest.raises(ValueError, match="preset"):
        size_from("lots")


# --- The grown stories, written by the services --------------------------------------

# What an event says, compared field by field (times in ``data`` within SLACK).
EVENT_FIELDS = [
    "action",
    "actor_id",
    "desk",
    "from_status",
    "to_status",
    "level",
    "round",
    "reason",
    "reason_public",
    "public_note",
    "internal_note",
    "public",
]
PETITION_FIELDS = [
    "status",
    "version",
    "round",
    "priority",
    "description",
    "assignee_id",
    "department_id",
    "accepted_by_id",
    "result",
    "rating",
    "warned",
    "breach_level",
    "deadline_cycle",
    "hold_reason",
]
PETITION_TIMES = [
    "accept_by",
    "accepted_at",
    "sign_by",
    "signed_at",
    "due_at",
    "warn_at",
    "promised_at",
    "on_hold_since",
    "resolved_at",
    "closed_at",
]
SLACK = timedelta(milliseconds=5)


def _near(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str) and "T" in a and "T" in b:
        a, b = datetime.fromisoformat(a), datetime.fromisoformat(b)
    if isinstance(a, datetime) and isinstance(b, datetime):
        return abs(a - b) <= SLACK
    return a == b


def _messages(event: PetitionEvent, reference: str) -> list[tuple[Any, ...]]:
    rows = Notification.objects.filter(
        dedupe_key__startswith=f"petition:{event.petition_id}:event:{event.pk}:"
    )
    return sorted(
        (
            n.recipient_id,
            n.kind,
            n.channel,
            n.title.replace(reference, "#"),
            n.body.replace(reference, "#"),
        )
        for n in rows
    )


def _replay(grown: Petition, time_machine: Any) -> list[str]:
    """Play a grown request's events through intake, petition_step and the watch's
    step at their times; what the services wrote, against what was grown."""
    events = list(grown.events.order_by("id"))
    first = events[0]
    differences: list[str] = []
    time_machine.move_to(first.created_at, tick=False)
    actor = first.actor
    assert actor is not None
    amended = next((e for e in events if e.action == Action.AMEND), None)
    copy = petition_submit(
        actor=actor,
        building=grown.building,
        unit=grown.unit,
        category=grown.category,
        priority=grown.priority,
        description=grown.description.split("\n")[0] if amended else grown.description,
        channel=grown.channel,
        token=uuid.uuid4(),
        requester_name=grown.requester_name,
        requester_phone=grown.requester_phone,
        resident=grown.resident if grown.channel != Channel.ONLINE else None,
    )
    mine: PetitionEvent | None = copy.events.get()
    worker = User.objects.get(grid_duties__grid=grown.grid_id, grid_duties__duty=Duty.GRID_WORKER)
    for e in events[1:]:
        time_machine.move_to(e.created_at, tick=False)
        fields: dict[str, Any]
        if e.actor_id is None:
            fields = {"cycle": Petition.objects.get(pk=copy.pk).deadline_cycle}
            fields["level"] = e.data.get("level", 0)
        else:
            fields = {}
            if e.action == Action.ASSIGN:
                fields["assignee"] = worker
            elif e.action == Action.DISPATCH:
                fields["department"] = grown.department
            elif e.action in (Action.REPLY, Action.RESOLVE):
                fields["result"] = e.data["result"]
            elif e.action == Action.AMEND:
                fields["description"] = grown.description
            elif e.action == Action.RATE:
                reopened = Notification.objects.filter(
                    dedupe_key__contains=f":event:{e.pk}:"
                ).first()
                comment = reopened.body if reopened else grown.rating_comment
                fields.update(rating=e.data["rating"], comment=comment)
        copy, mine = petition_step(
            petition=copy,
            actor=User.objects.get(pk=e.actor_id) if e.actor_id else None,
            action=e.action,
            reason=e.reason,
            note=e.public_note or e.internal_note,
            # The generator's staff never tick "show to the resident".
            share=False,
            **fields,
        )
        if mine is None:
            differences.append(f"{grown.reference} {e.action}: the services did nothing")
            break
        for f in EVENT_FIELDS:
            if getattr(mine, f) != getattr(e, f):
                differences.append(
                    f"{grown.reference} {e.action} {f}: {getattr(mine, f)!r} / {getattr(e, f)!r}"
                )
        if set(mine.data) != set(e.data) or not all(_near(mine.data[k], e.data[k]) for k in e.data):
            differences.append(f"{grown.reference} {e.action} data: {mine.data} grown {e.data}")
        told, grown_told = _messages(mine, copy.reference), _messages(e, grown.reference)
        if told != grown_told:
            differences.append(f"{grown.reference} {e.action} messages: {told} grown {grown_told}")
    copy.refresh_from_db()
    for f in PETITION_FIELDS:
        if getattr(copy, f) != getattr(grown, f):
            differences.append(
                f"{grown.reference} {f}: {getattr(copy, f)!r} grown {getattr(grown, f)!r}"
            )
    for f in PETITION_TIMES:
        if not _near(getattr(copy, f), getattr(grown, f)):
            differences.append(
                f"{grown.reference} {f}: {getattr(copy, f)} grown {getattr(grown, f)}"
            )
    return differences


def test_grown_stories_are_what_the_services_write(district: Any, time_machine: Any) -> None:
    """One grown request of each road (its moves and its watch's steps), played
    through the services at its times: the same events, fields and messages."""
    demo_requests, _output = district
    grown = (
        Petition.objects.filter(pk__gt=demo_requests, merged_into__isnull=True)
        .exclude(pk__in=Petition.objects.filter(merged_into__isnull=False).values("merged_into"))
        .select_related("building", "unit", "resident")
        .order_by("pk")
    )
    roads: dict[tuple[str, ...], Petition] = {}
    for p in grown:
        road = tuple(p.events.order_by("id").values_list("action", flat=True))
        roads.setdefault(road, p)
    actions = {a for road in roads for a in road}
    # Every move the generator makes, the watch's among them.
    assert {
        Action.HOLD,
        Action.SEND_BACK,
        Action.DECLINE,
        Action.BREACH,
        Action.DEADLINE_NEAR,
    } <= actions
    differences = [d for p in roads.values() for d in _replay(p, time_machine)]
    assert differences == []


def test_grown_people_and_grids_sort_as_the_portal_sorts_them(district: Any) -> None:
    # bulk writes skip User.save() and Grid.save(): the generator fills their keys
    assert not User.objects.filter(name_sort="").exclude(name="").exists()
    assert not Grid.objects.filter(position=0).exists()
