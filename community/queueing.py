"""Handing work to Celery after a commit, without ever failing the person who acted.

Every hand-off here is bounded in time. The broker's socket timeouts
(``CELERY_BROKER_TRANSPORT_OPTIONS`` in settings) make one failed publish cost
at most about a second, whether the broker refuses, is gone, or accepts
connections and never answers (a frozen Redis). After a failure this process
skips the broker for ``BROKER_RETRY_AFTER`` seconds on the user's path, so an
action that queues several things, or the next person's action, does not pay
that second again; the sweeps, with no one waiting on them, always try.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from django.conf import settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

# How long, after a failed publish, on-commit hand-offs leave the broker alone.
BROKER_RETRY_AFTER = 10.0
# When the broker last failed us, per broker URL (a test may switch brokers).
_broker_failed_at: dict[str, float] = {}


def _broker_key() -> str:
    # The broker Celery publishes to now (the settings' URL unless a test switched it).
    from community.celery import app

    return str(app.conf.broker_url or settings.CELERY_BROKER_URL)


def forget_broker_failures() -> None:
    """Forget every failure seen: for a process that has just switched brokers."""
    _broker_failed_at.clear()


def broker_recently_failed() -> bool:
    failed_at = _broker_failed_at.get(_broker_key())
    return failed_at is not None and time.monotonic() - failed_at < BROKER_RETRY_AFTER


def delay_each(task: Any, args: Iterable[Any], *, force: bool = False) -> None:
    """Queue ``task(arg)`` for each arg; stop at the first refusal from the broker.

    Every caller has a sweep that finds what was not queued (pending
    notifications, photos without thumbnails), so a broker that is away costs
    a delay, never the user's action. The first failure ends the loop: the
    rest would only wait on the same dead connection. ``force`` is for the
    sweeps: they try even right after a failure, which is how the work finds
    its way back once the broker is up again.
    """
    if not force and broker_recently_failed():
        logger.warning("Broker failed moments ago: %s stays pending for the sweep", task.name)
        return
    published = False
    for arg in args:
        try:
            task.delay(arg)
        except Exception:  # noqa: BLE001 - kombu raises several kinds when the broker is away
            _broker_failed_at[_broker_key()] = time.monotonic()
            logger.warning(
                "Broker unavailable: %s(%s) stays pending for the sweep", task.name, _brief(arg)
            )
            return
        published = True
    if published:
        _broker_failed_at.pop(_broker_key(), None)


def _brief(arg: Any) -> str:
    """An argument for a log line: a batch of ids by its size and first id."""
    if isinstance(arg, list) and len(arg) > 3:
        return f"[{arg[0]}, … {len(arg)} ids]"
    return repr(arg)


def chunked(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``, in order."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def broker_ping(*, timeout: float = 1.0) -> bool:
    """Whether the broker answers within about ``timeout`` seconds.

    A fresh connection with its own short timeouts, not the publishing pool:
    a port that accepts connections is not enough (a frozen Redis does), so
    on Redis a PING must come back.
    """
    from community.celery import app

    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    try:
        with app.connection_for_read(transport_options=options, connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=0)
            client = getattr(conn.default_channel, "client", None)
            if client is not None and hasattr(client, "ping"):
                client.ping()
    except Exception:  # noqa: BLE001 - any failure means "not answering"
        return False
    return True
