"""What backing up and restoring share: names in the archive, checksums, counts."""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, models
from django.db.backends.base.base import BaseDatabaseWrapper

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media/"
DUMP = {"postgresql": "db.dump", "sqlite": "db.sqlite3"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


def portal_version() -> str:
    try:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class HashingReader:
    """Hands tarfile a file while hashing exactly the bytes it takes."""

    def __init__(self, f: IO[bytes]) -> None:
        self._f = f
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._f.read(size)
        self.digest.update(data)
        return data


def engine_of(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in DUMP:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    return str(connection.vendor)


def media_files(media_root: Path) -> Iterator[Path]:
    """Regular files under ``media_root``, in a stable order (symlinks are not followed)."""
    if not media_root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(media_root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                yield path


def count_rows(cursor: Any, connection: BaseDatabaseWrapper, tables: Iterable[str]) -> dict:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        counts[table] = int(cursor.fetchone()[0])
    return counts


def applied_migrations(cursor: Any) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def referenced_files(using: str = DEFAULT_DB_ALIAS) -> set[str]:
    """Every file name a ``FileField`` of an installed model holds, in database ``using``."""
    names: set[str] = set()
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                values = model._base_manager.using(using).exclude(**{f.attname: ""})
                names.update(str(v) for v in values.values_list(f.attname, flat=True) if v)
    return names
