"""The notifications outbox: write in the caller's transaction, deliver after commit.

``notify``, ``notify_unit``, ``notify_residents`` and ``notify_digest`` only
write rows; they must be called inside the transaction of the change they
report, so a rolled-back change leaves no message behind. Rows that need
sending (e-mail, group bot) are handed to Celery once the transaction commits.
If the broker is down at that moment, the hand-off is logged and dropped: the
row stays pending and the beat sweep (``notifications_sweep``) hands it over
again later. ``notification_deliver``
claims a row with a compare-and-swap update before sending, so two workers
given the same row never both send it.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise

from community.models import (
    NOTE_LENGTH,
    BotKind,
    Channel,
    Community,
    DeliveryStatus,
    Department,
    Notification,
    ReminderItem,
    Street,
    User,
)
from community.queueing import delay_each

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# Wait before attempt n+1 after n failures; the last one gives up.
RETRY_DELAYS = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
]
# A row claimed this long ago whose worker never reported back is taken to
# be lost with its worker and is handed out again.
STALE_CLAIM = timedelta(minutes=10)
# A first hand-off happens on commit; the sweep leaves a row that young alone
# so that a busy queue is not filled with copies of rows already in it.
FIRST_HANDOFF_GRACE = timedelta(minutes=2)
SWEEP_BATCH = 500

Text = str | Promise


class DeliveryError(Exception):
    """A channel refused or failed to take a message; the outbox retries."""


def _render(text: Text, params: Mapping[str, Any], language: str) -> str:
    """Render ``text % params`` in the reader's language."""
    with translation.override(language):
        values = {k: str(v) for k, v in params.items()}
        return str(text) % values if values else str(text)


def _queue_on_commit(rows: Iterable[Notification]) -> None:
    ids = [n.pk for n in rows if n.status == DeliveryStatus.PENDING]
    if ids:
        # robust: an exception here must never reach the user who acted.
        transaction.on_commit(partial(_hand_to_broker, ids), robust=True)


def _hand_to_broker(ids: list[int]) -> None:
    from community.tasks import deliver_notification

    delay_each(deliver_notification, ids)


def _create(*, dedupe_key: str, **fields: Any) -> Notification | None:
    """Insert the row unless this exact message was already written."""
    with transaction.atomic():  # a savepoint: a duplicate must not spoil the caller
        row, created = Notification.objects.get_or_create(dedupe_key=dedupe_key, defaults=fields)
    return row if created else None


def notify(
    *,
    recipient: User,
    kind: str,
    title: Text,
    body: Text = "",
    params: Mapping[str, Any] | None = None,
    link: str = "",
    key: str,
) -> list[Notification]:
    """Tell one person something, in the portal and by e-mail if they have one.

    ``key`` names the event (e.g. ``membership:42:granted``); the same key for
    the same person never makes a second message. Texts are rendered in the
    recipient's language. Returns the rows written (none if already written).
    """
    params = params or {}
    language = recipient.language or settings.LANGUAGE_CODE
    common = {
        "recipient": recipient,
        "kind": kind,
        "title": _render(title, params, language)[:200],
        "body": _render(body, params, language),
        "link": link,
    }
    rows: list[Notification] = []
    in_app = _create(
        dedupe_key=f"{key}:{recipient.pk}:{Channel.IN_APP}",
        channel=Channel.IN_APP,
        # The portal shows the row as soon as it is committed: nothing to send.
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
        **common,
    )
    if in_app:
        rows.append(in_app)
    if recipient.email and recipient.email_notifications:
        email = _create(
            dedupe_key=f"{key}:{recipient.pk}:{Channel.EMAIL}",
            channel=Channel.EMAIL,
            target=recipient.email,
            options={"language": language},
            **common,
        )
        if email:
            rows.append(email)
    _queue_on_commit(rows)
    return rows


def notify_unit(
    *,
    unit: Street | Community | Department,
    kind: str,
    title: Text,
    body: Text = "",
    params: Mapping[str, Any] | None = None,
    link: str = "",
    key: str,
    mention: Iterable[User] = (),
) -> Notification | None:
    """Post to a unit's staff group bot (WeCom/DingTalk), if it has one.

    ``mention`` lists people to @ by mobile number. Group texts are Chinese,
    the language of the group.
    """
    return _notify_bot(
        url=unit.bot_webhook_url,
        bot_kind=unit.bot_kind,
        kind=kind,
        title=title,
        body=body,
        params=params,
        link=link,
        key=f"{key}:{unit._meta.model_name}:{unit.pk}:{Channel.WEBHOOK}",
        mention=mention,
    )


