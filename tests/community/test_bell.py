"""The bell updates without a reload: htmx polls a tiny endpoint answering one COUNT."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse

from community.models import Channel, Notification, Role
from community.services import notify

pytestmark = pytest.mark.django_db

BELL = reverse("notification-bell")


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to("2026-11-23 09:00 +0800", tick=False)


def _notes(user, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        notify(recipient=user, kind="test", title=f"第{i}条通知", link="/", key=f"bell:{i}")


def test_the_bell_endpoint_answers_the_count_fragment_in_one_query(
    client, world, django_assert_num_queries
):
    _notes(world.worker_x, 3)
    _notes(world.secretary_x, 2, start=10)
    client.force_login(world.worker_x)
    # session, user, and the one COUNT on the inbox index; no role switcher, no page
    with django_assert_num_queries(3) as queries:
        response = client.get(BELL, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "COUNT(*)" in queries.captured_queries[-1]["sql"]
    body = response.content.decode()
    assert 'data-testid="unread-count">3<' in body
    assert body.lstrip().startswith('<a class="bell"')  # swapped whole (outerHTML)
    assert response.headers["Cache-Control"].startswith("max-age=0")


def test_the_bell_follows_new_and_read_notifications(client, world):
    client.force_login(world.worker_x)
    assert 'data-testid="unread-count"' not in client.get(BELL).content.decode()
    _notes(world.worker_x, 2)
    assert 'data-testid="unread-count">2<' in client.get(BELL).content.decode()
    Notification.objects.inbox(world.worker_x).update(read_at="2026-11-23T01:00:00Z")
    assert 'data-testid="unread-count"' not in client.get(BELL).content.decode()


def test_a_signed_out_poll_stops_instead_of_showing_the_login_page(client):
    response = client.get(BELL)
    assert response.status_code == 286  # htmx stops polling on 286
    assert response.content == b""


def test_every_page_polls_the_bell_with_htmx_under_the_csp(client, world):
    client.force_login(world.worker_x)
    response = client.get(reverse("role-home", args=[Role.GRID_WORKER]))
    page = response.content.decode()
    assert f'hx-get="{BELL}"' in page
    assert 'hx-trigger="every 30s, visibilitychange from:document"' in page
    config = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'', page)
    assert config is not None
    assert '"includeIndicatorStyles": false' in config.group(1)
    assert '"allowEval": false' in config.group(1)
    assert "/static/vendor/htmx/htmx.min.js" in page
    assert "/static/js/bell.js" in page
    # No inline script: every <script> has a src from our own server.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_htmx_is_vendored_with_its_licence():
    vendor = settings.BASE_DIR / "static" / "vendor" / "htmx"
    assert (vendor / "htmx.min.js").read_text().count('version:"2.') == 1
    assert "Zero-Clause BSD" in (vendor / "LICENSE").read_text()


def test_the_unread_count_is_served_by_the_inbox_index(world):
    """The bell's COUNT reads the (recipient, channel, read_at) index, not the table."""
    sql, params = (
        Notification.objects.inbox(world.worker_x)
        .unread()
        .order_by()
        .values("pk")
        .query.sql_with_params()
    )
    assert Channel.IN_APP in params
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(part) for row in cursor.fetchall() for part in row)
    assert "notification_inbox" in plan
