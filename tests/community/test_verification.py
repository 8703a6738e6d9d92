"""SMS codes and their limits (community.services.verification), with the console backend."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache

from community.errors import DomainError
from community.services.verification import (
    DAILY_PER_ADDRESS,
    DAILY_PER_PHONE,
    MAX_TRIES,
    Purpose,
    TooManyRequests,
    WrongCode,
    code_send,
    code_verify,
)
from community.sms import ConsoleBackend

PHONE = "13912340001"


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to("2026-11-23 10:00 +0800", tick=False)
    ConsoleBackend.outbox.clear()
    return time_machine


def last_code(phone: str = PHONE) -> str:
    return next(m.code for m in reversed(ConsoleBackend.outbox) if m.phone == phone)


def send(phone: str = PHONE, purpose: str = Purpose.SIGN_UP, address: str = "10.0.0.1"):
    return code_send(phone=phone, purpose=purpose, client_address=address)


def test_a_code_is_six_digits_kept_only_as_a_hash_and_works_once():
    send()
    code = last_code()
    assert len(code) == 6
    assert code.isdigit()
    kept = cache.get(f"verify:code:{Purpose.SIGN_UP}:{PHONE}")
    assert code not in str(kept)
    assert code_verify(phone=PHONE, purpose=Purpose.SIGN_UP, code=code) == PHONE
    with pytest.raises(WrongCode):
        code_verify(phone=PHONE, purpose=Purpose.SIGN_UP, code=code)


def test_a_code_expires_after_five_minutes(time_machine):
    send()
    code = last_code()
    time_machine.shift(timedelta(minutes=5, seconds=1))
    with pytest.raises(WrongCode) as refused:
        code_verify(phone=PHONE, purpose=Purpose.SIGN_UP, code=code)
    assert refused.value.reason == "expired"


def test_a_code_still_works_just_before_five_minutes(time_machine):
    send()
    time_machine.shift(timedelta(minutes=4, seconds=59))
    assert code_verify(phone=PHONE, purpose=Purpose.SIGN_UP, code=last_code()) == PHONE


def test_one_code_per_number_per_minute_whatever_the_purpose(time_machine):
    send()
    with pytest.raises(TooManyRequests):
        send(purpose=Purpose.RESET)
    assert len(ConsoleBackend.outbox) == 1
    time_machine.shift(timedelta(seconds=61))
    send(purpose=Purpose.RESET)
    assert len(ConsoleBackend.outbox) == 2
    # Another number is not held up.
    send(phone="13912340002")


def test_a_daily_cap_per_number(time_machine):
    for _ in range(DAILY_PER_PHONE):
        send()
        time_machine.shift(timedelta(seconds=61))
    with pytest.raises(TooManyRequests) as refused:
        send()
    assert refused.value.status_code == 429
    assert len(ConsoleBackend.outbox) == DAILY_PER_PHONE
    time_machine.move_to("2026-11-24 00:00:30 +0800", tick=False)  # a new Shanghai day
    send()


def test_a_daily_cap_per_client_address(time_machine):
    for n in range(DAILY_PER_ADDRESS):
        send(phone=f"1391234{n:04d}", address="10.9.9.9")
    with pytest.raises(TooManyRequests):
        send(phone="13700000000", address="10.9.9.9")
    assert len(ConsoleBackend.outbox) == DAILY_PER_ADDRESS
    send(phone="13700000000", address="10.9.9.10")  # another address is not held up


def test_wrong_tries_are_limited_then_the_code_is_void():
    send()
    code = last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in range(MAX_TRIES - 1, 0, -1):
        with pytest.raises(WrongCode, match=rf"\b{left}\b") as refused:
            code_verify(phone=PHONE, purpose=Purpose.SIGN_UP, code=wrong)
        assert refused.value.reason == "wrong"
    with pytest.raises(WrongCode) as refused:
        code_verify(phone=PHONE, purpose=Purpose.SIGN_UP, code=wrong)
    assert refused.value.reason == "void"
    # Even the right code no longer works.
    with pytest.raises(WrongCode) as refused:
        code_verify(phone=PHONE, purpose=Purpose.SIGN_UP, code=code)
    assert refused.value.reason == "expired"


def test_a_new_code_starts_with_fresh_tries(time_machine):
    send()
    for _ in range(MAX_TRIES - 1):
        with pytest.raises(WrongCode):
            code_verify(phone=PHONE, purpose=Purpose.SIGN_UP, code="000000x")
    time_machine.shift(timedelta(seconds=61))
    send()
    for _ in range(MAX_TRIES - 1):
        with pytest.raises(WrongCode):
            code_verify(phone=PHONE, purpose=Purpose.SIGN_UP, code="000000x")
    assert code_verify(phone=PHONE, purpose=Purpose.SIGN_UP, code=last_code()) == PHONE


@pytest.mark.parametrize("other", [Purpose.SIGN_IN, Purpose.RESET, Purpose.POSTER])
def test_a_code_works_only_for_its_purpose(other):
    send(purpose=Purpose.SIGN_UP)
    code = last_code()
    with pytest.raises(WrongCode):
        code_verify(phone=PHONE, purpose=other, code=code)
    assert code_verify(phone=PHONE, purpose=Purpose.SIGN_UP, code=code) == PHONE


def test_a_code_works_only_for_its_number(time_machine):
    send()
    code = last_code()
    with pytest.raises(WrongCode):
        code_verify(phone="13912340002", purpose=Purpose.SIGN_UP, code=code)


@pytest.mark.parametrize("phone", ["1391234000", "23912340001", "12912340001", "1391234000a", ""])
def test_only_mainland_mobile_numbers_get_codes(phone):
    with pytest.raises(DomainError) as refused:
        send(phone=phone)
    assert refused.type is DomainError
    assert not ConsoleBackend.outbox


def test_a_provider_failure_is_told_and_lets_the_person_try_again(settings):
    settings.SMS_ENDPOINT = "http://127.0.0.1:9/"  # nothing listens there
    settings.SMS_BACKEND = "community.sms.AliyunBackend"
    with pytest.raises(DomainError) as refused:
        send()
    assert refused.type is DomainError
    settings.SMS_BACKEND = "community.sms.ConsoleBackend"
    send()  # no one-minute wait after a failure
    assert code_verify(phone=PHONE, purpose=Purpose.SIGN_UP, code=last_code()) == PHONE
