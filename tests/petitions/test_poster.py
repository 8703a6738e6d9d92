"""Reporting from a building poster without an account: three screens, the follow
link, claiming by the same number, and every refusal leaving nothing half-saved.

Codes are read from the console SMS backend's outbox (the development backend).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from community.models import Notification, PhotoDraftPhoto
from community.sms import ConsoleBackend
from grids import services as grid_services
from grids.printing import building_token
from petitions.models import (
    Channel,
    Petition,
    PetitionEvent,
    PetitionPhoto,
    PosterDraft,
)
from petitions.services.poster import draft_token, follow_token
from tests.community.factories import UserFactory
from tests.petitions.conftest import move
from tests.photos import phone_jpeg

PHONE = "13700001111"


@pytest.fixture(autouse=True)
def clock(time_machine):
    # This module's clock, stopped: the world (pw, built on gw) asks for it first.
    time_machine.move_to("2026-11-23 10:00 +0800", tick=False)
    ConsoleBackend.outbox.clear()
    return time_machine


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _english_pages(client):
    # The pages speak English (the language switch's cookie): the messages
    # checked below read the same whether or not the catalogue has them yet.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def poster(pw) -> str:
    return reverse("poster-report", args=[building_token(pw.gw.building_1)])


def code_for(phone: str) -> str:
    return next(m.code for m in reversed(ConsoleBackend.outbox) if m.phone == phone and m.code)


def screen_one(client, url: str, photos=(), headers=None, **fields):
    data = {"category": "safety", "description": "楼道里电动车飞线充电", **fields}
    if photos:
        data["photos"] = list(photos)
    return client.post(url, data, headers=headers)


def draft_url(response) -> str:
    """The phone screen a good first screen redirects to."""
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def code_url(phone_url: str) -> str:
    return phone_url.replace("/phone/", "/code/")


def edit_url(phone_url: str) -> str:
    return phone_url.replace("phone/", "")


def report(client, poster, photos=(), name="") -> Petition:
    """The three screens, the happy way."""
    phone_url = draft_url(screen_one(client, poster, photos=photos))
    assert client.post(phone_url, {"phone": PHONE, "name": name}).status_code == 302
    response = client.post(code_url(phone_url), {"code": code_for(PHONE)})
    assert response.status_code == 302
    return Petition.objects.get()


# --- The three screens -------------------------------------------------------------


def test_anyone_reports_from_the_poster_in_three_screens(
    client, poster, pw, django_capture_on_commit_callbacks
):
    phone_url = draft_url(screen_one(client, poster, photos=[phone_jpeg(), phone_jpeg("b.jpg")]))
    assert not Petition.objects.exists()
    page = client.get(phone_url)
    assert page.status_code == 200
    response = client.post(phone_url, {"phone": PHONE, "name": "孙女士"})
    assert response["Location"] == code_url(phone_url)
    assert not Petition.objects.exists()  # no request before the code
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(code_url(phone_url), {"code": code_for(PHONE)})
    p = Petition.objects.get()
    assert (p.channel, p.building, p.grid, p.requester, p.recorded_by) == (
        Channel.POSTER,
        pw.gw.building_1,
        pw.gw.grid_1,
        None,
        None,
    )
    assert (p.requester_phone, p.requester_name, p.description) == (
        PHONE,
        "孙女士",
        "楼道里电动车飞线充电",
    )
    assert p.photos.count() == 2
    # The grid worker is told, as for any request.
    assert [n.recipient for n in Notification.objects.filter(kind="petition.submit")] == [
        pw.gw.worker_1
    ]
    # The follow page shows the reference; the SMS brought its link.
    follow = client.get(response["Location"])
    assert p.reference in follow.content.decode()
    sms = ConsoleBackend.outbox[-1]
    assert (sms.phone, sms.purpose) == (PHONE, "follow")
    assert reverse("petition-follow", args=[follow_token(p)]) in sms.text
    # The draft is spent: its photos are gone with it, no copy left behind.
    assert not PhotoDraftPhoto.objects.exists()


def test_the_unit_is_optional_and_must_be_of_the_building(client, poster, pw):
    unit = pw.gw.building_1.units.first()
    phone_url = draft_url(screen_one(client, poster, unit=unit.pk))
    assert PosterDraft.objects.get().unit == unit
    other = pw.gw.building_2.units.first()
    response = client.post(
        edit_url(phone_url), {"category": "safety", "description": "x", "unit": other.pk}
    )
    assert response.status_code == 400  # not a choice on this building's page
    assert PosterDraft.objects.get().unit is None


def test_a_forged_poster_code_is_a_clear_page(client, pw):
    token = building_token(pw.gw.building_1)
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for url in (reverse("poster-report", args=[forged]), reverse("building-public", args=[forged])):
        response = client.get(url)
        assert response.status_code == 404
        assert 'data-testid="poster-invalid"' in response.content.decode()
        assert "This code does not work" in response.content.decode()


def test_a_renewed_poster_revokes_the_old_code(client, pw):
    old = building_token(pw.gw.building_1)
    grid_services.building_poster_renew(actor=pw.gw.worker_1, building=pw.gw.building_1)
    new = building_token(pw.gw.building_1)
    assert new != old
    response = screen_one(client, reverse("poster-report", args=[old]))
    assert response.status_code == 404
    assert not PosterDraft.objects.exists()
    assert client.get(reverse("poster-report", args=[new])).status_code == 200


def test_the_renew_button_is_for_staff_of_the_building(client, pw):
    client.force_login(pw.gw.worker_2)  # grid 2: building 1 is not theirs
    url = reverse("grids:building-poster-renew", args=[pw.gw.building_1.pk])
    assert client.post(url).status_code == 404
    client.force_login(pw.gw.worker_1)
    assert client.post(url).status_code == 302
    pw.gw.building_1.refresh_from_db()
    assert pw.gw.building_1.poster_serial == 2


def test_seven_photos_are_refused_and_nothing_is_kept(client, poster):
    response = screen_one(
        client, poster, photos=[phone_jpeg(f"{i}.jpg", (40, 30)) for i in range(7)]
    )
    assert response.status_code == 400
    assert "At most 6 photos" in response.content.decode()
    # What was typed is on the page again; nothing was saved.
    assert "楼道里电动车飞线充电" in response.content.decode()
    assert not PosterDraft.objects.exists()


def test_photos_added_later_count_with_those_kept(client, poster):
    phone_url = draft_url(
        screen_one(client, poster, photos=[phone_jpeg(f"{i}.jpg", (40, 30)) for i in range(4)])
    )
    response = screen_one(
        client, edit_url(phone_url), photos=[phone_jpeg(f"n{i}.jpg", (40, 30)) for i in range(3)]
    )
    assert response.status_code == 400
    assert "4 are kept already" in response.content.decode()
    assert PhotoDraftPhoto.objects.count() == 4


def test_a_body_too_large_is_a_413_page_not_an_error(client, poster, settings):
    settings.MAX_REQUEST_BODY = 1024 * 1024  # 1 MB here stands in for 40 MB
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (2 * 1024 * 1024), "image/jpeg")
    response = screen_one(
        client, poster, photos=[big], headers={"referer": "http://testserver" + poster}
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert 'data-testid="too-large"' in page
    assert f'href="http://testserver{poster}"' in page
    assert not PosterDraft.objects.exists()


def test_the_default_limit_refuses_a_50_mb_body(client, poster):
    # Not sent for real: the length header alone decides, before anything is read.
    assert settings.MAX_REQUEST_BODY < 50 * 1024 * 1024
    response = client.generic(
        "POST",
        poster,
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert response.status_code == 413


def test_good_photos_stay_while_the_text_is_mended(client, poster):
    response = screen_one(client, poster, photos=[phone_jpeg()], description="  ")
    assert response.status_code == 400
    draft = PosterDraft.objects.get()
    assert draft.photos.count() == 1
    page = response.content.decode()
    assert 'data-testid="photos-kept"' in page
    # The form now posts to the draft's own screen; the photo waits there.
    edit = reverse("poster-edit", args=[draft_token(draft)])
    assert f'action="{edit}"' in page
    response = client.post(edit, {"category": "safety", "description": "楼道灯坏了"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.description, draft.photos.count()) == ("楼道灯坏了", 1)


def test_a_kept_photo_ticked_for_removal_goes_and_the_others_stay(client, poster):
    phone_url = draft_url(screen_one(client, poster, photos=[phone_jpeg("a.jpg"), phone_jpeg()]))
    draft = PosterDraft.objects.get()
    page = client.get(edit_url(phone_url)).content.decode()
    assert page.count('data-testid="drop-photo"') == 2
    first = draft.photos.first()
    assert (
        client.post(
            edit_url(phone_url),
            {"category": "safety", "description": "楼道灯坏了", "drop_photo": [first.pk]},
        ).status_code
        == 302
    )
    assert first.pk not in draft.photos.values_list("pk", flat=True)
    assert draft.photos.count() == 1


def test_a_wrong_code_keeps_the_draft_and_files_nothing(client, poster):
    phone_url = draft_url(screen_one(client, poster, photos=[phone_jpeg()]))
    client.post(phone_url, {"phone": PHONE})
    code = code_for(PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = client.post(code_url(phone_url), {"code": wrong})
    assert response.status_code == 400
    assert "The code is wrong" in response.content.decode()
    assert not Petition.objects.exists()
    assert PhotoDraftPhoto.objects.count() == 1
    # The right code still files it, photo and all.
    client.post(code_url(phone_url), {"code": code})
    assert Petition.objects.get().photos.count() == 1


def test_an_expired_code_is_told_and_files_nothing(client, poster, time_machine):
    phone_url = draft_url(screen_one(client, poster))
    client.post(phone_url, {"phone": PHONE})
    code = code_for(PHONE)
    time_machine.shift(6 * 60)
    response = client.post(code_url(phone_url), {"code": code})
    assert response.status_code == 400
    assert "wrong or has expired" in response.content.decode()
    assert not Petition.objects.exists()


def test_a_bad_number_is_told_and_the_draft_stays(client, poster):
    phone_url = draft_url(screen_one(client, poster))
    response = client.post(phone_url, {"phone": "12345"})
    assert response.status_code == 400
    assert "11-digit mainland mobile number" in response.content.decode()
    assert PosterDraft.objects.get().description == "楼道里电动车飞线充电"
    # The code screen is not reachable without a number that got its code.
    assert client.get(code_url(phone_url))["Location"] == phone_url


def test_pressing_send_twice_files_one_request(client, poster):
    phone_url = draft_url(screen_one(client, poster))
    client.post(phone_url, {"phone": PHONE})
    code = code_for(PHONE)
    first = client.post(code_url(phone_url), {"code": code})
    second = client.post(code_url(phone_url), {"code": code})
    assert first["Location"] == second["Location"]
    assert Petition.objects.count() == 1
    assert PetitionEvent.objects.count() == 1
    assert Notification.objects.filter(kind="petition.submit").count() == 1


def test_a_forged_report_link_is_a_clear_page(client, poster):
    phone_url = draft_url(screen_one(client, poster))
    response = client.get(phone_url.replace("/phone/", "x/phone/"))
    assert response.status_code == 404
    assert 'data-testid="poster-invalid"' in response.content.decode()


def test_drafts_left_for_a_day_are_swept_with_their_photos(client, poster, time_machine):
    from petitions.services import poster_drafts_sweep

    screen_one(client, poster, photos=[phone_jpeg()])
    time_machine.shift(23 * 3600)
    assert poster_drafts_sweep() == 0
    time_machine.shift(2 * 3600)
    assert poster_drafts_sweep() == 1
    assert not PhotoDraftPhoto.objects.exists()


# --- The follow link ----------------------------------------------------------------


def test_the_follow_link_shows_the_public_timeline_not_internal_notes(client, poster, pw):
    p = report(client, poster)
    p = move(p, pw.gw.worker_1, "accept", note="已收到，马上处理")
    move(p, pw.gw.secretary_x, "assign", assignee=pw.gw.worker_1, internal_note="内部：先别告诉他")
    client.logout()
    page = client.get(reverse("petition-follow", args=[follow_token(p)])).content.decode()
    assert "已收到，马上处理" in page
    assert "内部：先别告诉他" not in page
    assert PHONE not in page  # masked
    assert "137****1111" in page


def test_a_tampered_follow_link_is_404(client, poster):
    p = report(client, poster)
    token = follow_token(p)
    assert client.get(reverse("petition-follow", args=[token[:-2] + "xx"])).status_code == 404
    assert client.get(reverse("petition-follow", args=["nothing"])).status_code == 404


def test_a_follow_link_is_only_for_poster_reports(client, pw):
    p = pw.submit()
    assert client.get(reverse("petition-follow", args=[follow_token(p)])).status_code == 404


def test_the_follow_page_shows_where_the_report_stands(client, poster, pw):
    p = report(client, poster)
    p = move(p, pw.gw.worker_1, "accept")
    page = client.get(reverse("petition-follow", args=[follow_token(p)])).content.decode()
    assert 'data-testid="stepper"' in page
    assert page.count('data-state="done"') == 1  # accepted; the community now
    assert 'aria-current="step"' in page
    assert 'data-testid="progress-due"' in page
    assert 'data-testid="do-urge"' not in page  # not late: nothing to urge


def urge_url(p: Petition) -> str:
    return reverse("petition-follow-urge", args=[follow_token(p)])


def test_the_link_holder_urges_a_late_report_once_a_day(
    client, poster, pw, clock, django_capture_on_commit_callbacks
):
    p = report(client, poster)
    follow = reverse("petition-follow", args=[follow_token(p)])
    clock.shift(25 * 3600)  # the grid worker's day to accept has passed
    page = client.get(follow).content.decode()
    assert 'data-testid="do-urge"' in page
    assert f'action="{urge_url(p)}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(urge_url(p), follow=True)
    assert "whoever holds your request has been told" in response.content.decode()
    assert 'data-testid="urged-today"' in response.content.decode()
    # Audited as the signed-in requester's urge: the requester's desk, no account.
    event = p.events.get(action="urge")
    assert (event.actor, event.desk, event.public, event.data["by_link"]) == (
        None,
        "requester",
        True,
        True,
    )
    # The desk holding it hears: the grid worker of the building.
    told = Notification.objects.filter(kind="petition.urge", channel="in_app")
    assert set(told.values_list("recipient__username", flat=True)) == {"worker_1"}
    # Again the same day: refused and said so, nothing written.
    again = client.post(urge_url(p), follow=True).content.decode()
    assert "You urged this request today already" in again
    assert p.events.filter(action="urge").count() == 1
    # The next Shanghai day, it may be urged again.
    clock.shift(24 * 3600)
    client.post(urge_url(p))
    assert p.events.filter(action="urge").count() == 2


def test_a_report_within_its_time_limit_cannot_be_urged_by_link(client, poster):
    p = report(client, poster)
    response = client.post(urge_url(p), follow=True)
    assert "only once it is past its time limit" in response.content.decode()
    assert not p.events.filter(action="urge").exists()


def test_urging_needs_a_right_link_and_a_post(client, poster, clock):
    p = report(client, poster)
    clock.shift(25 * 3600)
    token = follow_token(p)
    forged = reverse("petition-follow-urge", args=[token[:-2] + "xx"])
    assert client.post(forged).status_code == 404
    assert client.get(urge_url(p)).status_code == 405
    assert not p.events.filter(action="urge").exists()


def test_the_link_path_only_urges(pw, poster, client):
    from community.errors import NotAllowed
    from petitions.services import petition_move

    p = report(client, poster)
    for action in ("withdraw", "amend", "accept"):
        with pytest.raises(NotAllowed):
            petition_move(petition=p, actor=None, action=action, by_link=True)
    with pytest.raises(NotAllowed):  # an account acts as itself, not by a link
        petition_move(petition=p, actor=pw.tenant, action="urge", by_link=True)
    assert p.events.count() == 1


# --- Claiming by the same number ---------------------------------------------------


def test_signing_up_with_the_number_makes_the_reports_ones_own(client, poster, time_machine):
    p = report(client, poster)
    time_machine.shift(61)  # one code a minute per number
    client.post(reverse("account-sign-up"), {"phone": PHONE})
    response = client.post(
        reverse("account-sign-up-code"),
        {
            "code": code_for(PHONE),
            "name": "孙女士",
            "password1": "Lanhua-garden-2026",
            "password2": "Lanhua-garden-2026",
        },
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.requester is not None
    assert p.requester.phone == PHONE
    mine = client.get(reverse("petitions:list"))
    assert p.reference in mine.content.decode()
    assert client.get(reverse("petitions:detail", args=[p.pk])).status_code == 200


def test_signing_in_by_code_claims_too_but_not_others_reports(client, poster, time_machine):
    p = report(client, poster)
    time_machine.shift(61)  # one code a minute per number
    account = UserFactory(username="sun", phone=PHONE)
    stranger = UserFactory(username="stranger", phone="13700002222")
    client.post(reverse("account-code-sign-in"), {"phone": stranger.phone})
    client.post(reverse("account-code-sign-in-code"), {"code": code_for(stranger.phone)})
    p.refresh_from_db()
    assert p.requester is None
    client.logout()
    client.post(reverse("account-code-sign-in"), {"phone": PHONE})
    client.post(reverse("account-code-sign-in-code"), {"code": code_for(PHONE)})
    p.refresh_from_db()
    assert p.requester == account


def test_a_report_from_a_registered_number_is_its_account_s_at_once(client, poster):
    account = UserFactory(username="sun", phone=PHONE, name="孙女士")
    p = report(client, poster)
    assert (p.requester, p.requester_name) == (account, "孙女士")
    assert p.events.get().actor == account
    assert PetitionPhoto.objects.filter(petition=p).count() == 0
