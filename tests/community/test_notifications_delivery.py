"""Delivering the outbox in batches: stable keys for receivers, shared connections,
the claim's lease, and a backlog handed over at once (tasks in-process)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from community.models import BotKind, Channel, DeliveryStatus, Notification, Role
from community.services import membership_grant, notifications_deliver, notifications_sweep
from community.services.notifications import BATCH_SIZE, delivery_key
from tests.community.factories import UserFactory
from tests.community.sinks import Sink, sink_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def sink() -> Iterator[Sink]:
    with sink_server() as server:
        yield server


def _bot_rows(n: int, target: str, key: str) -> list[Notification]:
    return [
        Notification.objects.create(
            kind="test",
            channel=Channel.WEBHOOK,
            title=f"第{i}条",
            target=target,
            options={"bot_kind": BotKind.GENERIC},
            dedupe_key=f"{key}:{i}",
        )
        for i in range(n)
    ]


@pytest.fixture
def newcomer(db):
    return UserFactory(username="newcomer", name="王小明", email="xiaoming@example.com")


def _grant(world, newcomer) -> None:
    membership_grant(user=newcomer, role=Role.GRID_WORKER, unit=world.x, actor=world.admin)


def test_a_bot_gets_the_same_idempotency_key_on_every_attempt(
    world, newcomer, sink, settings, time_machine, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://tongxin.example.cn"
    time_machine.move_to(timezone.now())
    world.x.bot_webhook_url = sink.url
    world.x.bot_kind = BotKind.GENERIC
    world.x.save()
    sink.statuses = [503]  # the bot fails the first attempt
    with django_capture_on_commit_callbacks(execute=True):
        _grant(world, newcomer)
    row = Notification.objects.get(channel=Channel.WEBHOOK)
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1)
    assert "503" in row.last_error

    time_machine.shift(timedelta(minutes=2))
    assert notifications_sweep() == [row.pk]
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT
    expected = f"notification.{row.pk}@tongxin.example.cn"
    assert sink.keys() == [expected, expected]
    assert [r["body"]["idempotency_key"] for r in sink.requests] == [expected, expected]


def test_a_bot_redirect_is_a_failed_attempt_never_followed(
    world, newcomer, sink, django_capture_on_commit_callbacks
):
    world.x.bot_webhook_url = sink.url
    world.x.save()
    sink.statuses = [302]
    with django_capture_on_commit_callbacks(execute=True):
        _grant(world, newcomer)
    row = Notification.objects.get(channel=Channel.WEBHOOK)
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1)
    assert "HTTP 302" in row.last_error
    assert len(sink.requests) == 1


class FailingOnceBackend(EmailBackend):
    """Refuses the first message it is given (as a dead SMTP server would), then sends."""

    attempted: list[str] = []

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        for message in messages:
            FailingOnceBackend.attempted.append(message.message()["Message-ID"])
        if len(FailingOnceBackend.attempted) == 1:
            raise ConnectionRefusedError("SMTP server not answering")
        return super().send_messages(messages)


def test_an_email_keeps_its_message_id_across_attempts(
    world, newcomer, settings, time_machine, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://tongxin.example.cn"
    settings.EMAIL_BACKEND = f"{__name__}.FailingOnceBackend"
    FailingOnceBackend.attempted = []
    time_machine.move_to(timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        _grant(world, newcomer)
    row = Notification.objects.get(channel=Channel.EMAIL)
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1)

    time_machine.shift(timedelta(minutes=2))
    assert notifications_sweep() == [row.pk]
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT
    expected = f"<notification.{row.pk}@tongxin.example.cn>"
    assert FailingOnceBackend.attempted == [expected, expected]
    assert mail.outbox[0].message()["Message-ID"] == expected


def test_a_batch_posts_over_one_kept_alive_connection_and_sends_each_row_once(world, sink):
    rows = _bot_rows(5, sink.url, "batch")
    ids = [r.pk for r in rows]
    sent = notifications_deliver(notification_ids=ids + ids)  # given twice, as a redelivery
    assert len(sent) == 5
    assert notifications_deliver(notification_ids=ids) == []
    assert sorted(sink.keys()) == sorted(delivery_key(r) for r in rows)
    assert len(sink.peers()) == 1  # one connection for the five
    assert set(Notification.objects.values_list("status", "attempts")) == {(DeliveryStatus.SENT, 1)}


def test_a_claim_is_released_after_its_lease_and_not_while_it_may_be_alive(
    world, newcomer, mailoutbox, time_machine
):
    time_machine.move_to(timezone.now())
    _grant(world, newcomer)
    row = Notification.objects.get(channel=Channel.EMAIL)
    Notification.objects.filter(pk=row.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now(), attempts=1
    )
    # A task is killed at its 60 s time limit: at 60 s its claim may still be live.
    time_machine.shift(timedelta(seconds=60))
    assert notifications_sweep() == []
    assert Notification.objects.get(pk=row.pk).status == DeliveryStatus.SENDING
    # Past the lease (time limit + 30 s) its worker is dead: the row goes out again.
    time_machine.shift(timedelta(seconds=31))
    assert notifications_sweep() == [row.pk]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 2)
    assert len(mailoutbox) == 1


def test_one_sweep_hands_a_whole_backlog_over_in_batches_broker_mocked(time_machine):
    time_machine.move_to(timezone.now())
    Notification.objects.bulk_create(
        Notification(
            kind="test",
            channel=Channel.WEBHOOK,
            title=f"第{i}条",
            target="http://127.0.0.1:9/",
            dedupe_key=f"backlog:{i}",
            created_at=timezone.now() - timedelta(minutes=5),
        )
        for i in range(1234)
    )
    with mock.patch("community.tasks.deliver_notifications.delay") as delay:
        queued = notifications_sweep()
    batches = [call.args[0] for call in delay.call_args_list]
    assert len(queued) == 1234
    assert sorted(pk for batch in batches for pk in batch) == sorted(queued)
    assert len(batches) == 13
    assert max(len(batch) for batch in batches) == BATCH_SIZE


def test_an_action_that_tells_several_people_makes_one_task_broker_mocked(
    world, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from community.services import notify

    people = [UserFactory(email=f"p{i}@example.cn") for i in range(3)]
    with (
        mock.patch("community.tasks.deliver_notifications.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        for person in people[:2]:
            notify(recipient=person, kind="test", title="通知", key="one-action")
        try:
            with transaction.atomic():  # a part of the action that fails and is undone
                notify(recipient=people[2], kind="test", title="通知", key="undone")
                raise RuntimeError
        except RuntimeError:
            pass
        notify(recipient=people[2], kind="test", title="通知", key="one-action")
    emails = Notification.objects.filter(channel=Channel.EMAIL, dedupe_key__contains="one-action")
    assert delay.call_count == 1
    (ids,) = delay.call_args.args
    assert set(emails.values_list("pk", flat=True)) <= set(ids)
    assert emails.count() == 3


def test_a_batch_past_its_deadline_gives_the_rest_back_broker_mocked(world, sink, monkeypatch):
    from community.services import notifications as outbox

    rows = _bot_rows(3, sink.url, "late")
    monkeypatch.setattr(outbox, "BATCH_DEADLINE", -1.0)  # already past it at the first row
    with mock.patch("community.tasks.deliver_notifications.delay") as delay:
        assert notifications_deliver(notification_ids=[r.pk for r in rows]) == []
    assert sink.requests == []
    assert set(Notification.objects.values_list("status", "attempts")) == {
        (DeliveryStatus.PENDING, 0)
    }
    delay.assert_called_once_with([r.pk for r in rows])
