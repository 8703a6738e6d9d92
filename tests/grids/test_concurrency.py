"""Two taps on "save hazard" at the same moment, on PostgreSQL: one hazard.

As in tests/petitions/test_concurrency.py, each send runs in a thread and
connection of its own, and a further connection holds the lock both need (the
worker's account row, which the hazard's foreign key checks at commit) until
both are queued: each has looked for the token and found nothing before either
is in, the worst interleaving, every run.

PostgreSQL only: SQLite has no row locks and its in-memory test database takes
no second writer. Run with DATABASE_URL=postgres://...
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from community.models import User
from grids.models import Hazard, HazardPhoto
from grids.services import hazard_report
from tests.helpers import race
from tests.photos import phone_jpeg

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row-lock races need PostgreSQL: DATABASE_URL=postgres://...")


def test_the_same_hazard_token_sent_twice_at_once_makes_one_hazard(gw):
    token = uuid.uuid4()

    def send() -> Hazard:
        return hazard_report(
            actor=gw.worker_1,
            building=gw.building_1,
            kind="blocked_exit",
            description="消防通道堆放纸箱",
            photos=[phone_jpeg()],
            token=token,
        )

    outcomes = race(
        send, send, hold=lambda: User.objects.select_for_update().get(pk=gw.worker_1.pk)
    )

    assert [o.error for o in outcomes] == [None, None]
    first, second = (o.value for o in outcomes)
    assert first.pk == second.pk
    hazard = Hazard.objects.get()
    assert (hazard.client_token, hazard.reported_by) == (token, gw.worker_1)
    # The loser's photo went with its rolled-back insert.
    assert HazardPhoto.objects.filter(hazard=hazard).count() == 1
    assert HazardPhoto.objects.count() == 1
