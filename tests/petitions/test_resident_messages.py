"""What a requester is told: what happened to which request, in its own words."""

from __future__ import annotations

import pytest

from community.models import Channel, Notification
from petitions.models import Status
from petitions.services.notices import SHORT_CHARS, short_title
from tests.petitions.conftest import walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(time_machine):
    """Stopped before the world is built (autouse fixtures come first)."""
    time_machine.move_to("2026-11-23 09:00 +0800", tick=False)


def _told(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, channel=Channel.IN_APP).order_by("id"))


def test_a_dispatched_request_tells_the_resident_where_it_went(pw):
    p = walk_to(pw, pw.submit(), Status.DISPATCHED)
    dispatched = Notification.objects.get(recipient=pw.tenant, kind="petition.dispatch")
    assert "楼道里电动车飞线充电" in dispatched.title
    assert "街道城管中队" in dispatched.title
    assert p.reference not in dispatched.title


def test_each_step_reads_differently_and_none_repeats_the_reference(pw):
    p = walk_to(pw, pw.submit(), Status.CALLED_BACK)
    titles = [n.title for n in _told(pw.tenant)]
    # accepted, escalated, dispatched, resolved, called back
    assert len(titles) == 5
    assert len(set(titles)) == 5
    assert all("楼道里电动车飞线充电" in t for t in titles)
    assert not any(p.reference in t for t in titles)
    resolved = Notification.objects.get(recipient=pw.tenant, kind="petition.approve")
    assert resolved.body == "已清理飞线，安装充电桩"


def test_a_long_description_is_named_by_its_first_words():
    text = "小区东门外的下水道井盖缺失已经三天了，晚上路过的老人和孩子很危险，请尽快处理\n第二行"
    short = short_title(text)
    # Django's truncation mark is "…" or, in its Chinese catalogue, "...".
    words = short.rstrip(".…")
    assert len(short) <= SHORT_CHARS + 2
    assert len(words) < SHORT_CHARS
    assert text.startswith(words)
    assert short_title("楼道灯不亮\n三楼到五楼") == "楼道灯不亮"
