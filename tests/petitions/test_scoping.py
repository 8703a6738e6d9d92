"""Who sees a request: the cast of every role on the pages, the API and the photos.

Someone outside a request's scope gets 404 (never 403: a request they may not
see reads exactly like one that does not exist) and never finds it in a list.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from petitions.models import Action, Petition, Status
from tests.petitions.conftest import PetitionWorld, move, walk_to
from tests.photos import phone_jpeg

LIST = "/requests/"
API_LIST = "/api/v1/petitions/"


def who(pw: PetitionWorld, name: str):
    return getattr(pw, name, None) or getattr(pw.gw, name)


def what_they_see(client, p: Petition) -> dict[str, object]:
    """The request as one person meets it: in both lists, on both detail views."""
    html_list = client.get(LIST)
    api_list = client.get(API_LIST)
    assert html_list.status_code == api_list.status_code == 200
    return {
        "html list": p.reference in html_list.content.decode(),
        "html detail": client.get(f"/requests/{p.pk}/").status_code,
        "api list": p.pk in [row["id"] for row in api_list.json()["results"]],
        "api detail": client.get(f"{API_LIST}{p.pk}/").status_code,
    }


SEES = {"html list": True, "html detail": 200, "api list": True, "api detail": 200}
HIDDEN = {"html list": False, "html detail": 404, "api list": False, "api detail": 404}


# --- The cast ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "tenant",  # the requester
        "worker_1",  # grid 1, where the building is
        "party_leader_1",  # grid 1 staff too
        "secretary_x",
        "dispatcher",
        "lead",
        "admin",
    ],
)
def test_requester_and_staff_of_its_grid_community_and_street_see_the_request(client, pw, name):
    p = pw.submit()
    client.force_login(who(pw, name))
    assert what_they_see(client, p) == SEES


@pytest.mark.parametrize(
    "name",
    [
        "neighbour",  # a resident of grid 2, same community
        "resident_y",  # a resident of community Y
        "worker_2",  # grid 2 of the same community
        "officer",  # the police grid covers building 2, not building 1
        "secretary_y",
        "handler",  # nothing dispatched to city management yet
        "power_handler",
        "far_handler",
    ],
)
def test_outsiders_get_404_and_do_not_find_the_request_in_lists(client, pw, name):
    p = pw.submit()
    client.force_login(who(pw, name))
    assert what_they_see(client, p) == HIDDEN


def test_worker_of_another_grid_gets_404(client, pw):
    p = pw.submit()
    own = pw.submit(actor=pw.neighbour, building=pw.gw.building_2)
    client.force_login(pw.gw.worker_2)
    assert what_they_see(client, p) == HIDDEN
    assert what_they_see(client, own) == SEES  # their own grid's request, to be sure


def test_department_sees_the_request_only_once_it_is_dispatched_to_it(client, pw):
    p = walk_to(pw, pw.submit(), Status.ESCALATED)
    client.force_login(pw.handler)
    assert what_they_see(client, p) == HIDDEN
    p = move(p, pw.gw.dispatcher, Action.DISPATCH, department=pw.city)
    assert what_they_see(client, p) == SEES


def test_a_handler_assigned_from_another_grid_sees_the_request_they_must_resolve(client, pw):
    g = pw.gw
    p = move(pw.submit(), g.worker_1, Action.ACCEPT)
    p = move(p, g.secretary_x, Action.ASSIGN, assignee=g.worker_2)  # offered by the form
    assert (p.status, p.assignee) == (Status.IN_COMMUNITY, g.worker_2)
    client.force_login(g.worker_2)
    assert what_they_see(client, p) == SEES
    response = client.post(f"{API_LIST}{p.pk}/move/", {"action": "resolve", "result": "已修好"})
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["power_handler", "far_handler"])
def test_other_departments_get_404_after_dispatch_to_city_management(client, pw, name):
    p = walk_to(pw, pw.submit(), Status.DISPATCHED)
    client.force_login(who(pw, name))
    assert what_they_see(client, p) == HIDDEN


def test_admin_sees_requests_of_every_community(client, pw):
    x = pw.submit()
    y = pw.submit(actor=pw.resident_y, building=pw.gw.outsider.household.unit.building)
    client.force_login(pw.gw.admin)
    assert what_they_see(client, x) == what_they_see(client, y) == SEES
    assert client.get(API_LIST).json()["count"] == 2
    client.force_login(pw.gw.secretary_x)
    assert what_they_see(client, y) == HIDDEN


def test_resident_whose_request_was_merged_sees_the_original(client, pw):
    original = pw.submit()
    theirs = pw.submit(actor=pw.neighbour, building=pw.gw.building_1)
    theirs = move(theirs, pw.gw.worker_1, Action.MERGE, original=original)
    assert theirs.merged_into == original
    client.force_login(pw.neighbour)
    assert what_they_see(client, original) == SEES
    assert what_they_see(client, theirs) == SEES
    # Only the one theirs went into: another request of the tenant stays hidden.
    other = pw.submit(description="电梯异响")
    assert what_they_see(client, other) == HIDDEN


# --- What the requester does not see ----------------------------------------------------

INTERNAL = "业主与物业有纠纷，注意沟通方式"


def _with_internal_steps(pw: PetitionWorld) -> Petition:
    """Escalated with an internal note, dispatched, then warned by the deadline watch."""
    g = pw.gw
    p = move(pw.submit(), g.worker_1, Action.ACCEPT)
    p = move(p, g.secretary_x, Action.ESCALATE, reason="需要城管执法", internal_note=INTERNAL)
    p = move(p, g.dispatcher, Action.DISPATCH, department=pw.city)
    p = move(p, None, Action.DEADLINE_NEAR, cycle=p.deadline_cycle)
    assert p.events.filter(action=Action.DEADLINE_NEAR, public=False).exists()
    return p


def test_requester_does_not_see_internal_notes_or_the_deadline_watch_on_the_page(client, pw):
    p = _with_internal_steps(pw)
    client.force_login(pw.tenant)
    page = client.get(f"/requests/{p.pk}/").content.decode()
    assert 'data-action="escalate"' in page
    assert "需要城管执法" not in page  # the reason is about the handling: not shared
    assert INTERNAL not in page
    assert 'data-action="deadline_near"' not in page


def test_requester_reads_an_escalation_reason_the_secretary_chose_to_share(client, pw):
    g = pw.gw
    p = move(pw.submit(), g.worker_1, Action.ACCEPT)
    move(p, g.secretary_x, Action.ESCALATE, reason="需要城管执法", share=True)
    client.force_login(pw.tenant)
    assert "需要城管执法" in client.get(f"/requests/{p.pk}/").content.decode()


@pytest.mark.parametrize("name", ["worker_1", "secretary_x", "dispatcher", "handler"])
def test_staff_see_internal_notes_and_the_deadline_watch_on_the_page(client, pw, name):
    p = _with_internal_steps(pw)
    client.force_login(who(pw, name))
    page = client.get(f"/requests/{p.pk}/").content.decode()
    assert INTERNAL in page
    assert 'data-action="deadline_near"' in page


def test_requester_gets_only_public_steps_without_internal_notes_from_the_api(client, pw):
    p = _with_internal_steps(pw)
    client.force_login(pw.tenant)
    events = client.get(f"{API_LIST}{p.pk}/events/").json()
    assert [e["action"] for e in events] == ["submit", "accept", "escalate", "dispatch"]
    assert {e["internal_note"] for e in events} == {""}
    assert INTERNAL not in str(client.get(f"{API_LIST}{p.pk}/").json())


def test_staff_get_every_step_with_internal_notes_from_the_api(client, pw):
    p = _with_internal_steps(pw)
    client.force_login(pw.gw.secretary_x)
    events = client.get(f"{API_LIST}{p.pk}/events/").json()
    assert [e["action"] for e in events] == [
        "submit",
        "accept",
        "escalate",
        "dispatch",
        "deadline_near",
    ]
    assert events[2]["internal_note"] == INTERNAL


@pytest.mark.parametrize("name", ["worker_2", "secretary_y", "power_handler", "neighbour"])
def test_outsiders_get_404_for_the_events_of_a_request(client, pw, name):
    p = _with_internal_steps(pw)
    client.force_login(who(pw, name))
    assert client.get(f"{API_LIST}{p.pk}/events/").status_code == 404


# --- Photos --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("tenant", 200),
        ("worker_1", 200),
        ("secretary_x", 200),
        ("worker_2", 404),
        ("neighbour", 404),
        ("secretary_y", 404),
        ("power_handler", 404),
        ("resident_y", 404),
    ],
)
def test_request_photos_are_404_for_outsiders(client, pw, name, expected):
    p = pw.submit(photos=[phone_jpeg()])
    photo = p.photos.get()
    client.force_login(who(pw, name))
    for size in ("thumb", "full"):
        response = client.get(reverse("petitions:photo", args=[photo.pk, size]))
        assert response.status_code == expected
        if expected == 200:
            assert b"".join(response.streaming_content).startswith(b"\xff\xd8")  # a JPEG


def test_request_photos_need_a_sign_in(client, pw):
    photo = pw.submit(photos=[phone_jpeg()]).photos.get()
    response = client.get(reverse("petitions:photo", args=[photo.pk, "thumb"]))
    assert response.status_code == 302
    assert client.get("/media/" + photo.image.name).status_code == 404


# --- Query counts --------------------------------------------------------------------------


def _fill(pw: PetitionWorld, n: int) -> None:
    """``n`` requests of community X, in both grids, some dispatched to a department."""
    for i in range(n):
        if i % 2:
            p = pw.submit(description=f"楼道灯不亮 {i}")
            if i % 4 == 1:  # the walk goes through grid 1's worker
                walk_to(pw, p, Status.DISPATCHED)
        else:
            pw.submit(actor=pw.neighbour, building=pw.gw.building_2, description=f"{i}")


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_page_query_count_does_not_grow_with_rows(client, pw, django_assert_num_queries):
    _fill(pw, 21)
    client.force_login(pw.gw.secretary_x)
    # session, user, memberships; count of requests in scope; unread messages;
    # the grid filter (exists, then its choices); the page of requests with
    # building, grid, community and department
    with django_assert_num_queries(8):
        page = client.get(LIST).content.decode()
    assert page.count('data-testid="petition"') == 20
    _fill(pw, 24)
    assert _queries(client, LIST) == 8
    assert _queries(client, LIST + "?page=3") == 8
    assert client.get(LIST + "?page=3").content.decode().count('data-testid="petition"') == 5


def test_api_list_query_count_does_not_grow_with_rows(client, pw, django_assert_num_queries):
    _fill(pw, 21)
    client.force_login(pw.gw.secretary_x)
    # session, user, memberships (admin check); count; page of requests with
    # building, grid, community, department
    with django_assert_num_queries(5):
        data = client.get(API_LIST).json()
    assert (data["count"], len(data["results"])) == (21, 20)
    _fill(pw, 24)
    assert _queries(client, API_LIST) == 5
    assert client.get(API_LIST).json()["count"] == 45
