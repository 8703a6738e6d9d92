"""Signing in by username or mobile number, landing on the right page, and lockout."""

from __future__ import annotations

import pytest
from django.urls import reverse

from community.models import Membership, Role
from tests.community.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/login/"


def _login(client, username: str, password: str = PASSWORD, ip: str = "10.1.1.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_page_is_chinese_by_default(client):
    page = client.get(LOGIN).content.decode()
    assert "用户名或手机号" in page
    assert "登录" in page


def test_grid_worker_signs_in_with_username_and_lands_on_grid_worker_home(client, world):
    response = _login(client, "worker_x")
    assert response.status_code == 302
    home = client.get(response["Location"], follow=True)
    assert home.request["PATH_INFO"] == reverse("role-home", args=[Role.GRID_WORKER])
    assert world.x.name in home.content.decode()


def test_secretary_signs_in_with_mobile_number(client, world):
    response = _login(client, world.secretary_x.phone)
    assert response.status_code == 302
    home = client.get("/", follow=True)
    assert home.request["PATH_INFO"] == reverse("role-home", args=[Role.SECRETARY])


@pytest.mark.parametrize(
    ("who", "role"),
    [
        ("resident_x", Role.RESIDENT),
        ("dispatcher_a", Role.STREET_DISPATCHER),
        ("handler_a", Role.DEPARTMENT_HANDLER),
        ("admin", Role.ADMIN),
    ],
)
def test_each_role_lands_on_its_own_home(client, world, who, role):
    client.force_login(getattr(world, who))
    assert client.get("/", follow=True).request["PATH_INFO"] == reverse("role-home", args=[role])


def test_person_with_several_roles_lands_on_the_widest_and_can_switch(client, world):
    Membership.objects.create(user=world.worker_x, role=Role.VOLUNTEER_LEADER, community=world.x)
    client.force_login(world.worker_x)
    assert client.get("/", follow=True).request["PATH_INFO"] == reverse(
        "role-home", args=[Role.GRID_WORKER]
    )
    page = client.get(reverse("role-home", args=[Role.VOLUNTEER_LEADER]))
    assert page.status_code == 200
    # The switch is remembered: next time "/" opens the volunteer page.
    assert client.get("/", follow=True).request["PATH_INFO"] == reverse(
        "role-home", args=[Role.VOLUNTEER_LEADER]
    )


def test_account_without_any_role_uses_the_portal_as_a_resident(client, db):
    from tests.community.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    page = client.get("/", follow=True)
    assert page.request["PATH_INFO"] == reverse("role-home", args=[Role.RESIDENT])
    # Not linked to a household: the home page asks where they live (one panel, no
    # second "not linked" alert beside it).
    html = page.content.decode()
    assert html.count('data-testid="claim-panel"') == 1
    assert 'data-testid="claim-link"' in html
    assert "尚未关联住户" not in html


def test_wrong_password_and_unknown_user_get_the_same_clear_message(client, world):
    for username in ("worker_x", "nobody-here"):
        page = _login(client, username, "wrong-password")
        assert page.status_code == 200
        text = page.content.decode()
        assert "用户名、手机号或密码不正确" in text
        assert "Traceback" not in text


def test_inactive_account_cannot_sign_in(client, world):
    world.worker_x.is_active = False
    world.worker_x.save()
    assert _login(client, "worker_x").status_code == 200
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_login_with_a_clear_page(client, world):
    for _ in range(4):
        assert _login(client, "worker_x", "nope").status_code == 200
    locked = _login(client, "worker_x", "nope")
    assert locked.status_code == 429
    assert "登录暂时被锁定" in locked.content.decode()
    # Even the right password is refused while locked.
    assert _login(client, "worker_x").status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_counts_username_and_mobile_number_as_one_account(client, world):
    for attempt in range(5):
        login = "worker_x" if attempt % 2 else world.worker_x.phone
        _login(client, login, "nope")
    assert _login(client, world.worker_x.phone).status_code == 429
    assert _login(client, "worker_x").status_code == 429


def test_lockout_does_not_shut_out_the_rest_of_the_office(client, world):
    office_ip = "10.1.1.1"
    for _ in range(5):
        _login(client, "worker_x", "nope", ip=office_ip)
    # A colleague behind the same address signs in fine.
    assert _login(client, "secretary_x", ip=office_ip).status_code == 302
    # And the locked person can still sign in from their phone's network.
    client.logout()
    assert _login(client, "worker_x", ip="10.9.9.9").status_code == 302


def test_lockout_ends_after_the_cool_off(client, world, time_machine):
    time_machine.move_to("2026-11-23 09:00 +0800")
    for _ in range(5):
        _login(client, "worker_x", "nope")
    assert _login(client, "worker_x").status_code == 429
    time_machine.move_to("2026-11-23 09:16 +0800")
    assert _login(client, "worker_x").status_code == 302


def test_api_token_by_mobile_number_and_token_use(client, world):
    response = client.post(
        "/api/v1/auth/token/", {"username": world.worker_x.phone, "password": PASSWORD}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    assert me.json()["roles"] == [Role.GRID_WORKER]
    assert me.json()["memberships"][0]["unit"] == world.x.name


def test_api_token_with_wrong_password_is_400_and_locks_at_the_fifth(client, world):
    for _ in range(4):
        response = client.post("/api/v1/auth/token/", {"username": "worker_x", "password": "nope"})
        assert response.status_code == 400
    fifth = client.post("/api/v1/auth/token/", {"username": "worker_x", "password": "nope"})
    assert fifth.status_code == 429
    # Locked now: even the right password gets no token.
    locked = client.post("/api/v1/auth/token/", {"username": "worker_x", "password": PASSWORD})
    assert locked.status_code == 429
    assert "15" in locked.json()["detail"]
    assert "token" not in locked.content.decode()


def test_sign_out_is_a_post_and_returns_to_login(client, world):
    client.force_login(world.worker_x)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get("/").status_code == 302


def test_role_home_needs_sign_in(client, db):
    response = client.get(reverse("role-home", args=[Role.SECRETARY]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_token_endpoint_is_rate_limited_per_address(client, db):
    answers = [
        client.post("/api/v1/auth/token/", {"username": f"guess{i}", "password": "x"}).status_code
        for i in range(21)
    ]
    assert answers[:20] == [400] * 20
    assert answers[20] == 429


def test_a_forged_forwarded_address_does_not_escape_the_rate_limit(client, db):
    answers = [
        client.post(
            "/api/v1/auth/token/",
            {"username": f"guess{i}", "password": "x"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(21)
    ]
    assert answers[20] == 429


def test_a_username_cannot_be_someone_elses_mobile_number(world):
    from django.core.exceptions import ValidationError

    from tests.community.factories import UserFactory

    squatter = UserFactory.build(username=world.worker_x.phone, phone=None)
    with pytest.raises(ValidationError, match="手机号"):
        squatter.full_clean()
