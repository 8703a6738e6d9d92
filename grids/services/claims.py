"""Household claims: a new resident says where they live; their grid confirms it."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.errors import Conflict, DomainError, NotAllowed
from community.models import Community, Membership, Role, User
from community.services import notify
from grids.models import (
    CLAIM_MOVES,
    ClaimAction,
    ClaimDesk,
    ClaimStatus,
    Duty,
    GridStaff,
    Household,
    HouseholdClaim,
    HouseholdClaimEvent,
    Resident,
)
from grids.services.residents import resident_link_account


def claim_desks(*, claim: HouseholdClaim, user: User) -> set[str]:
    """The seats ``user`` may act from on ``claim`` (the same rule as linking)."""
    desks: set[str] = set()
    if claim.claimant_id == user.pk:
        desks.add(ClaimDesk.CLAIMANT)
    building = claim.household.unit.building
    if (
        GridStaff.objects.filter(grid=building.grid_id, user=user, duty=Duty.GRID_WORKER).exists()
        or Membership.objects.filter(
            user=user, role=Role.SECRETARY, community=building.community_id, revoked_at__isnull=True
        ).exists()
    ):
        desks.add(ClaimDesk.GRID)
    return desks


def claim_actions(*, claim: HouseholdClaim, user: User) -> list[str]:
    """The moves the table allows ``user`` on ``claim`` now (what the page offers)."""
    desks = claim_desks(claim=claim, user=user)
    return [
        action
        for action, move in CLAIM_MOVES.items()
        if claim.status in move.sources and move.desks & desks
    ]


def claim_file(
    *,
    actor: User,
    community: Community,
    building_number: int,
    unit_number: int,
    room: str,
    name: str,
) -> HouseholdClaim:
    """Claim a household: building, unit and room of a community.

    Refuses an account already linked to a household, a room that does not
    exist, and a second waiting claim. Tells the building's grid worker.
    """
    if Resident.objects.filter(user=actor).exists():
        raise DomainError(_("Your account is already linked to your household."))
    household = (
        Household.objects.select_related("unit__building")
        .filter(
            unit__building__community=community,
            unit__building__number=building_number,
            unit__number=unit_number,
            room=room.strip(),
        )
        .first()
    )
    if household is None:
        raise DomainError(
            _(
                "%(community)s has no room %(room)s in unit %(unit)d of building %(building)d. "
                "Check the numbers on your door, or ask your grid worker."
            )
            % {
                "community": community,
                "room": room.strip(),
                "unit": unit_number,
                "building": building_number,
            }
        )
    try:
        with transaction.atomic():
            claim = HouseholdClaim.objects.create(
                claimant=actor, household=household, name=name.strip() or actor.name
            )
    except IntegrityError:
        raise Conflict(_("You already have a claim waiting.")) from None
    HouseholdClaimEvent.objects.create(
        claim=claim, actor=actor, action=ClaimAction.FILE, to_status=ClaimStatus.PENDING
    )
    link = reverse("grids:claim-detail", args=[claim.pk])
    workers = GridStaff.objects.filter(
        grid=household.unit.building.grid_id, duty=Duty.GRID_WORKER
    ).select_related("user")
    for staff in workers:
        notify(
            recipient=staff.user,
            kind="household_claim.filed",
            title=_("%(name)s says they live in %(household)s"),
            params={"name": claim.name, "household": household},
            link=link,
            key=f"household_claim:{claim.pk}:filed",
        )
    return claim


def _record_for(claim: HouseholdClaim, resident: Resident | None) -> Resident:
    """The resident record the account is linked to: the one chosen, else the
    household's record with the account's number, else a new record."""
    phone = claim.claimant.phone or ""
    if resident is not None:
        if resident.household_id != claim.household_id:
            raise DomainError(_("Choose a resident of this household."))
        if not resident.phone and phone:
            # The worker confirms in person that this record is this person.
            resident.phone = phone
            resident.save(update_fields=["phone", "updated_at"])
        return resident
    if phone:
        found = Resident.objects.filter(
            household=claim.household, phone=phone, user__isnull=True
        ).first()
        if found is not None:
            return found
    return Resident.objects.create(household=claim.household, name=claim.name, phone=phone)


def claim_move(
    *,
    claim: HouseholdClaim,
    actor: User,
    action: str,
    reason: str = "",
    resident: Resident | None = None,
) -> HouseholdClaim:
    """The only code that changes a claim's status.

    Steps, in one transaction: lock the claim; a move already in effect is a
    no-op; check the table allows the move from this status and the actor's
    desk; for a confirmation find or make the resident record and link the
    account through ``resident_link_account`` (its rules: the actor's grid, the
    matching mobile number, one account per resident); record who, when and
    why; write the event; tell the claimant through the outbox. Anything
    refused rolls back whole: no record made, no link, no message.
    """
    move = CLAIM_MOVES.get(action)
    if move is None:
        raise DomainError(_("Unknown action."))
    reason = reason.strip()
    with transaction.atomic():
        locked = (
            HouseholdClaim.objects.select_for_update()
            .select_related("household__unit__building", "claimant")
            .get(pk=claim.pk)
        )
        if locked.status == move.target:
            return locked
        if locked.status not in move.sources:
            raise Conflict(
                _("This claim is already %(status)s.") % {"status": locked.get_status_display()}
            )
        if not move.desks & claim_desks(claim=locked, user=actor):
            raise NotAllowed(_("Only the building's grid worker or the secretary may decide this."))
        if move.needs_reason and not reason:
            raise DomainError(_("Say why, so the resident knows what to do."))
        from_status = locked.status
        if action == ClaimAction.CONFIRM:
            record = _record_for(locked, resident)
            locked.resident = resident_link_account(
                actor=actor, resident=record, account=locked.claimant
            )
        locked.status = move.target
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.reason = reason
        locked.save(
            update_fields=["status", "decided_by", "decided_at", "reason", "resident", "updated_at"]
        )
        HouseholdClaimEvent.objects.create(
            claim=locked,
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=move.target,
            reason=reason,
        )
        if action == ClaimAction.CONFIRM:
            notify(
                recipient=locked.claimant,
                kind="household_claim.confirmed",
                title=_("Your grid worker confirmed that you live in %(household)s"),
                params={"household": locked.household},
                link=reverse("home"),
                key=f"household_claim:{locked.pk}:confirmed",
            )
        elif action == ClaimAction.REJECT:
            notify(
                recipient=locked.claimant,
                kind="household_claim.rejected",
                title=_("Your claim to live in %(household)s was not confirmed"),
                body=_("Reason: %(reason)s"),
                params={"household": locked.household, "reason": reason},
                link=reverse("grids:claim"),
                key=f"household_claim:{locked.pk}:rejected",
            )
    return locked
