"""Hazards found in the grid: reported with photos, fixed with a photo of the fix."""

from __future__ import annotations

import io
import re
import uuid
from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse
from PIL import Image

from community.errors import DomainError, NotAllowed
from community.images import clean_photo
from community.models import PhotoDraft
from grids.models import Hazard, HazardPhoto, HazardStatus
from grids.services import hazard_fix, hazard_report, patrol_start
from tests.grids.factories import UnitFactory
from tests.photos import bomb_png, gif, not_an_image, phone_jpeg

pytestmark = pytest.mark.django_db


def _report(gw, photos=None, **kwargs):
    values = {
        "actor": gw.worker_1,
        "building": gw.building_1,
        "kind": "exposed_wiring",
        "description": "雪地里有一个裸露的插线板",
        "severity": "high",
        "photos": photos if photos is not None else [phone_jpeg()],
    }
    values.update(kwargs)
    return hazard_report(**values)


# --- Photos ---------------------------------------------------------------------------


def test_a_photo_is_re_encoded_without_exif_or_gps():
    cleaned = clean_photo(phone_jpeg(size=(4000, 3000)))
    image = Image.open(io.BytesIO(cleaned.content.read()))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert max(image.size) == 2560  # scaled down for phones on a weak signal
    assert (cleaned.width, cleaned.height) == image.size


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (not_an_image, "不是可以读取的照片"),
        (gif, "不是 JPEG、PNG 或 WebP 照片"),
        (bomb_png, "像素太多"),
    ],
)
def test_bad_photos_are_refused_with_a_clear_message(upload, message):
    with pytest.raises(DomainError, match=message):
        clean_photo(upload())


# --- Reporting and fixing -------------------------------------------------------------


def test_a_worker_reports_a_hazard_with_a_photo_and_gets_a_thumbnail(
    gw, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        hazard = _report(gw)
    assert hazard.status == HazardStatus.OPEN
    photo = hazard.photos.get()
    assert photo.stage == "found"
    assert photo.thumbnail  # made by the task after commit
    with photo.thumbnail.open("rb") as f:
        assert max(Image.open(f).size) == 320


def test_a_hazard_found_on_patrol_is_linked_to_it(gw):
    patrol = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    assert _report(gw, patrol=patrol).patrol == patrol


def test_one_bad_photo_saves_nothing(gw):
    with pytest.raises(DomainError):
        _report(gw, photos=[phone_jpeg(), not_an_image()])
    assert not Hazard.objects.exists()
    assert not HazardPhoto.objects.exists()


def test_a_hazard_outside_the_workers_grid_is_refused(gw):
    with pytest.raises(NotAllowed, match="2号楼不在您的网格"):
        _report(gw, building=gw.building_2)
    assert not Hazard.objects.exists()


def test_a_unit_of_another_building_is_refused(gw):
    other_unit = UnitFactory(building=gw.building_2, number=9)
    with pytest.raises(DomainError):
        _report(gw, unit=other_unit)


def test_fixing_needs_a_photo_of_the_fix(gw):
    hazard = _report(gw)
    with pytest.raises(DomainError, match="请上传整改后的照片"):
        hazard_fix(hazard=hazard, actor=gw.worker_1, note="已收起")
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.OPEN


def test_the_secretary_fixes_it_and_posts_the_photo(gw):
    hazard = _report(gw)
    fixed = hazard_fix(
        hazard=hazard, actor=gw.secretary_x, note="插线板已收回室内", photos=[phone_jpeg()]
    )
    assert fixed.status == HazardStatus.FIXED
    assert fixed.fixed_by == gw.secretary_x
    assert fixed.photos.filter(stage="fixed").count() == 1
    again = hazard_fix(hazard=hazard, actor=gw.worker_1, photos=[phone_jpeg()])
    assert again.fixed_by == gw.secretary_x  # already fixed: nothing changes
    assert again.photos.count() == 2


def test_another_grids_worker_cannot_fix_it(gw):
    hazard = _report(gw)
    with pytest.raises(NotAllowed):
        hazard_fix(hazard=hazard, actor=gw.worker_2, photos=[phone_jpeg()])


# --- Pages and scope ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("worker_1", 200),
        ("secretary_x", 200),
        ("dispatcher", 200),
        ("worker_2", 404),
        ("secretary_y", 404),
    ],
)
def test_a_hazard_and_its_photos_are_seen_only_within_scope(client, gw, who, expected):
    hazard = _report(gw)
    photo = hazard.photos.get()
    client.force_login(getattr(gw, who))
    assert client.get(reverse("grids:hazard-detail", args=[hazard.pk])).status_code == expected
    response = client.get(reverse("grids:hazard-photo", args=[photo.pk, "full"]))
    assert response.status_code == expected


