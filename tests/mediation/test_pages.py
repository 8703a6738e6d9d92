"""The mediation room's pages: who sees what, opening a case, the moves, the PDF, the list."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from community.models import Role
from mediation import services
from mediation.models import CaseAction, CaseStatus, MediationCase, MediationSession
from petitions.models import Category, Petition
from petitions.services import petition_submit
from tests.community.factories import UserFactory, person
from tests.grids.conftest import _resident
from tests.mediation.conftest import RoomWorld
from tests.pdffonts import assert_fonts_embedded
from tests.photos import phone_jpeg

FACTS = "访客夜间停车时刮伤邻居的电动汽车"  # the start of the fixture's facts
RECORD = "双方陈述了刮车经过，李师傅承认夜间停车时刮伤车门。"
TERMS = "李师傅赔偿赵先生维修费人民币八百元。"


@pytest.fixture(autouse=True)
def _english(client):
    # Page texts are checked in English: the language switch remembers it in a cookie.
    client.cookies["django_language"] = "en"


def ymd(days: int = 0) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def agreed_case(rw: RoomWorld) -> MediationCase:
    """The tenant's case: one session with a scanned signature page, a written agreement."""
    case = rw.open_case()
    case = services.case_move(
        case=case,
        actor=rw.mediator_x,
        action=CaseAction.SESSION,
        held_on=timezone.localdate(),
        place="调解室",
        attendees="赵先生、李师傅",
        record=RECORD,
        signature_scan=phone_jpeg(),
    )
    return services.case_move(
        case=case,
        actor=rw.mediator_x,
        action=CaseAction.AGREE,
        kind="written",
        terms=TERMS,
        performance="微信转账",
        perform_by=timezone.localdate() + timedelta(days=7),
    )


# --- Who sees what ---------------------------------------------------------------------------


def _cast(rw: RoomWorld, name: str):
    g = rw.gw
    if name == "mediator_x2":  # a mediator of the community not on this case
        return person(Role.MEDIATOR, g.grid_1.community, username="mediator_x2")
    if name == "neighbour":  # a resident of building 1 with an account, not a party
        return _resident(g.building_1, name="钱女士", user=UserFactory(username="neighbour")).user
    return getattr(rw, name, None) or getattr(g, name)


STAFF = ["mediator_x", "secretary_x", "mediator_x2"]
OUTSIDERS = ["worker_1", "party_leader_1", "mediator_y", "secretary_y", "dispatcher", "neighbour"]


def urls(case: MediationCase) -> dict[str, str]:
    session = MediationSession.objects.get(case=case)
    return {
        "detail": reverse("mediation:detail", args=[case.pk]),
        "pdf": reverse("mediation:agreement-pdf", args=[case.pk]),
        "scan": reverse("mediation:session-scan", args=[session.pk]),
    }


