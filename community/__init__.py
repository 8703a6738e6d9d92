"""Tongxin project package and organisation app."""

from community.celery import app as celery_app

__all__ = ["celery_app"]
