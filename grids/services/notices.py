"""Notices 通知公告: publishing, editing with history, withdrawing, reading."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.errors import Conflict, DomainError, NotAllowed
from community.models import Community, User
from community.services import notify_residents
from grids.models import (
    BODY_MAX,
    NOTICE_MOVES,
    TITLE_MAX,
    Building,
    Grid,
    Notice,
    NoticeRead,
    NoticeRevision,
    NoticeStatus,
)
from grids.selectors_notices import notice_audience_label, notice_scope


def _check_text(*, title: str, body: str, starts_at: datetime, ends_at: datetime | None) -> None:
    if not title or not body:
        raise DomainError(_("A notice needs a title and a text."))
    if len(title) > TITLE_MAX or len(body) > BODY_MAX:
        raise DomainError(
            _("Keep the title within %(title)d characters and the text within %(body)d.")
            % {"title": TITLE_MAX, "body": BODY_MAX}
        )
    if ends_at is not None and ends_at <= starts_at:
        raise DomainError(_("The end must come after the start."))


def notice_publish(
    *,
    actor: User,
    community: Community,
    title: str,
    body: str,
    grids: Iterable[Grid] = (),
    buildings: Iterable[Building] = (),
    pinned: bool = False,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    to_group_bot: bool = False,
) -> Notice:
    """Publish a notice to a community, or to some of its grids and buildings.

    Steps: check the audience lies within what the actor may address (the
    secretary: the community and any of its grids and buildings; a grid
    worker: their own grids and the buildings in them, never the whole
    community); check the text and the dates; write the notice and its
    audience; if asked, queue a post to the community's residents' group bot
    through the outbox (sent after commit). No grids and no buildings means
    the whole community.
    """
    grids, buildings = list(grids), list(buildings)
    title, body = title.strip(), body.strip()
    starts_at = starts_at or timezone.now()
    scope = notice_scope(actor)
    if not scope.communities.filter(pk=community.pk).exists():
        raise NotAllowed(
            _("You may not publish notices in %(community)s.") % {"community": community}
        )
    whole = not grids and not buildings
    if whole and not scope.may_address_whole(community):
        raise NotAllowed(
            _(
                "Only the secretary may publish to the whole community; "
                "choose your grids or buildings."
            )
        )
    outside = [g for g in grids if g.community_id != community.pk] + [
        b for b in buildings if b.community_id != community.pk
    ]
    allowed_grids = set(
        scope.grids.filter(pk__in=[g.pk for g in grids]).values_list("pk", flat=True)
    )
    allowed_buildings = set(
        scope.buildings.filter(pk__in=[b.pk for b in buildings]).values_list("pk", flat=True)
    )
    if (
        outside
        or any(g.pk not in allowed_grids for g in grids)
        or any(b.pk not in allowed_buildings for b in buildings)
    ):
        raise NotAllowed(_("You may publish only to your own grids and buildings."))
    _check_text(title=title, body=body, starts_at=starts_at, ends_at=ends_at)
    with transaction.atomic():
        notice = Notice.objects.create(
            community=community,
            whole_community=whole,
            title=title,
            body=body,
            pinned=pinned,
            starts_at=starts_at,
            ends_at=ends_at,
            to_group_bot=to_group_bot,
            author=actor,
        )
        notice.grids.set(grids)
        notice.buildings.set(buildings)
        if to_group_bot:
            notify_residents(
                community=community,
                kind="notice.published",
                title="%(title)s",
                body=_("To: %(audience)s\n%(body)s"),
                params={"title": title, "body": body, "audience": notice_audience_label(notice)},
                link=reverse("grids:notice-detail", args=[notice.pk]),
                key=f"notice:{notice.pk}:published",
            )
    return notice


def _managed(notice: Notice, actor: User) -> Notice:
    """The notice locked, if ``actor`` may manage it (its author or the secretary)."""
    locked = Notice.objects.managed_by(actor).select_for_update().filter(pk=notice.pk).first()
    if locked is None:
        raise NotAllowed(_("Only the notice's author or the secretary may change it."))
    return locked


def notice_edit(
    *,
    notice: Notice,
    actor: User,
    title: str,
    body: str,
    pinned: bool,
    starts_at: datetime,
    ends_at: datetime | None,
) -> Notice:
    """Change a published notice's text and dates; the audience stays.

    Steps, in one transaction: lock the notice and check the actor manages
    it and it is still published; keep the text it had as a revision (who,
    when); save the new text. An edit that changes nothing writes nothing.
    The group bot is not posted again: an edit is a correction.
    """
    title, body = title.strip(), body.strip()
    _check_text(title=title, body=body, starts_at=starts_at, ends_at=ends_at)
    with transaction.atomic():
        locked = _managed(notice, actor)
        if locked.status != NoticeStatus.PUBLISHED:
            raise Conflict(_("This notice was withdrawn and can no longer be changed."))
        new = {
            "title": title,
            "body": body,
            "pinned": pinned,
            "starts_at": starts_at,
            "ends_at": ends_at,
        }
        if all(getattr(locked, k) == v for k, v in new.items()):
            return locked
        NoticeRevision.objects.create(
            notice=locked, edited_by=actor, **{k: getattr(locked, k) for k in new}
        )
        for k, v in new.items():
            setattr(locked, k, v)
        locked.save(update_fields=[*new, "updated_at"])
    return locked


def notice_withdraw(*, notice: Notice, actor: User) -> Notice:
    """Withdraw a notice: residents no longer see it; staff keep it, with who and when.

    Steps, in one transaction: lock, check the actor manages it, a notice
    already withdrawn is a no-op, check the move table, record who and when.
    """
    source, target = NOTICE_MOVES["withdraw"]
    with transaction.atomic():
        locked = _managed(notice, actor)
        if locked.status == target:
            return locked
        if locked.status not in source:
            raise Conflict(_("This notice cannot be withdrawn now."))
        locked.status = target
        locked.withdrawn_by = actor
        locked.withdrawn_at = timezone.now()
        locked.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "updated_at"])
    return locked


def notice_mark_read(*, notice: Notice, user: User) -> NoticeRead:
    """A resident opened the notice; the first opening counts, later ones change nothing."""
    try:
        with transaction.atomic():  # a savepoint: a double-tap's race must not spoil the page
            read, _created = NoticeRead.objects.get_or_create(notice=notice, user=user)
    except IntegrityError:
        read = NoticeRead.objects.get(notice=notice, user=user)
    return read
