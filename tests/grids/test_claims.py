"""Household claims: a new resident says where they live; the building's grid worker
(or the secretary) confirms it with the linking rules, or says why not."""

from __future__ import annotations

import pytest
from django.urls import reverse

from community.errors import Conflict, DomainError, NotAllowed
from community.models import Membership, Notification, Role
from grids.models import (
    CLAIM_MOVES,
    ClaimAction,
    ClaimDesk,
    ClaimStatus,
    HouseholdClaim,
    HouseholdClaimEvent,
    Resident,
)
from grids.services import claim_file, claim_move
from tests.community.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(time_machine):
    """Frozen before the grid world (the world asks for clock first)."""
    time_machine.move_to("2026-11-23 10:00 +0800", tick=False)
    return time_machine


@pytest.fixture
def newcomer(gw):
    return UserFactory(username="newcomer", phone="13600001111", name="刘新")


def where(gw, resident: Resident) -> dict:
    household = resident.household
    return {
        "community": household.unit.building.community_id,
        "building": household.unit.building.number,
        "unit": household.unit.number,
        "room": household.room,
        "name": "刘新",
    }


def file_for(gw, newcomer, resident: Resident) -> HouseholdClaim:
    data = where(gw, resident)
    return claim_file(
        actor=newcomer,
        community=resident.household.unit.building.community,
        building_number=data["building"],
        unit_number=data["unit"],
        room=data["room"],
        name="刘新",
    )


def test_a_new_resident_claims_and_the_grid_worker_confirms(client, gw, newcomer):
    client.force_login(newcomer)
    # Before: no household data, an invitation to say where they live.
    home = client.get("/", follow=True).content.decode()
    assert 'data-testid="claim-link"' in home
    assert 'data-testid="my-home"' not in home
    response = client.post(reverse("grids:claim"), where(gw, gw.elder_1))
    assert response.status_code == 302
    claim = HouseholdClaim.objects.get(claimant=newcomer)
    assert claim.status == ClaimStatus.PENDING
    assert Notification.objects.filter(
        recipient=gw.worker_1, kind="household_claim.filed", link__endswith=f"/{claim.pk}/"
    ).exists()
    pending = client.get("/", follow=True).content.decode()
    assert 'data-testid="claim-pending"' in pending
    assert 'data-testid="my-home"' not in pending  # still nothing of the household

    worker = client.__class__()
    worker.force_login(gw.worker_1)
    listing = worker.get(reverse("grids:claim-list")).content.decode()
    assert reverse("grids:claim-detail", args=[claim.pk]) in listing
    done = worker.post(
        reverse("grids:claim-detail", args=[claim.pk]), {"action": "confirm", "resident": ""}
    )
    assert done.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CONFIRMED
    assert claim.decided_by == gw.worker_1
    resident = Resident.objects.get(user=newcomer)
    assert resident.household == gw.elder_1.household
    assert (resident.name, resident.phone) == ("刘新", newcomer.phone)
    assert Membership.objects.active().get(user=newcomer).role == Role.RESIDENT
    assert Notification.objects.filter(
        recipient=newcomer, kind="household_claim.confirmed"
    ).exists()
    assert list(claim.events.values_list("action", "from_status", "to_status")) == [
        ("file", "", "pending"),
        ("confirm", "pending", "confirmed"),
    ]
    # After: the household and the grid worker show on the resident's home.
    after = client.get("/", follow=True).content.decode()
    assert 'data-testid="my-home"' in after
    assert str(gw.elder_1.household) in after


def test_confirming_uses_the_households_record_with_the_same_number(gw, newcomer):
    Resident.objects.filter(pk=gw.elder_1.pk).update(phone=newcomer.phone)
    claim = file_for(gw, newcomer, gw.elder_1)
    count = Resident.objects.count()
    claim_move(claim=claim, actor=gw.secretary_x, action=ClaimAction.CONFIRM)
    assert Resident.objects.count() == count
    assert Resident.objects.get(pk=gw.elder_1.pk).user == newcomer


def test_a_record_with_another_number_is_refused_and_nothing_is_half_saved(gw, newcomer):
    claim = file_for(gw, newcomer, gw.elder_1)
    with pytest.raises(DomainError):
        claim_move(claim=claim, actor=gw.worker_1, action=ClaimAction.CONFIRM, resident=gw.elder_1)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING
    assert not Resident.objects.filter(user=newcomer).exists()
    assert not Membership.objects.filter(user=newcomer).exists()
    assert claim.events.count() == 1


@pytest.mark.parametrize("who", ["worker_1", "secretary_x"])
def test_the_buildings_grid_worker_and_the_secretary_may_decide(client, gw, newcomer, who):
    claim = file_for(gw, newcomer, gw.elder_1)
    client.force_login(getattr(gw, who))
    page = client.get(reverse("grids:claim-detail", args=[claim.pk])).content.decode()
    assert 'data-testid="claim-confirm"' in page
    assert 'data-testid="claim-reject"' in page


