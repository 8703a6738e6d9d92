"""Photos kept across a refused form: scoped to their owner and form, taken once, swept."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from community.errors import DomainError
from community.models import PhotoDraft, PhotoDraftPhoto
from community.services import (
    photo_draft_keep,
    photo_draft_open,
    photo_draft_take,
    photo_draft_token,
    photo_drafts_sweep,
)
from tests.photos import not_an_image, phone_jpeg

pytestmark = pytest.mark.django_db

FORM = "tests.form"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _kept(owner, n=1, purpose=FORM):
    return photo_draft_keep(
        draft=None,
        owner=owner,
        purpose=purpose,
        photos=[phone_jpeg(f"{i}.jpg", (40, 30)) for i in range(n)],
    )


def test_nothing_chosen_keeps_nothing(world):
    assert photo_draft_keep(draft=None, owner=world.resident_x, purpose=FORM, photos=[]) is None
    assert not PhotoDraft.objects.exists()


def test_the_token_opens_the_draft_only_for_its_owner_and_form(world):
    draft = _kept(world.resident_x)
    token = photo_draft_token(draft)
    assert photo_draft_open(token=token, owner=world.resident_x, purpose=FORM) == draft
    # Another person, no person (the poster's anonymous drafts), another form, a forgery.
    assert photo_draft_open(token=token, owner=world.worker_x, purpose=FORM) is None
    assert photo_draft_open(token=token, owner=None, purpose=FORM) is None
    assert photo_draft_open(token=token, owner=world.resident_x, purpose="other") is None
    assert photo_draft_open(token=token + "x", owner=world.resident_x, purpose=FORM) is None


def test_another_persons_draft_neither_grows_nor_gives_its_photos(world):
    draft = _kept(world.resident_x)
    with pytest.raises(DomainError, match="not yours"):
        photo_draft_keep(draft=draft, owner=world.worker_x, purpose=FORM, photos=[phone_jpeg()])
    with transaction.atomic():
        assert photo_draft_take(draft, owner=world.worker_x) == []
    assert PhotoDraftPhoto.objects.filter(draft=draft).count() == 1


def test_photos_add_up_to_six_and_a_bad_one_leaves_the_kept_ones(world):
    draft = _kept(world.resident_x, n=4)
    with pytest.raises(DomainError, match="4 are kept already, 3 more"):
        photo_draft_keep(
            draft=draft,
            owner=world.resident_x,
            purpose=FORM,
            photos=[phone_jpeg(f"n{i}.jpg", (40, 30)) for i in range(3)],
        )
    with pytest.raises(DomainError, match="not a photo that can be read"):
        photo_draft_keep(draft=draft, owner=world.resident_x, purpose=FORM, photos=[not_an_image()])
    assert draft.photos.count() == 4


def test_ticked_photos_are_removed_only_from_the_own_draft(world):
    mine = _kept(world.resident_x, n=2)
    theirs = _kept(world.worker_x)
    drop = [mine.photos.first().pk, theirs.photos.get().pk]
    photo_draft_keep(draft=mine, owner=world.resident_x, purpose=FORM, photos=[], drop=drop)
    assert mine.photos.count() == 1
    assert theirs.photos.count() == 1


def test_the_photos_are_taken_once(world):
    draft = _kept(world.resident_x, n=2)
    with transaction.atomic():
        photos = photo_draft_take(draft, owner=world.resident_x)
    assert [(p.width, p.height) for p in photos] == [(40, 30), (40, 30)]
    assert not PhotoDraft.objects.exists()
    with transaction.atomic():
        assert photo_draft_take(draft, owner=world.resident_x) == []


def test_drafts_left_for_a_day_are_swept(world, time_machine):
    _kept(world.resident_x)
    time_machine.shift(23 * 3600)
    assert photo_drafts_sweep() == 0
    time_machine.shift(2 * 3600)
    assert photo_drafts_sweep() == 1
    assert not PhotoDraftPhoto.objects.exists()


def test_a_kept_photo_is_shown_to_its_owner_only(client, world):
    draft = _kept(world.resident_x)
    url = reverse("kept-photo", args=[photo_draft_token(draft), draft.photos.get().pk])
    client.force_login(world.resident_x)
    response = client.get(url)
    assert (response.status_code, response["Content-Type"]) == (200, "image/jpeg")
    client.force_login(world.worker_x)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404