def notify_residents(
    *,
    community: Community,
    kind: str,
    title: Text,
    body: Text = "",
    params: Mapping[str, Any] | None = None,
    link: str = "",
    key: str,
) -> Notification | None:
    """Post to a community's residents' group bot, if it has one.

    A channel apart from the staff bot: residents' notices only, no @-mentions.
    """
    return _notify_bot(
        url=community.residents_bot_webhook_url,
        bot_kind=community.residents_bot_kind,
        kind=kind,
        title=title,
        body=body,
        params=params,
        link=link,
        key=f"{key}:community:{community.pk}:residents:{Channel.WEBHOOK}",
    )


def _notify_bot(
    *,
    url: str,
    bot_kind: str,
    kind: str,
    title: Text,
    body: Text,
    params: Mapping[str, Any] | None,
    link: str,
    key: str,
    mention: Iterable[User] = (),
) -> Notification | None:
    if not url:
        return None
    params = params or {}
    row = _create(
        dedupe_key=key,
        recipient=None,
        kind=kind,
        channel=Channel.WEBHOOK,
        title=_render(title, params, settings.LANGUAGE_CODE)[:200],
        body=_render(body, params, settings.LANGUAGE_CODE),
        link=link,
        target=url,
        options={
            "bot_kind": bot_kind,
            "mention_mobiles": [u.phone for u in mention if u.phone],
        },
    )
    if row:
        _queue_on_commit([row])
    return row


# --- Digests -------------------------------------------------------------------

# How many items a digest's title names before "…"; the body lists them all.
DIGEST_TITLE_ITEMS = 3


@dataclass(frozen=True)
class DigestItem:
    """One line of a digest: ``key`` names the item for the once-only rule,
    ``text % params`` is its line in the reader's language."""

    key: str
    text: Text
    params: Mapping[str, Any] = field(default_factory=dict)


def notify_digest(
    *,
    recipient: User,
    kind: str,
    title: Text,
    items: Sequence[DigestItem],
    title_params: Mapping[str, Any] | None = None,
    link: str = "",
    key: str,
) -> list[Notification]:
    """Tell one person of many items in one message, each item only once ever.

    For bulk reminders (46 overdue visits make one message, not 46). Steps,
    in one transaction: claim the items not yet told to this person by
    inserting a ``ReminderItem`` per item under a new batch id, skipping any
    already there (the unique constraint decides a race between two runs: the
    second waits for the first and skips what it claimed); read back this
    batch's claims; if any, write one message through ``notify`` listing them.
    ``title`` is an ``ngettext_lazy`` with ``%(count)d`` and ``%(items)s``
    (the first few lines), and any ``title_params``. Returns the rows written
    (none if nothing was new).
    """
    if not items:
        return []
    batch = uuid.uuid4().hex
    with transaction.atomic():
        ReminderItem.objects.bulk_create(
            [ReminderItem(recipient=recipient, key=item.key, batch=batch) for item in items],
            ignore_conflicts=True,
        )
        claimed = set(
            ReminderItem.objects.filter(recipient=recipient, batch=batch).values_list(
                "key", flat=True
            )
        )
        new = [item for item in items if item.key in claimed]
        if not new:
            return []
        language = recipient.language or settings.LANGUAGE_CODE
        lines = [_render(item.text, item.params, language) for item in new]
        with translation.override(language):
            shown = "、".join(lines[:DIGEST_TITLE_ITEMS])
            more = "…" if len(lines) > DIGEST_TITLE_ITEMS else ""
            # Rendered here, not by notify: the plural needs the count as a number.
            values = {**(title_params or {}), "count": len(lines), "items": shown + more}
            rendered = str(title % values)
        return notify(
            recipient=recipient,
            kind=kind,
            title=rendered,
            body="\n".join(lines),
            link=link,
            key=f"{key}:digest:{batch}",
        )


# --- Delivery ------------------------------------------------------------------


def notification_deliver(*, notification_id: int) -> Notification | None:
    """Send one pending row. Safe to call twice, or for a row already sent.

    Steps: claim the row (pending and due → sending, attempts + 1) with one
    conditional UPDATE, so only one caller can win it; send outside any
    transaction (a slow bot must not hold a database lock); record sent, or
    pending again with a back-off, or failed after the last attempt.
    Returns the row if this call sent or tried it, else None.
    """
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    row = Notification.objects.get(pk=notification_id)
    try:
        _send(row)
    except DeliveryError as exc:
        _record_failure(row, str(exc))
    except Exception as exc:
        logger.exception("Notification %s: unexpected delivery error", row.pk)
        _record_failure(row, f"{type(exc).__name__}: {exc}")
    else:
        row.status = DeliveryStatus.SENT
        row.sent_at = timezone.now()
        row.last_error = ""
        row.save(update_fields=["status", "sent_at", "last_error"])
    return row


