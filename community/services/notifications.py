"""The notifications outbox: write in the caller's transaction, deliver after commit.

``notify``, ``notify_unit``, ``notify_residents`` and ``notify_digest`` only
write rows; they must be called inside the transaction of the change they
report, so a rolled-back change leaves no message behind. Rows that need
sending (e-mail, group bot) are handed to Celery once the transaction commits.
If the broker is down at that moment, the hand-off is logged and dropped: the
row stays pending and the beat sweep (``notifications_sweep``) hands it over
again later. ``notifications_deliver``
claims each row with a compare-and-swap update before sending, so two workers
given the same row never both send it.

Rows travel in batches (one task for up to BATCH_SIZE ids) and a batch shares
its connections: one kept-alive HTTP connection per bot host, one SMTP session.
Every message carries a key derived from its row (``Idempotency-Key`` for bots,
``Message-ID`` for e-mail), the same on every attempt, so a receiver can drop
the one repeat a worker's death can cause.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise

from community.keepalive import KeepAlivePool
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
from community.queueing import chunked, delay_each

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
# Rows per delivery task. A batch claims and records each row on its own, so
# its size costs nothing in safety; it saves a task per row and lets the rows
# share connections.
BATCH_SIZE = 100
# A batch takes no new row after this long and hands the rest back to the
# broker, so that slow bots never carry it near the task's time limit.
BATCH_DEADLINE = 30.0
# The claim's lease. A row is claimed only inside a delivery task, and a task
# is killed at CELERY_TASK_TIME_LIMIT, so a claim older than that (plus a
# margin for clocks) belongs to a dead worker and is handed out again; a live
# slow one cannot be that old. This is the longest a repeat can wait.
STALE_CLAIM = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)
# A first hand-off happens on commit; the sweep leaves a row that young alone
# so that it does not queue copies of rows that are on their way. A copy would
# be harmless (the claim lets one send), only wasted.
FIRST_HANDOFF_GRACE = timedelta(seconds=15)
# The most rows one sweep hands over: a backlog after an outage goes at once,
# in batches, rather than a few hundred a minute.
SWEEP_LIMIT = 20_000

Text = str | Promise


class DeliveryError(Exception):
    """A channel refused or failed to take a message; the outbox retries."""


def _render(text: Text, params: Mapping[str, Any], language: str) -> str:
    """Render ``text % params`` in the reader's language."""
    with translation.override(language):
        values = {k: str(v) for k, v in params.items()}
        return str(text) % values if values else str(text)


class _HandOff:
    """The rows one transaction wrote, handed to the broker together on commit."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids

    def __call__(self) -> None:
        _hand_to_broker(self.ids)


def _queue_on_commit(rows: Iterable[Notification]) -> None:
    """Hand the rows over on commit: one task (per BATCH_SIZE) for the whole transaction.

    An action that tells five people makes one task, not five. The hand-off
    already registered in this transaction takes the new ids, if it is still
    registered: a rolled-back savepoint discards its callbacks (and with them
    the ids of rows that no longer exist), and then a new one is registered.
    Ids of rows written in a rolled-back savepoint after the hand-off was
    registered ride along and find nothing to claim.
    """
    ids = [n.pk for n in rows if n.status == DeliveryStatus.PENDING]
    if not ids:
        return
    connection = transaction.get_connection()
    handoff = getattr(connection, "_notifications_handoff", None)
    # run_on_commit: Django's list of (savepoint ids, callback, robust) waiting for commit.
    if handoff is not None and any(c[1] is handoff for c in connection.run_on_commit):
        handoff.ids.extend(ids)
        return
    handoff = _HandOff(ids)
    connection._notifications_handoff = handoff
    # robust: an exception here must never reach the user who acted.
    transaction.on_commit(handoff, robust=True)


def _hand_to_broker(ids: Sequence[int], *, force: bool = False) -> None:
    from community.tasks import deliver_notifications

    delay_each(deliver_notifications, chunked(ids, BATCH_SIZE), force=force)


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


class _Channels:
    """The connections a batch shares: kept-alive HTTP per bot host, one SMTP session."""

    def __init__(self) -> None:
        self.http = KeepAlivePool(timeout=settings.NOTIFY_WEBHOOK_TIMEOUT)
        self._mail: BaseEmailBackend | None = None

    def mail(self) -> BaseEmailBackend:
        if self._mail is None:
            backend = get_connection(fail_silently=False)
            backend.open()
            self._mail = backend
        return self._mail

    def mail_failed(self) -> None:
        """Drop the SMTP session after an error; the next message opens a new one."""
        if self._mail is not None:
            mail, self._mail = self._mail, None
            with contextlib.suppress(OSError):
                mail.close()

    def close(self) -> None:
        self.http.close()
        if self._mail is not None:
            self._mail.close()


def notifications_deliver(*, notification_ids: Sequence[int]) -> list[Notification]:
    """Send a batch of pending rows, each at most once. Safe to call twice.

    Steps: claim the batch (pending and due → sending, attempts + 1) with one
    conditional UPDATE that returns the rows it changed, so of two callers
    given the same row only one wins it; send each row outside any transaction
    (a slow bot must not hold a database lock) and record it (sent, or pending
    again with a back-off, or failed after the last attempt) before the next,
    so a worker's death leaves at most the row in flight unrecorded; rows it
    had not reached wait out the claim's lease and go once. Past
    BATCH_DEADLINE the rows not reached are released and go back to the broker.
    Returns the rows this call sent or tried.
    """
    started = time.monotonic()
    channels = _Channels()
    with _quick_commits():
        rows = _claim(notification_ids)
        try:
            for index, row in enumerate(rows):
                if time.monotonic() - started > BATCH_DEADLINE:
                    _release(rows[index:])
                    rows = rows[:index]
                    break
                _deliver(row, channels)
        finally:
            channels.close()
    return rows


def notification_deliver(*, notification_id: int) -> Notification | None:
    """Send one pending row (a batch of one). Returns it if this call sent or tried it."""
    tried = notifications_deliver(notification_ids=[notification_id])
    return tried[0] if tried else None


@contextmanager
def _quick_commits() -> Iterator[None]:
    """While a batch runs, its marks (claimed, sent, failed) do not wait for the disk.

    On PostgreSQL a flush per mark was most of the cost of a delivery, so
    this session sets synchronous_commit off for the batch. Other sessions
    see each mark at its commit, as always, so two workers still never both
    win a row, and a worker's death loses no mark. Only a crash of the
    database itself can forget the last fraction of a second of marks: such a
    row is sent again, with the same key, never lost.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
        except DatabaseError:
            connection.close()  # broken anyway; a new one starts with the defaults