def test_photos_are_not_public(client, gw):
    hazard = _report(gw)
    photo = hazard.photos.get()
    response = client.get(reverse("grids:hazard-photo", args=[photo.pk, "full"]))
    assert response.status_code == 302  # to sign-in
    assert client.get("/media/" + photo.image.name).status_code == 404


def test_report_and_fix_through_the_pages(client, gw):
    client.force_login(gw.worker_1)
    response = client.post(
        reverse("grids:hazard-new"),
        {
            "building": gw.building_1.pk,
            "kind": "flying_wire",
            "severity": "high",
            "description": "三楼窗口飞线给电动车充电",
            "photos": [phone_jpeg()],
        },
        follow=True,
    )
    hazard = Hazard.objects.get()
    assert response.request["PATH_INFO"] == reverse("grids:hazard-detail", args=[hazard.pk])
    assert "隐患已登记" in response.content.decode()

    missing = client.post(reverse("grids:hazard-detail", args=[hazard.pk]), {"note": "已劝导"})
    assert "请上传整改后的照片" in missing.content.decode()
    client.post(
        reverse("grids:hazard-detail", args=[hazard.pk]),
        {"note": "已拆除飞线，引导到充电桩", "photos": [phone_jpeg()]},
    )
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.FIXED


def test_a_bad_photo_on_the_page_keeps_what_was_typed(client, gw):
    client.force_login(gw.worker_1)
    response = client.post(
        reverse("grids:hazard-new"),
        {
            "building": gw.building_1.pk,
            "kind": "other",
            "severity": "low",
            "description": "消防通道堆放杂物",
            "photos": [bomb_png()],
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "像素太多" in page
    assert "消防通道堆放杂物" in page
    assert not Hazard.objects.exists()


def test_hazard_list_query_count_does_not_grow(client, gw, django_assert_num_queries):
    for _ in range(25):
        _report(gw, photos=[])
    client.force_login(gw.worker_1)
    # session, user, memberships; visible buildings (grid duties); count; page
    # of hazards with building, unit, reporter; their photos; unread count
    with django_assert_num_queries(7):
        page = client.get(reverse("grids:hazard-list")).content.decode()
    assert page.count('data-testid="hazard"') == 20


# --- API -----------------------------------------------------------------------------


def _api_hazard(gw, **fields):
    """What the phone sends to report a hazard, with one photo."""
    return {
        "building": gw.building_1.pk,
        "kind": "blocked_exit",
        "severity": "medium",
        "description": "楼道堆放纸箱",
        "photos": [phone_jpeg()],
        **fields,
    }


def test_api_reports_and_fixes_a_hazard_with_photos(client, gw):
    client.force_login(gw.worker_1)
    created = client.post("/api/v1/hazards/", _api_hazard(gw))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "open"
    assert len(body["photos"]) == 1
    assert client.get(body["photos"][0]["url"]).status_code == 200

    refused = client.post(f"/api/v1/hazards/{body['id']}/fix/", {"note": "已清理"})
    assert refused.status_code == 400
    fixed = client.post(
        f"/api/v1/hazards/{body['id']}/fix/", {"note": "已清理", "photos": [phone_jpeg()]}
    )
    assert fixed.json()["status"] == "fixed"


def test_api_hides_buildings_and_hazards_outside_the_scope(client, gw):
    hazard = _report(gw)
    client.force_login(gw.worker_2)
    assert client.get(f"/api/v1/hazards/{hazard.pk}/").status_code == 404
    outside = client.post(
        "/api/v1/hazards/",
        {"building": gw.building_1.pk, "kind": "other", "description": "x"},
    )
    made_up = client.post(
        "/api/v1/hazards/", {"building": 999999, "kind": "other", "description": "x"}
    )
    assert outside.status_code == made_up.status_code == 400
    assert "building" in outside.json()


def test_api_hazard_list_query_count(client, gw, django_assert_num_queries):
    for _ in range(30):
        _report(gw, photos=[])
    client.force_login(gw.secretary_x)
    # session, user, memberships; led communities and staffed grids are
    # subqueries; count; page with building, unit, reporter; photos
    with django_assert_num_queries(6):
        data = client.get("/api/v1/hazards/").json()
    assert data["count"] == 30
    assert len(data["results"]) == 20


def test_a_thumbnail_lost_with_the_broker_is_made_by_the_sweep(gw, time_machine):
    from datetime import timedelta

    from django.utils import timezone

    from grids.tasks import sweep_hazard_thumbnails

    time_machine.move_to(timezone.now())
    hazard = _report(gw)  # no on-commit callbacks run here: the thumbnail task is lost
    photo = hazard.photos.get()
    assert not photo.thumbnail
    assert sweep_hazard_thumbnails.delay().get() == 0  # too fresh: maybe still queued
    time_machine.shift(timedelta(minutes=6))
    sweep_hazard_thumbnails.delay()
    photo.refresh_from_db()
    assert photo.thumbnail


def test_the_poster_points_at_the_portals_public_address(client, gw, settings):
    from unittest import mock

    from grids import printing

    settings.SITE_URL = "https://tongxin.example.cn"
    client.force_login(gw.secretary_x)
    with mock.patch.object(printing, "building_poster", wraps=printing.building_poster) as poster:
        client.get(reverse("grids:building-poster", args=[gw.building_1.pk]))
    url = poster.call_args.kwargs["url"]
    assert url.startswith("https://tongxin.example.cn/b/")
    assert url.endswith(printing.building_token(gw.building_1) + "/")


def test_a_photo_over_15_mb_is_refused_before_it_is_read():
    from django.core.files.uploadedfile import SimpleUploadedFile

    huge = SimpleUploadedFile("big.jpg", b"\xff" * (15 * 1024 * 1024 + 1), "image/jpeg")
    with pytest.raises(DomainError, match="超过 15 MB"):
        clean_photo(huge)


def test_the_api_refuses_photos_past_30_mb_together_and_keeps_nothing(client, gw):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(gw.worker_1)
    client.cookies["django_language"] = "en"
    heavy = [SimpleUploadedFile(f"{i}.jpg", b"\xff" * (8 * 2**20), "image/jpeg") for i in range(4)]
    response = client.post("/api/v1/hazards/", _api_hazard(gw, photos=heavy))
    assert response.status_code == 400
    assert "come to 32 MB; at most 30 MB can be sent at a time" in response.content.decode()
    assert not Hazard.objects.exists()
    assert not HazardPhoto.objects.exists()


@pytest.mark.parametrize(
    ("url", "field"),
    [("/api/v1/hazards/", "description"), ("/api/v1/hazards/{id}/fix/", "note")],
)
def test_the_api_refuses_100_kb_of_text_naming_the_field(client, gw, url, field):
    hazard = _report(gw)
    client.force_login(gw.worker_1)
    client.cookies["django_language"] = "en"
    response = client.post(url.format(id=hazard.pk), _api_hazard(gw, **{field: "纸" * 100_000}))
    assert response.status_code == 400
    assert response.json() == {field: ["Ensure this field has no more than 4000 characters."]}
    assert Hazard.objects.get() == hazard
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.OPEN
    assert hazard.photos.count() == 1


# --- The form: units follow the building, photos survive a refusal ---------------------


def _form(client, user, **data):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    body = {"kind": "other", "severity": "low", "description": "消防通道堆放杂物"}
    body.update(data)
    return client.post(reverse("grids:hazard-new"), body)


def _unit_options(page: str) -> list[str]:
    select = page.split('name="unit"', 1)[1].split("</select>", 1)[0]
    return [v.split('"', 1)[0] for v in select.split('value="')[1:] if v.split('"', 1)[0]]


def test_a_unit_of_another_building_is_refused_on_the_unit_field(client, gw):
    unit_1 = gw.building_1.units.first()
    unit_2 = gw.building_2.units.first()
    response = _form(client, gw.secretary_x, building=gw.building_1.pk, unit=unit_2.pk)
    assert not Hazard.objects.exists()
    assert "unit" in response.context["form"].errors
    page = response.content.decode()
    assert f"is not in {gw.building_1}: choose one of its units, or none." in page
    # The list now offers the chosen building's units only.
    assert _unit_options(page) == [str(unit_1.pk)]


def test_choosing_a_building_narrows_the_units_with_or_without_javascript(client, gw):
    unit_1 = gw.building_1.units.first()
    unit_2 = gw.building_2.units.first()
    client.force_login(gw.secretary_x)
    url = reverse("grids:hazard-new")
    # Without JavaScript and no building yet: every unit, under its building.
    page = client.get(url).content.decode()
    assert _unit_options(page) == [str(unit_1.pk), str(unit_2.pk)]
    assert f'<optgroup label="{gw.building_2}">' in page
    assert f'hx-get="{url}"' in page
    # htmx asks for the chosen building's places: the fragment, its units only.
    fragment = client.get(url, {"building": gw.building_2.pk}, headers={"HX-Request": "true"})
    assert "<form" not in fragment.content.decode()
    assert _unit_options(fragment.content.decode()) == [str(unit_2.pk)]


def test_photos_are_kept_after_a_refusal_and_attached_once(client, gw):
    refused = _form(
        client, gw.worker_1, building=gw.building_1.pk, description=" ", photos=[phone_jpeg()]
    )
    assert not Hazard.objects.exists()
    page = refused.content.decode()
    assert 'data-testid="kept-photos"' in page
    kept = refused.context["kept_photos"]
    assert len(kept) == 1
    assert f'name="photo_draft" value="{kept.token}"' in page
    # Sent again, mended, without choosing the photo again.
    fixed = _form(client, gw.worker_1, building=gw.building_1.pk, photo_draft=kept.token)
    hazard = Hazard.objects.get()
    assert fixed["Location"] == reverse("grids:hazard-detail", args=[hazard.pk])
    assert hazard.photos.count() == 1
    # The draft is spent: sending the same page again attaches nothing more.
    again = _form(client, gw.worker_1, building=gw.building_1.pk, photo_draft=kept.token)
    assert "no longer kept" in again.content.decode()
    assert Hazard.objects.count() == 1
    assert HazardPhoto.objects.count() == 1


def test_a_photo_ticked_for_removal_is_not_sent(client, gw):
    refused = _form(
        client,
        gw.worker_1,
        building=gw.building_1.pk,
        description="",
        photos=[phone_jpeg("a.jpg"), phone_jpeg("b.jpg")],
    )
    kept = refused.context["kept_photos"]
    _form(
        client,
        gw.worker_1,
        building=gw.building_1.pk,
        photo_draft=kept.token,
        drop_photo=[kept.ids[0]],
    )
    assert Hazard.objects.get().photos.count() == 1


def test_an_odd_photo_to_remove_is_ignored_not_an_error(client, gw):
    refused = _form(
        client, gw.worker_1, building=gw.building_1.pk, description="", photos=[phone_jpeg()]
    )
    kept = refused.context["kept_photos"]
    _form(
        client,
        gw.worker_1,
        building=gw.building_1.pk,
        photo_draft=kept.token,
        drop_photo=["\xb2", "9" * 40, "abc"],
    )
    assert Hazard.objects.get().photos.count() == 1


def test_another_workers_kept_photos_are_not_attached(client, gw):
    theirs = _form(
        client, gw.worker_2, building=gw.building_2.pk, description="", photos=[phone_jpeg()]
    ).context["kept_photos"]
    response = _form(client, gw.worker_1, building=gw.building_1.pk, photo_draft=theirs.token)
    assert "no longer kept" in response.content.decode()
    assert not Hazard.objects.exists()
    assert theirs.draft.photos.count() == 1


# --- One hazard per send: a double tap or a retry lands on the first ------------------


def test_the_same_token_twice_reports_one_hazard(gw):
    token = uuid.uuid4()
    first = _report(gw, token=token)
    again = _report(gw, token=token, description="第二次点击", photos=[phone_jpeg()])
    assert again == first
    assert Hazard.objects.get().description == "雪地里有一个裸露的插线板"
    assert HazardPhoto.objects.count() == 1
    # Another worker's token is theirs alone: the same value makes a hazard of its own.
    other = _report(gw, actor=gw.secretary_x, token=token)
    assert other != first


def _token(page) -> str:
    found = re.search(r'name="token" value="([0-9a-f-]{36})"', page)
    assert found is not None, "the form carries no token"
    return found.group(1)


def test_a_double_tapped_save_lands_on_the_first_hazard_with_its_photos(client, gw):
    client.force_login(gw.worker_1)
    page = client.get(reverse("grids:hazard-new")).content.decode()
    token = _token(page)
    assert _token(client.get(reverse("grids:hazard-new")).content.decode()) != token
    first = _form(
        client, gw.worker_1, building=gw.building_1.pk, token=token, photos=[phone_jpeg()]
    )
    again = _form(
        client, gw.worker_1, building=gw.building_1.pk, token=token, photos=[phone_jpeg()]
    )
    hazard = Hazard.objects.get()
    detail = reverse("grids:hazard-detail", args=[hazard.pk])
    assert first["Location"] == again["Location"] == detail
    assert hazard.photos.count() == 1
    # The photos sent again were not kept for a form that is done.
    assert not PhotoDraft.objects.exists()
    assert "Hazard recorded." in client.get(detail).content.decode()


def test_a_second_send_after_a_refusal_keeps_no_photo_twice_and_says_no_error(client, gw):
    client.force_login(gw.worker_1)
    token = _token(client.get(reverse("grids:hazard-new")).content.decode())
    refused = _form(
        client,
        gw.worker_1,
        building=gw.building_1.pk,
        token=token,
        description="",
        photos=[phone_jpeg()],
    )
    kept = refused.context["kept_photos"]
    # The refused page carries the same token: the mended form is the same send.
    assert _token(refused.content.decode()) == token
    mended = {"building": gw.building_1.pk, "token": token, "photo_draft": kept.token}
    first = _form(client, gw.worker_1, **mended)
    again = _form(client, gw.worker_1, **mended)
    hazard = Hazard.objects.get()
    assert first.status_code == again.status_code == 302
    assert again["Location"] == reverse("grids:hazard-detail", args=[hazard.pk])
    assert hazard.photos.count() == 1


def test_the_api_returns_the_first_hazard_for_the_same_client_token(client, gw):
    client.force_login(gw.worker_1)
    token = str(uuid.uuid4())
    first = client.post("/api/v1/hazards/", _api_hazard(gw, client_token=token))
    again = client.post("/api/v1/hazards/", _api_hazard(gw, client_token=token))
    assert (first.status_code, again.status_code) == (201, 200), again.content
    assert first.json()["id"] == again.json()["id"]
    assert "client_token" not in first.json()
    assert Hazard.objects.get().photos.count() == 1


def test_the_api_takes_an_idempotency_key_header(client, gw):
    client.force_login(gw.worker_1)
    key = {"Idempotency-Key": "phone-7f3a-0001"}
    first = client.post("/api/v1/hazards/", _api_hazard(gw), headers=key)
    again = client.post("/api/v1/hazards/", _api_hazard(gw), headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    other = client.post(
        "/api/v1/hazards/", _api_hazard(gw), headers={"Idempotency-Key": "phone-7f3a-0002"}
    )
    assert other.status_code == 201
    assert Hazard.objects.count() == 2
    # Without a key, each send is a hazard of its own (as before).
    assert client.post("/api/v1/hazards/", _api_hazard(gw)).status_code == 201
    assert Hazard.objects.count() == 3


def test_the_schema_documents_the_idempotency_key_of_a_hazard(client, gw):
    client.force_login(gw.worker_1)
    schema = client.get("/api/schema/").content.decode()
    hazards = schema.split("/api/v1/hazards/:", 1)[1].split("/api/v1/hazards/{id}/", 1)[0]
    assert "Idempotency-Key" in hazards
    request = schema.split("    HazardRequest:", 1)[1].split("      required:", 1)[0]
    assert "client_token:" in request


# --- The kind starts unchosen -------------------------------------------------------------


def test_the_kind_starts_unchosen(client, gw):
    client.force_login(gw.worker_1)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("grids:hazard-new")).content.decode()
    select = page.split('name="kind"', 1)[1].split("</select>", 1)[0]
    first = select.split("<option", 2)[1]
    assert 'value=""' in first
    assert "Please choose" in first
    assert "selected" not in select.replace('value="" selected', "")


def test_an_untouched_kind_is_refused_on_its_field_and_loses_nothing(client, gw):
    response = _form(
        client,
        gw.worker_1,
        building=gw.building_1.pk,
        kind="",
        description="楼道里电瓶车充电",
        photos=[phone_jpeg()],
    )
    assert response.status_code == 200
    assert not Hazard.objects.exists()
    form = response.context["form"]
    assert form.errors["kind"] == ["Choose what kind of hazard it is."]
    page = response.content.decode()
    assert "Choose what kind of hazard it is." in page
    assert "楼道里电瓶车充电" in page
    kept = response.context["kept_photos"]
    assert len(kept) == 1
    # Chosen and sent again, without choosing the photo again: saved with it.
    saved = _form(
        client,
        gw.worker_1,
        building=gw.building_1.pk,
        kind="flying_wire",
        description="楼道里电瓶车充电",
        photo_draft=kept.token,
    )
    hazard = Hazard.objects.get()
    assert saved["Location"] == reverse("grids:hazard-detail", args=[hazard.pk])
    assert (hazard.kind, hazard.photos.count()) == ("flying_wire", 1)


def test_the_migration_gives_each_existing_hazard_a_token_of_its_own(gw):
    hazards = [_report(gw, photos=[]) for _ in range(3)]
    import_module("grids.migrations.0015_hazard_client_token").fill(apps, None)
    tokens = {h.client_token for h in Hazard.objects.all()}
    assert len(tokens) == 3
    assert tokens.isdisjoint({h.client_token for h in hazards})
