"""The admin lists mediation cases without what the mediation room alone may read,
and never deletes one."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import ProtectedError
from django.urls import reverse

from mediation import services
from mediation.models import CaseAction, MediationCase

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/mediation/mediationcase/"
RISK = "李师傅扬言要去砸车"
RECORD = "双方陈述了刮车经过，李师傅承认夜间停车时刮伤车门。"
TERMS = "李师傅赔偿赵先生维修费人民币八百元。"


@pytest.fixture(autouse=True)
def _clock():
    # Sessions and agreements are dated today: the same "today" from the world's start.
    at = datetime(2026, 5, 12, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(at, tick=False):
        yield


@pytest.fixture
def case(rw) -> MediationCase:
    """The tenant's case with 李师傅: a session, a risk flag and a written agreement."""
    m = rw.mediator_x
    c = rw.open_case()
    today = c.opened_on
    c = services.case_move(
        case=c,
        actor=m,
        action=CaseAction.SESSION,
        held_on=today,
        place="远亲不如近邻调解室",
        attendees="赵先生、李师傅、调解员",
        record=RECORD,
        proposals="李师傅承担维修费用",
    )
    c = services.case_move(case=c, actor=m, action=CaseAction.FLAG_RISK, note=RISK)
    return services.case_move(
        case=c,
        actor=m,
        action=CaseAction.AGREE,
        kind="written",
        terms=TERMS,
        performance="微信转账，于社区调解室当面确认",
        perform_by=today,
    )


SECRETS = ["访客夜间停车", RISK, "李师傅", "13700001111", RECORD, TERMS]


def test_the_case_pages_show_none_of_the_rooms_records(client, rw, case):
    client.force_login(rw.gw.admin)
    listing = client.get(CHANGELIST)
    page = client.get(reverse("admin:mediation_mediationcase_change", args=[case.pk]))
    assert page.status_code == 200
    for html in (listing.content.decode(), page.content.decode()):
        assert case.number in html
        for secret in SECRETS:
            assert secret not in html


@pytest.mark.parametrize(
    "lookup",
    [
        "facts__contains=访客",
        "risk_note__contains=砸车",
        "risk_note__gt=",
        "outcome_note__isnull=False",
        "parties__name__contains=李",
        "parties__phone__startswith=137",
        "sessions__record__contains=刮",
        "agreement__terms__contains=八百",
        "events__note__contains=砸车",
        "follow_ups__note__contains=x",
        "petition__resident__health_note__contains=冠",
    ],
)
def test_a_lookup_through_the_rooms_records_is_refused(client, rw, case, lookup):
    client.force_login(rw.gw.admin)
    field, _, value = lookup.partition("=")
    response = client.get(f"{CHANGELIST}?{field}={quote(value)}")
    assert response.status_code == 400
    assert case.number not in response.content.decode()


def test_a_case_with_its_timeline_cannot_be_deleted(client, rw, case):
    client.force_login(rw.gw.admin)
    delete = reverse("admin:mediation_mediationcase_delete", args=[case.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert 'value="delete_selected"' not in client.get(CHANGELIST).content.decode()
    client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [case.pk], "post": "1"}
    )
    assert MediationCase.objects.filter(pk=case.pk).exists()
    # Nor in code: the parties, sessions, agreement and timeline hold on to it.
    with pytest.raises(ProtectedError):
        case.delete()
    assert case.sessions.count() == 1
