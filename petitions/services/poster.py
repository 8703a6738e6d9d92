"""Reporting from a building's QR poster without an account, in three screens.

1. What and where: category, text, photos (the building is the poster's, the
   unit optional). Kept as a ``PosterDraft`` with its cleaned photos.
2. The mobile number (and a name, optional): a code is sent (purpose POSTER).
3. The code: the draft becomes a request through intake (channel poster), and
   an SMS brings the follow link.

Why a draft row and not the session or staged files: the photos must survive a
refused step (a wrong code, a refused number), and the browser cannot keep a
chosen file across pages. The photos are kept as on every refused form
(``community.services.photo_drafts``, a draft with no owner): filing takes them
in the request's transaction, the hourly sweep deletes drafts left at the code
with their photos, and no file is ever orphaned. The browser holds only the
draft's signed token.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.errors import DomainError
from community.models import PhotoDraft
from community.services.photo_drafts import photo_draft_keep
from community.services.verification import (
    Issued,
    Purpose,
    TooManyRequests,
    cache_count,
    code_send,
    code_verify,
    normalise_phone,
)
from community.sms import SmsError, get_backend
from grids.models import Building, BuildingUnit
from petitions.models import Petition, PosterDraft
from petitions.services.intake import petition_submit_from_poster

logger = logging.getLogger(__name__)

DRAFT_LIFETIME = timedelta(hours=24)
# Drafts hold photos and need no account: a bound on how many one address makes.
DRAFTS_PER_ADDRESS_PER_HOUR = 20
DRAFT_SALT = "petitions.poster-draft"
FOLLOW_SALT = "petitions.follow"
# Which form the kept photos belong to (community.services.photo_drafts).
POSTER_PHOTOS = "petitions.poster"


# --- Tokens --------------------------------------------------------------------------


def draft_token(draft: PosterDraft) -> str:
    return signing.Signer(salt=DRAFT_SALT).sign(draft.token.hex)


def draft_from_token(token: str) -> PosterDraft | None:
    """The unfinished or just filed draft behind a signed token; None if forged or swept."""
    try:
        value = uuid.UUID(hex=signing.Signer(salt=DRAFT_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return (
        PosterDraft.objects.select_related("building__community", "building__grid", "unit")
        .filter(token=value, created_at__gte=timezone.now() - DRAFT_LIFETIME)
        .first()
    )


def follow_token(petition: Petition) -> str:
    """The code in a request's follow link: signed, so no one can guess another's."""
    return signing.Signer(salt=FOLLOW_SALT).sign(petition.client_token.hex)


def follow_petition_token(token: str) -> uuid.UUID | None:
    """The client token of the poster report a follow link is for, or None if forged."""
    try:
        return uuid.UUID(hex=signing.Signer(salt=FOLLOW_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None


def follow_url(petition: Petition) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("petition-follow", args=[follow_token(petition)])


# --- The three screens -------------------------------------------------------------------


def _count_draft(client_address: str) -> None:
    if cache_count(f"poster-drafts:{client_address}", timeout=3600) > DRAFTS_PER_ADDRESS_PER_HOUR:
        raise TooManyRequests(
            _("Too many reports were started from your network. Try again in an hour.")
        )


def poster_draft_save(
    *,
    building: Building,
    draft: PosterDraft | None,
    category: str,
    description: str,
    unit: BuildingUnit | None,
    photos: list[UploadedFile],
    client_address: str,
    drop_photos: list[int] | None = None,
) -> PosterDraft:
    """Screen 1: keep what was typed and the photos (new ones added to those kept,
    those ticked for removal gone).

    Steps: the photos through photo_draft_keep (at most six in all, each checked
    and cleaned before anything is written; a refused one leaves the kept ones
    kept); a new draft counts against its address's hourly bound; then the
    draft. The fields are stored even when the form found them wanting, so the
    photos stay with the text while the person fixes it; filing checks
    everything again.
    """
    if draft is not None and draft.petition_id is not None:
        raise DomainError(_("This report is filed already."))
    kept = draft.photo_draft if draft is not None else None
    photo_draft = photo_draft_keep(
        draft=kept, owner=None, purpose=POSTER_PHOTOS, photos=photos, drop=drop_photos or ()
    )
    if unit is not None and unit.building_id != building.pk:
        unit = None
    if draft is None:
        try:
            _count_draft(client_address)
        except TooManyRequests:
            if photo_draft is not None:
                photo_draft.delete()
            raise
    if draft is None:
        draft = PosterDraft(building=building)
    draft.category = category
    draft.description = description.strip()[:4000]
    draft.unit = unit
    draft.photo_draft = photo_draft
    draft.save()
    return draft


def poster_code_send(*, draft: PosterDraft, phone: str, name: str, client_address: str) -> Issued:
    """Screen 2: send a code to the number and keep it (and the name) on the draft.

    The number is kept only once its code went out, so the code screen always
    asks for the code sent to the number it shows.
    """
    if draft.petition_id is not None:
        raise DomainError(_("This report is filed already."))
    phone = normalise_phone(phone)
    issued = code_send(phone=phone, purpose=Purpose.POSTER, client_address=client_address)
    draft.phone = issued.phone
    draft.name = name.strip()[:50]
    draft.save(update_fields=["phone", "name"])
    return issued


def poster_report_file(*, draft: PosterDraft, code: str) -> Petition:
    """Screen 3: with the right code, the draft becomes a request; pressed twice, one.

    Steps, in one transaction on the locked draft: a draft filed already
    returns its request (a double press, a reload); the code sent to the
    draft's number is spent (wrong, expired: WrongCode, nothing written);
    the request is filed through intake with the draft's photos (taken out
    of their photo draft, which goes); the draft keeps a link to the
    request. After commit the follow link
    goes out by SMS; if that fails the page still shows it.
    """
    with transaction.atomic():
        locked = PosterDraft.objects.select_for_update().get(pk=draft.pk)
        if locked.petition_id is not None:
            return Petition.objects.get(pk=locked.petition_id)
        if not locked.phone:
            raise DomainError(_("Ask for a code first."))
        code_verify(phone=locked.phone, purpose=Purpose.POSTER, code=code)
        p = petition_submit_from_poster(
            building=locked.building,
            unit=locked.unit,
            category=locked.category,
            description=locked.description,
            photo_draft=locked.photo_draft,
            phone=locked.phone,
            name=locked.name,
            token=locked.token,
        )
        locked.petition = p
        locked.save(update_fields=["petition"])
        transaction.on_commit(partial(_send_follow_link, p.pk), robust=True)
    return p


def _send_follow_link(petition_pk: int) -> None:
    p = Petition.objects.get(pk=petition_pk)
    link = follow_url(p)
    text = _("【同心】Your request %(reference)s is filed. Follow it here: %(link)s") % {
        "reference": p.reference,
        "link": link,
    }
    try:
        get_backend().send_notice(
            phone=p.requester_phone,
            template="follow",
            params={"reference": p.reference, "link": link},
            text=str(text),
        )
    except SmsError as exc:
        logger.error("Follow link for %s not sent: %s", p.reference, exc)


def poster_drafts_sweep() -> int:
    """Delete drafts older than a day, filed or not (their photos with them)."""
    old = PosterDraft.objects.filter(created_at__lt=timezone.now() - DRAFT_LIFETIME)
    with transaction.atomic():
        PhotoDraft.objects.filter(
            pk__in=old.filter(photo_draft__isnull=False).values("photo_draft")
        ).delete()
        _total, per_model = old.delete()
    return per_model.get(PosterDraft._meta.label, 0)
