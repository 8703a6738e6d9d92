"""Handing work to Celery after a commit, without ever failing the person who acted."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

logger = logging.getLogger(__name__)


def delay_each(task: Any, ids: Iterable[int]) -> None:
    """Queue ``task(id)`` for each id; stop at the first refusal from the broker.

    Every caller has a sweep that finds what was not queued (pending
    notifications, photos without thumbnails), so a broker that is away costs
    a delay, never the user's action. The first failure ends the loop: the
    rest would only wait on the same dead connection.
    """
    for pk in ids:
        try:
            task.delay(pk)
        except Exception:  # noqa: BLE001 - kombu raises several kinds when the broker is away
            logger.warning("Broker unavailable: %s(%s) stays pending for the sweep", task.name, pk)
            return