@pytest.mark.parametrize(
    "who", ["worker_2", "officer", "party_leader_1", "secretary_y", "dispatcher"]
)
def test_anyone_else_gets_404_and_cannot_decide(client, gw, newcomer, who):
    claim = file_for(gw, newcomer, gw.elder_1)
    actor = getattr(gw, who)
    client.force_login(actor)
    url = reverse("grids:claim-detail", args=[claim.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "confirm"}).status_code == 404
    assert claim.pk not in [c.pk for c in client.get(reverse("grids:claim-list")).context["claims"]]
    with pytest.raises(NotAllowed):
        claim_move(claim=claim, actor=actor, action=ClaimAction.CONFIRM)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING


def test_the_claimant_cannot_confirm_their_own_claim(client, gw, newcomer):
    claim = file_for(gw, newcomer, gw.elder_1)
    client.force_login(newcomer)
    assert client.get(reverse("grids:claim-detail", args=[claim.pk])).status_code == 404
    with pytest.raises(NotAllowed):
        claim_move(claim=claim, actor=newcomer, action=ClaimAction.CONFIRM)


def test_every_move_from_every_other_status_is_refused(gw, newcomer):
    """Derived from the table: no move leaves a decided claim."""
    for status in ClaimStatus:
        for action, move in CLAIM_MOVES.items():
            if status in move.sources or status == move.target:
                continue
            claim = file_for(gw, newcomer, gw.elder_1)
            HouseholdClaim.objects.filter(pk=claim.pk).update(status=status)
            actor = newcomer if ClaimDesk.CLAIMANT in move.desks else gw.worker_1
            with pytest.raises(Conflict):
                claim_move(claim=claim, actor=actor, action=action, reason="x")
            # Out of the way (a claim with history is never deleted): the next one
            # may be pending again.
            HouseholdClaim.objects.filter(pk=claim.pk).update(status=ClaimStatus.WITHDRAWN)


def test_rejecting_needs_a_reason_and_tells_the_resident(client, gw, newcomer):
    claim = file_for(gw, newcomer, gw.elder_1)
    client.force_login(gw.worker_1)
    url = reverse("grids:claim-detail", args=[claim.pk])
    refused = client.post(url, {"action": "reject", "reason": ""})
    assert refused.status_code == 400
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING
    client.post(url, {"action": "reject", "reason": "这户没有这个人，请到社区办公室来一趟"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED
    assert claim.reason.startswith("这户没有")
    note = Notification.objects.get(recipient=newcomer, kind="household_claim.rejected")
    assert "这户没有" in note.body
    assert not Resident.objects.filter(user=newcomer).exists()
    # A rejected claim makes room for a new one.
    file_for(gw, newcomer, gw.tenant)


def test_the_claimant_withdraws_and_may_claim_again(client, gw, newcomer):
    claim = file_for(gw, newcomer, gw.elder_1)
    with pytest.raises(Conflict):
        file_for(gw, newcomer, gw.tenant)
    client.force_login(newcomer)
    client.post(reverse("grids:claim-withdraw", args=[claim.pk]))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.WITHDRAWN
    assert claim.events.last().actor == newcomer
    file_for(gw, newcomer, gw.tenant)


def test_a_room_that_does_not_exist_is_a_clear_message_and_saves_nothing(client, gw, newcomer):
    client.force_login(newcomer)
    response = client.post(reverse("grids:claim"), {**where(gw, gw.elder_1), "room": "9909"})
    assert response.status_code == 400
    assert 'data-testid="form-error"' in response.content.decode()
    assert "9909" in response.content.decode()
    assert not HouseholdClaim.objects.exists()
    assert not HouseholdClaimEvent.objects.exists()


def test_a_linked_resident_cannot_claim_again(gw):
    with pytest.raises(DomainError):
        file_for(gw, gw.tenant.user, gw.elder_1)


def test_the_waiting_panel_shows_on_the_grid_workers_home(client, gw, newcomer):
    file_for(gw, newcomer, gw.elder_1)
    client.force_login(gw.worker_1)
    assert (
        'data-testid="claims-waiting"'
        in client.get(reverse("role-home", args=["grid_worker"])).content.decode()
    )
    client.force_login(gw.worker_2)
    assert (
        'data-testid="claims-waiting"'
        not in client.get(reverse("role-home", args=["grid_worker"])).content.decode()
    )


def test_the_admin_shows_claims_read_only(client, gw, newcomer):
    claim = file_for(gw, newcomer, gw.elder_1)
    client.force_login(gw.admin)
    assert client.get(reverse("admin:grids_householdclaim_changelist")).status_code == 200
    page = client.get(reverse("admin:grids_householdclaim_change", args=[claim.pk]))
    assert page.status_code == 200
    assert client.get(reverse("admin:grids_householdclaim_add")).status_code == 403
