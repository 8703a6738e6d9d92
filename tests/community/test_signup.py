"""Residents reach the portal: sign-up, code sign-in and reset by SMS code, password, profile.

The codes are read from the console backend's outbox, the development backend
itself (SMS_BACKEND = community.sms.ConsoleBackend in tests as in `make run`).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from community.models import Notification, User
from community.services import notify
from community.services.verification import Purpose, WrongCode, code_verify
from community.sms import ConsoleBackend
from tests.community.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW = "13912345670"
GOOD_PASSWORD = "Lanhua-garden-2026"


@pytest.fixture(autouse=True)
def clock(time_machine):
    # Frozen before any fixture world is built (world fixtures ask for clock first).
    time_machine.move_to("2026-11-23 10:00 +0800", tick=False)
    ConsoleBackend.outbox.clear()
    return time_machine


@pytest.fixture
def member(clock):
    return UserFactory(username="zhang", phone="13912345671", name="张桂兰")


def code_for(phone: str) -> str:
    return next(m.code for m in reversed(ConsoleBackend.outbox) if m.phone == phone)


def ask(client, slug: str, phone: str, **extra):
    return client.post(reverse(f"account-{slug}"), {"phone": phone}, **extra)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


# --- Sign-up -----------------------------------------------------------------------


def test_the_login_page_offers_sign_up_code_sign_in_and_reset(client):
    page = client.get(reverse("login")).content.decode()
    for name in ("account-sign-up", "account-code-sign-in", "account-reset"):
        assert f'href="{reverse(name)}"' in page


def test_a_resident_signs_up_by_code_and_lands_on_the_resident_home(client):
    sent = ask(client, "sign-up", NEW)
    assert sent.status_code == 302
    assert sent["Location"] == reverse("account-sign-up-code")
    page = client.get(sent["Location"]).content.decode()
    assert "139****5670" in page
    assert NEW not in page.replace(f'value="{NEW}"', "")  # only in the resend form
    done = client.post(
        reverse("account-sign-up-code"),
        {
            "code": code_for(NEW),
            "name": "李兰花",
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
        },
        follow=True,
    )
    user = User.objects.get(phone=NEW)
    assert user.name == "李兰花"
    assert user.check_password(GOOD_PASSWORD)
    assert not re.fullmatch(r"1[3-9]\d{9}", user.username)
    assert NEW[-4:] not in user.username
    assert done.redirect_chain[-1][0] == reverse("role-home", args=["resident"])
    assert done.context["user"] == user
    # The new resident signs in with the number and the password afterwards.
    client.logout()
    signed_in = client.post(reverse("login"), {"username": NEW, "password": GOOD_PASSWORD})
    assert signed_in.status_code == 302


def test_the_sign_up_answer_is_the_same_for_registered_and_new_numbers(client, member):
    """No enumeration: status, redirect and the page drawn are the same."""
    new = ask(client, "sign-up", NEW, REMOTE_ADDR="10.0.0.1")
    new_page = client.get(new["Location"]).content.decode()
    other = client_for_same_test(client)
    old = ask(other, "sign-up", member.phone, REMOTE_ADDR="10.0.0.2")
    old_page = other.get(old["Location"]).content.decode()
    assert (new.status_code, new["Location"]) == (old.status_code, old["Location"])
    assert strip(new_page, NEW) == strip(old_page, member.phone)
    # Both got a code: the time taken and the SMS cost are the same too.
    assert {m.phone for m in ConsoleBackend.outbox} == {NEW, member.phone}


def strip(page: str, phone: str) -> str:
    """The page without its CSRF token and with the number (full and masked) blanked."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return page.replace(phone, "N").replace(f"{phone[:3]}****{phone[-4:]}", "M")


def client_for_same_test(client):
    """A second browser."""
    return Client()