def _claim(ids: Sequence[int]) -> list[Notification]:
    """One conditional UPDATE: the batch's pending, due rows → sending. The rows won.

    Raw SQL for RETURNING (PostgreSQL, and SQLite since 3.35): it names exactly
    the rows this statement changed, which a later SELECT could not.
    """
    if not ids:
        return []
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = connection.ops.quote_name(Notification._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, claimed_at = %s, attempts = attempts + 1 "  # noqa: S608 - only placeholders and our table name
            f"WHERE id IN ({marks}) AND status = %s AND next_attempt_at <= %s RETURNING id",
            [DeliveryStatus.SENDING, now, *ids, DeliveryStatus.PENDING, now],
        )
        won = [pk for (pk,) in cursor.fetchall()]
    return list(Notification.objects.filter(pk__in=won).order_by("pk"))


def _release(rows: Sequence[Notification]) -> None:
    """Give claimed rows not yet tried back (as they were) and to the broker again."""
    ids = [row.pk for row in rows]
    Notification.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.PENDING, attempts=F("attempts") - 1, next_attempt_at=timezone.now()
    )
    _hand_to_broker(ids, force=True)


def _deliver(row: Notification, channels: _Channels) -> None:
    try:
        _send(row, channels)
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


def delivery_key(row: Notification) -> str:
    """The row's name for receivers: the same on every attempt, unique per site."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"notification.{row.pk}@{host}"


def _send(row: Notification, channels: _Channels) -> None:
    if row.channel == Channel.EMAIL:
        _send_email(row, channels)
    elif row.channel == Channel.WEBHOOK:
        _send_webhook(row, channels)
    # In-app rows are written as sent and never reach here.


def _send_email(row: Notification, channels: _Channels) -> None:
    language = row.options.get("language", settings.LANGUAGE_CODE)
    with translation.override(language):
        body = render_to_string(
            "emails/community/notification-body.txt",
            {"notification": row, "url": _absolute(row.link)},
        )
        subject = render_to_string(
            "emails/community/notification-subject.txt", {"notification": row}
        )
    # A stable Message-ID: a repeat after a worker's death is the same message.
    headers = {"Message-ID": f"<{delivery_key(row)}>"}
    message = EmailMessage(" ".join(subject.split()), body, to=[row.target], headers=headers)
    try:
        message.connection = channels.mail()
        message.send()
    except OSError as exc:  # SMTP errors are OSErrors; so are refused connections
        channels.mail_failed()
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
        "idempotency_key": delivery_key(row),
    }


def _send_webhook(row: Notification, channels: _Channels) -> None:
    scheme = urlsplit(row.target).scheme
    if scheme not in {"http", "https"}:
        raise DeliveryError(f"webhook: {scheme or 'no'} scheme; only http(s) URLs are posted to")
    if scheme == "http" and not settings.NOTIFY_WEBHOOK_ALLOW_HTTP:
        raise DeliveryError("webhook: plain http is not allowed in production")
    data = json.dumps(_webhook_payload(row), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        # The same on a retry, so a receiver can drop a repeat.
        "Idempotency-Key": delivery_key(row),
    }
    try:
        status, answer = channels.http.post(row.target, data, headers)
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError(f"webhook: {type(exc).__name__}: {exc}") from exc
    if status >= 300:  # redirects are not followed: the bot's URL is the one configured
        raise DeliveryError(f"webhook: HTTP {status}: {answer[:200]!r}")
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
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    # Forced: the sweep is how the outbox finds out the broker is back.
    _hand_to_broker(due, force=True)
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
