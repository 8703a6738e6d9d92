"""The benchmark's district (bench/district.py, ``grow_district``): rows that the
portal itself could have written, from the demo's accounts' point of view too."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client
from django.urls import reverse

from bench.district import PRESETS, Size, check, size_from
from community.models import Community, Membership, Notification, Role, Street, User
from grids.models import Grid, GridStaff, Resident
from petitions.models import OPEN_STATUSES, Petition, PetitionEvent, Status

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def district(demo_module, django_db_blocker):
    """The demo grown to the smoke size once for the module, rolled back after it."""
    demo_requests = Petition.objects.count()
    out = StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        demo_requests = Petition.objects.count()
        call_command("grow_district", "--size", "smoke", stdout=out)
        yield demo_requests, out.getvalue()
        transaction.set_rollback(True)


def test_the_district_has_the_rows_of_its_size(district):
    demo_requests, output = district
    size = PRESETS["smoke"]
    assert Petition.objects.count() == demo_requests + size.requests
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
