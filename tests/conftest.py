"""Shared test set-up: fast password hashing and a clean cache per test."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache

# Under CI a missing service or browser is a failure, never a skip.
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Every fixture world is built at this instant, and its tests run on from it.
# It is chosen to be awkward: five past midnight on a Monday that is the 1st of a
# month in Shanghai, which is still Sunday the 31st in UTC. A rule that mixes up
# the local and the UTC day, the week or the month shows at once, and no result
# can depend on the day the suite happens to run (.ci/run proves that by running
# the suite again with the system clock moved).
WORLD_NOW = datetime(2026, 6, 1, 0, 5, tzinfo=SHANGHAI)


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Real hashing costs ~0.3 s per password; tests need speed, not strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if "faketime" in os.environ.get("LD_PRELOAD", ""):
        _sleep_around_libfaketime()


def _sleep_around_libfaketime() -> None:
    """Under `make test-any-day` (libfaketime 0.9.10, monotonic clock left real):
    Python's time.sleep waits with clock_nanosleep until an absolute monotonic
    time, which libfaketime shifts by the fake offset anyway, so every sleep is
    EINVAL (subprocess's wait loop among them: the backup drill, the settings
    checks). A relative select() wait is left alone; faking the monotonic clock
    instead hangs every timed lock wait."""
    import select
    import time

    def sleep(seconds: float) -> None:
        select.select([], [], [], max(0.0, seconds))

    time.sleep = sleep


def unavailable(reason: str) -> None:
    """Skip on a newcomer's machine, fail under CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def clock(time_machine):
    """Stop the clock at WORLD_NOW (it ticks on from there) before a world is built.

    Every world fixture (``world``, ``gw`` and those built on it) asks for
    ``clock`` first. It is time-machine's own fixture, moved: a test that asks
    for ``time_machine`` too moves or shifts the same clock. A module whose tests
    need another day overrides ``clock``; its worlds are then built on that day.
    """
    time_machine.move_to(WORLD_NOW)
    return time_machine


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the portal's language: a request made in English by an
    earlier test must not leave the thread speaking English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def bot():
    """A local group-bot server; see tests.helpers.bot_server."""
    from tests.helpers import bot_server

    with bot_server() as server:
        yield server


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``services`` need the broker configured; the rest need it off.

    ``make test`` runs pytest twice: once with tasks in-process (``-m "not
    services"``) and once with CELERY_BROKER_URL set (``-m services``). A
    services test picked up by the first run is skipped there, not failed, as
    the second run covers it.
    """
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER:
        skip = pytest.mark.skip(reason="needs the broker: run `make test` (services phase)")
        for item in items:
            if "services" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def broker_url() -> str:
    """The shared Redis broker the services tests publish to, checked to be up."""
    from urllib.parse import urlsplit

    from django.conf import settings

    from tests.helpers import port_open

    url = settings.CELERY_BROKER_URL
    parts = urlsplit(url)
    if not port_open(parts.hostname or "127.0.0.1", parts.port or 6379):
        unavailable(f"Redis broker at {url} is not reachable; start redis-server or see README")
    return url


@pytest.fixture(scope="session")
def worker_db_url(django_db_setup) -> str:
    """The test database as a URL a worker process can open."""
    from django.db import connection

    from tests.helpers import database_url

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        unavailable("a worker cannot share an in-memory SQLite database: set SQLITE_TEST_NAME")
    return database_url(connection.settings_dict)


@pytest.fixture(scope="session")
def worker(broker_url: str, worker_db_url: str, tmp_path_factory: pytest.TempPathFactory):
    """One real Celery worker for the session, on the shared broker."""
    from tests.helpers import celery_worker

    with celery_worker(
        broker_url=broker_url, db_url=worker_db_url, logdir=tmp_path_factory.mktemp("worker")
    ) as proc:
        yield proc


@dataclass(frozen=True)
class SeededDemo:
    output: str  # what seed_demo printed
    media: Path  # where the demo's photos went


@pytest.fixture(scope="module")
def demo_module(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo data, seeded once for a whole module and rolled back after it.

    Seeding takes seconds; doing it for every test of a module would take
    minutes. The module's tests each run in a savepoint inside this outer
    transaction (pytest-django's ``db``), so a test's own changes vanish and
    the next test finds the seeded data as it was.
    """
    from io import StringIO

    from django.core.management import call_command
    from django.db import transaction
    from django.test import override_settings

    out = StringIO()
    media = tmp_path_factory.mktemp("demo-media")  # the demo's photos
    with (
        time_machine.travel(WORLD_NOW, tick=True),
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        call_command("seed_demo", stdout=out)
        yield SeededDemo(output=out.getvalue(), media=media)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path) -> None:
    """Uploaded files go to a throw-away folder per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
