"""Grow the demo (``seed_demo``) into a district: the data the page benchmark runs on.

At full size (``1m``): 1,000,000 requests over three years with ~7 events each,
20 streets, 200 communities, ~600 basic grids, 500,000 residents in their
buildings, units and households, resident accounts, and the in-portal notices
the steps would have sent. Smaller sizes scale every number with the requests
(``10k`` is the demo's own street and two communities with 10,000 requests, as
issue #13 measured them; ``smoke`` is a few hundred rows for CI).

What the demo accounts see grows with it: ``--demo-share`` (default 0.25) of
the requests go to the demo's two communities (御景花园, 京杭佳苑: so ``shuji``,
``wangge``, ``jiedao`` and ``chengguan`` work a big desk); the rest are spread
over the new communities. ``jumin`` files none: a resident with no requests in
a big table is one of the issue's cases.

Every request follows the state machine (``petitions.models.MOVES``) step by
step, from the desk the service would record, with the dates ``petition_move``
would have written (the deadline clock of every desk it waits at, a new cycle
each: the grid's accept limit, the community's review, the street's dispatch,
the department's sign-for limit, the street's review of a reply, the callback;
the handling deadline on assignment, promised on dispatch and the clock once
signed for or a reply is sent back; pauses on hold; the deadline watch's
warning and two breach rungs where a clock ran past them; resolved and closed
times, rounds after an unsatisfied rating, merges into a request still open at
the time), the texts kept with staff as the services keep them, and the
messages ``notices.NOTICES`` sends for each step, to the same people. The story
is cut at "now": recent requests are open in whatever status their story had
reached, old ones closed. Deterministic for a seed and a clock (the tests
freeze it): grown at another time, the district is alike, dated from then.

Writes are bulk: the small organisation tables through ``bulk_create``, the
big ones (households, residents, accounts, requests, events, notices) with
explicit ids through PostgreSQL's COPY, or batched ``executemany`` on SQLite
(the same rows, for the smoke size). The command is
``manage.py grow_district --size 10k`` (petitions/management/commands).

Modules: ``sizes`` (presets and scaling), ``rows`` (COPY and its encoding),
``places`` (the organisation, buildings, residents and accounts), ``requests``
(each request's story and its events and notices), ``check`` (a grown request
against the state machine).
"""

from __future__ import annotations

import time
from typing import Any

from django.db import connection, transaction

from bench.district.check import check
from bench.district.places import Grower, Output
from bench.district.requests import Requests
from bench.district.sizes import PRESETS, Size, size_from
from community.management.commands.seed_demo import STREET
from community.models import Community, Street
from grids.models import Grid, GridKind, Resident

__all__ = ["PRESETS", "Size", "check", "grow", "size_from"]


# --- The whole ------------------------------------------------------------------------


def grow(size: Size, *, seed: int = 13, demo_share: float = 0.25, stdout: Output) -> dict[str, Any]:
    """Grow the seeded demo to ``size``; returns what was written and how long it took."""
    if not Street.objects.filter(name=STREET).exists():
        raise RuntimeError("Run seed_demo first: the district grows from the demo.")
    started = time.monotonic()
    grower = Grower(size, seed=seed, demo_share=demo_share, stdout=stdout)
    with transaction.atomic():
        district = grower.organisation()
    org = time.monotonic() - started
    requests = Requests(grower, district)
    made = requests.run(size.requests)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    took = time.monotonic() - started
    report = {
        "requests": made[0],
        "events": made[1],
        "notifications": made[2],
        "streets": Street.objects.count(),
        "communities": Community.objects.count(),
        "grids": Grid.objects.filter(kind=GridKind.BASIC).count(),
        "residents": Resident.objects.count(),
        "organisation_seconds": round(org, 1),
        "seconds": round(took, 1),
    }
    return report
