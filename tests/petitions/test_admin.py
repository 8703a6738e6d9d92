"""The admin sets the deadline rules and reads requests; moves happen only in the portal."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin import ListFilter
from django.contrib.admin.models import CHANGE, LogEntry
from django.db.models import ProtectedError
from django.urls import reverse

from community.admin import PortalAdmin
from community.models import Membership, Role
from community.services import membership_grant
from grids.models import Resident, ResidentTag
from petitions.models import DeadlineRule, Petition
from petitions.services import deadline_hours


def test_admin_sets_a_deadline_rule_that_dispatch_then_uses(client, pw):
    client.force_login(pw.gw.admin)
    response = client.post(
        reverse("admin:petitions_deadlinerule_add"),
        {"category": "sanitation", "priority": "normal", "hours": "72"},
    )
    assert response.status_code == 302
    assert DeadlineRule.objects.get().hours == 72
    assert deadline_hours("sanitation", "normal") == 72


def test_admin_reads_a_request_with_its_timeline_but_cannot_change_it(client, pw):
    p = pw.submit()
    client.force_login(pw.gw.admin)
    listing = client.get(reverse("admin:petitions_petition_changelist"))
    assert p.reference in listing.content.decode()
    page = client.get(reverse("admin:petitions_petition_change", args=[p.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:petitions_petition_add")).status_code == 403


# --- The portal's rules: health data, deletes ------------------------------------------


def test_a_request_lookup_through_the_residents_health_note_is_refused(client, pw):
    pw.submit()
    client.force_login(pw.gw.admin)
    url = reverse("admin:petitions_petition_changelist")
    assert client.get(url, {"resident__health_note__contains": "冠"}).status_code == 400
    assert client.get(url, {"resident__tags__tag": "chronic_illness"}).status_code == 400


def test_an_admin_that_names_a_sensitive_field_still_never_uses_it(rf, pw):
    # One place enforces the rule: an admin written carelessly lists health
    # data, and PortalAdmin drops it from every list and refuses the lookup.
    class Careless(PortalAdmin):
        list_display = ["reference", "resident__health_note"]
        list_filter = ["status", "resident__health_note", ("resident__tags__tag", ListFilter)]
        search_fields = ["reference", "=resident__health_note"]
        ordering = ["-resident__health_note", "-created_at"]

    request = rf.get("/")
    request.user = pw.gw.admin
    careless = Careless(Petition, admin.site)
    assert careless.get_list_display(request) == ["reference"]
    assert careless.get_list_filter(request) == ["status"]
    assert careless.get_search_fields(request) == ["reference"]
    assert careless.get_ordering(request) == ["-created_at"]
    assert not careless.lookup_allowed("resident__health_note__gt", "", request)
    assert careless.lookup_allowed("status", "submitted", request)


def test_a_request_and_its_timeline_cannot_be_deleted(client, pw):
    p = pw.submit()
    client.force_login(pw.gw.admin)
    assert client.get(reverse("admin:petitions_petition_delete", args=[p.pk])).status_code == 403
    listing = client.get(reverse("admin:petitions_petition_changelist")).content.decode()
    assert 'value="delete_selected"' not in listing
    page = client.get(reverse("admin:petitions_petition_change", args=[p.pk])).content.decode()
    assert "-DELETE" not in page  # no delete box on the timeline rows
    with pytest.raises(ProtectedError):
        p.delete()  # nor in code: the timeline protects it


def test_moving_a_resident_out_anonymises_them_and_keeps_their_requests(client, pw):
    resident = pw.gw.tenant
    ResidentTag.objects.create(resident=resident, tag="chronic_illness")
    Resident.objects.filter(pk=resident.pk).update(health_note="糖尿病", gender="m")
    membership_grant(
        user=pw.tenant, role=Role.RESIDENT, unit=pw.building_1.community, actor=pw.gw.admin
    )
    p = pw.submit()
    filed_by = p.requester_name
    assert p.resident == resident
    with pytest.raises(ProtectedError):
        Resident.objects.get(pk=resident.pk).delete()  # the request holds on to them

    client.force_login(pw.gw.admin)
    url = reverse("admin:grids_resident_changelist")
    chosen = {"action": "move_out", "_selected_action": [resident.pk]}
    confirm = client.post(url, chosen)
    assert confirm.status_code == 200  # asked first: erasing cannot be undone
    assert resident.name in confirm.content.decode()
    assert Resident.objects.get(pk=resident.pk).moved_out_on is None
    assert client.post(url, {**chosen, "confirm": "yes"}).status_code == 302

    resident.refresh_from_db()
    assert (resident.name, resident.phone, resident.gender, resident.birth_year) == (
        "",
        "",
        "",
        None,
    )
    assert resident.health_note == ""
    assert not resident.tags.exists()
    assert resident.user is None
    assert resident.moved_out_on is not None
    assert not Membership.objects.active().filter(user=pw.tenant, role=Role.RESIDENT).exists()
    p.refresh_from_db()
    assert p.resident == resident  # the request keeps its link, its requester and its timeline
    assert (p.requester, p.requester_name) == (pw.tenant, filed_by)
    assert p.events.count() == 1
    entry = LogEntry.objects.get(object_id=str(resident.pk))
    assert (entry.user, entry.action_flag) == (pw.gw.admin, CHANGE)
    listing = client.get(url).content.decode()
    assert "赵先生" not in listing
