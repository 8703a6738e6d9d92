"""The admin: every page opens, and roles are granted through the service."""

from __future__ import annotations

import pytest

from community.models import Membership, Notification, Role

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin/",
    "/admin/community/user/",
    "/admin/community/user/add/",
    "/admin/community/street/",
    "/admin/community/community/",
    "/admin/community/department/",
    "/admin/community/membership/",
    "/admin/community/membership/add/",
    "/admin/community/notification/",
]


@pytest.mark.parametrize("url", PAGES)
def test_admin_pages_open_in_chinese(client, world, url):
    client.force_login(world.admin)
    response = client.get(url)
    assert response.status_code == 200
    assert "同心" in response.content.decode()


def test_admin_user_page_opens(client, world):
    client.force_login(world.admin)
    response = client.get(f"/admin/community/user/{world.worker_x.pk}/change/")
    assert response.status_code == 200
    assert world.worker_x.phone in response.content.decode()


def test_granting_a_role_in_the_admin_notifies_the_person(client, world):
    client.force_login(world.admin)
    response = client.post(
        "/admin/community/membership/add/",
        {"user": world.resident_x.pk, "role": Role.VOLUNTEER_LEADER, "community": world.x.pk},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=world.resident_x, role=Role.VOLUNTEER_LEADER)
    assert membership.granted_by == world.admin
    assert Notification.objects.filter(recipient=world.resident_x).count() == 1


def test_a_role_in_the_wrong_kind_of_unit_is_refused_with_a_message(client, world):
    client.force_login(world.admin)
    response = client.post(
        "/admin/community/membership/add/",
        {"user": world.resident_x.pk, "role": Role.SECRETARY, "street": world.street_a.pk},
    )
    assert response.status_code == 200
    assert "请选择角色所属单位" in response.content.decode()
    assert not Membership.objects.filter(user=world.resident_x, role=Role.SECRETARY).exists()


def test_ending_a_role_keeps_the_row_and_notifies(client, world):
    client.force_login(world.admin)
    membership = Membership.objects.get(user=world.worker_x)
    response = client.post(
        "/admin/community/membership/",
        {"action": "end_roles", "_selected_action": [membership.pk]},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.revoked_at is not None
    assert Notification.objects.get(recipient=world.worker_x).kind == "membership.revoked"
