"""Who may appoint whom, and what a grant checks."""

from __future__ import annotations

import pytest

from community.errors import DomainError, NotAllowed
from community.models import Membership, Role
from community.services import membership_grant, membership_revoke
from tests.community.factories import UserFactory, person

pytestmark = pytest.mark.django_db


def test_secretary_appoints_a_grid_worker_in_their_own_community(world):
    newcomer = UserFactory()
    membership = membership_grant(
        user=newcomer, role=Role.GRID_WORKER, unit=world.x, actor=world.secretary_x
    )
    assert membership.community == world.x
    assert membership.granted_by == world.secretary_x


def test_secretary_cannot_appoint_in_another_community(world):
    with pytest.raises(NotAllowed):
        membership_grant(
            user=UserFactory(), role=Role.GRID_WORKER, unit=world.y, actor=world.secretary_x
        )


def test_secretary_cannot_appoint_another_secretary(world):
    with pytest.raises(NotAllowed):
        membership_grant(
            user=UserFactory(), role=Role.SECRETARY, unit=world.x, actor=world.secretary_x
        )


def test_grid_worker_confirms_residents_of_their_community_only(world):
    membership_grant(user=UserFactory(), role=Role.RESIDENT, unit=world.x, actor=world.worker_x)
    with pytest.raises(NotAllowed):
        membership_grant(user=UserFactory(), role=Role.RESIDENT, unit=world.y, actor=world.worker_x)
    with pytest.raises(NotAllowed):
        membership_grant(
            user=UserFactory(), role=Role.GRID_WORKER, unit=world.x, actor=world.worker_x
        )


def test_street_lead_appoints_across_their_street_only(world):
    lead = person(Role.STREET_LEAD, world.street_a)
    membership_grant(user=UserFactory(), role=Role.SECRETARY, unit=world.y, actor=lead)
    membership_grant(
        user=UserFactory(), role=Role.DEPARTMENT_HANDLER, unit=world.dept_a, actor=lead
    )
    with pytest.raises(NotAllowed):
        membership_grant(user=UserFactory(), role=Role.SECRETARY, unit=world.z, actor=lead)
    with pytest.raises(NotAllowed):
        membership_grant(user=UserFactory(), role=Role.ADMIN, unit=None, actor=lead)


def test_a_role_in_the_wrong_kind_of_unit_is_refused_before_writing(world):
    with pytest.raises(DomainError, match="街道派单员应在街道中任命"):
        membership_grant(
            user=world.resident_x, role=Role.STREET_DISPATCHER, unit=world.x, actor=world.admin
        )
    assert not Membership.objects.filter(user=world.resident_x, role=Role.STREET_DISPATCHER)


def test_ending_a_role_twice_is_a_no_op(world):
    membership = Membership.objects.get(user=world.worker_x)
    first = membership_revoke(membership=membership, actor=world.secretary_x)
    ended_at = first.revoked_at
    second = membership_revoke(membership=membership, actor=world.secretary_x)
    assert second.revoked_at == ended_at
    assert world.worker_x.notifications.count() == 1


def test_the_administrator_role_opens_and_closes_the_admin_site(client, world):
    someone = UserFactory()
    membership = membership_grant(user=someone, role=Role.ADMIN, unit=None, actor=world.admin)
    someone.refresh_from_db()
    assert someone.is_staff
    assert someone.is_superuser
    client.force_login(someone)
    assert client.get("/admin/").status_code == 200

    membership_revoke(membership=membership, actor=world.admin)
    someone.refresh_from_db()
    assert not someone.is_staff
    assert client.get("/admin/").status_code == 302
