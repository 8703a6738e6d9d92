"""Residents file requests while the broker is down: all saved, every e-mail sent once after.

Run by ``make test`` in its services phase (CELERY_BROKER_URL set, a file SQLite
database or PostgreSQL). The test starts its own redis-server on a spare port,
and its own Celery worker on it, and stops only that redis-server; the shared
broker on 6379 is never touched. The worker sends e-mail with Django's file
backend (EMAIL_URL=filemail://…), so the test reads what really went out.
"""

from __future__ import annotations

import email
import email.policy
import shutil
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.messages import constants
from django.urls import reverse
from django.utils import timezone

from community.celery import app
from community.models import Channel, DeliveryStatus, Notification, User
from community.services import notifications_sweep
from community.services.notifications import FIRST_HANDOFF_GRACE
from grids.models import Building
from petitions.models import Action, Category, Petition
from tests.conftest import unavailable
from tests.helpers import celery_worker, free_port, redis_server, use_broker, wait_for
from tests.petitions.conftest import PetitionWorld

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Django's file backend ends every message with this line.
SEPARATOR = b"-" * 79 + b"\n"


def file_request(client, resident: User, building: Building, category: str, token: str) -> Petition:
    """The resident fills in "Report a matter" on their phone and sends it."""
    client.force_login(resident)
    started = time.monotonic()
    response = client.post(
        reverse("petitions:new"),
        {
            "category": category,
            "building": building.pk,
            "description": f"{resident.username}：{category} 的问题",
            "token": token,
            "confirmed": "1",
        },
        follow=True,
    )
    # No error page, no waiting on the broker: filed, and told so.
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    (url, status), *_ = response.redirect_chain
    assert status == 302
    assert [m.level for m in response.context["messages"]] == [constants.SUCCESS]
    p = Petition.objects.get(recorded_by=resident, client_token=token)
    assert url == reverse("petitions:detail", args=[p.pk])
    return p


def mails_sent(folder: Path) -> list[email.message.EmailMessage]:
    """Every message the worker's file backend wrote."""
    found = []
    for path in sorted(folder.glob("*.log")) if folder.exists() else []:
        for raw in path.read_bytes().split(SEPARATOR):
            if raw.strip():
                found.append(email.message_from_bytes(raw.strip(), policy=email.policy.default))
    return found


def email_rows():
    return Notification.objects.filter(channel=Channel.EMAIL)


def all_sent() -> bool:
    return not email_rows().exclude(status=DeliveryStatus.SENT).exists()


def queue_drained(worker) -> bool:
    """Nothing waiting in the private Redis and nothing running on the worker."""
    with app.connection_for_read() as conn:
        waiting = conn.default_channel.client.llen("notifications")
    active = app.control.inspect(destination=[worker.name], timeout=2).active() or {}
    return waiting == 0 and not any(active.values())


def test_requests_filed_while_the_broker_is_down_are_saved_and_each_e_mail_goes_out_once_after(
    client, pw: PetitionWorld, worker_db_url, tmp_path, monkeypatch, caplog
):
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed (apt-get install redis-server)")
    g = pw.gw
    for staff, address in ((g.worker_1, "worker1@example.cn"), (g.worker_2, "worker2@example.cn")):
        staff.email = address
        staff.save(update_fields=["email"])
    outbox = tmp_path / "mail"
    monkeypatch.setenv("EMAIL_URL", f"filemail:///{outbox}")  # read by the worker process
    port = free_port()
    private_broker = f"redis://127.0.0.1:{port}/0"

    with use_broker(private_broker), ExitStack() as brokers:
        broker = brokers.enter_context(redis_server(port))
        with celery_worker(
            broker_url=private_broker, db_url=worker_db_url, logdir=tmp_path
        ) as worker:
            # While the broker is up, the grid worker's e-mail goes out at once.
            before = file_request(client, pw.tenant, g.building_1, Category.SAFETY, "1" * 32)
            wait_for(all_sent, what="the e-mail of the request filed before the outage")
            sent_before = list(email_rows().values_list("pk", flat=True))
            assert len(sent_before) == 1

            # The broker goes down; residents keep filing.
            broker.terminate()
            broker.wait(timeout=10)
            double_click = str(uuid.uuid4())
            during = [
                file_request(client, pw.tenant, g.building_1, Category.SANITATION, double_click),
                file_request(client, pw.tenant, g.building_1, Category.SANITATION, double_click),
                file_request(
                    client, pw.tenant, g.building_1, Category.FACILITIES, uuid.uuid4().hex
                ),
                file_request(client, pw.neighbour, g.building_2, Category.SAFETY, uuid.uuid4().hex),
                file_request(
                    client, pw.neighbour, g.building_2, Category.PROPERTY, uuid.uuid4().hex
                ),
            ]
            assert during[0] == during[1]  # the double click filed one request
            assert "stays pending for the sweep" in caplog.text  # the hand-off really failed
            filed = [before, *dict.fromkeys(during)]
            assert Petition.objects.count() == len(filed) == 5
            for p in filed:
                assert list(p.events.values_list("action", flat=True)) == [Action.SUBMIT]
            waiting = email_rows().exclude(pk__in=sent_before)
            assert waiting.count() == 4
            assert set(waiting.values_list("status", "attempts")) == {(DeliveryStatus.PENDING, 0)}
            # In the portal the grid workers see them at once.
            assert Notification.objects.filter(channel=Channel.IN_APP).count() == 5

            # Minutes later the broker is back; beat's sweep runs, and at once
            # again, so rows not sent yet sit in the queue twice.
            brokers.enter_context(redis_server(port))
            later = timezone.now() + FIRST_HANDOFF_GRACE + timedelta(minutes=1)
            queued = notifications_sweep(now=later)
            assert sorted(queued) == sorted(waiting.values_list("pk", flat=True))
            notifications_sweep(now=later)
            wait_for(all_sent, timeout=90, what="delivery after the broker came back")
            wait_for(lambda: queue_drained(worker), what="the worker to finish the duplicates")

    assert notifications_sweep() == []
    assert set(email_rows().values_list("status", "attempts")) == {(DeliveryStatus.SENT, 1)}
    # Every request's e-mail reached its grid worker exactly once: none lost, none twice.
    expected = Counter(
        (("worker1" if p.grid_id == g.grid_1.pk else "worker2") + "@example.cn", p.reference)
        for p in filed
    )
    got = Counter(
        (str(m["To"]), next((p.reference for p in filed if p.reference in m["Subject"]), ""))
        for m in mails_sent(outbox)
    )
    assert got == expected
