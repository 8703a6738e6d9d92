"""Backing up and restoring a whole installation: the database and ``MEDIA_ROOT``.

One archive, ``tongxin-YYYYMMDD-HHMMSS.tar.gz``, holds

- ``db.dump`` (PostgreSQL, ``pg_dump --format=custom``) or ``db.sqlite3`` (a copy
  made with SQLite's online backup API, so a running ``make run`` is copied
  consistently);
- ``media/…``, every file under ``MEDIA_ROOT`` (the photos and their thumbnails);
- ``manifest.json``, written last: the portal's version, the engine, the migrations
  applied, the row count of every table and the sha256 and size of every other
  member.

The counts and the dump are one moment of the database: on PostgreSQL the counts
are read in a repeatable-read transaction whose snapshot ``pg_dump --snapshot``
then uses; on SQLite they are read from the copy. The database is read before
the files, so a photo uploaded meanwhile is in the archive without its row (a
harmless stray file) rather than a row without its photo; files are written
once under fresh names and never changed, so none is caught half-rewritten.

A restore refuses before it writes anything: a damaged or altered archive (any
checksum or size off, a member the manifest does not list), an archive from the
other engine, migrations this code does not have (restore with the version that
made the backup, then upgrade), a database that already has tables or a
``MEDIA_ROOT`` that already has files (unless ``force``). It then loads the
database in one transaction, moves the files into place, and checks again: every
table's row count, every file's size, every file the database names present.

This module knows no other app: it counts every table and follows every
``FileField`` of every installed model.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.client import DatabaseClient
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media/"
DUMP = {"postgresql": "db.dump", "sqlite": "db.sqlite3"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    seconds: float

    @property
    def size(self) -> int:
        return self.path.stat().st_size


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    seconds: float = 0.0
    rows: int = 0
    files: int = 0
    unapplied: list[str] = field(default_factory=list)  # migrations to run after
    stray_files: int = 0  # in MEDIA_ROOT before a forced restore, not in the archive


# --- Small helpers -------------------------------------------------------------------


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


class _HashingReader:
    """Hands tarfile a file while hashing exactly the bytes it takes."""

    def __init__(self, f: IO[bytes]) -> None:
        self._f = f
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._f.read(size)
        self.digest.update(data)
        return data


def _engine(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in DUMP:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    return str(connection.vendor)


def _media_files(media_root: Path) -> Iterator[Path]:
    """Regular files under ``media_root``, in a stable order (symlinks are not followed)."""
    if not media_root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(media_root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                yield path


def _count_rows(cursor: Any, connection: BaseDatabaseWrapper, tables: Iterable[str]) -> dict:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _applied_migrations(cursor: Any) -> dict[str, list[str]]:
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


def _pg_command(connection: BaseDatabaseWrapper, program: str) -> tuple[list[str], dict]:
    """``program`` with the connection's host, port and user, and its environment
    (PGPASSWORD, PGSSLMODE… as Django's own ``dbshell`` sets them)."""
    path = shutil.which(program)
    if path is None:
        raise BackupError(
            f"{program} is not installed: apt-get install postgresql-client "
            "(the same major version as the server, or newer)."
        )
    args, extra_env = DatabaseClient.settings_to_cmd_args_env(connection.settings_dict, [])
    # psql's arguments: the options, then the database name last.
    return [path, *args[1:-1]], {**os.environ, **(extra_env or {})}


def _pg_major(program: str) -> int:
    out = subprocess.run(  # noqa: S603 - a program found by shutil.which, no shell
        [program, "--version"], capture_output=True, text=True, check=True
    )
    match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    if match is None:
        raise BackupError(f"Cannot read the version of {program}: {out.stdout!r}")
    return int(match.group(1))


def _run(args: list[str], env: dict, what: str) -> None:
    # No shell: the arguments are the program's path, our options and settings values.
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{what} failed (exit {done.returncode}):\n{done.stderr.strip()}")


# --- Backup --------------------------------------------------------------------------


def _archive_path(output: Path, now: datetime) -> Path:
    if output.name.endswith((".tar.gz", ".tgz")):
        path = output
    else:
        stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
        path = output / f"tongxin-{stamp}.tar.gz"
    if path.exists():
        raise BackupError(f"{path} already exists; a backup never overwrites one.")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _dump_postgresql(connection: BaseDatabaseWrapper, target: Path) -> dict[str, Any]:
    """Dump into ``target``; return the counts and migrations of the same snapshot."""
    args, env = _pg_command(connection, "pg_dump")
    dump_major = _pg_major(args[0])
    with connection.cursor() as cursor:
        # Django's connection is in autocommit; this transaction is ours alone
        # and is held open until pg_dump has read the snapshot it exports.
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute(
                "SELECT pg_export_snapshot(), current_setting('server_version'),"
                " current_setting('server_version_num')::int / 10000"
            )
            snapshot, server_version, server = cursor.fetchone()
            if dump_major < server:
                raise BackupError(
                    f"pg_dump {dump_major} cannot dump a PostgreSQL {server} server: "
                    f"install postgresql-client-{server}."
                )
            tables = connection.introspection.table_names(cursor)
            facts = {
                "server_version": server_version,
                "pg_dump_major": dump_major,
                "tables": _count_rows(cursor, connection, tables),
                "migrations": _applied_migrations(cursor),
            }
            _run(
                [
                    *args,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    connection.settings_dict["NAME"],
                ],
                env,
                "pg_dump",
            )
        finally:
            cursor.execute("COMMIT")
    return facts


def _dump_sqlite(connection: BaseDatabaseWrapper, target: Path) -> dict[str, Any]:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        # The online backup API: a consistent copy while the portal keeps writing.
        connection.connection.backup(copy)
        cursor = copy.cursor()
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        return {
            "server_version": sqlite3.sqlite_version,
            "tables": _count_rows(cursor, connection, tables),
            "migrations": _applied_migrations(cursor),
        }
    finally:
        copy.close()


def backup_create(
    *,
    output: Path,
    media_root: Path | None = None,
    using: str = DEFAULT_DB_ALIAS,
    progress: Callable[[str], None] = lambda _: None,
) -> BackupResult:
    """Write one archive of the database and ``media_root``; return where and what.

    Steps: read the database (dump and counts from one snapshot) into a scratch
    folder; list the files the database names; write the dump, then every media
    file hashed as it goes in, then the manifest, to ``NAME.partial``; rename it
    to its name only when complete, readable by its owner alone (photos are
    personal data).
    """
    started = time.monotonic()
    connection = connections[using]
    engine = _engine(connection)
    if connection.in_atomic_block:
        raise BackupError("A backup reads its own snapshot: run it outside a transaction.")
    media_root = Path(media_root or settings.MEDIA_ROOT)
    now = timezone.now()
    path = _archive_path(Path(output), now)
    partial = path.with_name(path.name + ".partial")

    with tempfile.TemporaryDirectory(prefix="tongxin-backup-", dir=path.parent) as scratch:
        dump = Path(scratch) / DUMP[engine]
        progress(f"database ({engine}) …")
        facts = (_dump_postgresql if engine == "postgresql" else _dump_sqlite)(connection, dump)
        named = referenced_files(using)

        files: dict[str, dict[str, Any]] = {}
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                files[DUMP[engine]] = _add(tar, dump, DUMP[engine])
                progress("media files …")
                for file in _media_files(media_root):
                    name = MEDIA + file.relative_to(media_root).as_posix()
                    files[name] = _add(tar, file, name)
                on_disk = {n.removeprefix(MEDIA) for n in files if n.startswith(MEDIA)}
                manifest = {
                    "format": FORMAT,
                    "portal": "tongxin",
                    "version": portal_version(),
                    "created_at": timezone.localtime(now).isoformat(),
                    "engine": engine,
                    **facts,
                    "database": DUMP[engine],
                    "files": files,
                    # Named by a row but absent from MEDIA_ROOT when the backup ran.
                    "missing_media": sorted(named - on_disk),
                }
                body = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(body), int(now.timestamp()), 0o600
                tar.addfile(info, _BytesReader(body))
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupResult(path=path, manifest=manifest, seconds=time.monotonic() - started)


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self._data, self._at = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._at + size
        chunk, self._at = self._data[self._at : end], min(end, len(self._data))
        return chunk


def _add(tar: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    stat = path.stat()
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
    with open(path, "rb") as f:
        reader = _HashingReader(f)
        tar.addfile(info, reader)  # tarfile only calls read()
    return {"sha256": reader.digest.hexdigest(), "size": stat.st_size}


# --- Reading an archive ------------------------------------------------------------


def archive_unpack(archive: Path, into: Path) -> dict[str, Any]:
    """Unpack ``archive`` into ``into`` and check it whole; return its manifest.

    Refuses anything but plain files at safe paths (tarfile's ``data`` filter),
    a member the manifest does not list or one it lists but that is missing,
    and any size or sha256 that differs.
    """
    try:
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(into, filter="data")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{archive} cannot be read as a backup archive: {exc}") from None
    try:
        manifest = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{archive} has no readable {MANIFEST}: {exc}") from None
    if manifest.get("portal") != "tongxin" or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a Tongxin backup of format {FORMAT}.")

    listed = set(manifest["files"])
    present = {p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file()}
    present.discard(MANIFEST)
    problems = [f"not in the manifest: {n}" for n in sorted(present - listed)]
    problems += [f"missing: {n}" for n in sorted(listed - present)]
    for name in sorted(listed & present):
        expected, path = manifest["files"][name], into / name
        if path.stat().st_size != expected["size"] or sha256_file(path) != expected["sha256"]:
            problems.append(f"checksum differs: {name}")
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise BackupError(
            f"{archive} is damaged or altered; nothing was restored:\n  {shown}{more}"
        )
    return manifest


# --- Restore -------------------------------------------------------------------------


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


def _load_postgresql(
    connection: BaseDatabaseWrapper, dump: Path, manifest: dict, *, force: bool
) -> None:
    args, env = _pg_command(connection, "pg_restore")
    made_by = int(manifest.get("pg_dump_major", 0))
    if _pg_major(args[0]) < made_by:
        raise BackupError(
            f"This archive was made by pg_dump {made_by}; pg_restore {_pg_major(args[0])} "
            f"cannot read it: install postgresql-client-{made_by}."
        )
    options = ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
    if force:
        options += ["--clean", "--if-exists"]  # drop each object before it is recreated
    connection.close()  # no session of ours holds anything pg_restore must drop
    _run(
        [*args, *options, f"--dbname={connection.settings_dict['NAME']}", str(dump)],
        env,
        "pg_restore",
    )


def _load_sqlite(connection: BaseDatabaseWrapper, dump: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        # Replaces the whole target database, page by page, under its lock.
        source.backup(connection.connection)
    finally:
        source.close()


def restore(
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
    engine = _engine(connection)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist.")

    # Unpacked beside MEDIA_ROOT, so moving the files into place is a rename.
    with tempfile.TemporaryDirectory(prefix=".tongxin-restore-", dir=media_root.parent) as tmp:
        staged = Path(tmp)
        progress(f"checking {archive.name} …")
        manifest = archive_unpack(archive, staged)
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
        present = {p.relative_to(media_root).as_posix() for p in _media_files(media_root)}
        if present and not force:
            raise BackupError(
                f"{media_root} already holds {len(present)} files: restore into an "
                "empty MEDIA_ROOT, or pass --force to write over them."
            )

        progress(f"database ({engine}) …")
        dump = staged / manifest["database"]
        if engine == "postgresql":
            _load_postgresql(connection, dump, manifest, force=force)
        else:
            _load_sqlite(connection, dump)

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
        counts = _count_rows(cursor, connection, manifest["tables"])
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