def test_a_registered_number_is_told_only_after_its_code(client, member):
    ask(client, "sign-up", member.phone)
    form = {"name": "冒名", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    guess = client.post(reverse("account-sign-up-code"), {**form, "code": "000000"})
    assert 'data-testid="known-number"' not in guess.content.decode()
    code = code_for(member.phone)
    if code == "000000":  # pragma: no cover - one in a million
        return
    right = client.post(reverse("account-sign-up-code"), {**form, "code": code})
    page = right.content.decode()
    assert 'data-testid="known-number"' in page
    assert f'href="{reverse("login")}"' in page
    assert f'href="{reverse("account-reset")}"' in page
    assert User.objects.filter(phone=member.phone).count() == 1
    member.refresh_from_db()
    assert member.name == "张桂兰"
    assert member.check_password(PASSWORD)


def test_a_weak_password_keeps_the_code_and_saves_nothing(client):
    ask(client, "sign-up", NEW)
    code = code_for(NEW)
    weak = client.post(
        reverse("account-sign-up-code"),
        {"code": code, "name": "李兰花", "password1": "12345678", "password2": "12345678"},
    )
    assert weak.status_code == 400
    assert 'data-testid="field-error"' in weak.content.decode()
    assert not User.objects.filter(phone=NEW).exists()
    # The code was not spent on a form that was refused anyway.
    client.post(
        reverse("account-sign-up-code"),
        {"code": code, "name": "李兰花", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )
    assert User.objects.filter(phone=NEW).exists()


def test_a_wrong_or_expired_code_saves_nothing(client, time_machine):
    ask(client, "sign-up", NEW)
    code = code_for(NEW)
    form = {"name": "李兰花", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    bad = client.post(reverse("account-sign-up-code"), {**form, "code": wrong(code)})
    assert bad.status_code == 400
    assert 'data-testid="field-error"' in bad.content.decode()
    time_machine.shift(timedelta(minutes=6))
    late = client.post(reverse("account-sign-up-code"), {**form, "code": code})
    assert late.status_code == 400
    assert not User.objects.filter(phone=NEW).exists()


def test_step_two_without_step_one_goes_back_to_the_number(client):
    response = client.get(reverse("account-sign-up-code"))
    assert response["Location"] == reverse("account-sign-up")


def test_a_bad_number_is_a_clear_message_and_sends_nothing(client):
    response = ask(client, "sign-up", "1234")
    assert response.status_code == 400
    assert 'data-testid="field-error"' in response.content.decode()
    assert not ConsoleBackend.outbox


def test_asking_again_within_a_minute_is_a_429_on_the_page(client, time_machine):
    ask(client, "sign-up", NEW)
    again = ask(client, "sign-up", NEW)
    assert again.status_code == 429
    assert 'data-testid="form-error"' in again.content.decode()
    assert len(ConsoleBackend.outbox) == 1
    time_machine.shift(timedelta(seconds=61))
    assert ask(client, "sign-up", NEW).status_code == 302


def test_the_daily_cap_per_address_uses_the_portals_client_address(client, settings):
    """Behind one proxy the address is X-Forwarded-For's last hop, as for the login lock."""
    from community.services.verification import DAILY_PER_ADDRESS

    settings.TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for n in range(DAILY_PER_ADDRESS):
        ask(client, "sign-up", f"1391111{n:04d}", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    # A forged first hop does not make a new client.
    refused = ask(client, "sign-up", "13922220000", HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.9")
    assert refused.status_code == 429
    other = ask(client, "sign-up", "13922220000", HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert other.status_code == 302


# --- Code sign-in ----------------------------------------------------------------------


def test_code_only_sign_in(client, member):
    ask(client, "code-sign-in", member.phone)
    done = client.post(
        reverse("account-code-sign-in-code"), {"code": code_for(member.phone)}, follow=True
    )
    assert done.context["user"] == member


def test_code_sign_in_for_a_number_without_account_says_so_after_the_code(client):
    sent = ask(client, "code-sign-in", NEW)
    assert sent.status_code == 302
    page = client.post(reverse("account-code-sign-in-code"), {"code": code_for(NEW)})
    assert 'data-testid="unknown-number"' in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_sign_up_code_does_not_sign_in(client, member):
    ask(client, "sign-up", member.phone)
    code = code_for(member.phone)
    client.get(reverse("account-code-sign-in"))
    # The session holds no code-sign-in number: the sign-in step sends back to step one.
    assert client.post(reverse("account-code-sign-in-code"), {"code": code}).status_code == 302
    # Nor does it work as a sign-in code.
    with pytest.raises(WrongCode):
        code_verify(phone=member.phone, purpose=Purpose.SIGN_IN, code=code)
    assert "_auth_user_id" not in client.session


def test_wrong_codes_run_out_and_the_right_one_then_fails(client, member):
    ask(client, "code-sign-in", member.phone)
    code = code_for(member.phone)
    for _ in range(5):
        client.post(reverse("account-code-sign-in-code"), {"code": wrong(code)})
    late = client.post(reverse("account-code-sign-in-code"), {"code": code})
    assert late.status_code == 400
    assert "_auth_user_id" not in client.session


# --- Reset and change --------------------------------------------------------------


def test_password_reset_by_code_signs_in_with_the_new_password(client, member):
    sent = ask(client, "reset", member.phone)
    assert sent["Location"] == reverse("account-reset-code")
    done = client.post(
        reverse("account-reset-code"),
        {"code": code_for(member.phone), "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
        follow=True,
    )
    assert done.context["user"] == member
    member.refresh_from_db()
    assert member.check_password(GOOD_PASSWORD)
    assert not member.check_password(PASSWORD)


def test_reset_lifts_a_login_lock(client, member):
    for _ in range(5):
        client.post(reverse("login"), {"username": member.phone, "password": "nope"})
    ask(client, "reset", member.phone)
    client.post(
        reverse("account-reset-code"),
        {"code": code_for(member.phone), "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )
    client.logout()
    response = client.post(reverse("login"), {"username": member.phone, "password": GOOD_PASSWORD})
    assert response.status_code == 302


def test_reset_answers_the_same_for_unknown_numbers_until_the_code(client, member):
    old = ask(client, "reset", member.phone, REMOTE_ADDR="10.0.0.1")
    new = ask(client_for_same_test(client), "reset", NEW, REMOTE_ADDR="10.0.0.2")
    assert (old.status_code, old["Location"]) == (new.status_code, new["Location"])


def test_reset_for_a_number_without_account_says_so_after_the_code(client):
    ask(client, "reset", NEW)
    page = client.post(
        reverse("account-reset-code"),
        {"code": code_for(NEW), "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )
    assert 'data-testid="unknown-number"' in page.content.decode()
    assert not User.objects.filter(phone=NEW).exists()


def test_change_password_needs_the_old_one(client, member):
    client.force_login(member)
    url = reverse("account-password-change")
    refused = client.post(
        url,
        {"old_password": "nope", "new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD},
    )
    assert refused.status_code == 400
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    done = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD},
    )
    assert done["Location"] == reverse("account-profile")
    member.refresh_from_db()
    assert member.check_password(GOOD_PASSWORD)
    # Still signed in on this device.
    assert client.get(reverse("account-profile")).status_code == 200


def test_account_pages_need_sign_in(client):
    for name in ("account-profile", "account-password-change"):
        assert client.get(reverse(name))["Location"].startswith(reverse("login"))


# --- Profile -------------------------------------------------------------------------


def test_the_profile_keeps_name_language_and_notices(client, member):
    client.force_login(member)
    response = client.post(
        reverse("account-profile"),
        {
            "name": "张桂兰（3号楼）",
            "language": "en",
            "email": "zhang@example.cn",
            "email_notifications": "",
        },
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    member.refresh_from_db()
    assert (member.name, member.language, member.email) == (
        "张桂兰（3号楼）",
        "en",
        "zhang@example.cn",
    )
    assert member.email_notifications is False
    # Notices follow the choice: in the portal always, no e-mail now.
    notify(recipient=member, kind="test", title="Hello", key="profile-test")
    channels = set(Notification.objects.filter(recipient=member).values_list("channel", flat=True))
    assert channels == {"in_app"}
    page = client.get(reverse("account-profile"))
    assert page.context["form"].initial["language"] == "en"


def test_a_bad_e_mail_address_is_refused_and_nothing_saved(client, member):
    client.force_login(member)
    response = client.post(
        reverse("account-profile"), {"name": "X", "language": "zh-hans", "email": "not-an-address"}
    )
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.name == "张桂兰"
