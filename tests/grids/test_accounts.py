"""Residents' own accounts: linked to their household once their grid confirms it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from community.errors import Conflict, DomainError, NotAllowed
from community.models import Membership, Notification, Role
from grids.models import Resident
from grids.services import resident_link_account
from tests.community.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(gw):
    # The resident's record carries the number the account signs in with.
    gw.elder_1.phone = "13600001234"
    gw.elder_1.save()
    return UserFactory(username="newcomer", phone="13600001234")


def test_the_grid_worker_links_a_residents_account(gw, account):
    resident = resident_link_account(actor=gw.worker_1, resident=gw.elder_1, account=account)
    assert resident.user == account
    assert resident.confirmed_by == gw.worker_1
    assert Membership.objects.active().get(user=account).role == Role.RESIDENT
    assert Notification.objects.filter(recipient=account, kind="membership.granted").exists()
    # Again: nothing changes.
    assert resident_link_account(actor=gw.worker_1, resident=gw.elder_1, account=account).user == (
        account
    )


def test_another_grids_worker_or_an_overlay_cannot_link(gw, account):
    for actor in (gw.worker_2, gw.officer, gw.party_leader_1):
        with pytest.raises(NotAllowed):
            resident_link_account(actor=actor, resident=gw.elder_1, account=account)
    gw.elder_1.refresh_from_db()
    assert gw.elder_1.user is None


def test_one_account_one_resident(gw, account):
    resident_link_account(actor=gw.worker_1, resident=gw.elder_1, account=account)
    Resident.objects.filter(pk=gw.elder_2.pk).update(phone=account.phone)  # shared number
    with pytest.raises(Conflict):
        resident_link_account(
            actor=gw.secretary_x, resident=Resident.objects.get(pk=gw.elder_2.pk), account=account
        )
    other = UserFactory(phone="13600005678")
    Resident.objects.filter(pk=gw.elder_1.pk).update(phone=other.phone)
    with pytest.raises(Conflict):
        resident_link_account(
            actor=gw.worker_1, resident=Resident.objects.get(pk=gw.elder_1.pk), account=other
        )


def test_an_account_with_another_number_is_not_linked(gw, account):
    stranger = UserFactory(phone="13600009876")
    with pytest.raises(DomainError, match=r"不是.*登记的手机号"):
        resident_link_account(actor=gw.worker_1, resident=gw.elder_1, account=stranger)
    gw.elder_1.refresh_from_db()
    assert gw.elder_1.user is None


def test_linking_from_the_residents_page_by_mobile_number(client, gw, account):
    client.force_login(gw.worker_1)
    url = reverse("grids:resident-link", args=[gw.elder_1.pk])
    unknown = client.post(url, {"phone": "13600009999"}, follow=True).content.decode()
    assert "没有手机号为 13600009999 的平台账号" in unknown
    done = client.post(url, {"phone": account.phone}, follow=True).content.decode()
    assert 'data-testid="linked"' in done


def test_a_linked_resident_sees_their_home_and_grid_worker(client, gw, account):
    resident_link_account(actor=gw.worker_1, resident=gw.elder_1, account=account)
    client.force_login(account)
    page = client.get("/", follow=True).content.decode()
    assert "我的家" in page
    assert str(gw.elder_1.household) in page
    assert gw.worker_1.phone in page
