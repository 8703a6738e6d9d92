"""Who sits at which desk for a request, and who hears about it."""

from __future__ import annotations

from django.db.models import Q

from community.models import Membership, Role, User
from grids.models import Building, Duty, GridStaff
from petitions.models import Desk, Petition

# When someone holds several desks, the event records the first that the move allows.
DESK_ORDER = [
    Desk.REQUESTER,
    Desk.ASSIGNEE,
    Desk.GRID,
    Desk.COMMUNITY,
    Desk.DEPARTMENT,
    Desk.STREET,
    Desk.STREET_LEAD,
]


def desks_of(user: User, petition: Petition) -> set[str]:
    """The desks ``user`` holds for this request (none for an outsider)."""
    desks: set[str] = set()
    if petition.requester_id == user.pk:
        desks.add(Desk.REQUESTER)
    if petition.assignee_id == user.pk:
        desks.add(Desk.ASSIGNEE)
    if GridStaff.objects.filter(grid=petition.grid_id, user=user).exists():
        desks.add(Desk.GRID)
    street_id = petition.community.street_id
    for m in user.active_memberships:
        if m.role == Role.SECRETARY and m.community_id == petition.community_id:
            desks.add(Desk.COMMUNITY)
        elif m.role in (Role.STREET_DISPATCHER, Role.STREET_LEAD) and m.street_id == street_id:
            # A street lead can do what the dispatcher does, and is the last rung
            # of the deadline ladder.
            desks.add(Desk.STREET)
            if m.role == Role.STREET_LEAD:
                desks.add(Desk.STREET_LEAD)
        elif (
            m.role == Role.DEPARTMENT_HANDLER
            and petition.department_id
            and m.department_id == petition.department_id
        ):
            desks.add(Desk.DEPARTMENT)
    return desks


def may_record_at(user: User, building: Building) -> bool:
    """Grid staff of the building's basic grid, or its community's secretary."""
    if GridStaff.objects.filter(grid=building.grid_id, user=user).exists():
        return True
    return any(
        m.role == Role.SECRETARY and m.community_id == building.community_id
        for m in user.active_memberships
    )


def home_communities(user: User) -> set[int]:
    """Communities a resident may file requests in: where they live or hold a role."""
    from grids.models import Resident

    ids = {m.community_id for m in user.active_memberships if m.community_id}
    ids.update(
        Resident.objects.filter(user=user).values_list(
            "household__unit__building__community", flat=True
        )
    )
    return ids


# --- Audiences -------------------------------------------------------------------


def requesters(petition: Petition) -> list[User]:
    """The requester, and the requesters of everything merged into this one."""
    ids = {petition.requester_id} if petition.requester_id else set()
    ids.update(
        petition.merged_from.filter(requester__isnull=False).values_list("requester", flat=True)
    )
    return list(User.objects.filter(pk__in=ids, is_active=True))


def grid_workers(petition: Petition) -> list[User]:
    return list(
        User.objects.filter(
            grid_duties__grid=petition.grid_id, grid_duties__duty=Duty.GRID_WORKER, is_active=True
        )
    )


def _members(role: str, **unit: object) -> list[User]:
    ids = Membership.objects.active().filter(role=role, **unit).values("user")
    return list(User.objects.filter(Q(pk__in=ids), is_active=True))


def secretaries(petition: Petition) -> list[User]:
    return _members(Role.SECRETARY, community=petition.community_id)


def dispatchers(petition: Petition) -> list[User]:
    return _members(Role.STREET_DISPATCHER, street=petition.community.street_id)


def street_leads(petition: Petition) -> list[User]:
    return _members(Role.STREET_LEAD, street=petition.community.street_id)


def handlers(petition: Petition) -> list[User]:
    if not petition.department_id:
        return []
    return _members(Role.DEPARTMENT_HANDLER, department=petition.department_id)


def assignee(petition: Petition) -> list[User]:
    return [petition.assignee] if petition.assignee else []
