"""Celery tasks of the mediation room."""

from __future__ import annotations

from celery import shared_task

from mediation import services


@shared_task(name="mediation.watch", ignore_result=True)
def watch_cases() -> None:
    """Beat, daily at 08:05: cases nearing their month, follow-up visits due."""
    services.mediation_watch()
