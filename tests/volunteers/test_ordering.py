"""Volunteers in pinyin order (陈 李 王 张), not in code-point order (张 李 王 陈):
on the team page, in the roll's dropdown, on the hours report and in its Excel."""

from __future__ import annotations

import io
import re
from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse
from openpyxl import load_workbook

from tests.community.factories import UserFactory
from tests.volunteers.conftest import VolunteerWorld
from volunteers import services
from volunteers.forms import RollAddForm
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

# Enrolled in this order; in code-point order they read 张 李 王 陈.
ENROLLED = ["王芳", "张伟", "陈静", "李娜"]
PINYIN = ["陈静", "李娜", "王芳", "张伟"]


@pytest.fixture
def four(vw: VolunteerWorld) -> list[Volunteer]:
    return [
        vw.volunteer(name, user=UserFactory(username=f"v{i}", language="en"))
        for i, name in enumerate(ENROLLED)
    ]


def _ours(names: list[str]) -> list[str]:
    return [n for n in names if n in PINYIN]


def test_the_key_follows_the_name_on_every_save(vw):
    volunteer = services.volunteer_add(team=vw.team_a, actor=vw.leader_a, name="张三").volunteer
    assert volunteer.name_sort == "zhang1san1"
    volunteer.name = "单田芳"
    volunteer.save(update_fields=["name"])
    volunteer.refresh_from_db()
    assert volunteer.name_sort == "shan4tian2fang1"  # 单 as a surname is Shàn


def test_volunteers_are_in_pinyin_order_by_default(four):
    names = Volunteer.objects.filter(pk__in=[v.pk for v in four]).values_list("name", flat=True)
    assert list(names) == PINYIN


def test_the_data_migration_fills_the_key_of_existing_volunteers(four):
    Volunteer.objects.update(name_sort="")
    import_module("volunteers.migrations.0006_volunteer_name_sort").fill(apps, None)
    assert [v.name for v in Volunteer.objects.filter(pk__in=[v.pk for v in four])] == PINYIN
    assert Volunteer.objects.get(name="陈静").name_sort == "chen2jing4"


def test_the_team_page_lists_its_members_in_pinyin_order(client, vw, four):
    client.force_login(vw.leader_a)
    page = client.get(reverse("volunteers:team", args=[vw.team_a.pk])).content.decode()
    names = re.findall(r'data-testid="member">\s*<a href="[^"]+">([^<]+)</a>', page)
    assert _ours(names) == PINYIN


def test_the_roll_offers_the_members_not_on_it_in_pinyin_order(client, vw, four):
    activity = vw.activity(capacity=10)
    form = RollAddForm(activity=activity)
    assert _ours([v.name for v in form.fields["volunteer"].queryset]) == PINYIN
    client.force_login(vw.leader_a)
    page = client.get(reverse("volunteers:activity", args=[activity.pk])).content.decode()
    select = page.split('name="volunteer"', 1)[1].split("</select>", 1)[0]
    assert _ours(re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select)) == PINYIN


def test_equal_hours_are_listed_in_pinyin_order_on_the_report_and_in_the_excel(client, vw, four):
    activity = vw.activity(capacity=10)
    for volunteer in four:
        signup = services.signup_create(activity=activity, actor=volunteer.user)
        services.signup_move(signup=signup, actor=vw.leader_a, action="mark_attended")
    client.force_login(vw.leader_a)
    page = client.get(reverse("volunteers:report")).content.decode()
    rows = re.findall(r'data-testid="volunteer-row"><td><a href="[^"]+">([^<]+)</a>', page)
    assert _ours(rows) == PINYIN
    book = load_workbook(io.BytesIO(client.get(reverse("volunteers:report-xlsx")).content))
    people = book.worksheets[0]  # 志愿者: hours per volunteer
    names = [row[0] for row in people.iter_rows(min_row=3, values_only=True)]
    assert _ours(names) == PINYIN
