"""Intake (网格收集): a resident files a request, or a grid worker records one for them."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.errors import DomainError, NotAllowed
from community.images import clean_photos
from community.models import PhotoDraft, User
from community.services.photo_drafts import photo_draft_take
from grids.models import Building, BuildingUnit, Hazard, Resident, Severity
from petitions.models import (
    LEVEL_OF,
    Action,
    Category,
    Channel,
    Desk,
    Petition,
    PetitionEvent,
    Priority,
    Status,
)
from petitions.services.deadlines import stage_hours, warn_at
from petitions.services.desks import home_communities, may_record_at
from petitions.services.notices import notify_event
from petitions.services.photos import photos_save


def _reference(p: Petition) -> str:
    # The day it came in (Shanghai) and its number: short enough to read out on the phone.
    return f"{timezone.localdate(p.created_at):%Y%m%d}-{p.pk:05d}"


def _check(
    *, building: Building, unit: BuildingUnit | None, category: str, description: str
) -> None:
    if category not in Category.values:
        raise DomainError(_("Choose a category from the list."))
    if not description.strip():
        raise DomainError(_("Say what the matter is."))
    if unit is not None and unit.building_id != building.pk:
        raise DomainError(_("That unit is not in %(building)s.") % {"building": building})


def petition_submit(
    *,
    actor: User,
    building: Building,
    category: str,
    description: str,
    channel: str = Channel.ONLINE,
    priority: str = Priority.NORMAL,
    unit: BuildingUnit | None = None,
    place_note: str = "",
    photos: list[UploadedFile] | None = None,
    photo_draft: PhotoDraft | None = None,
    token: uuid.UUID | None = None,
    requester_name: str = "",
    requester_phone: str = "",
    resident: Resident | None = None,
    hazard: Hazard | None = None,
) -> Petition:
    """File a request; the same ``token`` from the same person returns the first one.

    Steps: a token already used by the actor returns that request (a double
    click, or a phone resending); online, the actor files for themselves in a
    community they live or work in; on someone's behalf, the actor staffs the
    building's grid (or leads its community) and names the requester; the
    unit must be in the building; photos are cleaned before anything is
    written; then, in one transaction, the request with its reference, the
    submit event with the photos (and those kept in the actor's
    ``photo_draft`` across a refused form, taken out of it: attached once),
    and the notice to the grid worker.
    """
    token = token or uuid.uuid4()
    earlier = _earlier(actor, token)
    if earlier is not None:
        return earlier
    _check(building=building, unit=unit, category=category, description=description)
    description = description.strip()
    if priority not in Priority.values:
        raise DomainError(_("Choose a priority from the list."))
    if channel not in Channel.values or channel == Channel.POSTER:
        # Poster reports come only through petition_submit_from_poster (a proved number).
        raise DomainError(_("Choose how the request came in."))
    if channel == Channel.ONLINE:
        if building.community_id not in home_communities(actor):
            raise NotAllowed(_("You can file requests only in your own community."))
        requester: User | None = actor
        resident = Resident.objects.filter(user=actor).first()
        requester_name = actor.name or actor.username
        requester_phone = actor.phone or ""
        desk = Desk.REQUESTER
    else:
        if not may_record_at(actor, building):
            raise NotAllowed(_("%(building)s is not in your grid.") % {"building": building})
        if resident is not None:
            if resident.household.unit.building.community_id != building.community_id:
                raise DomainError(_("That resident lives in another community."))
            requester_name = requester_name.strip() or resident.name
            requester_phone = requester_phone.strip() or resident.phone
        requester_name = requester_name.strip()
        if not requester_name:
            raise DomainError(_("Give the name of the person asking."))
        # A resident with an account follows the request online as if they had filed it.
        requester = resident.user if resident is not None else None
        desk = Desk.GRID if may_record_at(actor, building) else Desk.COMMUNITY
    return _file(
        recorded_by=actor,
        actor=actor,
        desk=desk,
        requester=requester,
        resident=resident,
        requester_name=requester_name,
        requester_phone=requester_phone,
        building=building,
        unit=unit,
        category=category,
        priority=priority,
        description=description,
        channel=channel,
        place_note=place_note,
        photos=photos or [],
        photo_draft=photo_draft,
        photo_owner=actor,
        token=token,
        hazard=hazard,
    )


def _earlier(recorded_by: User | None, token: uuid.UUID) -> Petition | None:
    if recorded_by is None:
        return Petition.objects.filter(recorded_by__isnull=True, client_token=token).first()
    return Petition.objects.filter(recorded_by=recorded_by, client_token=token).first()


def _file(
    *,
    recorded_by: User | None,
    actor: User | None,
    desk: str,
    requester: User | None,
    resident: Resident | None,
    requester_name: str,
    requester_phone: str,
    building: Building,
    unit: BuildingUnit | None,
    category: str,
    priority: str,
    description: str,
    channel: str,
    place_note: str,
    photos: list[UploadedFile],
    token: uuid.UUID,
    hazard: Hazard | None = None,
    photo_draft: PhotoDraft | None = None,
    photo_owner: User | None = None,
) -> Petition:
    """Write a checked request: photos cleaned first, then in one transaction the
    request with its reference, the submit event with the photos (those kept in
    ``photo_draft`` first, if it is ``photo_owner``'s), the notice."""
    cleaned = clean_photos(photos)
    now = timezone.now()
    # The grid's sign-for limit: the first desk clock (see workflow._start_clock).
    limit = timedelta(hours=stage_hours(Status.SUBMITTED, priority))
    try:
        with transaction.atomic():
            p = Petition.objects.create(
                reference=f"~{token.hex[:18]}",
                category=category,
                priority=priority,
                description=description[:4000],
                channel=channel,
                building=building,
                unit=unit,
                place_note=place_note.strip()[:200],
                grid_id=building.grid_id,
                community_id=building.community_id,
                requester=requester,
                resident=resident,
                requester_name=requester_name[:50],
                requester_phone=requester_phone[:20],
                recorded_by=recorded_by,
                hazard=hazard,
                client_token=token,
                accept_by=now + limit,
                due_at=now + limit,
                warn_at=warn_at(now + limit, now),
                deadline_cycle=1,
                created_at=now,
            )
            p.reference = _reference(p)
            p.save(update_fields=["reference"])
            event = PetitionEvent.objects.create(
                petition=p,
                action=Action.SUBMIT,
                actor=actor,
                desk=desk,
                from_status="",
                to_status=Status.SUBMITTED,
                level=LEVEL_OF[Status.SUBMITTED],
                data={"channel": channel},
                created_at=now,
            )
            kept = photo_draft_take(photo_draft, owner=photo_owner)
            photos_save(p, event, [*kept, *cleaned], actor)
            notify_event(p, event)
    except IntegrityError:
        # The same token raced in from a second click: the first one won.
        earlier = _earlier(recorded_by, token)
        if earlier is None:
            raise
        return earlier
    return p


def petition_submit_from_poster(
    *,
    building: Building,
    phone: str,
    category: str,
    description: str,
    token: uuid.UUID,
    name: str = "",
    unit: BuildingUnit | None = None,
    photos: list[UploadedFile] | None = None,
    photo_draft: PhotoDraft | None = None,
) -> Petition:
    """File a report made on a building's poster page by someone whose number
    was just proved by an SMS code (the caller checked it); no one is signed in.

    Steps: a token already filed returns that request; the category, text and
    unit are checked as online; if an account has this number, the request is
    its own at once (the number's holder proved it, as a code sign-in would);
    otherwise it waits, with the number, for an account to claim it
    (``poster_requests_claim``); then it is written like any other request.
    """
    earlier = _earlier(None, token)
    if earlier is not None:
        return earlier
    _check(building=building, unit=unit, category=category, description=description)
    account = User.objects.filter(phone=phone, is_active=True).first()
    resident = Resident.objects.filter(user=account).first() if account is not None else None
    return _file(
        recorded_by=None,
        actor=account,
        desk=Desk.REQUESTER,
        requester=account,
        resident=resident,
        requester_name=name.strip() or (account.name if account is not None else ""),
        requester_phone=phone,
        building=building,
        unit=unit,
        category=category,
        priority=Priority.NORMAL,
        description=description.strip(),
        channel=Channel.POSTER,
        place_note="",
        photos=photos or [],
        # The poster's photos were kept without an owner: no one was signed in.
        photo_draft=photo_draft,
        photo_owner=None,
        token=token,
    )


def poster_requests_claim(*, user: User) -> int:
    """Make the poster reports filed from ``user``'s number their own requests.

    Called once the number is proved to the account's holder (sign-up, sign-in
    or reset by code). From then on the requests are in their list, they hear
    of each step and may rate the result. Returns how many were claimed.
    """
    if not user.phone:
        return 0
    return Petition.objects.filter(
        channel=Channel.POSTER, requester__isnull=True, requester_phone=user.phone
    ).update(requester=user)


def hazard_to_petition(
    *, actor: User, hazard: Hazard, priority: str | None = None, token: uuid.UUID | None = None
) -> Petition:
    """Turn a hazard found on patrol into a request, with its photos (once per hazard)."""
    existing = Petition.objects.filter(hazard=hazard).first()
    if existing is not None:
        return existing
    photos: list[UploadedFile] = []
    for photo in hazard.photos.all()[:6]:
        with photo.image.open("rb") as f:
            photos.append(SimpleUploadedFile("hazard.jpg", f.read(), "image/jpeg"))
    if priority is None:
        priority = Priority.URGENT if hazard.severity == Severity.HIGH else Priority.NORMAL
    return petition_submit(
        actor=actor,
        building=hazard.building,
        unit=hazard.unit,
        category=Category.SAFETY,
        priority=priority,
        description=f"{hazard.get_kind_display()}：{hazard.description}",
        channel=Channel.HAZARD,
        requester_name=actor.name or actor.username,
        requester_phone=actor.phone or "",
        hazard=hazard,
        token=token,
        photos=photos,
    )
