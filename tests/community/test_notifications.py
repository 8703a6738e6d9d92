"""The notifications outbox, in-process (tasks eager): what a recipient gets, and when.

The same flows against the real Redis broker and a real Celery worker are in
test_notifications_worker.py.
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from community import queueing
from community.models import BotKind, Channel, DeliveryStatus, Membership, Notification, Role
from community.services import (
    membership_grant,
    notification_deliver,
    notifications_sweep,
    notify,
)
from community.services.notifications import MAX_ATTEMPTS
from tests.community.factories import UserFactory
from tests.helpers import bot_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(db):
    return UserFactory(username="newcomer", name="王小明", email="xiaoming@example.com")


def _grant(world, newcomer, role=Role.GRID_WORKER):
    return membership_grant(user=newcomer, role=role, unit=world.x, actor=world.admin)


def test_a_granted_role_and_its_notification_commit_together(world, newcomer):
    membership = _grant(world, newcomer)
    row = Notification.objects.get(recipient=newcomer, channel=Channel.IN_APP)
    assert row.kind == "membership.granted"
    assert "御景花园社区" in row.title
    assert row.link == reverse("role-home", args=[Role.GRID_WORKER])
    assert membership.granted_by == world.admin


def test_a_rolled_back_change_leaves_no_notification(world, newcomer):
    written = []

    def grant_then_fail() -> None:
        with transaction.atomic():
            _grant(world, newcomer)
            written.append(Notification.objects.filter(recipient=newcomer).count())
            raise RuntimeError("the rest of the user's action failed")

    with pytest.raises(RuntimeError):
        grant_then_fail()
    assert written == [2]  # in-app and e-mail rows existed inside the transaction
    assert not Membership.objects.filter(user=newcomer).exists()
    assert not Notification.objects.filter(recipient=newcomer).exists()


def test_email_is_handed_over_only_after_commit(
    world, newcomer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _grant(world, newcomer)
    email_row = Notification.objects.get(recipient=newcomer, channel=Channel.EMAIL)
    assert email_row.status == DeliveryStatus.PENDING
    assert mailoutbox == []
    assert len(callbacks) == 1


def test_email_is_delivered_once_even_if_queued_again(
    world, newcomer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _grant(world, newcomer)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["xiaoming@example.com"]
    assert "御景花园社区" in message.subject
    assert "http://127.0.0.1:8000/home/grid_worker/" in message.body

    row = Notification.objects.get(recipient=newcomer, channel=Channel.EMAIL)
    assert row.status == DeliveryStatus.SENT
    assert row.attempts == 1
    # A duplicate task and a sweep both find nothing left to send.
    assert notification_deliver(notification_id=row.pk) is None
    assert notifications_sweep() == []
    assert len(mailoutbox) == 1


def test_granting_the_same_role_twice_notifies_once(
    world, newcomer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _grant(world, newcomer)
        second = _grant(world, newcomer)
    assert first.pk == second.pk
    assert Notification.objects.filter(recipient=newcomer, channel=Channel.IN_APP).count() == 1
    assert len(mailoutbox) == 1


def test_the_same_event_key_never_writes_a_second_message(world, newcomer):
    for _ in range(2):
        notify(recipient=newcomer, kind="test", title="你好", key="event:1")
    assert Notification.objects.filter(recipient=newcomer).count() == 2  # in-app + e-mail


def test_notification_text_is_in_the_recipients_language(world, newcomer):
    newcomer.language = "en"
    newcomer.save()
    _grant(world, newcomer)
    row = Notification.objects.get(recipient=newcomer, channel=Channel.IN_APP)
    assert row.title == "You are now Grid worker of 御景花园社区"
    chinese = UserFactory(username="zh")
    _grant(world, chinese)
    assert Notification.objects.get(recipient=chinese).title == "您已被任命为御景花园社区的网格员"


def test_unit_group_bot_gets_a_wecom_message_mentioning_the_person(
    world, newcomer, bot, django_capture_on_commit_callbacks
):
    world.x.bot_webhook_url = bot.url
    world.x.save()
    with django_capture_on_commit_callbacks(execute=True):
        _grant(world, newcomer)
    assert len(bot.received) == 1
    payload = bot.received[0]
    assert payload["msgtype"] == "text"
    assert "王小明" in payload["text"]["content"]
    assert payload["text"]["mentioned_mobile_list"] == [newcomer.phone]
    row = Notification.objects.get(channel=Channel.WEBHOOK)
    assert row.status == DeliveryStatus.SENT
    assert row.recipient is None


def test_dingtalk_bot_gets_its_own_message_shape(
    world, newcomer, bot, django_capture_on_commit_callbacks
):
    world.x.bot_webhook_url = bot.url
    world.x.bot_kind = BotKind.DINGTALK
    world.x.save()
    with django_capture_on_commit_callbacks(execute=True):
        _grant(world, newcomer)
    payload = bot.received[0]
    assert payload["at"] == {"atMobiles": [newcomer.phone]}
    assert "王小明" in payload["text"]["content"]


def test_bot_refusal_is_retried_later_and_then_delivered(
    world, newcomer, bot, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to(timezone.now())
    world.x.bot_webhook_url = bot.url
    world.x.save()
    bot.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    with django_capture_on_commit_callbacks(execute=True):
        _grant(world, newcomer)
    row = Notification.objects.get(channel=Channel.WEBHOOK)
    assert row.status == DeliveryStatus.PENDING
    assert row.attempts == 1
    assert "93000" in row.last_error
    assert row.next_attempt_at > timezone.now()

    bot.answer = {"errcode": 0}
    assert notifications_sweep() == []  # not due yet
    time_machine.shift(timedelta(minutes=2))
    assert notifications_sweep() == [row.pk]
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT
    assert len(bot.received) == 2


def test_a_message_that_keeps_failing_is_marked_failed(world, newcomer, time_machine):
    time_machine.move_to(timezone.now())
    world.x.bot_webhook_url = "http://127.0.0.1:9/nothing-listens-here"
    world.x.save()
    _grant(world, newcomer)
    row = Notification.objects.get(channel=Channel.WEBHOOK)
    for _ in range(MAX_ATTEMPTS):
        time_machine.shift(timedelta(hours=7))
        notifications_sweep()
    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED
    assert row.attempts == MAX_ATTEMPTS
    assert row.last_error.startswith("webhook:")


def test_a_bot_that_redirects_is_a_failed_attempt_and_the_new_address_gets_nothing(
    world, newcomer, bot, django_capture_on_commit_callbacks
):
    # A redirect would carry the message to an address nobody checked (plain
    # http in production, say): the portal posts only where it was told.
    with bot_server() as elsewhere:
        world.x.bot_webhook_url = bot.url
        world.x.save()
        bot.redirect_to = elsewhere.url
        with django_capture_on_commit_callbacks(execute=True):
            _grant(world, newcomer)
        assert elsewhere.hits == []
    assert len(bot.hits) == 1
    row = Notification.objects.get(channel=Channel.WEBHOOK)
    assert row.status == DeliveryStatus.PENDING
    assert row.attempts == 1
    assert "302" in row.last_error


def test_a_garbled_bot_answer_is_a_failed_attempt_not_a_stuck_row(
    world, newcomer, bot, django_capture_on_commit_callbacks
):
    world.x.bot_webhook_url = bot.url
    world.x.save()
    bot.garbled = True
    with django_capture_on_commit_callbacks(execute=True):
        _grant(world, newcomer)
    row = Notification.objects.get(channel=Channel.WEBHOOK)
    assert row.status == DeliveryStatus.PENDING
    assert row.attempts == 1
    assert "BadStatusLine" in row.last_error


def test_a_row_whose_worker_died_on_the_last_attempt_is_failed(world, newcomer, time_machine):
    time_machine.move_to(timezone.now())
    _grant(world, newcomer)
    row = Notification.objects.get(channel=Channel.EMAIL)
    Notification.objects.filter(pk=row.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now(), attempts=MAX_ATTEMPTS
    )
    time_machine.shift(timedelta(minutes=11))
    assert notifications_sweep() == []
    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED


def test_the_sweep_leaves_fresh_first_hand_offs_to_the_queue(
    world, newcomer, mailoutbox, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to(timezone.now())
    with django_capture_on_commit_callbacks(execute=False):
        _grant(world, newcomer)  # queued on commit, not yet taken by a worker
    row = Notification.objects.get(channel=Channel.EMAIL)
    assert notifications_sweep() == []
    time_machine.shift(timedelta(minutes=3))  # still pending: the hand-off was lost
    assert notifications_sweep() == [row.pk]
    assert len(mailoutbox) == 1


def test_a_row_claimed_by_another_worker_is_not_sent_twice(world, newcomer, mailoutbox):
    _grant(world, newcomer)
    row = Notification.objects.get(channel=Channel.EMAIL)
    Notification.objects.filter(pk=row.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now()
    )
    assert notification_deliver(notification_id=row.pk) is None
    assert notifications_sweep() == []
    assert mailoutbox == []


def test_refused_publish_does_not_fail_the_action_broker_mocked(
    client, world, newcomer, django_capture_on_commit_callbacks, monkeypatch
):
    """The broker is mocked here; the real broker-down test is in test_notifications_worker."""
    monkeypatch.setattr(queueing, "_broker_failed_at", {})  # this test's failure stays here
    client.force_login(world.admin)
    with (
        mock.patch(
            "community.tasks.deliver_notifications.delay",
            side_effect=OperationalError("Error 111 connecting to 127.0.0.1:6379"),
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            "/admin/community/membership/add/",
            {"user": newcomer.pk, "role": Role.MEDIATOR, "community": world.x.pk},
        )
    assert response.status_code == 302
    assert Membership.objects.filter(user=newcomer, role=Role.MEDIATOR).exists()
    assert Notification.objects.get(recipient=newcomer, channel=Channel.EMAIL).status == (
        DeliveryStatus.PENDING
    )


# --- The bell and the list -------------------------------------------------------


def _notes(user, n: int) -> None:
    for i in range(n):
        notify(recipient=user, kind="test", title=f"第{i}条通知", link="/", key=f"t:{i}")


def test_bell_shows_the_unread_count(client, world):
    _notes(world.worker_x, 3)
    client.force_login(world.worker_x)
    page = client.get(reverse("role-home", args=[Role.GRID_WORKER])).content.decode()
    assert 'data-testid="unread-count">3<' in page
    assert "3 条未读通知" in page


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, world):
    notify(
        recipient=world.worker_x,
        kind="test",
        title="社区通知",
        link=reverse("community-detail", args=[world.x.pk]),
        key="open",
    )
    row = Notification.objects.get(recipient=world.worker_x)
    client.force_login(world.worker_x)
    response = client.post(reverse("notification-open", args=[row.pk]))
    assert response["Location"] == reverse("community-detail", args=[world.x.pk])
    row.refresh_from_db()
    assert row.read_at is not None
    page = client.get(reverse("role-home", args=[Role.GRID_WORKER])).content.decode()
    assert 'data-testid="unread-count"' not in page


def test_someone_elses_notification_is_404(client, world):
    notify(recipient=world.secretary_x, kind="test", title="书记的通知", key="private")
    row = Notification.objects.get(recipient=world.secretary_x)
    client.force_login(world.worker_x)
    assert client.post(reverse("notification-open", args=[row.pk])).status_code == 404
    assert "书记的通知" not in client.get(reverse("notification-list")).content.decode()
    assert client.post(f"/api/v1/notifications/{row.pk}/read/").status_code == 404
    row.refresh_from_db()
    assert row.read_at is None


def test_mark_all_read(client, world):
    _notes(world.worker_x, 4)
    _notes(world.secretary_x, 2)
    client.force_login(world.worker_x)
    response = client.post(reverse("notification-read-all"), follow=True)
    assert "已将 4 条通知标为已读" in response.content.decode()
    assert not Notification.objects.inbox(world.worker_x).unread().exists()
    assert Notification.objects.inbox(world.secretary_x).unread().count() == 2


def test_notification_list_pages_and_filters_unread(client, world, django_assert_num_queries):
    _notes(world.worker_x, 45)
    Notification.objects.filter(title="第0条通知").update(read_at=timezone.now())
    client.force_login(world.worker_x)
    # session, user, memberships (role switcher), unread count, page count, page rows
    with django_assert_num_queries(6):
        page = client.get(reverse("notification-list"))
    assert page.content.decode().count('data-testid="notification"') == 20
    last = client.get(reverse("notification-list") + "?page=3").content.decode()
    assert last.count('data-testid="notification"') == 5
    unread = client.get(reverse("notification-list") + "?show=unread&page=3").content.decode()
    assert unread.count('data-testid="notification"') == 4


def test_notifications_api_lists_own_rows_with_a_fixed_query_count(
    client, world, django_assert_num_queries
):
    _notes(world.worker_x, 30)
    _notes(world.secretary_x, 5)
    client.force_login(world.worker_x)
    # session, user, page count, page rows
    with django_assert_num_queries(4):
        data = client.get("/api/v1/notifications/").json()
    assert data["count"] == 30
    assert len(data["results"]) == 20

    first = data["results"][0]
    read = client.post(f"/api/v1/notifications/{first['id']}/read/").json()
    assert read["read"] is True
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 29
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 29}
