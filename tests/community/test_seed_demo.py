"""The demo: one street, two communities, five departments, one account per role."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from community.management.commands.seed_demo import ACCOUNTS, DEFAULT_PASSWORD
from community.models import Community, Department, Membership, Role, Street, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(demo_module, db):
    return demo_module.output


def test_seed_builds_the_street_of_the_reports(seeded):
    street = Street.objects.get(name="许庄街道")
    assert set(street.communities.values_list("name", flat=True)) == {
        "御景花园社区",
        "京杭佳苑社区",
    }
    assert set(Department.objects.values_list("kind", flat=True)) == {
        "city_management",
        "police",
        "power_supply",
        "property",
        "housing",
    }
    held = set(Membership.objects.active().values_list("role", flat=True))
    assert held == set(Role.values)


def test_seed_prints_every_demo_login(seeded):
    assert DEFAULT_PASSWORD in seeded
    for account in ACCOUNTS:
        assert account.username in seeded


def test_seeding_twice_changes_nothing(seeded):
    counts = (User.objects.count(), Membership.objects.count(), Community.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert counts == (User.objects.count(), Membership.objects.count(), Community.objects.count())


def test_seed_refuses_production(settings):
    from django.core.management.base import CommandError

    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", stdout=StringIO())


@pytest.mark.parametrize("account", ACCOUNTS, ids=lambda a: a.username)
def test_every_demo_account_signs_in_to_its_home(
    client, seeded, account, django_assert_max_num_queries
):
    response = client.post("/login/", {"username": account.phone, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    landing = client.get("/", follow=True)
    assert landing.request["PATH_INFO"] == reverse("role-home", args=[account.role])
    # session, user, memberships; the unit's staff (a street adds its communities
    # and departments with counts; admin adds five system counts); latest
    # notifications; bell count. The grids panels add: grids with counts and
    # their staff; for a grid worker also care-tag counts, the running patrol,
    # the visit schedule (residents, tags, care plans) and the open hazards
    # count, the household claims waiting for them, and whether they may publish
    # notices. The requests panels add one query for the desk's counts, and for a
    # secretary or the street one for the rates table. None grows with data.
    with django_assert_max_num_queries(21):
        home = client.get(reverse("role-home", args=[account.role]))
    assert home.status_code == 200
    assert account.name in home.content.decode()
