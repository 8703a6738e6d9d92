"""Celery tasks of the organisation app: delivering the notification outbox."""

from __future__ import annotations

from celery import shared_task

from community.services import notifications_deliver, notifications_sweep, photo_drafts_sweep


@shared_task(name="community.tasks.deliver_notifications", ignore_result=True)
def deliver_notifications(notification_ids: list[int]) -> None:
    """Send a batch of outbox rows. Idempotent: rows already sent or claimed are skipped.

    Retries are the outbox's, not Celery's: a failed send puts the row back
    to pending with a back-off and the sweep queues it again when due.
    """
    notifications_deliver(notification_ids=notification_ids)


@shared_task(name="community.tasks.deliver_notification", ignore_result=True)
def deliver_notification(notification_id: int) -> None:
    """One row: what was queued before batches, still in a broker during an upgrade."""
    notifications_deliver(notification_ids=[notification_id])


@shared_task(name="community.tasks.sweep_notifications", ignore_result=True)
def sweep_notifications() -> int:
    """Beat job: hand rows still owed a delivery to the workers again."""
    return len(notifications_sweep())


@shared_task(name="community.tasks.sweep_photo_drafts", ignore_result=True)
def sweep_photo_drafts() -> int:
    """Beat, hourly: photos kept with a form left unsent for a day go."""
    return photo_drafts_sweep()
