"""Intake (网格收集): residents file online, workers record for them, hazards become requests."""

from __future__ import annotations

import uuid

import pytest
from django.utils import translation

from community.errors import DomainError, NotAllowed
from community.models import Notification
from grids.models import Hazard, HazardPhoto
from petitions import services
from petitions.models import Channel, Petition, Status
from tests.photos import not_an_image, phone_jpeg


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_resident_files_a_request_and_gets_a_reference_at_once(pw):
    p = pw.submit(place_note="2单元5楼楼道")
    assert p.reference.endswith(f"-{p.pk:05d}")
    assert (p.status, p.channel, p.requester, p.grid) == (
        Status.SUBMITTED,
        Channel.ONLINE,
        pw.tenant,
        pw.gw.grid_1,
    )
    assert p.resident == pw.gw.tenant
    event = p.events.get()
    assert (event.action, event.actor, event.to_status) == ("submit", pw.tenant, "submitted")


def test_the_grid_worker_of_the_building_is_told(pw):
    p = pw.submit()
    told = Notification.objects.filter(kind="petition.submit")
    assert [n.recipient.username for n in told] == ["worker_1"]
    assert p.reference in told.get().title


def test_same_token_twice_makes_one_request(pw):
    token = uuid.uuid4()
    first = pw.submit(token=token)
    second = pw.submit(token=token, description="再点一次")
    assert first == second
    assert Petition.objects.count() == 1
    assert Notification.objects.filter(kind="petition.submit").count() == 1


def test_resident_cannot_file_in_another_community(pw):
    with pytest.raises(NotAllowed, match="your own community"):
        pw.submit(building=pw.gw.outsider.household.unit.building)
    assert not Petition.objects.exists()


def test_empty_description_is_refused(pw):
    with pytest.raises(DomainError, match="Say what the matter is"):
        pw.submit(description="   ")


def test_a_photo_that_is_not_an_image_refuses_the_request_and_saves_nothing(pw):
    with pytest.raises(DomainError, match="not a photo that can be read"):
        pw.submit(photos=[phone_jpeg(), not_an_image()])
    assert not Petition.objects.exists()
    assert not Notification.objects.exists()


def test_photos_are_kept_without_their_gps(pw):
    from PIL import Image

    p = pw.submit(photos=[phone_jpeg()])
    photo = p.photos.get()
    with photo.image.open("rb") as f, Image.open(f) as image:
        assert not image.getexif()


def test_grid_worker_records_a_walk_in_for_a_resident_without_an_account(pw):
    g = pw.gw
    p = services.petition_submit(
        actor=g.worker_1,
        building=g.building_1,
        category="facilities",
        description="楼道灯不亮",
        channel=Channel.WALK_IN,
        resident=g.elder_1,
    )
    assert (p.requester, p.requester_name, p.requester_phone) == (None, "张奶奶", "13812348000")
    assert (p.recorded_by, p.events.get().desk) == (g.worker_1, "grid")


def test_a_request_recorded_for_a_resident_with_an_account_is_theirs_to_follow(pw):
    g = pw.gw
    p = services.petition_submit(
        actor=g.worker_1,
        building=g.building_1,
        category="facilities",
        description="电话反映路灯坏了",
        channel=Channel.PHONE,
        resident=g.tenant,
    )
    assert p.requester == pw.tenant
    assert Petition.objects.visible_to(pw.tenant).filter(pk=p.pk).exists()


def test_on_behalf_needs_the_requesters_name(pw):
    g = pw.gw
    with pytest.raises(DomainError, match="name of the person"):
        services.petition_submit(
            actor=g.worker_1,
            building=g.building_1,
            category="other",
            description="x",
            channel=Channel.PHONE,
        )


def test_worker_cannot_record_in_another_grid(pw):
    g = pw.gw
    with pytest.raises(NotAllowed):
        services.petition_submit(
            actor=g.worker_2,
            building=g.building_1,
            category="other",
            description="x",
            channel=Channel.WALK_IN,
            requester_name="路人",
        )


def test_a_hazard_becomes_a_request_once_with_its_photos(pw):
    from grids.services import hazard_report

    g = pw.gw
    hazard = hazard_report(
        actor=g.worker_1,
        building=g.building_1,
        kind="exposed_wiring",
        severity="high",
        description="插线板泡在雪里",
        photos=[phone_jpeg()],
    )
    p = services.hazard_to_petition(actor=g.worker_1, hazard=hazard)
    again = services.hazard_to_petition(actor=g.worker_1, hazard=hazard)
    assert p == again
    assert (p.channel, p.priority, p.category, p.hazard) == (
        Channel.HAZARD,
        "urgent",
        "safety",
        hazard,
    )
    assert "插线板泡在雪里" in p.description
    assert p.photos.count() == HazardPhoto.objects.filter(hazard=hazard).count() == 1
    assert Hazard.objects.get(pk=hazard.pk).petition == p


def test_likely_duplicates_are_open_same_building_same_category(pw):
    from petitions.selectors import likely_duplicates

    first = pw.submit()
    other_kind = pw.submit(category="sanitation")
    elsewhere = pw.submit(actor=pw.neighbour, building=pw.gw.building_2)
    found = list(likely_duplicates(building_id=pw.gw.building_1.pk, category="safety"))
    assert found == [first]
    assert other_kind not in found
    assert elsewhere not in found
