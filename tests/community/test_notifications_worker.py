"""The outbox against the real Redis broker and a real Celery worker process.

Run by ``make test`` in its services phase (CELERY_BROKER_URL set). The
broker-down test starts its own redis-server on a spare port and stops only
that one; the shared broker on 6379 is never touched.
"""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse

from community.celery import app
from community.models import Channel, DeliveryStatus, Membership, Notification, Role
from community.services import membership_grant, notifications_sweep
from community.tasks import deliver_notification, sweep_notifications
from tests.community.factories import CommunityFactory, UserFactory
from tests.conftest import unavailable
from tests.helpers import celery_worker, free_port, redis_server, use_broker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _row_sent(pk: int) -> bool:
    return Notification.objects.get(pk=pk).status == DeliveryStatus.SENT


def _queue_drained(worker) -> bool:
    """Nothing waiting in Redis and nothing running on the worker."""
    with app.connection_for_read() as conn:
        waiting = conn.default_channel.client.llen("notifications")
    active = app.control.inspect(destination=[worker.name], timeout=2).active() or {}
    return waiting == 0 and not any(active.values())


def test_the_worker_delivers_a_group_message_exactly_once(worker, bot):
    community = CommunityFactory(bot_webhook_url=bot.url)
    admin = UserFactory(username="root", is_superuser=True)
    newcomer = UserFactory(username="newcomer", name="王小明")

    membership_grant(user=newcomer, role=Role.GRID_WORKER, unit=community, actor=admin)
    row = Notification.objects.get(channel=Channel.WEBHOOK)
    # The same row queued twice more, as a broker redelivery or a sweep would.
    deliver_notification.delay(row.pk)
    deliver_notification.delay(row.pk)

    wait_for(lambda: _row_sent(row.pk), what="the worker to send the bot message")
    wait_for(lambda: _queue_drained(worker), what="the worker to finish the duplicates")
    assert len(bot.received) == 1
    assert "王小明" in bot.received[0]["text"]["content"]
    assert notifications_sweep() == []
    row.refresh_from_db()
    assert row.attempts == 1


def test_a_down_broker_does_not_fail_the_action_and_the_sweep_delivers_after(
    client, bot, worker_db_url, tmp_path, caplog
):
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    private_broker = f"redis://127.0.0.1:{port}/0"
    community = CommunityFactory(bot_webhook_url=bot.url)
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    newcomer = UserFactory(username="newcomer", name="王小明")
    client.force_login(admin)

    with use_broker(private_broker):
        # Nothing listens on the private port: the broker is down.
        response = client.post(
            "/admin/community/membership/add/",
            {"user": newcomer.pk, "role": Role.MEDIATOR, "community": community.pk},
        )
        assert response.status_code == 302
        assert Membership.objects.filter(user=newcomer, role=Role.MEDIATOR).exists()
        row = Notification.objects.get(channel=Channel.WEBHOOK)
        assert row.status == DeliveryStatus.PENDING
        assert row.attempts == 0
        assert bot.received == []
        assert "stays pending for the sweep" in caplog.text  # the hand-off really failed

        # Minutes later the broker is back, and with it a worker.
        Notification.objects.filter(pk=row.pk).update(
            created_at=F("created_at") - timedelta(minutes=3)
        )
        with (
            redis_server(port),
            celery_worker(broker_url=private_broker, db_url=worker_db_url, logdir=tmp_path),
        ):
            sweep_notifications.delay()  # what beat does every minute
            wait_for(lambda: _row_sent(row.pk), what="delivery after the broker came back")

    assert len(bot.received) == 1
    assert notifications_sweep() == []


def test_healthz_reports_the_real_broker(client, broker_url):
    response = client.get(reverse("healthz"))
    assert response.json() == {"database": "ok", "broker": "ok", "status": "ok"}


def test_healthz_reports_a_down_broker_but_stays_up(client, broker_url):
    with use_broker(f"redis://127.0.0.1:{free_port()}/0"):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "down", "status": "degraded"}
