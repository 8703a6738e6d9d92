"""Chinese by default, English on request, times in Asia/Shanghai."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from community.models import Role

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_pages_are_chinese_without_any_choice(client, world):
    client.force_login(world.worker_x)
    page = client.get(reverse("role-home", args=[Role.GRID_WORKER])).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "网格员" in page
    assert "勤巡查" in page


def test_switching_to_english_and_back(client, world):
    client.force_login(world.worker_x)
    home = reverse("role-home", args=[Role.GRID_WORKER])
    response = client.post(reverse("set_language"), {"language": "en", "next": home})
    assert response.status_code == 302
    assert response["Location"] == home
    page = client.get(home).content.decode()
    assert '<html lang="en">' in page
    assert "Grid worker" in page
    assert "the five diligences" in page
    client.post(reverse("set_language"), {"language": "zh-hans", "next": home})
    assert "勤巡查" in client.get(home).content.decode()


def test_the_switch_is_remembered_for_notifications(client, world):
    client.force_login(world.worker_x)
    client.post(reverse("set_language"), {"language": "en"})
    world.worker_x.refresh_from_db()
    assert world.worker_x.language == "en"


@pytest.mark.parametrize("code", ["xx", "", "de", "../../etc"])
def test_an_unknown_language_code_changes_nothing(client, world, code):
    client.force_login(world.worker_x)
    response = client.post(reverse("set_language"), {"language": code, "next": "/"})
    assert response.status_code == 302
    assert "勤巡查" in client.get("/", follow=True).content.decode()
    world.worker_x.refresh_from_db()
    assert world.worker_x.language == "zh-hans"


def test_an_offsite_next_is_not_followed(client, world):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example.com/"}
    )
    assert response["Location"] == "/"


def test_the_chinese_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    # The committed .mo says what the .po says (run `make messages` after editing).
    mo = polib.mofile(str(CATALOGUE / "django.mo"))
    compiled = {(e.msgid, e.msgstr or e.msgstr_plural.get(0, "")) for e in mo if e.msgid}
    source = {
        (e.msgid, e.msgstr or e.msgstr_plural.get(0, ""))
        for e in po.translated_entries()
        if not e.obsolete
    }
    assert source == compiled


def test_times_are_shown_in_shanghai_time(client, world):
    from datetime import UTC, datetime

    from community.models import Notification
    from community.services import notify

    notify(recipient=world.worker_x, kind="test", title="时区", key="tz")
    Notification.objects.filter(recipient=world.worker_x).update(
        created_at=datetime(2026, 11, 23, 1, 30, tzinfo=UTC)
    )
    client.force_login(world.worker_x)
    page = client.get(reverse("notification-list")).content.decode()
    assert "2026-11-23 09:30" in page


def test_an_english_browser_still_gets_chinese_until_the_switch(client, db):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "用户名或手机号" in page
