"""Demo requests: about three hundred, over the last sixty days, in every status.

Called by ``manage.py seed_demo`` after the organisation and the grids exist; a
second run adds nothing (the first demo request's intake token is taken).

Every request is filed and moved through the real services (``petition_submit``,
``hazard_to_petition``, ``petition_step``), so its events, deadlines and
notices are what the portal itself would have written. The services stamp
everything "now", so each request's story is planned first (``planning``):
who takes which step and when, and where the deadline watch would have warned
or escalated on the way (``timing``). The steps of all requests then run in
that planned order, and afterwards each request, its events, photos and
notices are moved back to the planned times (``playback``).

Among them are the stories of the reports (``examples``): the wires hung out
of windows to charge e-bikes (85 charging points), the pigeons (fishing nets
cut to measure), the power strip in the snow (wrapped by the secretary, who
posted a photo back), and the scraped car whose owner the secretary found.
The street's departments get a handler each, and a few residents a login of
their own (``world``); they use the demo password of ``seed_demo``.
"""

from __future__ import annotations

import random
from typing import TextIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from community.management.commands.seed_demo import DEFAULT_PASSWORD
from community.models import Community, User
from petitions.demo.planning import plan
from petitions.demo.playback import retime, run
from petitions.demo.stories import token
from petitions.demo.world import COMMUNITIES, HANDLERS, build_world
from petitions.models import OPEN_STATUSES, Petition


def seed(*, stdout: TextIO) -> None:
    communities = list(Community.objects.filter(name__in=COMMUNITIES).order_by("pk"))
    if len(communities) < len(COMMUNITIES) or not all(c.buildings.exists() for c in communities):
        return  # the grids demo did not run: there is nowhere to file requests
    if Petition.objects.filter(client_token=token(0)).exists():
        return
    rng = random.Random(2026)  # noqa: S311 - demo data, the same on every machine
    started = timezone.now()
    with transaction.atomic():
        world = build_world(communities)
        stories = plan(world, rng, started, scale=settings.DEMO_SCALE)
        run(stories)
        retime(stories, started)
    for community in communities:
        rows = Petition.objects.filter(community=community)
        stdout.write(
            f"  {community}: {rows.count()} requests, "
            f"{rows.filter(status__in=OPEN_STATUSES).count()} open"
        )
    made = User.objects.filter(username__in=[h.username for h in HANDLERS])
    names = set(made.values_list("username", flat=True))
    handlers = ", ".join(f"{h.username} ({h.unit})" for h in HANDLERS if h.username in names)
    residents = ", ".join(
        u.username for u in world.resident_accounts if u.username.startswith("jumin_")
    )
    stdout.write(f"  More logins (password {DEFAULT_PASSWORD}): {handlers}; residents {residents}")
