"""Notices 通知公告: who may publish where, who sees what, reads, withdrawing, the group bot."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from community.errors import Conflict, DomainError, NotAllowed
from community.models import Channel, DeliveryStatus, Notification
from grids.models import ClaimStatus, HouseholdClaim, NoticeRead, NoticeRevision, NoticeStatus
from grids.selectors_notices import notice_figures, notices_for, notices_managed
from grids.services import notice_edit, notice_mark_read, notice_publish, notice_withdraw
from tests.community.factories import UserFactory
from tests.grids.conftest import _resident

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def clock(time_machine):
    """Stopped before the world is built (autouse fixtures come first)."""
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def neighbour(gw):
    """A resident of building 2 (grid 2, covered by the police grid) with an account."""
    return _resident(gw.building_2, name="钱女士", user=UserFactory(username="neighbour")).user


@pytest.fixture
def stranger(gw):
    """A resident of community Y with an account."""
    gw.outsider.user = UserFactory(username="stranger")
    gw.outsider.save()
    return gw.outsider.user


def _publish(actor, community, **kwargs):
    kwargs.setdefault("title", "停水通知")
    kwargs.setdefault("body", "明天 9:00–12:00 停水。")
    return notice_publish(actor=actor, community=community, **kwargs)


def _seen(user):
    return [n.title for n in notices_for(user)]


# --- Who may publish where ----------------------------------------------------------


def test_grid_worker_publishes_to_own_grid_and_its_buildings(gw):
    x = gw.grid_1.community
    assert _publish(gw.worker_1, x, grids=[gw.grid_1]).whole_community is False
    assert _publish(gw.worker_1, x, buildings=[gw.building_1]).pk


@pytest.mark.parametrize("target", ["grid_2", "building_2", "whole"])
def test_grid_worker_may_not_publish_outside_own_grids(gw, target):
    x = gw.grid_1.community
    kwargs = {"grid_2": {"grids": [gw.grid_2]}, "building_2": {"buildings": [gw.building_2]}}
    with pytest.raises(NotAllowed):
        _publish(gw.worker_1, x, **kwargs.get(target, {}))
    assert not gw.grid_1.community.notices.exists()


def test_secretary_publishes_to_the_community_and_any_of_its_grids(gw):
    x = gw.grid_1.community
    assert _publish(gw.secretary_x, x).whole_community is True
    assert _publish(gw.secretary_x, x, grids=[gw.grid_2], buildings=[gw.building_1]).pk


@pytest.mark.parametrize("who", ["secretary_y", "officer", "party_leader_1", "dispatcher"])
def test_others_may_not_publish_in_the_community(gw, who):
    with pytest.raises(NotAllowed):
        _publish(getattr(gw, who), gw.grid_1.community, grids=[gw.grid_1])


def test_secretary_may_not_address_another_communitys_building(gw):
    y_building = gw.outsider.household.unit.building
    with pytest.raises(NotAllowed):
        _publish(gw.secretary_x, gw.grid_1.community, buildings=[y_building])


def test_publish_page_offers_only_own_grids_and_refuses_others(client, gw):
    client.force_login(gw.worker_1)
    page = client.get(reverse("grids:notice-new")).content.decode()
    assert "第一网格" in page
    assert "第二网格" not in page
    response = client.post(
        reverse("grids:notice-new"),
        {
            "community": gw.grid_1.community.pk,
            "title": "停电",
            "body": "检修",
            "grids": [gw.grid_2.pk],
        },
    )
    assert response.status_code == 400
    assert not gw.grid_1.community.notices.exists()


def test_worker_publishes_from_the_page(client, gw):
    client.force_login(gw.worker_1)
    response = client.post(
        reverse("grids:notice-new"),
        {
            "community": gw.grid_1.community.pk,
            "title": "1号楼停电检修通知",
            "body": "周三 8:00–12:00 停电。",
            "buildings": [gw.building_1.pk],
            "ends_at": "2026-11-26T12:00",
        },
    )
    notice = gw.grid_1.community.notices.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("grids:notice-detail", args=[notice.pk])
    assert notice.ends_at == datetime(2026, 11, 26, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert list(notice.buildings.all()) == [gw.building_1]


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("title", "长" * 101, "100"),
        ("body", "长" * 2001, "2000"),
        ("ends_at", "2026-11-23T08:00", ""),  # before "now", the start when none is given
    ],
)
def test_the_form_refuses_long_texts_and_an_end_before_the_start(client, gw, field, value, error):
    client.force_login(gw.secretary_x)
    data = {"community": gw.grid_1.community.pk, "title": "通知", "body": "正文", field: value}
    response = client.post(reverse("grids:notice-new"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="field-error"' in page
    assert error in page
    assert not gw.grid_1.community.notices.exists()


def test_the_service_refuses_an_end_before_the_start(gw):
    with pytest.raises(DomainError):
        _publish(gw.secretary_x, gw.grid_1.community, ends_at=NOW - timedelta(hours=1))


def test_a_resident_has_no_publish_page(client, gw):
    client.force_login(gw.tenant.user)
    assert client.get(reverse("grids:notice-new")).status_code == 404
    assert client.get(reverse("grids:notice-manage")).status_code == 404


# --- Who sees what -------------------------------------------------------------------


def test_a_building_notice_reaches_that_building_only(gw, neighbour, stranger):
    _publish(gw.worker_1, gw.grid_1.community, title="1号楼停电", buildings=[gw.building_1])
    assert _seen(gw.tenant.user) == ["1号楼停电"]
    assert _seen(neighbour) == []
    assert _seen(stranger) == []


def test_a_grid_notice_reaches_its_buildings_basic_and_overlay(gw, neighbour):
    x = gw.grid_1.community
    _publish(gw.secretary_x, x, title="二网格", grids=[gw.grid_2])
    _publish(gw.secretary_x, x, title="警务", grids=[gw.police])
    assert _seen(neighbour) == ["警务", "二网格"]  # same start: the later one first
    assert _seen(gw.tenant.user) == []


def test_a_community_notice_reaches_every_linked_resident_of_it_only(gw, neighbour, stranger):
    _publish(gw.secretary_x, gw.grid_1.community, title="疫苗接种")
    assert _seen(gw.tenant.user) == ["疫苗接种"]
    assert _seen(neighbour) == ["疫苗接种"]
    assert _seen(stranger) == []


def test_a_resident_waiting_for_confirmation_sees_community_notices_only(gw):
    newcomer = UserFactory(username="newcomer")
    HouseholdClaim.objects.create(
        claimant=newcomer, household=gw.tenant.household, name="新住户", status=ClaimStatus.PENDING
    )
    x = gw.grid_1.community
    _publish(gw.secretary_x, x, title="疫苗接种")
    _publish(gw.secretary_x, x, title="1号楼停电", buildings=[gw.building_1])
    assert _seen(newcomer) == ["疫苗接种"]
    assert _seen(UserFactory(username="nobody")) == []


def test_pinned_first_then_newest_and_only_current_ones(gw, time_machine):
    x = gw.grid_1.community
    _publish(gw.secretary_x, x, title="置顶旧通知", pinned=True, starts_at=NOW - timedelta(days=5))
    _publish(gw.secretary_x, x, title="旧通知", starts_at=NOW - timedelta(days=3))
    _publish(gw.secretary_x, x, title="新通知", starts_at=NOW - timedelta(days=1))
    _publish(
        gw.secretary_x,
        x,
        title="已过期",
        starts_at=NOW - timedelta(days=4),
        ends_at=NOW - timedelta(hours=1),
    )
    _publish(gw.secretary_x, x, title="明天起", starts_at=NOW + timedelta(days=1))
    assert _seen(gw.tenant.user) == ["置顶旧通知", "新通知", "旧通知"]
    time_machine.move_to(NOW + timedelta(days=2), tick=False)
    assert _seen(gw.tenant.user) == ["置顶旧通知", "明天起", "新通知", "旧通知"]


# --- Reading --------------------------------------------------------------------------


def test_opening_a_notice_marks_it_read_and_staff_see_the_count(client, gw, neighbour):
    notice = _publish(gw.secretary_x, gw.grid_1.community, title="疫苗接种")
    client.force_login(gw.tenant.user)
    listing = client.get(reverse("grids:notice-list")).content.decode()
    assert 'class="notice unread"' in listing
    page = client.get(reverse("grids:notice-detail", args=[notice.pk]))
    assert page.status_code == 200
    client.get(reverse("grids:notice-detail", args=[notice.pk]))  # a second opening
    assert NoticeRead.objects.filter(notice=notice).count() == 1
    listing = client.get(reverse("grids:notice-list")).content.decode()
    assert 'class="notice unread"' not in listing
    assert 'class="notice"' in listing

    # Two residents with accounts in the audience (tenant, neighbour), one has read it.
    client.force_login(gw.secretary_x)
    detail = client.get(reverse("grids:notice-detail", args=[notice.pk])).content.decode()
    reads = re.search(r'data-testid="notice-reads">([^<]*)<', detail)
    assert reads is not None
    assert re.findall(r"\d+", reads.group(1)) in (["1", "2"], ["2", "1"])
    assert not NoticeRead.objects.filter(user=gw.secretary_x).exists()


def test_figures_count_the_audience_of_buildings_and_grids(gw, neighbour):
    x = gw.grid_1.community
    b1 = _publish(gw.worker_1, x, buildings=[gw.building_1])
    police = _publish(gw.secretary_x, x, grids=[gw.police])
    whole = _publish(gw.secretary_x, x)
    notice_mark_read(notice=whole, user=neighbour)
    notice_mark_read(notice=whole, user=neighbour)
    rows = list(notices_managed(gw.secretary_x))
    figures = notice_figures(rows)
    assert (figures[b1.pk].reads, figures[b1.pk].audience) == (0, 1)
    assert (figures[police.pk].reads, figures[police.pk].audience) == (0, 1)
    assert (figures[whole.pk].reads, figures[whole.pk].audience) == (1, 2)


def test_the_residents_home_shows_current_notices_with_unread_marks(client, gw):
    _publish(gw.secretary_x, gw.grid_1.community, title="新增电动车充电桩 85 个")
    client.force_login(gw.tenant.user)
    home = client.get(reverse("role-home", args=["resident"])).content.decode()
    assert 'data-testid="notices-panel"' in home
    assert "新增电动车充电桩 85 个" in home
    assert 'data-testid="notices-unread"' in home


def test_the_home_badge_counts_unread_notices_beyond_the_five_shown(client, gw):
    notices = [_publish(gw.secretary_x, gw.grid_1.community, title=f"通知{i}") for i in range(7)]
    notice_mark_read(notice=notices[0], user=gw.tenant.user)  # not among the five shown
    client.force_login(gw.tenant.user)
    home = client.get(reverse("role-home", args=["resident"])).content.decode()
    assert home.count('data-testid="notice"') == 5
    badge = re.search(r'data-testid="notices-unread">([^<]*)<', home)
    assert badge is not None
    assert re.findall(r"\d+", badge.group(1)) == ["6"]


def test_notice_list_query_count_does_not_grow(client, gw, django_assert_num_queries):
    for i in range(25):
        _publish(gw.secretary_x, gw.grid_1.community, title=f"通知{i}")
    client.force_login(gw.tenant.user)
    # session, user, memberships (role switcher), unread bell count, page count,
    # page rows (audience and read marks as sub-selects), and notice_scope's
    # "may publish" check
    with django_assert_num_queries(7):
        page = client.get(reverse("grids:notice-list"))
    assert page.content.decode().count('data-testid="notice"') == 20


def test_manage_list_query_count_does_not_grow(client, gw, django_assert_num_queries):
    for i in range(25):
        _publish(gw.secretary_x, gw.grid_1.community, title=f"通知{i}", grids=[gw.grid_1])
    client.force_login(gw.secretary_x)
    # session, user, memberships, bell count, "may publish", page count, page rows
    # with read counts, then the figures: linked residents per building, overlay
    # buildings, grid targets, building targets
    with django_assert_num_queries(11):
        page = client.get(reverse("grids:notice-manage"))
    assert page.content.decode().count('data-testid="managed-notice"') == 20


# --- Editing and withdrawing -----------------------------------------------------------


def test_an_edit_keeps_the_earlier_text(gw):
    notice = _publish(gw.worker_1, gw.grid_1.community, title="停电", grids=[gw.grid_1])
    notice_edit(
        notice=notice,
        actor=gw.worker_1,
        title="停电（改期）",
        body="改到周四。",
        pinned=True,
        starts_at=notice.starts_at,
        ends_at=None,
    )
    notice.refresh_from_db()
    assert (notice.title, notice.pinned) == ("停电（改期）", True)
    revision = NoticeRevision.objects.get(notice=notice)
    assert (revision.title, revision.edited_by) == ("停电", gw.worker_1)


@pytest.mark.parametrize("who", ["worker_2", "secretary_y", "officer"])
def test_others_may_not_edit_or_withdraw_and_get_404(client, gw, who):
    notice = _publish(gw.worker_1, gw.grid_1.community, grids=[gw.grid_1])
    user = getattr(gw, who)
    with pytest.raises(NotAllowed):
        notice_withdraw(notice=notice, actor=user)
    client.force_login(user)
    assert client.get(reverse("grids:notice-edit", args=[notice.pk])).status_code == 404
    assert client.post(reverse("grids:notice-withdraw", args=[notice.pk])).status_code == 404
    assert client.get(reverse("grids:notice-detail", args=[notice.pk])).status_code == 404
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED


def test_the_secretary_withdraws_a_workers_notice_and_residents_no_longer_see_it(client, gw):
    notice = _publish(gw.worker_1, gw.grid_1.community, title="停电", grids=[gw.grid_1])
    client.force_login(gw.secretary_x)
    response = client.post(reverse("grids:notice-withdraw", args=[notice.pk]))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert (notice.status, notice.withdrawn_by) == (NoticeStatus.WITHDRAWN, gw.secretary_x)
    assert _seen(gw.tenant.user) == []
    client.force_login(gw.tenant.user)
    assert client.get(reverse("grids:notice-detail", args=[notice.pk])).status_code == 404
    # The author still finds it, marked withdrawn; it cannot be changed any more.
    client.force_login(gw.worker_1)
    assert client.get(reverse("grids:notice-detail", args=[notice.pk])).status_code == 200
    assert client.get(reverse("grids:notice-edit", args=[notice.pk])).status_code == 404
    assert notice_withdraw(notice=notice, actor=gw.worker_1).status == NoticeStatus.WITHDRAWN
    with pytest.raises(Conflict):
        notice_edit(
            notice=notice,
            actor=gw.worker_1,
            title="x",
            body="y",
            pinned=False,
            starts_at=NOW,
            ends_at=None,
        )


# --- The residents' group bot --------------------------------------------------------------


def test_a_notice_goes_to_the_residents_group_bot_after_commit(
    gw, bot, django_capture_on_commit_callbacks
):
    x = gw.grid_1.community
    x.bot_webhook_url = "http://127.0.0.1:9/the-staff-bot-must-not-get-this"
    x.residents_bot_webhook_url = bot.url
    x.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _publish(
            gw.secretary_x, x, title="疫苗接种", body="社区卫生室每三天一次", to_group_bot=True
        )
        assert bot.received == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert len(bot.received) == 1
    content = bot.received[0]["text"]["content"]
    assert content.startswith("疫苗接种\n")
    assert "社区卫生室每三天一次" in content
    row = Notification.objects.get(channel=Channel.WEBHOOK)
    assert (row.status, row.target) == (DeliveryStatus.SENT, bot.url)


def test_no_group_bot_post_unless_asked(gw, bot, django_capture_on_commit_callbacks):
    x = gw.grid_1.community
    x.residents_bot_webhook_url = bot.url
    x.save()
    with django_capture_on_commit_callbacks(execute=True):
        _publish(gw.secretary_x, x)
    assert bot.received == []
    assert not Notification.objects.exists()


def test_notices_keep_no_hard_delete_in_the_admin(admin_client, gw):
    notice = _publish(gw.secretary_x, gw.grid_1.community)
    url = reverse("admin:grids_notice_delete", args=[notice.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert notice.__class__.objects.filter(pk=notice.pk).exists()


def test_the_building_poster_shows_its_current_notices_to_anyone(client, gw, clock):
    """Scanning the poster at building 1 shows what is taped up in its stairwell:
    the community's notices, grid 1's and building 1's, not building 2's."""
    from grids.printing import building_token
    from grids.services.notices import notice_publish

    whole = notice_publish(
        actor=gw.secretary_x,
        community=gw.grid_1.community,
        title="疫苗接种：社区卫生室每三天一次",
        body="9:00–17:00，行动不便的居民可预约上门。",
    )
    mine = notice_publish(
        actor=gw.worker_1,
        community=gw.grid_1.community,
        title="1号楼停水通知",
        body="明天9:00–12:00 停水。",
        buildings=[gw.building_1],
    )
    other = notice_publish(
        actor=gw.worker_2,
        community=gw.grid_1.community,
        title="2号楼电梯检修",
        body="周三上午。",
        buildings=[gw.building_2],
    )
    page = client.get(reverse("building-public", args=[building_token(gw.building_1)]))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="building-notice"') == 2
    assert whole.title in html
    assert mine.title in html
    assert "明天9:00–12:00 停水" in html
    assert other.title not in html
