"""Shared test set-up: fast password hashing and a clean cache per test."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache

# Under CI a missing service or browser is a failure, never a skip.
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Real hashing costs ~0.3 s per password; tests need speed, not strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def unavailable(reason: str) -> None:
    """Skip on a newcomer's machine, fail under CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    cache.clear()


@pytest.fixture
def bot():
    """A local group-bot server; see tests.helpers.bot_server."""
    from tests.helpers import bot_server

    with bot_server() as server:
        yield server
