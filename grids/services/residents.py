"""The work log, linking residents to their own accounts, and moving out."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.errors import Conflict, DomainError, NotAllowed
from community.models import Membership, Role, User
from community.services import membership_grant, membership_revoke
from grids.models import (
    Building,
    Duty,
    Grid,
    GridStaff,
    Resident,
    ResidentTag,
    WorkLogEntry,
)
from grids.services.visits import VISIT_BACKDATE_DAYS

# --- Work log ------------------------------------------------------------------------


def worklog_add(
    *,
    actor: User,
    grid: Grid,
    category: str,
    note: str,
    done_on: date | None = None,
    resident: Resident | None = None,
) -> WorkLogEntry:
    """Log a piece of the day's work (an errand, a policy talk, a mediation...)."""
    if not GridStaff.objects.filter(grid=grid, user=actor).exists():
        raise NotAllowed(_("You do not work in this grid."))
    today = timezone.localdate()
    done_on = done_on or today
    if done_on > today or done_on < today - timedelta(days=VISIT_BACKDATE_DAYS):
        raise DomainError(
            _("Log work of today or the last %(days)d days.") % {"days": VISIT_BACKDATE_DAYS}
        )
    if resident is not None and resident.household.unit.building.grid_id != grid.pk:
        raise DomainError(
            _("%(name)s does not live in %(grid)s.") % {"name": resident.name, "grid": grid}
        )
    if not note.strip():
        raise DomainError(_("Say what was done."))
    return WorkLogEntry.objects.create(
        worker=actor,
        grid=grid,
        category=category,
        done_on=done_on,
        note=note.strip(),
        resident=resident,
    )


# --- Residents' own accounts ---------------------------------------------------------


def _is_grid_worker_or_secretary(actor: User, building: Building) -> bool:
    """The worker of the building's basic grid, or the community's secretary."""
    roles = {m.role for m in actor.active_memberships if m.community_id == building.community_id}
    own_grid = GridStaff.objects.filter(
        grid=building.grid_id, user=actor, duty=Duty.GRID_WORKER
    ).exists()
    return Role.SECRETARY in roles or (Role.GRID_WORKER in roles and own_grid)


def resident_link_account(*, actor: User, resident: Resident, account: User) -> Resident:
    """Confirm that ``account`` is this resident's own portal login.

    Steps: check the actor is the grid worker of the resident's basic grid
    or the community's secretary, and that the account's mobile number is the
    one on the resident's record; lock the resident; refuse an account already
    linked to someone else, or a resident already linked to another account;
    link, record who confirmed and when, and give the account the resident
    role in the community (the person is told through the notifications
    outbox). Linking twice is a no-op.
    """
    building = resident.household.unit.building
    if not _is_grid_worker_or_secretary(actor, building):
        raise NotAllowed(_("Only the resident's grid worker or secretary may confirm this."))
    # The account must carry the number the grid has on record for this
    # resident: a mistyped number must not show a stranger this household.
    if not resident.phone or account.phone != resident.phone:
        raise DomainError(
            _("The account's mobile number is not the one on %(name)s's record.")
            % {"name": resident.name}
        )
    try:
        with transaction.atomic():
            locked = Resident.objects.select_for_update().get(pk=resident.pk)
            if locked.user_id == account.pk:
                return locked
            if locked.user_id is not None:
                raise Conflict(
                    _("%(name)s is already linked to another account.") % {"name": resident.name}
                )
            if Resident.objects.filter(user=account).exists():
                raise Conflict(_("That account already belongs to another resident."))
            locked.user = account
            locked.confirmed_by = actor
            locked.confirmed_at = timezone.now()
            locked.save(update_fields=["user", "confirmed_by", "confirmed_at", "updated_at"])
            membership_grant(user=account, role=Role.RESIDENT, unit=building.community, actor=actor)
    except IntegrityError:
        # The same account was linked elsewhere at this very moment.
        raise Conflict(_("That account already belongs to another resident.")) from None
    return locked


# --- Moving out ----------------------------------------------------------------------


def resident_move_out(*, actor: User, resident: Resident) -> Resident:
    """Record that a resident moved out, and forget who they were.

    A resident is never deleted: their requests, visits, work-log entries,
    mediation parties and sign-ups point at the row and stay. Steps: check the
    actor is the system admin, the resident's grid worker or the secretary;
    lock the row (moving out twice is a no-op); blank the name, mobile number,
    gender, year of birth and health notes; drop the care tags (so no visits
    are planned); unlink the portal account and end its resident role in the
    community (the person is told through the outbox); set the day they moved
    out.
    """
    building = resident.household.unit.building
    if not (actor.is_system_admin or _is_grid_worker_or_secretary(actor, building)):
        raise NotAllowed(_("Only the resident's grid worker or secretary may do this."))
    with transaction.atomic():
        locked = Resident.objects.select_for_update().get(pk=resident.pk)
        if locked.moved_out_on is not None:
            return locked
        account = locked.user
        locked.name = locked.phone = locked.gender = locked.health_note = ""
        locked.birth_year = None
        locked.user = None
        locked.moved_out_on = timezone.localdate()
        locked.save()
        ResidentTag.objects.filter(resident=locked).delete()
        if account is not None:
            for membership in Membership.objects.active().filter(
                user=account, role=Role.RESIDENT, community=building.community_id
            ):
                membership_revoke(membership=membership, actor=actor)
    return locked
