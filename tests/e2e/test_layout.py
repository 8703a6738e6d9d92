"""Every form a grid worker, resident, secretary, mediator or volunteer fills in, on a
phone 360 and 390 px wide: a full-page screenshot of each (test-artifacts/screenshots/), no
page wider than the screen, and on the pages grid workers and residents use every tap
target in the page's main content at least 44 px tall.

The demo is seeded once for the module and one live server serves it; each role signs
in once (one browser context a role) and every (page, width) is its own test, so a
failure names the page and the width, with what sticks out or is too small to tap.
Action panels folded away in <details> are opened first: their forms count too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from community.management.commands.seed_demo import DEFAULT_PASSWORD

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WIDTHS = (360, 390)
HEIGHT = 800
MIN_TAP = 44  # px, the smallest tap target on a worker's or resident's page
NEWCOMER = "13955551101"  # a resident with an account and no home yet
CLAIMANT = "13955551102"  # a resident whose claim waits for the grid worker
STRANGER = "13955551103"  # a number with no account (sign-up)

# What the page's main content offers to tap. A checkbox or radio is tapped
# through its label, so the label is measured for it (the box itself is 16 px).
_TAP_TARGETS_JS = """
(minimum) => {
  const main = document.querySelector("main");
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary";
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    if (el.getAttribute("name")) s += `[name=${el.getAttribute("name")}]`;
    if (el.dataset.testid) s += `[data-testid=${el.dataset.testid}]`;
    if (el.classList.length) s += "." + [...el.classList].join(".");
    return s;
  };
  const seen = new Set();
  const small = [];
  for (const el of main.querySelectorAll(selector)) {
    let target = el;
    if (el.matches("input[type=checkbox], input[type=radio]")) {
      target = el.closest("label")
        || (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`))
        || el;
    }
    if (seen.has(target)) continue;
    seen.add(target);
    const box = target.getBoundingClientRect();
    const style = getComputedStyle(target);
    if (!box.width || !box.height || style.visibility === "hidden") continue;
    if (box.height < minimum) {
      const text = (target.innerText || target.value || target.getAttribute("aria-label") || "")
        .trim().replace(/\\s+/g, " ").slice(0, 40);
      const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
      small.push(`${describe(target)} "${text}" ${size}`);
    }
  }
  return small;
}
"""

# Whether the page scrolls sideways, and the outermost elements whose right edge
# passes the viewport's (ones inside a box that scrolls or clips are not the cause).
_OVERFLOW_JS = """
(width) => {
  const limit = Math.min(window.innerWidth, width) + 0.5;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  const sticks = (el) => el.getBoundingClientRect().right > limit;
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!sticks(el) || clipped(el)) continue;
    const parent = el.parentElement;
    if (parent && parent !== document.body && sticks(parent)
        && parent.getBoundingClientRect().right >= el.getBoundingClientRect().right) continue;
    const box = el.getBoundingClientRect();
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    if (el.getAttribute("name")) s += `[name=${el.getAttribute("name")}]`;
    if (el.classList.length) s += "." + [...el.classList].join(".");
    const text = (el.innerText || "").trim().replace(/\\s+/g, " ").slice(0, 30);
    out.push(`${s} "${text}" right=${Math.round(box.right)} width=${Math.round(box.width)}`);
    if (out.length >= 12) break;
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, out};
}
"""


# --- the pages ----------------------------------------------------------------------


def _petition_with_actions(username: str, statuses: tuple[str, ...]) -> str:
    """A request ``username`` may act on now, in one of ``statuses`` (the first found)."""
    from community.models import User
    from petitions import selectors, services

    user = User.objects.get(username=username)
    candidates = selectors.petition_list(user).filter(status__in=statuses).order_by("pk")
    for p in candidates:
        if services.allowed_actions(p, services.desks_of(user, p)):
            return f"/requests/{p.pk}/"
    raise AssertionError(f"the demo has no request {username} can act on in {statuses}")


def _case_with_actions() -> str:
    from community.models import User
    from mediation import services
    from mediation.models import MediationCase

    user = User.objects.get(username="tiaojie")
    for case in MediationCase.objects.order_by("pk"):
        if services.allowed_actions(case, user):
            return f"/mediation/{case.pk}/"
    raise AssertionError("the demo has no mediation case the mediator can act on")


def _upcoming_activity(audience: str) -> Any:
    from django.utils import timezone

    from volunteers.models import Activity, ActivityStatus

    return (
        Activity.objects.filter(
            audience=audience, status=ActivityStatus.SCHEDULED, starts_at__gt=timezone.now()
        )
        .order_by("starts_at")
        .first()
    )


def _activity_for_leader() -> str:
    from community.models import User
    from volunteers.models import Activity, Team

    teams = Team.objects.managed_by(User.objects.get(username="zhiyuan"))
    activity = (
        Activity.objects.filter(team__in=teams, status="scheduled").order_by("starts_at").first()
    )
    assert activity is not None, "the demo has no activity for the team leader"
    return f"/volunteers/activities/{activity.pk}/"


def _activity_for_residents() -> str:
    activity = _upcoming_activity("residents")
    assert activity is not None, "the demo has no upcoming activity open to residents"
    return f"/volunteers/activities/{activity.pk}/"


def _check_in() -> str:
    from volunteers import services

    activity = _upcoming_activity("residents")
    assert activity is not None
    return f"/volunteers/activities/{activity.pk}/check-in/{services.checkin_code(activity)}/"


def _building_token() -> str:
    from grids.models import Building
    from grids.printing import building_token

    building = Building.objects.get(number=11, community__name="御景花园社区")
    return building_token(building)


def _claim_detail() -> str:
    from grids.models import HouseholdClaim

    claim = HouseholdClaim.objects.get(claimant__phone=CLAIMANT)
    return f"/grids/claims/{claim.pk}/"


def _send_code(path: str, phone: str) -> Callable[[Any, str], None]:
    """The code-entry page of an SMS flow: ask for a code first, as a person would."""

    def steps(page: Any, base: str) -> None:
        page.goto(base + path)
        page.locator("main input[name=phone]").fill(phone)
        page.get_by_test_id("send-code").click()
        page.get_by_test_id("enter-code").wait_for()

    return steps


def _poster_phone(page: Any, base: str) -> None:
    page.goto(f"{base}/b/{_building_token()}/report/")
    page.locator("select[name=category]").select_option(index=1)
    page.locator("textarea[name=description]").fill("11号楼门口的电动车充电桩有一个不通电。")
    page.get_by_test_id("poster-next").click()
    page.get_by_test_id("poster-phone-form").wait_for()


def _poster_code(page: Any, base: str) -> None:
    _poster_phone(page, base)
    page.get_by_test_id("poster-phone-form").locator("input[name=phone]").fill("13955551109")
    page.get_by_test_id("poster-send-code").click()
    page.get_by_test_id("poster-code-form").wait_for()


def _visit_form(page: Any, base: str) -> None:
    page.goto(f"{base}/grids/visits/")
    page.get_by_test_id("visit-due").first.get_by_role("link", name="登记走访").click()
    page.wait_for_load_state()


@dataclass(frozen=True)
class Form:
    name: str
    role: str  # the demo login, or "" for someone not signed in
    path: str | Callable[[], str] = ""  # a fixed path, or one looked up in the demo
    steps: Callable[[Any, str], None] | None = None  # or how to get there in the browser
    taps: bool = True  # a grid worker's or resident's page: every tap target >= 44 px


FORMS = [
    # Signing in and a resident's own account.
    Form("login", "", "/login/"),
    Form("sign-up", "", "/account/sign-up/"),
    Form("sign-up-code", "", steps=_send_code("/account/sign-up/", STRANGER)),
    Form("code-sign-in", "", "/account/code-sign-in/"),
    Form("code-sign-in-code", "", steps=_send_code("/account/code-sign-in/", "13800000035")),
    Form("reset", "", "/account/reset/"),
    Form("reset-code", "", steps=_send_code("/account/reset/", "13800000035")),
    Form("account", "jumin", "/account/"),
    Form("password-change", "jumin", "/account/password/"),
    Form("claim-home", NEWCOMER, "/grids/my-home/"),
    # A resident's request: signed in, and from a building's poster without an account.
    Form("request-new", "jumin", "/requests/new/"),
    Form("request-resident", "jumin", lambda: _petition_with_actions("jumin", ("accepted",))),
    Form("poster-building", "", lambda: f"/b/{_building_token()}/"),
    Form("poster-report", "", lambda: f"/b/{_building_token()}/report/"),
    Form("poster-phone", "", steps=_poster_phone),
    Form("poster-code", "", steps=_poster_code),
    # A grid worker on her rounds.
    Form("patrol-start", "wangge", "/grids/patrol/"),
    Form("patrol-check-in", "wangge2", "/grids/patrol/"),
    Form("hazard-new", "wangge", "/grids/hazards/new/"),
    Form("visit", "wangge", steps=_visit_form),
    Form("work-log", "wangge", "/grids/log/"),
    Form("claim-confirm", "wangge3", _claim_detail),
    Form("request-record", "wangge", "/requests/record/"),
    Form(
        "request-worker",
        "wangge",
        lambda: _petition_with_actions("wangge", ("submitted", "accepted", "returned")),
    ),
    Form("notice-new-worker", "wangge", "/grids/notices/new/"),
    # The secretary's desk.
    Form("notice-new", "shuji", "/grids/notices/new/", taps=False),
    Form(
        "request-secretary",
        "shuji",
        lambda: _petition_with_actions("shuji", ("accepted", "in_community")),
        taps=False,
    ),
    # The mediation room.
    Form("mediation-new", "tiaojie", "/mediation/new/", taps=False),
    Form("mediation-case", "tiaojie", _case_with_actions, taps=False),
    # Volunteers: the team leader's forms, a volunteer's sign-up and check-in.
    Form("activity-new", "zhiyuan", "/volunteers/activities/new/"),
    Form("activity-leader", "zhiyuan", _activity_for_leader),
    Form("team-new", "zhiyuan", "/volunteers/teams/new/", taps=False),
    Form("activity-sign-up", "jumin", _activity_for_residents),
    Form("activity-check-in", "jumin", _check_in),
]


def _cases() -> Iterator[Any]:
    for form in FORMS:
        for width in WIDTHS:
            yield pytest.param(form, width, id=f"{form.name}-{width}")


# --- the site and the people -------------------------------------------------------


@pytest.fixture(scope="module")
def site(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The demo, seeded once and served by one live server for the whole module.

    Pages are only looked at (the code and poster steps post, and change nothing
    another page shows), so no test needs the data back as it was; the tables
    are emptied afterwards for the next module, as a transactional test does.
    """
    from io import StringIO

    from django.core.management import call_command
    from django.test import override_settings
    from pytest_django.live_server_helper import LiveServer

    from community.models import User
    from community.services.accounts import account_sign_up
    from grids.models import Grid, Household
    from grids.services.claims import claim_file
    from grids.services.patrols import patrol_start

    with (
        django_db_blocker.unblock(),
        override_settings(DEMO_SCALE=0.1, MEDIA_ROOT=tmp_path_factory.mktemp("layout-media")),
    ):
        call_command("seed_demo", stdout=StringIO())
        account_sign_up(phone=NEWCOMER, name="林小雨", password="Yujing-garden-3")
        claimant = account_sign_up(phone=CLAIMANT, name="何静", password="Yujing-garden-3")
        home = (
            Household.objects.select_related("unit__building")
            .filter(unit__building__grid__name="第三网格")
            .first()
        )
        assert home is not None
        claim_file(
            actor=claimant,
            community=home.unit.building.community,
            building_number=home.unit.building.number,
            unit_number=home.unit.number,
            room=home.room,
            name="何静",
        )
        wangge2 = User.objects.get(username="wangge2")
        patrol_start(worker=wangge2, grid=Grid.objects.get(name="第二网格"))
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server.url
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def db() -> None:
    """Not pytest-django's ``db``: no transaction around a test, whose rollback would
    take the roles' sessions with it on an in-memory SQLite shared with the server.
    The name alone has pytest-django set the test database up for this module."""


@pytest.fixture(scope="module")
def phones(browser: Any, site: str) -> Iterator[Callable[[str], Any]]:
    """One signed-in phone (a browser context and its tab) per role, made when first asked."""
    opened: dict[str, Any] = {}

    def phone(login: str) -> Any:
        if login not in opened:
            context = browser.new_context(
                viewport={"width": WIDTHS[-1], "height": HEIGHT},
                locale="zh-CN",
                is_mobile=True,
                has_touch=True,
            )
            page = context.new_page()
            if login:
                password = "Yujing-garden-3" if login.isdigit() else DEFAULT_PASSWORD
                page.goto(f"{site}/login/")
                page.locator("main input[name=username]").fill(login)
                page.locator("main input[name=password]").fill(password)
                page.locator("main button[type=submit]").first.click()
                page.wait_for_url(lambda url: "/login/" not in url)
            opened[login] = page
        return opened[login]

    yield phone
    for page in opened.values():
        page.context.close()


# --- the test ----------------------------------------------------------------------


@pytest.mark.parametrize(("form", "width"), list(_cases()))
def test_form_fits_the_phone(
    db: None, site: str, phones: Callable[[str], Any], form: Form, width: int
) -> None:
    page = phones(form.role)
    page.set_viewport_size({"width": width, "height": HEIGHT})
    if form.steps is not None:
        form.steps(page, site)
    else:
        path = form.path() if callable(form.path) else form.path
        response = page.goto(site + path)
        assert response is not None, path
        assert response.status == 200, f"{path}: {response.status}"
    page.evaluate("document.querySelectorAll('main details').forEach(d => { d.open = true; })")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{form.name}-{width}.png"), full_page=True)

    problems: list[str] = []
    overflow = page.evaluate(_OVERFLOW_JS, width)
    if overflow["scrollWidth"] > width or overflow["out"]:
        problems.append(
            f"the page is {overflow['scrollWidth']} px wide on a {width} px screen; sticking out:"
        )
        problems += [f"  {line}" for line in overflow["out"]]
    if form.taps:
        small = page.evaluate(_TAP_TARGETS_JS, MIN_TAP)
        if small:
            problems.append(f"tap targets under {MIN_TAP} px tall:")
            problems += [f"  {line}" for line in small]
    assert not problems, f"{form.name} at {width} px ({page.url}):\n" + "\n".join(problems)
