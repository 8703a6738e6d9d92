"""Celery tasks of the requests workflow: each loads by id and calls a service."""

from __future__ import annotations

from celery import shared_task

from petitions import services


@shared_task(name="petitions.make_thumbnail", ignore_result=True)
def make_petition_thumbnail(photo_id: int) -> None:
    services.petition_photo_thumbnail(photo_id=photo_id)


@shared_task(name="petitions.sweep_thumbnails", ignore_result=True)
def sweep_petition_thumbnails() -> None:
    services.petition_thumbnails_sweep()


@shared_task(name="petitions.watch_deadlines", ignore_result=True)
def watch_deadlines() -> None:
    """Beat, every minute: warn, mark breaches, escalate, close unrated requests."""
    services.petitions_deadline_sweep()


@shared_task(name="petitions.sweep_poster_drafts", ignore_result=True)
def sweep_poster_drafts() -> None:
    """Beat, hourly: poster reports left at the code for a day go, photos and all."""
    services.poster_drafts_sweep()
