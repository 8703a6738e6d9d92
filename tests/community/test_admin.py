"""The admin: every page opens, and roles are granted through the service."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin

from community.admin import PortalAdmin, PortalRules, keeps_history
from community.models import Membership, Notification, Role
from community.services import notify

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


# --- The portal's rules in every admin of ours --------------------------------------------

OUR_APPS = {"community", "grids", "petitions", "mediation", "volunteers"}

# Rows that are part of someone's record: closed, archived or anonymised, never deleted.
KEEP_HISTORY = {
    "community.User",
    "community.Membership",
    "community.Notification",
    "grids.Resident",
    "grids.Visit",
    "grids.Patrol",
    "grids.PatrolCheckIn",
    "grids.Hazard",
    "grids.HazardPhoto",
    "grids.WorkLogEntry",
    "grids.HouseholdClaim",
    "grids.HouseholdClaimEvent",
    "petitions.Petition",
    "petitions.PetitionEvent",
    "petitions.PetitionPhoto",
    "mediation.MediationCase",
    "mediation.CaseParty",
    "mediation.MediationSession",
    "mediation.Agreement",
    "mediation.FollowUp",
    "mediation.CaseEvent",
    "volunteers.Team",
    "volunteers.Volunteer",
    "volunteers.TeamMember",
    "volunteers.Activity",
    "volunteers.SignUp",
    "volunteers.SignUpEvent",
    "volunteers.HoursEntry",
}


def _ours() -> list[tuple[type, admin.ModelAdmin]]:
    return [(m, a) for m, a in admin.site._registry.items() if m._meta.app_label in OUR_APPS]


def test_the_records_that_keep_their_history_are_declared():
    assert {m._meta.label for m in apps.get_models() if keeps_history(m)} == KEEP_HISTORY


def test_every_admin_and_inline_of_ours_applies_the_portals_rules(rf, world):
    request = rf.get("/admin/")
    request.user = world.admin
    for _model, model_admin in _ours():
        assert isinstance(model_admin, PortalAdmin), model_admin
        for inline in model_admin.get_inline_instances(request):
            assert isinstance(inline, PortalRules), inline


def test_no_record_with_a_history_can_be_deleted_in_the_admin(rf, world):
    request = rf.get("/admin/")
    request.user = world.admin
    refused = set()
    for model, model_admin in _ours():
        inlines = model_admin.get_inline_instances(request)
        for checked in [model_admin, *inlines]:
            if keeps_history(checked.model):
                assert not checked.has_delete_permission(request), checked
                refused.add(checked.model._meta.label)
        if keeps_history(model):
            assert "delete_selected" not in model_admin.get_actions(request), model
    assert refused == {
        "community.User",
        "community.Membership",
        "community.Notification",
        "grids.Resident",
        "grids.HouseholdClaim",
        "grids.HouseholdClaimEvent",
        "petitions.Petition",
        "petitions.PetitionEvent",
        "mediation.MediationCase",
        "volunteers.Team",
        "volunteers.Volunteer",
        "volunteers.Activity",
        "volunteers.HoursEntry",
    }


def test_a_person_and_their_messages_cannot_be_deleted_in_the_admin(client, world):
    notify(recipient=world.worker_x, kind="test", title="你好", key="admin-delete")
    message = Notification.objects.filter(recipient=world.worker_x).first()
    client.force_login(world.admin)
    for url in (
        f"/admin/community/user/{world.worker_x.pk}/delete/",
        f"/admin/community/notification/{message.pk}/delete/",
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, {"post": "yes"}).status_code == 403
    for listing in ("/admin/community/user/", "/admin/community/notification/"):
        assert 'value="delete_selected"' not in client.get(listing).content.decode()
    world.worker_x.refresh_from_db()
    assert Notification.objects.filter(pk=message.pk).exists()
