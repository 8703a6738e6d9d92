"""Who sees which organisation unit: the owner, a colleague, the street above, an outsider."""

from __future__ import annotations

import pytest
from django.db import IntegrityError
from django.urls import reverse

from community.models import Community, Department, Membership, Role, Street
from tests.community.factories import person

pytestmark = pytest.mark.django_db


def _status(client, user, url: str) -> int:
    client.force_login(user)
    return client.get(url).status_code


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("secretary_x", 200),  # the community's own secretary
        ("worker_x", 200),  # a colleague in the same community
        ("resident_x", 200),  # a resident sees their community's contacts
        ("dispatcher_a", 200),  # the street above it
        ("admin", 200),
        ("secretary_y", 404),  # another community of the same street
        ("secretary_z", 404),  # a community of another street
        ("dispatcher_b", 404),  # another street
        ("handler_a", 404),  # a department sees orders, not communities
    ],
)
def test_community_page_is_seen_only_by_its_people_and_its_street(client, world, who, expected):
    url = reverse("community-detail", args=[world.x.pk])
    assert _status(client, getattr(world, who), url) == expected


def test_community_page_lists_its_staff_but_not_its_residents(client, world):
    client.force_login(world.worker_x)
    page = client.get(reverse("community-detail", args=[world.x.pk])).content.decode()
    assert world.secretary_x.name in page
    assert world.worker_x.name in page
    assert world.resident_x.name not in page
    assert world.secretary_y.name not in page


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("dispatcher_a", 200),
        ("admin", 200),
        ("dispatcher_b", 404),
        ("secretary_x", 404),
        ("handler_a", 404),
    ],
)
def test_street_page_is_for_its_street_staff(client, world, who, expected):
    url = reverse("street-detail", args=[world.street_a.pk])
    assert _status(client, getattr(world, who), url) == expected


def test_street_page_lists_only_its_own_communities_and_departments(client, world):
    client.force_login(world.dispatcher_a)
    page = client.get(reverse("street-detail", args=[world.street_a.pk])).content.decode()
    assert world.x.name in page
    assert world.y.name in page
    assert world.dept_a.name in page
    assert world.z.name not in page
    assert world.dept_b.name not in page


@pytest.mark.parametrize(
    ("who", "expected"),
    [("handler_a", 200), ("dispatcher_a", 200), ("dispatcher_b", 404), ("secretary_x", 404)],
)
def test_department_page_is_for_its_handlers_and_its_street(client, world, who, expected):
    url = reverse("department-detail", args=[world.dept_a.pk])
    assert _status(client, getattr(world, who), url) == expected


def test_api_lists_only_visible_communities_and_hides_others_as_404(client, world):
    client.force_login(world.dispatcher_a)
    names = {c["name"] for c in client.get("/api/v1/communities/").json()["results"]}
    assert names == {world.x.name, world.y.name}
    assert client.get(f"/api/v1/communities/{world.z.pk}/").status_code == 404

    client.force_login(world.secretary_y)
    names = {c["name"] for c in client.get("/api/v1/communities/").json()["results"]}
    assert names == {world.y.name}
    assert client.get(f"/api/v1/communities/{world.x.pk}/").status_code == 404


def test_api_refuses_anonymous_callers(client, world):
    assert client.get("/api/v1/communities/").status_code in {401, 403}


def test_querysets_scope_every_unit_kind(world):
    assert set(Community.objects.visible_to(world.secretary_x)) == {world.x}
    assert set(Community.objects.visible_to(world.dispatcher_b)) == {world.z}
    assert set(Street.objects.visible_to(world.dispatcher_a)) == {world.street_a}
    assert not Street.objects.visible_to(world.secretary_x).exists()
    assert set(Department.objects.visible_to(world.handler_a)) == {world.dept_a}
    assert set(Department.objects.visible_to(world.dispatcher_b)) == {world.dept_b}
    assert Community.objects.visible_to(world.admin).count() == 3


def test_an_ended_role_no_longer_opens_the_community(client, world):
    from django.utils import timezone

    Membership.objects.filter(user=world.worker_x).update(revoked_at=timezone.now())
    assert _status(client, world.worker_x, reverse("community-detail", args=[world.x.pk])) == 404


def test_role_home_for_a_role_not_held_is_404(client, world):
    client.force_login(world.worker_x)
    assert client.get(reverse("role-home", args=[Role.SECRETARY])).status_code == 404
    assert client.get(reverse("role-home", args=["no-such-role"])).status_code == 404
    assert client.get(reverse("role-home", args=[Role.GRID_WORKER])).status_code == 200


def test_a_role_must_be_held_in_the_kind_of_unit_it_belongs_to(world):
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=world.worker_x, role=Role.SECRETARY, street=world.street_a)


def test_one_person_can_hold_roles_in_several_units(client, world):
    # A secretary of X who also dispatches for the street.
    Membership.objects.create(
        user=world.secretary_x, role=Role.STREET_DISPATCHER, street=world.street_a
    )
    assert set(Community.objects.visible_to(world.secretary_x)) == {world.x, world.y}
    # A plain resident elsewhere does not widen anything.
    other = person(Role.RESIDENT, world.z)
    assert set(Community.objects.visible_to(other)) == {world.z}
