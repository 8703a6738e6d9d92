"""What the volunteers' services share: who manages a team, and telling people."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse

from community.models import Role, User
from community.services import notify
from grids.models import Resident
from volunteers.models import SignUp, Team


def can_manage(user: User, team: Team) -> bool:
    """The team's leader (or its troupe's) while a leader of the community; its secretary.

    Reads the person's memberships once per request (``User.active_memberships``).
    """
    roles = {(m.role, m.community_id) for m in user.active_memberships}
    if (Role.SECRETARY, team.community_id) in roles:
        return True
    if (Role.VOLUNTEER_LEADER, team.community_id) not in roles:
        return False
    if team.leader_id == user.pk:
        return True
    return (
        team.parent_id is not None and Team.objects.filter(pk=team.parent_id, leader=user).exists()
    )


def belongs_to(user: User, community_id: int) -> bool:
    """A role in the community, or a home there."""
    if any(m.community_id == community_id for m in user.active_memberships):
        return True
    return Resident.objects.filter(
        user=user, household__unit__building__community=community_id
    ).exists()


def people_of(signup: SignUp) -> list[User]:
    """Whom a sign-up concerns: the account that made it, the volunteer's or the resident's own."""
    found = [
        signup.booked_by,
        signup.volunteer.user if signup.volunteer else None,
        signup.resident.user if signup.resident else None,
    ]
    return [u for u in found if u is not None]


def is_own(signup: SignUp, user: User) -> bool:
    """The sign-up is this person's (made by them, or for them)."""
    return user.pk in {
        signup.booked_by_id,
        signup.volunteer.user_id if signup.volunteer else None,
        signup.resident.user_id if signup.resident else None,
    }


def tell(people: Iterable[User], text: Any, *, key: str, link: str, **params: Any) -> None:
    """One in-portal message (and e-mail) each; call inside the change's transaction."""
    for person in {p.pk: p for p in people if p.is_active}.values():
        notify(
            recipient=person,
            kind="volunteers",
            title=text,
            params=params,
            link=link,
            key=key,
        )


def activity_link(activity_id: int) -> str:
    return reverse("volunteers:activity", args=[activity_id])
