"""A broker that accepts connections and never answers (a frozen Redis).

Run by ``make test`` in its services phase. The test starts its own
redis-server on a spare port and freezes only that one (SIGSTOP); the shared
broker on 6379 is never touched. Each request runs in a thread with a deadline,
so a hang fails the test instead of hanging the suite.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.urls import reverse

from community.models import Channel, DeliveryStatus, Membership, Notification, Role
from community.services import notifications_sweep
from community.tasks import sweep_notifications
from tests.community.factories import CommunityFactory, UserFactory
from tests.conftest import unavailable
from tests.helpers import celery_worker, free_port, redis_server, use_broker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# The failure this guards against is a 30 s (or endless) hang; an answer within
# this bound is "did not hang" with room for a slow, shared CI machine.
HANG = 10.0


def _timed(call: Callable[[], Any]) -> tuple[Any, float]:
    """Run ``call`` in a thread; fail if it has not answered within HANG seconds."""

    def run() -> Any:
        try:
            return call()
        finally:
            connection.close()  # the thread's own database connection

    pool = ThreadPoolExecutor(max_workers=1)
    started = time.monotonic()
    future = pool.submit(run)
    try:
        result = future.result(timeout=HANG)
    except TimeoutError:
        # Not waiting for the thread: it is released when the broker thaws.
        pytest.fail(f"no answer within {HANG}s: the request hangs on the frozen broker")
    finally:
        pool.shutdown(wait=False)
    return result, time.monotonic() - started


def test_a_frozen_broker_neither_hangs_the_action_nor_healthz_and_the_sweep_delivers_after(
    client, bot, worker_db_url, tmp_path
):
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    private_broker = f"redis://127.0.0.1:{port}/0"
    community = CommunityFactory(bot_webhook_url=bot.url)
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    newcomer = UserFactory(username="newcomer", name="王小明")
    client.force_login(admin)

    with redis_server(port) as redis, use_broker(private_broker):
        assert client.get(reverse("healthz")).json()["broker"] == "ok"
        os.kill(redis.pid, signal.SIGSTOP)  # the port still accepts; nothing answers
        try:
            response, took = _timed(
                lambda: client.post(
                    "/admin/community/membership/add/",
                    {"user": newcomer.pk, "role": Role.MEDIATOR, "community": community.pk},
                )
            )
            assert response.status_code == 302
            assert took < HANG
            health, health_took = _timed(lambda: client.get(reverse("healthz")))
        finally:
            os.kill(redis.pid, signal.SIGCONT)
        assert health.status_code == 200
        assert health.json() == {"database": "ok", "broker": "down", "status": "degraded"}
        assert health_took < HANG

        assert Membership.objects.filter(user=newcomer, role=Role.MEDIATOR).exists()
        row = Notification.objects.get(channel=Channel.WEBHOOK)
        assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 0)
        assert bot.received == []

        # The broker thaws; beat's sweep hands the row over and a worker sends it.
        Notification.objects.filter(pk=row.pk).update(
            created_at=F("created_at") - timedelta(minutes=3)
        )
        with celery_worker(broker_url=private_broker, db_url=worker_db_url, logdir=tmp_path):
            sweep_notifications.delay()
            wait_for(
                lambda: Notification.objects.get(pk=row.pk).status == DeliveryStatus.SENT,
                what="delivery after the broker thawed",
            )

    assert len(bot.received) == 1
    assert notifications_sweep() == []