@pytest.mark.parametrize("who", STAFF)
def test_the_communitys_mediators_and_secretary_see_the_whole_case(client, rw, who):
    case = agreed_case(rw)
    client.force_login(_cast(rw, who))
    page = client.get(reverse("mediation:detail", args=[case.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert FACTS in body
    assert RECORD in body
    assert "13700001111" in body  # the other party's phone
    assert body.count('data-testid="case-event"') == 3  # opened, session, agreement
    assert TERMS in body
    assert 'data-testid="do-follow_up"' in body
    pages = urls(case)
    pdf = client.get(pages["pdf"])
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    scan = client.get(pages["scan"])
    assert (scan.status_code, scan["Content-Type"]) == (200, "image/jpeg")
    listed = client.get(reverse("mediation:list")).content.decode()
    assert case.number in listed
    assert client.get(reverse("mediation:stats")).status_code == 200


def test_a_party_sees_the_outcome_and_agreement_but_not_the_facts_sessions_or_timeline(client, rw):
    case = agreed_case(rw)
    client.force_login(rw.tenant)
    page = client.get(reverse("mediation:detail", args=[case.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="outcome"' in body
    assert TERMS in body
    assert 'data-testid="agreement-pdf"' in body
    assert FACTS not in body
    assert RECORD not in body
    assert "Timeline" not in body
    assert 'data-testid="case-event"' not in body
    assert 'data-testid="session"' not in body
    assert "13700001111" not in body  # the other party's phone
    assert 'data-testid="actions"' not in body
    pages = urls(case)
    pdf = client.get(pages["pdf"])
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert client.get(pages["scan"]).status_code == 404  # the signature page is a record
    assert case.number in client.get(reverse("mediation:list")).content.decode()
    assert client.get(reverse("mediation:stats")).status_code == 404
    assert client.get(reverse("mediation:new")).status_code == 404


@pytest.mark.parametrize("who", OUTSIDERS)
def test_everyone_else_gets_404_and_an_empty_list(client, rw, who):
    case = agreed_case(rw)
    client.force_login(_cast(rw, who))
    for name, url in urls(case).items():
        assert client.get(url).status_code == 404, name
    act = client.post(
        reverse("mediation:act", args=[case.pk, "close"]), {"close-version": case.version}
    )
    assert act.status_code == 404
    listed = client.get(reverse("mediation:list"))
    assert listed.status_code == 200
    assert case.number not in listed.content.decode()
    stats = client.get(reverse("mediation:stats"))
    if who in ("mediator_y", "secretary_y"):  # their own room only
        assert stats.status_code == 200
        assert "御景花园社区" not in stats.content.decode()
    else:
        assert stats.status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.AGREEMENT


def test_anonymous_visitors_are_sent_to_log_in(client, rw):
    case = agreed_case(rw)
    for url in urls(case).values():
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_a_party_whose_mediator_loses_the_role_still_sees_the_outcome(client, rw):
    case = agreed_case(rw)
    rw.mediator_x.memberships.update(revoked_at=timezone.now())
    client.force_login(rw.mediator_x)
    assert client.get(reverse("mediation:detail", args=[case.pk])).status_code == 404
    client.force_login(rw.tenant)
    assert client.get(reverse("mediation:detail", args=[case.pk])).status_code == 200


# --- The agreement PDF -----------------------------------------------------------------------


def test_the_agreement_pdf_names_the_parties_and_the_terms(client, rw):
    case = agreed_case(rw)
    client.force_login(rw.tenant)
    response = client.get(reverse("mediation:agreement-pdf", args=[case.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert f"agreement-{case.number}.pdf" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.metadata.title == f"人民调解协议书 {case.number}"
    text = "".join(page.extract_text() for page in reader.pages)
    assert "人民调解协议书" in text
    assert "赵先生" in text
    assert "李师傅" in text
    assert TERMS in text
    assert "御景花园社区" in text
    assert_fonts_embedded(response.content)


def test_an_oral_agreement_or_none_has_no_pdf(client, rw):
    case = rw.open_case()
    client.force_login(rw.mediator_x)
    assert client.get(reverse("mediation:agreement-pdf", args=[case.pk])).status_code == 404
    case = services.case_move(
        case=case,
        actor=rw.mediator_x,
        action=CaseAction.SESSION,
        held_on=timezone.localdate(),
        record=RECORD,
    )
    services.case_move(
        case=case,
        actor=rw.mediator_x,
        action=CaseAction.AGREE,
        kind="oral",
        terms=TERMS,
        performance="当面付清",
        perform_by=timezone.localdate(),
    )
    page = client.get(reverse("mediation:detail", args=[case.pk])).content.decode()
    assert 'data-testid="agreement-pdf"' not in page
    assert client.get(reverse("mediation:agreement-pdf", args=[case.pk])).status_code == 404


# --- Opening a case --------------------------------------------------------------------------


def case_form(rw: RoomWorld, **data) -> dict:
    body = {
        "source": "walk_in",
        "dispute_type": "neighbours",
        "facts": "楼上漏水，楼下天花板发霉",
        "mediators": [rw.mediator_x.pk],
        "referred_by": "",
        "petition": "",
        "token": str(uuid.uuid4()),
        "parties-TOTAL_FORMS": "3",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "2",
        "parties-MAX_NUM_FORMS": "8",
        "parties-0-role": "applicant",
        "parties-0-name": "赵先生",
        "parties-0-phone": rw.gw.tenant.phone,
        "parties-0-address": "1号楼201",
        "parties-1-role": "respondent",
        "parties-1-name": "孙阿姨",
        "parties-1-phone": "13700002222",
        "parties-1-address": "1号楼301",
        "parties-2-role": "",
        "parties-2-name": "",
        "parties-2-phone": "",
        "parties-2-address": "",
    }
    body.update(data)
    return body


def test_mediator_gets_the_form_with_two_parties_and_themself_as_mediator(client, rw):
    client.force_login(rw.mediator_x)
    page = client.get(reverse("mediation:new"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="parties-TOTAL_FORMS"' in body
    assert body.count('data-testid="party"') == 3
    assert page.context["form"].initial["mediators"] == [rw.mediator_x.pk]


def test_the_mediators_are_one_checkbox_a_row_each_with_its_label(client, rw):
    import re

    person(Role.MEDIATOR, rw.gw.grid_1.community, username="mediator_x2")
    client.force_login(rw.mediator_x)
    page = client.get(reverse("mediation:new"))
    body = page.content.decode()
    boxes = re.findall(r'<input type="checkbox" name="mediators"[^>]*>', body)
    assert len(boxes) >= 2
    for box in boxes:
        # Bootstrap's class on the box itself; its id is the one its label names.
        assert 'class="form-check-input"' in box
        box_id = re.search(r" id=\"([^\"]+)\"", box).group(1)
        assert box_id.startswith("id_mediators_")
        assert f'<label class="form-check-label" for="{box_id}">' in body
    assert 'for=""' not in body
    # One choice a row: each box in its own .form-check, in the 44 px check list.
    assert body.count('<div class="form-check"><input type="checkbox" name="mediators"') == len(
        boxes
    )
    # Rendered whole, the list's wrapper carries no checkbox class (a 1 em box whose
    # labels stood in one-character columns).
    whole = str(page.context["form"]["mediators"])
    assert re.match(r'<div id="id_mediators">', whole)
    assert whole.count("form-check-input") == len(boxes)


@pytest.mark.parametrize("who", ["worker_1", "dispatcher", "tenant"])
def test_only_room_staff_get_the_form(client, rw, who):
    client.force_login(_cast(rw, who))
    assert client.get(reverse("mediation:new")).status_code == 404


def test_mediator_opens_a_case_from_the_form_and_lands_on_it(client, rw):
    client.force_login(rw.mediator_x)
    response = client.post(reverse("mediation:new"), case_form(rw))
    case = MediationCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("mediation:detail", args=[case.pk])
    assert list(case.parties.values_list("role", "name", "user")) == [
        ("applicant", "赵先生", rw.tenant.pk),
        ("respondent", "孙阿姨", None),
    ]
    page = client.get(response["Location"]).content.decode()
    assert f"Case {case.number} is open." in page


def test_a_case_with_one_named_party_shows_the_form_again_and_saves_nothing(client, rw):
    client.force_login(rw.mediator_x)
    response = client.post(
        reverse("mediation:new"),
        case_form(rw, **{"parties-1-name": "", "facts": "楼上装修噪音扰民"}),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "A dispute has at least two parties" in body
    assert "楼上装修噪音扰民" in body
    assert 'value="赵先生"' in body
    assert not MediationCase.objects.exists()


def test_double_submitted_open_case_form_makes_one_case(client, rw):
    client.force_login(rw.mediator_x)
    data = case_form(rw)
    first = client.post(reverse("mediation:new"), data)
    second = client.post(reverse("mediation:new"), data)
    assert first["Location"] == second["Location"]
    assert MediationCase.objects.count() == 1


def _request(rw: RoomWorld, text: str = "楼上漏水，楼下天花板发霉，多次协商未果") -> Petition:
    return petition_submit(
        actor=rw.tenant, building=rw.gw.building_1, category=Category.NEIGHBOURS, description=text
    )


def test_a_case_is_opened_from_a_request_by_typing_its_number(client, rw):
    p = _request(rw)
    client.force_login(rw.mediator_x)
    response = client.post(reverse("mediation:new"), case_form(rw, petition=f" {p.reference} "))
    assert response.status_code == 302
    assert MediationCase.objects.get().petition == p


def test_the_form_opened_from_a_request_has_its_number_filled_in(client, rw):
    p = _request(rw)
    client.force_login(rw.gw.secretary_x)  # the secretary sees the request and its link
    page = client.get(reverse("mediation:new") + f"?petition={p.pk}")
    assert page.context["form"].initial["petition"] == p.reference
    assert f'value="{p.reference}"' in page.content.decode()


def test_a_number_from_another_community_or_already_in_the_room_is_refused_and_nothing_lost(
    client, rw
):
    p = _request(rw)
    client.force_login(rw.mediator_y)  # the room of community Y
    response = client.post(reverse("mediation:new"), case_form(rw, petition=p.reference))
    assert response.status_code == 400
    body = response.content.decode()
    assert f"No request numbered {p.reference} in this community can be taken" in body
    assert "楼上漏水，楼下天花板发霉" in body
    rw.open_case(petition=p)
    client.force_login(rw.mediator_x)
    response = client.post(reverse("mediation:new"), case_form(rw, petition=p.reference))
    assert response.status_code == 400
    assert MediationCase.objects.count() == 1


def test_the_form_lists_no_requests_however_many_the_community_has(client, rw):
    filed = [_request(rw, f"第{i}号楼道堆物，请协调邻里清理") for i in range(12)]
    client.force_login(rw.mediator_x)
    body = client.get(reverse("mediation:new")).content.decode()
    assert not any(p.reference in body for p in filed)
    assert 'list="petition-choices"' in body


def test_the_type_ahead_offers_a_bounded_few_of_the_rooms_own_community(client, rw):
    filed = [_request(rw, f"第{i}号楼道堆物，请协调邻里清理") for i in range(12)]
    url = reverse("mediation:petition-choices")
    client.force_login(rw.mediator_x)
    options = client.get(url, {"petition": "楼道堆物"}).content.decode()
    assert options.count("<option") == 10
    assert filed[-1].reference in options  # the newest first
    one = client.get(url, {"petition": filed[0].reference[-5:]}).content.decode()
    assert filed[0].reference in one
    assert client.get(url, {"petition": "楼"}).content.decode().count("<option") == 0
    client.force_login(rw.mediator_y)
    assert "<option" not in client.get(url, {"petition": "楼道堆物"}).content.decode()
    client.force_login(rw.tenant)
    assert client.get(url, {"petition": "楼道堆物"}).status_code == 404


# --- Moves on the page -----------------------------------------------------------------------


def test_mediator_records_a_session_from_the_page(client, rw):
    case = rw.open_case()
    client.force_login(rw.mediator_x)
    page = client.get(reverse("mediation:detail", args=[case.pk])).content.decode()
    assert 'data-testid="do-session"' in page
    assert 'data-testid="do-agree"' not in page  # not before a session
    response = client.post(
        reverse("mediation:act", args=[case.pk, "session"]),
        {
            "session-version": case.version,
            "session-held_on": ymd(),
            "session-place": "调解室",
            "session-attendees": "赵先生、李师傅",
            "session-record": RECORD,
        },
        follow=True,
    )
    assert "Done: Record a session." in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_MEDIATION
    assert case.sessions.get().record == RECORD


def test_a_refused_session_shows_the_form_again_with_what_was_typed(client, rw):
    case = rw.open_case()
    client.force_login(rw.mediator_x)
    response = client.post(
        reverse("mediation:act", args=[case.pk, "session"]),
        {
            "session-version": case.version,
            "session-held_on": ymd(-3),
            "session-place": "调解室",
            "session-attendees": "赵先生、李师傅",
            "session-record": RECORD,
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "A session cannot be before the case was opened." in body
    assert RECORD in body
    assert 'open data-testid="action-session"' in body  # the failed form is unfolded
    case.refresh_from_db()
    assert (case.status, case.sessions.count()) == (CaseStatus.OPEN, 0)


def test_an_extension_without_a_reason_shows_the_form_again_with_the_date(client, rw):
    case = rw.open_case()
    client.force_login(rw.mediator_x)
    response = client.post(
        reverse("mediation:act", args=[case.pk, "extend"]),
        {"extend-version": case.version, "extend-until": ymd(45), "extend-note": ""},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required." in body
    assert ymd(45) in body
    case.refresh_from_db()
    assert case.due_on == timezone.localdate() + timedelta(days=30)


def test_an_agreement_without_a_deadline_shows_the_form_again_with_the_terms(client, rw):
    case = services.case_move(
        case=rw.open_case(),
        actor=rw.mediator_x,
        action=CaseAction.SESSION,
        held_on=timezone.localdate(),
        record=RECORD,
    )
    client.force_login(rw.mediator_x)
    response = client.post(
        reverse("mediation:act", args=[case.pk, "agree"]),
        {
            "agree-version": case.version,
            "agree-kind": "written",
            "agree-terms": TERMS,
            "agree-performance": "微信转账",
            "agree-perform_by": "",
        },
    )
    assert response.status_code == 400
    assert TERMS in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_MEDIATION


def test_a_move_from_an_old_page_gets_a_changed_message_and_changes_nothing(client, rw):
    case = rw.open_case()
    seen = case.version
    services.case_move(case=case, actor=rw.gw.secretary_x, action=CaseAction.FLAG_RISK, note="推搡")
    client.force_login(rw.mediator_x)
    response = client.post(
        reverse("mediation:act", args=[case.pk, "refer"]),
        {"refer-version": seen, "refer-note": "转交派出所"},
        follow=True,
    )
    assert "changed while you had it open" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_a_move_the_case_no_longer_offers_gets_a_changed_message(client, rw):
    case = rw.open_case()
    client.force_login(rw.mediator_x)
    response = client.post(
        reverse("mediation:act", args=[case.pk, "close"]),
        {"close-version": case.version},
        follow=True,
    )
    assert "changed while you had it open" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_a_party_cannot_move_their_own_case(client, rw):
    case = rw.open_case()
    client.force_login(rw.tenant)
    response = client.post(
        reverse("mediation:act", args=[case.pk, "refer"]),
        {"refer-version": case.version, "refer-note": "不想调解了"},
    )
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


# --- The list and the statistics -------------------------------------------------------------


def test_case_list_query_count_does_not_grow(client, rw, django_assert_num_queries):
    for _ in range(25):
        rw.open_case()
    client.force_login(rw.mediator_x)
    # session, user, count of visible cases, is-staff (the "open a case" button),
    # unread count, memberships (role switcher), the filter form's mediators,
    # the page of cases with their community, their parties
    with django_assert_num_queries(9):
        page = client.get(reverse("mediation:list")).content.decode()
    assert page.count('data-testid="case"') == 20


def test_list_filters_by_status_and_overdue(client, rw):
    fresh = rw.open_case()
    late = rw.open_case(dispute_type="family")
    MediationCase.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    referred = services.case_move(
        case=rw.open_case(), actor=rw.mediator_x, action=CaseAction.REFER, note="转派出所"
    )
    client.force_login(rw.mediator_x)

    def shown(query: str) -> list[MediationCase]:
        return list(client.get(reverse("mediation:list") + query).context["page"].object_list)

    assert shown("?status=referred") == [referred]
    assert shown("?overdue=on") == [late]
    assert shown("?dispute_type=family") == [late]
    assert set(shown("?status=nonsense")) == {fresh, late, referred}


def test_stats_page_shows_the_agreement_rate_and_median_days(client, rw):
    agreed = agreed_case(rw)
    agreed = services.case_move(case=agreed, actor=rw.mediator_x, action=CaseAction.CLOSE)
    MediationCase.objects.filter(pk=agreed.pk).update(
        opened_on=timezone.localdate() - timedelta(days=12)
    )
    services.case_move(
        case=rw.open_case(), actor=rw.mediator_x, action=CaseAction.REFER, note="转派出所"
    )
    client.force_login(rw.gw.secretary_x)
    body = client.get(reverse("mediation:stats")).content.decode()
    assert 'data-testid="agreement-rate">50%<' in body
    assert 'data-testid="median-days">12<' in body
    assert "Damage compensation: 2" in body
