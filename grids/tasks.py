"""Celery tasks of the grids app."""

from __future__ import annotations

from celery import shared_task

from grids.services import (
    hazard_photo_thumbnail,
    hazard_thumbnails_sweep,
    visits_notify_overdue,
)


@shared_task(name="grids.tasks.notify_overdue_visits", ignore_result=True)
def notify_overdue_visits() -> int:
    """Beat job, every morning: overdue home visits to workers and secretaries."""
    return visits_notify_overdue()


@shared_task(name="grids.tasks.sweep_hazard_thumbnails", ignore_result=True)
def sweep_hazard_thumbnails() -> int:
    """Beat job: photos whose thumbnail was never queued get one now."""
    return hazard_thumbnails_sweep()


@shared_task(name="grids.tasks.make_hazard_thumbnail", ignore_result=True)
def make_hazard_thumbnail(photo_id: int) -> None:
    """Off the request path: a small copy of a hazard photo for lists."""
    hazard_photo_thumbnail(photo_id=photo_id)
