"""Celery tasks of the organisation app: delivering the notification outbox."""

from __future__ import annotations

from celery import shared_task

from community.services import notification_deliver, notifications_sweep


@shared_task(name="community.tasks.deliver_notification", ignore_result=True)
def deliver_notification(notification_id: int) -> None:
    """Send one outbox row. Idempotent: a row already sent or claimed is skipped.

    Retries are the outbox's, not Celery's: a failed send puts the row back
    to pending with a back-off and the sweep queues it again when due.
    """
    notification_deliver(notification_id=notification_id)


@shared_task(name="community.tasks.sweep_notifications", ignore_result=True)
def sweep_notifications() -> int:
    """Beat job: hand rows still owed a delivery to the workers again."""
    return len(notifications_sweep())
