"""Celery tasks of the grids app."""

from __future__ import annotations

from celery import shared_task

from grids.services import hazard_photo_thumbnail, visits_notify_overdue


@shared_task(name="grids.tasks.notify_overdue_visits", ignore_result=True)
def notify_overdue_visits() -> int:
    """Beat job, every morning: overdue home visits to workers and secretaries."""
    return visits_notify_overdue()


@shared_task(name="grids.tasks.make_hazard_thumbnail", ignore_result=True)
def make_hazard_thumbnail(photo_id: int) -> None:
    """Off the request path: a small copy of a hazard photo for lists."""
    hazard_photo_thumbnail(photo_id=photo_id)
