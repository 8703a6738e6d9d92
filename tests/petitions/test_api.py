"""The requests API: filing with retries, moves with their refusals, the timeline, filters."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from petitions.models import Action, Petition, PetitionEvent, PetitionPhoto, Status
from tests.petitions.conftest import PetitionWorld, move, walk_to
from tests.photos import not_an_image, phone_jpeg

API = "/api/v1/petitions/"


@pytest.fixture
def client(client, settings):
    """Refusals are matched on their English text: the language switch's cookie says so."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def post(client, url: str, data: dict, **kwargs):
    return client.post(url, data, content_type="application/json", **kwargs)


def filing(pw: PetitionWorld, **kwargs) -> dict:
    data = {
        "category": "safety",
        "building": pw.building_1.pk,
        "description": "楼道里电动车飞线充电",
    }
    data.update(kwargs)
    return data


# --- Filing ----------------------------------------------------------------------------


def test_resident_files_a_request_and_gets_its_reference(client, pw):
    client.force_login(pw.tenant)
    response = post(client, API, filing(pw, place_note="3单元5楼"))
    assert response.status_code == 201, response.content
    body = response.json()
    p = Petition.objects.get()
    assert body["id"] == p.pk
    assert re.fullmatch(r"\d{8}-\d{5}", body["reference"])
    assert body["reference"] == p.reference
    assert (body["status"], body["channel"], body["place_note"]) == (
        "submitted",
        "online",
        "3单元5楼",
    )
    assert p.requester == pw.tenant
    assert body["allowed_actions"] == ["withdraw"]


def test_the_same_client_token_again_returns_the_first_request(client, pw):
    client.force_login(pw.tenant)
    token = str(uuid.uuid4())
    first = post(client, API, filing(pw, client_token=token))
    again = post(client, API, filing(pw, client_token=token))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["reference"] == first.json()["reference"]
    assert Petition.objects.count() == 1
    assert PetitionEvent.objects.filter(action=Action.SUBMIT).count() == 1


