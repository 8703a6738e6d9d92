"""People in pinyin order, numbered things in number order, on both databases."""

from __future__ import annotations

import pytest
from django.urls import reverse

from community.models import Role, User
from community.sorting import number_in_name, pinyin_key
from tests.community.factories import UserFactory, person


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("陈晓雨", "chen2xiao3yu3"),
        ("李四", "li3si4"),
        ("单田芳", "shan4tian2fang1"),  # 单 as a surname is Shàn
        ("曾国藩", "zeng1guo2fan1"),
        ("吕梅", "lv3mei2"),
        ("Zhang San", "zhangsan"),
        ("", ""),
    ],
)
def test_a_name_becomes_toned_pinyin(name, key):
    assert pinyin_key(name) == key


def test_li_comes_before_lin_and_wang_before_zhang():
    names = ["张三", "林芳", "王五", "李四"]
    assert sorted(names, key=pinyin_key) == ["李四", "林芳", "王五", "张三"]


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("第一网格", 1),
        ("第二网格", 2),
        ("第十网格", 10),
        ("第十二网格", 12),
        ("第二十一网格", 21),
        ("京杭一网格", 1),
        ("3号网格", 3),
        ("第１２网格", 12),
        ("警务网格", None),
    ],
)
def test_the_number_in_a_name(name, number):
    assert number_in_name(name) == number


@pytest.mark.django_db
def test_the_key_follows_the_name_on_every_save():
    user = UserFactory(username="zs", name="张三")
    assert user.name_sort == "zhang1san1"
    user.name = "李四"
    user.save(update_fields=["name"])  # the profile service saves just the name
    user.refresh_from_db()
    assert user.name_sort == "li3si4"
    nameless = UserFactory(username="admin2", name="")
    assert nameless.name_sort == "admin2"  # shown by username, sorted by it


@pytest.mark.django_db
def test_people_are_listed_in_pinyin_order_on_the_community_page(client, gw):
    community = gw.grid_1.community
    for name in ["张三", "王五", "李四"]:  # code-point order: 张 < 李 < 王
        person(Role.GRID_WORKER, community, name=name)
    client.force_login(gw.secretary_x)
    page = client.get(reverse("community-detail", args=[community.pk])).content.decode()
    assert page.index("李四") < page.index("王五") < page.index("张三")


@pytest.mark.django_db
def test_a_list_of_people_is_in_pinyin_order_by_default():
    for i, name in enumerate(["张三", "王五", "李四"]):
        UserFactory(username=f"p{i}", name=name)
    names = list(
        User.objects.filter(username__in=["p0", "p1", "p2"]).values_list("name", flat=True)
    )
    assert names == ["李四", "王五", "张三"]
