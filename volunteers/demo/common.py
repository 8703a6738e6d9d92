"""What the demo's parts share: names, times, enrolling volunteers."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from community.models import Community, User
from community.sorting import pinyin_key
from grids.demo import GIVEN, SURNAMES
from grids.models import Resident
from volunteers.models import MemberStatus, Team, TeamMember, Volunteer


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def names(rng: random.Random, n: int, taken: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


def enrol(team: Team, volunteers: list[Volunteer], by: User) -> None:
    now = timezone.now()
    TeamMember.objects.bulk_create(
        TeamMember(
            team=team,
            volunteer=v,
            status=MemberStatus.APPROVED,
            requested_at=now - timedelta(days=200),
            decided_at=now - timedelta(days=199),
            decided_by=by,
        )
        for v in volunteers
    )


def from_residents(
    community: Community, residents: list[Resident], kinds: Sequence[str]
) -> list[Volunteer]:
    return Volunteer.objects.bulk_create(
        Volunteer(
            community=community,
            name=r.name,
            name_sort=pinyin_key(r.name),  # bulk_create skips Volunteer.save
            phone=r.phone,
            resident=r,
            user=r.user,
            kind=kind,
        )
        for r, kind in zip(residents, kinds, strict=True)
    )