def test_the_same_idempotency_key_header_again_returns_the_first_request(client, pw):
    client.force_login(pw.tenant)
    first = post(client, API, filing(pw), headers={"Idempotency-Key": "phone-7f3a-0001"})
    again = post(client, API, filing(pw), headers={"Idempotency-Key": "phone-7f3a-0001"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Petition.objects.count() == 1
    other = post(client, API, filing(pw), headers={"Idempotency-Key": "phone-7f3a-0002"})
    assert other.status_code == 201
    assert Petition.objects.count() == 2


def test_an_unknown_category_is_refused_with_a_clear_message(client, pw):
    client.force_login(pw.tenant)
    response = post(client, API, filing(pw, category="fireworks"))
    assert response.status_code == 400
    assert response.json() == {"category": ['"fireworks" is not a valid choice.']}
    assert not Petition.objects.exists()


def test_a_resident_cannot_file_at_a_building_of_another_community(client, pw):
    client.force_login(pw.tenant)
    building_y = pw.gw.outsider.household.unit.building
    other = post(client, API, filing(pw, building=building_y.pk))
    made_up = post(client, API, filing(pw, building=999999))
    assert other.status_code == made_up.status_code == 400
    message = other.json()["building"][0]
    assert "does not exist" in message
    # Another community's building reads exactly like one that does not exist.
    assert message.replace(str(building_y.pk), "N") == made_up.json()["building"][0].replace(
        "999999", "N"
    )
    assert not Petition.objects.exists()


def test_an_empty_description_is_refused(client, pw):
    client.force_login(pw.tenant)
    response = post(client, API, filing(pw, description="   "))
    assert response.status_code == 400
    assert response.json() == {"description": ["This field may not be blank."]}
    assert not Petition.objects.exists()


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_is_saved(client, pw):
    client.force_login(pw.tenant)
    response = client.post(API, {**filing(pw), "photos": [phone_jpeg(), not_an_image()]})
    assert response.status_code == 400
    assert "not a photo that can be read" in response.json()["detail"]
    assert not Petition.objects.exists()
    assert not PetitionPhoto.objects.exists()


def test_photos_sent_as_multipart_are_kept_with_the_request(client, pw):
    client.force_login(pw.tenant)
    response = client.post(API, {**filing(pw), "photos": [phone_jpeg()]})
    assert response.status_code == 201, response.content
    p = Petition.objects.get()
    assert p.photos.count() == 1
    events = client.get(f"{API}{p.pk}/events/").json()
    url = events[0]["photos"][0]["thumbnail_url"]
    assert client.get(url).status_code == 200


# --- Moves ------------------------------------------------------------------------------


def at(pw: PetitionWorld, status: str) -> Petition:
    return walk_to(pw, pw.submit(), status)


def unchanged(p: Petition) -> tuple:
    fresh = Petition.objects.get(pk=p.pk)
    return (fresh.status, fresh.version, fresh.department_id, fresh.due_at, fresh.events.count())


def test_grid_worker_accepts_through_the_api(client, pw):
    p = pw.submit()
    client.force_login(pw.gw.worker_1)
    response = post(
        client,
        f"{API}{p.pk}/move/",
        {"action": "accept", "version": p.version, "priority": "urgent", "note": "已收到"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["priority"], body["version"]) == ("accepted", "urgent", 2)
    event = p.events.order_by("-id").first()
    assert (event.action, event.actor, event.public_note) == ("accept", pw.gw.worker_1, "已收到")


def test_escalate_without_a_reason_is_refused_and_nothing_changes(client, pw):
    p = at(pw, Status.ACCEPTED)
    before = unchanged(p)
    client.force_login(pw.gw.secretary_x)
    response = post(client, f"{API}{p.pk}/move/", {"action": "escalate", "reason": "  "})
    assert response.status_code == 400
    assert response.json() == {"reason": ["This field is required."]}
    assert unchanged(p) == before
    ok = post(client, f"{API}{p.pk}/move/", {"action": "escalate", "reason": "需要城管执法"})
    assert ok.json()["status"] == "escalated"


def test_dispatch_to_a_department_of_another_street_is_refused(client, pw):
    p = at(pw, Status.ESCALATED)
    before = unchanged(p)
    client.force_login(pw.gw.dispatcher)
    response = post(
        client, f"{API}{p.pk}/move/", {"action": "dispatch", "department": pw.far_department.pk}
    )
    assert response.status_code == 400
    assert "valid choice" in response.json()["department"][0]
    assert unchanged(p) == before


def test_dispatch_with_a_deadline_in_the_past_is_refused(client, pw):
    p = at(pw, Status.ESCALATED)
    before = unchanged(p)
    client.force_login(pw.gw.dispatcher)
    response = post(
        client,
        f"{API}{p.pk}/move/",
        {
            "action": "dispatch",
            "department": pw.city.pk,
            "due_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "The deadline must be in the future."}
    assert unchanged(p) == before


@pytest.mark.parametrize(
    ("due", "detail"),
    [
        # A pause moves the deadline on: from 9999-12-31 that was a 500 on resuming.
        ("9999-12-31T23:00:00+08:00", {"detail": "The deadline must be on 2999-12-31 or before."}),
        ("3000-01-01T00:00:00+08:00", {"detail": "The deadline must be on 2999-12-31 or before."}),
        # Before year 1 in Shanghai's time: DRF refuses it.
        ("0001-01-01T00:00:00+14:00", {"due_at": ["Datetime value out of range."]}),
    ],
)
def test_dispatch_with_a_deadline_no_clock_can_hold_is_refused(client, pw, due, detail):
    p = at(pw, Status.ESCALATED)
    before = unchanged(p)
    client.force_login(pw.gw.dispatcher)
    response = post(
        client,
        f"{API}{p.pk}/move/",
        {"action": "dispatch", "department": pw.city.pk, "due_at": due},
    )
    assert (response.status_code, response.json()) == (400, detail)
    assert unchanged(p) == before


def test_dispatch_with_a_deadline_sets_it(client, pw):
    p = at(pw, Status.ESCALATED)
    due = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    client.force_login(pw.gw.dispatcher)
    response = post(
        client,
        f"{API}{p.pk}/move/",
        {"action": "dispatch", "department": pw.city.pk, "due_at": due.isoformat()},
    )
    assert response.status_code == 200, response.content
    assert response.json()["department_name"] == pw.city.name
    p.refresh_from_db()
    # The deadline is the one promised; the order's clock is the sign-for limit.
    assert (p.status, p.department, p.promised_at) == (Status.DISPATCHED, pw.city, due)
    assert p.due_at == p.sign_by < due
    body = response.json()
    assert datetime.fromisoformat(body["promised_at"]) == due
    assert datetime.fromisoformat(body["due_at"]) == p.sign_by


def test_a_move_from_a_stale_version_gets_409_with_reload_and_changes_nothing(client, pw):
    g = pw.gw
    p = move(
        move(pw.submit(), g.worker_1, Action.ACCEPT), g.secretary_x, "assign", assignee=g.worker_1
    )
    seen = p.version  # the secretary's page
    move(p, g.worker_1, Action.HOLD, reason="等业主回家")  # same status, new version
    before = unchanged(p)
    client.force_login(g.secretary_x)
    response = post(
        client,
        f"{API}{p.pk}/move/",
        {"action": "escalate", "reason": "需要城管执法", "version": seen},
    )
    assert response.status_code == 409
    assert "Reload" in response.json()["detail"]
    assert unchanged(p) == before


def test_a_move_the_current_status_does_not_allow_gets_409(client, pw):
    p = at(pw, Status.ACCEPTED)  # worker_1 got there first
    before = unchanged(p)
    client.force_login(pw.gw.secretary_x)
    response = post(client, f"{API}{p.pk}/move/", {"action": "accept"})
    assert response.status_code == 409
    assert "not possible while the request is" in response.json()["detail"]
    assert unchanged(p) == before


def test_the_requester_trying_to_accept_gets_403(client, pw):
    p = pw.submit()
    before = unchanged(p)
    client.force_login(pw.tenant)
    response = post(client, f"{API}{p.pk}/move/", {"action": "accept", "version": p.version})
    assert response.status_code == 403
    assert "You cannot" in response.json()["detail"]
    assert unchanged(p) == before


def test_someone_who_cannot_see_the_request_gets_404_for_a_move(client, pw):
    p = pw.submit()
    before = unchanged(p)
    client.force_login(pw.gw.worker_2)
    response = post(client, f"{API}{p.pk}/move/", {"action": "accept"})
    assert response.status_code == 404
    assert unchanged(p) == before


def test_an_unknown_or_system_only_action_is_refused(client, pw):
    p = at(pw, Status.DISPATCHED)
    client.force_login(pw.gw.dispatcher)
    for action in ("teleport", "breach", "close_unrated"):
        response = post(client, f"{API}{p.pk}/move/", {"action": action})
        assert response.status_code == 400
        assert "is not a valid choice" in response.json()["action"][0]
    assert not p.events.filter(action=Action.BREACH).exists()


# --- The timeline --------------------------------------------------------------------------


def test_events_list_the_timeline_in_order(client, pw):
    p = at(pw, Status.DISPATCHED)
    client.force_login(pw.tenant)
    events = client.get(f"{API}{p.pk}/events/").json()
    steps = [(e["action"], e["desk"], e["from_status"], e["to_status"]) for e in events]
    assert steps == [
        ("submit", "requester", "", "submitted"),
        ("accept", "grid", "submitted", "accepted"),
        ("escalate", "community", "accepted", "escalated"),
        ("dispatch", "street", "escalated", "dispatched"),
    ]
    # The secretary's reason for escalating is about the handling, and was not shared.
    assert events[2]["reason"] == ""
    assert events[3]["data"]["department"] == pw.city.name
    assert events[1]["actor_name"] == str(pw.gw.worker_1)


def test_the_timeline_says_which_reasons_the_resident_reads_and_never_sends_them_others(client, pw):
    g = pw.gw
    p = move(pw.submit(), g.worker_1, Action.ACCEPT)
    p = move(p, g.secretary_x, Action.ESCALATE, reason="内部：物业推诿，需要街道协调")
    p = move(p, g.dispatcher, Action.STREET_RETURN, reason="请社区先约谈物业", share=True)
    # Staff read every reason and whether the resident does.
    client.force_login(g.secretary_x)
    staff = {e["action"]: e for e in client.get(f"{API}{p.pk}/events/").json()}
    assert (staff["escalate"]["reason"], staff["escalate"]["reason_public"]) == (
        "内部：物业推诿，需要街道协调",
        False,
    )
    assert (staff["street_return"]["reason_public"], staff["accept"]["reason_public"]) == (
        True,
        True,
    )
    # The requester reads the shared one; the other is not in the answer at all.
    client.force_login(pw.tenant)
    response = client.get(f"{API}{p.pk}/events/")
    mine = {e["action"]: e for e in response.json()}
    assert (mine["escalate"]["reason"], mine["escalate"]["reason_public"]) == ("", False)
    assert mine["street_return"]["reason"] == "请社区先约谈物业"
    assert "物业推诿" not in response.content.decode()


def test_a_request_says_what_was_promised_to_the_resident(client, pw):
    p = at(pw, Status.ESCALATED)
    client.force_login(pw.tenant)
    assert client.get(f"{API}{p.pk}/").json()["promised_at"] is None
    p = move(p, pw.gw.dispatcher, Action.DISPATCH, department=pw.city)
    body = client.get(f"{API}{p.pk}/").json()
    assert datetime.fromisoformat(body["promised_at"]) == p.promised_at
    assert datetime.fromisoformat(body["due_at"]) == p.sign_by
    listed = client.get(API).json()["results"]
    assert datetime.fromisoformat(listed[0]["promised_at"]) == p.promised_at


# --- Filters ------------------------------------------------------------------------------


def ids(client, query: str) -> set[int]:
    response = client.get(f"{API}?{query}")
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@dataclass
class Four:
    submitted: Petition
    accepted: Petition
    withdrawn: Petition
    dispatched: Petition  # with a deadline one hour away

    def all(self) -> set[int]:
        return {self.submitted.pk, self.accepted.pk, self.withdrawn.pk, self.dispatched.pk}


@pytest.fixture
def four(pw) -> Four:
    return Four(
        submitted=pw.submit(description="电梯异响"),
        accepted=at(pw, Status.ACCEPTED),
        withdrawn=move(pw.submit(), pw.tenant, Action.WITHDRAW),
        dispatched=move(
            at(pw, Status.ESCALATED),
            pw.gw.dispatcher,
            Action.DISPATCH,
            department=pw.city,
            due_at=timezone.now() + timedelta(hours=1),
        ),
    )


def test_filter_open_leaves_out_what_is_finished(client, pw, four):
    client.force_login(pw.gw.secretary_x)
    assert ids(client, "status=open") == {
        four.submitted.pk,
        four.accepted.pk,
        four.dispatched.pk,
    }
    assert ids(client, "") == four.all()


def test_filter_by_one_status(client, pw, four):
    client.force_login(pw.gw.secretary_x)
    assert ids(client, "status=submitted") == {four.submitted.pk}
    assert ids(client, "status=withdrawn") == {four.withdrawn.pk}


def test_filter_by_an_unknown_status_is_refused(client, pw, four):
    client.force_login(pw.gw.secretary_x)
    response = client.get(f"{API}?status=everything")
    assert response.status_code == 400
    assert "status" in response.json()


def test_filter_overdue_finds_requests_past_their_deadline(client, pw, four):
    client.force_login(pw.gw.secretary_x)
    assert ids(client, "overdue=true") == set()
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert ids(client, "overdue=true") == {four.dispatched.pk}
        rows = client.get(f"{API}?overdue=true").json()["results"]
        assert rows[0]["is_overdue"] is True
        assert ids(client, "overdue=false") == four.all()


def test_filter_overdue_takes_1_as_the_desk_links_write_it(client, pw, four):
    # The desks link to "overdue=1"; an API client reusing that query must not
    # silently get every request instead.
    client.force_login(pw.gw.secretary_x)
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert ids(client, "overdue=1") == {four.dispatched.pk}
        assert ids(client, "overdue=0") == four.all()


@pytest.mark.parametrize("name", ["grid", "community", "department"])
def test_filter_by_an_id_outside_the_scope_reads_like_one_that_does_not_exist(
    client, pw, four, name
):
    move(four.dispatched, pw.handler, Action.SIGN)
    client.force_login(pw.handler)
    outside = {
        "grid": pw.gw.outsider.household.unit.building.grid_id,
        "community": pw.gw.secretary_y.memberships.get().community_id,
        "department": pw.power.pk,
    }[name]
    inside = {
        "grid": pw.gw.grid_1.pk,
        "community": pw.gw.grid_1.community_id,
        "department": pw.city.pk,
    }[name]
    assert ids(client, f"{name}={inside}") == {four.dispatched.pk}
    other = client.get(f"{API}?{name}={outside}")
    made_up = client.get(f"{API}?{name}=999999")
    assert (other.status_code, other.json()["count"]) == (200, 0)
    assert (made_up.status_code, made_up.json()["count"]) == (200, 0)


def test_filter_q_finds_a_request_by_its_reference(client, pw, four):
    client.force_login(pw.gw.secretary_x)
    assert ids(client, f"q={four.accepted.reference}") == {four.accepted.pk}
    assert ids(client, "q=电梯") == {four.submitted.pk}


def test_filters_stay_within_the_callers_scope(client, pw, four):
    client.force_login(pw.gw.secretary_y)
    assert ids(client, f"q={four.accepted.reference}") == set()
    assert ids(client, "status=open") == set()


# --- Schema ------------------------------------------------------------------------------


def test_the_schema_still_renders_with_the_petitions_paths(client, pw):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = response.content.decode()
    for path in (
        "/api/v1/petitions/:",
        "/api/v1/petitions/{id}/:",
        "/api/v1/petitions/{id}/move/:",
        "/api/v1/petitions/{id}/events/:",
    ):
        assert path in schema
    assert "Idempotency-Key" in schema
