"""Restoring an archive into an empty database and MEDIA_ROOT, then checking it."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from community.backup.archive import backup_unpack
from community.backup.common import (
    MEDIA,
    BackupError,
    count_rows,
    engine_of,
    media_files,
    referenced_files,
)
from community.backup.databases import load_postgresql, load_sqlite


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    seconds: float = 0.0
    rows: int = 0
    files: int = 0
    unapplied: list[str] = field(default_factory=list)  # migrations to run after
    stray_files: int = 0  # in MEDIA_ROOT before a forced restore, not in the archive


def _tables(connection: BaseDatabaseWrapper) -> list[str]:
    with connection.cursor() as cursor:
        return list(connection.introspection.table_names(cursor))


def _migrations_unknown(manifest: dict[str, Any]) -> list[str]:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [
        f"{app}.{name}"
        for app, names in manifest["migrations"].items()
        for name in names
        if (app, name) not in known
    ]


def _migrations_unapplied(connection: BaseDatabaseWrapper) -> list[str]:
    """What ``migrate`` would run now (squashed migrations counted as Django does)."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def backup_restore(
    *,
    archive: Path,
    media_root: Path | None = None,
    using: str = DEFAULT_DB_ALIAS,
    force: bool = False,
    progress: Callable[[str], None] = lambda _: None,
) -> RestoreResult:
    """Restore ``archive`` into database ``using`` and ``media_root``, then check it.

    Steps: unpack next to ``media_root`` and verify every checksum; refuse the
    other engine, migrations this code lacks, a database with tables or a media
    folder with files (unless ``force``; even then, a table the backup does not
    have); load the database in one transaction; move the files into place;
    compare every table's rows and every file's size with the manifest and look
    for each file a row names. Raises BackupError on any refusal or mismatch.
    """
    started = time.monotonic()
    connection = connections[using]
    engine = engine_of(connection)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist.")

    # Unpacked beside MEDIA_ROOT, so moving the files into place is a rename.
    with tempfile.TemporaryDirectory(prefix=".tongxin-restore-", dir=media_root.parent) as tmp:
        staged = Path(tmp)
        progress(f"checking {archive.name} …")
        manifest = backup_unpack(archive, staged)
        result = RestoreResult(manifest=manifest)
        if manifest["engine"] != engine:
            raise BackupError(
                f"This is a {manifest['engine']} backup and the database is {engine}: "
                "restore it into the same kind of database."
            )
        if unknown := _migrations_unknown(manifest):
            raise BackupError(
                f"The backup has migrations this code does not ({', '.join(unknown[:5])}): "
                f"restore with the version that made it ({manifest['version']}), then upgrade."
            )
        existing = _tables(connection)
        if existing and not force:
            raise BackupError(
                f"The database {connection.settings_dict['NAME']} already has "
                f"{len(existing)} tables (did `migrate` run?). Restore into an empty "
                "database (createdb), or pass --force to replace what is there."
            )
        if extra := sorted(set(existing) - set(manifest["tables"])):
            raise BackupError(
                f"The database has tables the backup does not ({', '.join(extra[:5])}), "
                "which even --force would leave behind: restore into an empty database."
            )
        present = {p.relative_to(media_root).as_posix() for p in media_files(media_root)}
        if present and not force:
            raise BackupError(
                f"{media_root} already holds {len(present)} files: restore into an "
                "empty MEDIA_ROOT, or pass --force to write over them."
            )

        progress(f"database ({engine}) …")
        dump = staged / manifest["database"]
        if engine == "postgresql":
            load_postgresql(connection, dump, manifest, force=force)
        else:
            load_sqlite(connection, dump)

        progress("media files …")
        files = manifest["files"].items()
        media = {n.removeprefix(MEDIA): e for n, e in files if n.startswith(MEDIA)}
        for name in media:
            target = media_root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(staged / MEDIA / name, target)
        result.stray_files = len(present - set(media))

    _verify(connection, manifest, media_root, media, using, result)
    result.unapplied = _migrations_unapplied(connection)
    result.seconds = time.monotonic() - started
    return result


def _verify(
    connection: BaseDatabaseWrapper,
    manifest: dict[str, Any],
    media_root: Path,
    media: dict[str, dict[str, Any]],
    using: str,
    result: RestoreResult,
) -> None:
    problems = []
    with connection.cursor() as cursor:
        counts = count_rows(cursor, connection, manifest["tables"])
    for table, expected in manifest["tables"].items():
        if counts[table] != expected:
            problems.append(f"{table}: {counts[table]} rows, the backup had {expected}")
    for name, entry in media.items():
        path = media_root / name
        if not path.is_file() or path.stat().st_size != entry["size"]:
            problems.append(f"file not restored whole: {name}")
    missing = sorted(n for n in referenced_files(using) if not (media_root / n).is_file())
    already = set(manifest.get("missing_media", []))
    problems += [f"a row names a file that is not there: {n}" for n in missing if n not in already]
    if problems:
        raise BackupError("The restore does not match the backup:\n  " + "\n  ".join(problems))
    result.rows = sum(counts.values())
    result.files = len(media)
