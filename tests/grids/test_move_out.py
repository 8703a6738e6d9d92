"""A resident who moves out is anonymised, never deleted (see also petitions/test_admin)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from community.errors import NotAllowed
from grids.models import Resident, ResidentTag
from grids.services import resident_move_out

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["worker_2", "officer", "party_leader_1", "secretary_y"])
def test_only_the_residents_worker_secretary_or_admin_moves_them_out(gw, who):
    with pytest.raises(NotAllowed):
        resident_move_out(actor=getattr(gw, who), resident=gw.elder_1)
    gw.elder_1.refresh_from_db()
    assert (gw.elder_1.name, gw.elder_1.moved_out_on) == ("张奶奶", None)


@pytest.mark.parametrize("who", ["worker_1", "secretary_x", "admin"])
def test_the_worker_secretary_or_admin_moves_a_resident_out(gw, who):
    ResidentTag.objects.create(resident=gw.elder_1, tag="chronic_illness")
    moved = resident_move_out(actor=getattr(gw, who), resident=gw.elder_1)
    assert moved.moved_out_on is not None
    stored = Resident.objects.get(pk=gw.elder_1.pk)
    assert (stored.name, stored.phone, stored.health_note) == ("", "", "")
    assert not stored.tags.exists()
    # Twice is a no-op: the day they moved out stays.
    assert resident_move_out(actor=gw.worker_1, resident=stored).moved_out_on == moved.moved_out_on


def test_a_resident_who_moved_out_leaves_the_resident_list(client, gw):
    resident_move_out(actor=gw.worker_1, resident=gw.elder_1)
    client.force_login(gw.worker_1)
    rows = client.get(reverse("grids:resident-list")).context["page"].object_list
    assert gw.elder_1.pk not in {r.pk for r in rows}
    assert gw.tenant.pk in {r.pk for r in rows}
