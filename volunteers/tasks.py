"""Celery tasks of the volunteers app."""

from __future__ import annotations

from celery import shared_task

from volunteers import services


@shared_task(name="volunteers.remind", ignore_result=True)
def remind_activities() -> int:
    """Beat, every 15 minutes: remind those with a place of tomorrow's activities."""
    return services.activities_remind()