def _record_failure(row: Notification, error: str) -> None:
    row.last_error = error[:NOTE_LENGTH]
    if row.attempts >= MAX_ATTEMPTS:
        row.status = DeliveryStatus.FAILED
        logger.error("Notification %s failed for good: %s", row.pk, error)
    else:
        row.status = DeliveryStatus.PENDING
        row.next_attempt_at = timezone.now() + RETRY_DELAYS[row.attempts - 1]
        logger.warning("Notification %s attempt %s failed: %s", row.pk, row.attempts, error)
    row.save(update_fields=["status", "last_error", "next_attempt_at"])


def _absolute(link: str) -> str:
    if not link or link.startswith(("http://", "https://")):
        return link
    return settings.SITE_URL.rstrip("/") + link


def _send(row: Notification) -> None:
    if row.channel == Channel.EMAIL:
        _send_email(row)
    elif row.channel == Channel.WEBHOOK:
        _send_webhook(row)
    # In-app rows are written as sent and never reach here.


def _send_email(row: Notification) -> None:
    language = row.options.get("language", settings.LANGUAGE_CODE)
    with translation.override(language):
        body = render_to_string(
            "emails/community/notification-body.txt",
            {"notification": row, "url": _absolute(row.link)},
        )
        subject = render_to_string(
            "emails/community/notification-subject.txt", {"notification": row}
        )
    message = EmailMessage(" ".join(subject.split()), body, to=[row.target])
    try:
        message.send()
    except OSError as exc:  # SMTP errors are OSErrors; so are refused connections
        raise DeliveryError(f"e-mail: {exc}") from exc


def _webhook_payload(row: Notification) -> dict[str, Any]:
    text = "\n".join(part for part in (row.title, row.body, _absolute(row.link)) if part)
    mobiles = row.options.get("mention_mobiles", [])
    kind = row.options.get("bot_kind", BotKind.GENERIC)
    if kind == BotKind.WECOM:
        return {"msgtype": "text", "text": {"content": text, "mentioned_mobile_list": mobiles}}
    if kind == BotKind.DINGTALK:
        return {"msgtype": "text", "text": {"content": text}, "at": {"atMobiles": mobiles}}
    return {
        "kind": row.kind,
        "title": row.title,
        "body": row.body,
        "link": _absolute(row.link),
        "mention_mobiles": mobiles,
    }


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx is a failed delivery (HTTPError), never a second request elsewhere:
    the address was checked (scheme, plain http), the Location it names was not."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_webhook_opener = urllib.request.build_opener(_NoRedirects)


def _send_webhook(row: Notification) -> None:
    scheme = urlsplit(row.target).scheme
    if scheme not in {"http", "https"}:
        raise DeliveryError(f"webhook: {scheme or 'no'} scheme; only http(s) URLs are posted to")
    if scheme == "http" and not settings.NOTIFY_WEBHOOK_ALLOW_HTTP:
        raise DeliveryError("webhook: plain http is not allowed in production")
    data = json.dumps(_webhook_payload(row), ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        row.target,
        data=data,
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with _webhook_opener.open(request, timeout=settings.NOTIFY_WEBHOOK_TIMEOUT) as resp:
            answer = resp.read(65536)
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"webhook: {exc}") from exc
    # WeCom and DingTalk answer 200 with {"errcode": N}; anything but 0 failed.
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
    except (ValueError, AttributeError):
        errcode = 0
    if errcode:
        raise DeliveryError(f"webhook: bot answered errcode {errcode}: {answer[:200]!r}")


def notifications_sweep(*, now: datetime | None = None) -> list[int]:
    """Find rows still owed a delivery and hand them to the broker again.

    Steps: fail claims whose worker died on the last attempt, and release
    the other dead claims (sending for longer than STALE_CLAIM) to pending;
    list pending rows that are due, leaving alone first hand-offs younger than
    FIRST_HANDOFF_GRACE (queued on commit moments ago); queue a delivery for
    each. Re-queuing a row that a worker is about to send is harmless: the
    claim in ``notification_deliver`` lets only one send it.
    Returns the ids queued.
    """
    now = now or timezone.now()
    stale = Notification.objects.filter(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM
    )
    stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=DeliveryStatus.FAILED, last_error="worker lost during the last attempt"
    )
    stale.update(status=DeliveryStatus.PENDING, next_attempt_at=now)
    due = list(
        Notification.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(attempts__gt=0) | Q(created_at__lte=now - FIRST_HANDOFF_GRACE))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    _hand_to_broker(due)
    return due


# --- Reading ---------------------------------------------------------------------


def notification_mark_read(*, notification: Notification, user: User) -> Notification:
    """Mark one of ``user``'s own notifications read (a no-op if it already is)."""
    if notification.recipient_id != user.pk:
        raise Notification.DoesNotExist  # another person's: it does not exist for them
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.inbox(user).unread().update(read_at=timezone.now())
