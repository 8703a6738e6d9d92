"""Writing an archive, and reading one back whole."""

from __future__ import annotations

import io
import json
import os
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from community.backup.common import (
    DUMP,
    FORMAT,
    MANIFEST,
    MEDIA,
    BackupError,
    HashingReader,
    engine_of,
    media_files,
    portal_version,
    referenced_files,
    sha256_file,
)
from community.backup.databases import dump_postgresql, dump_sqlite


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    seconds: float

    @property
    def size(self) -> int:
        return self.path.stat().st_size


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
    engine = engine_of(connection)
    if connection.in_atomic_block:
        raise BackupError("A backup reads its own snapshot: run it outside a transaction.")
    media_root = Path(media_root or settings.MEDIA_ROOT)
    now = timezone.now()
    path = _archive_path(Path(output), now)
    partial = path.with_name(path.name + ".partial")

    with tempfile.TemporaryDirectory(prefix="tongxin-backup-", dir=path.parent) as scratch:
        dump = Path(scratch) / DUMP[engine]
        progress(f"database ({engine}) …")
        facts = (dump_postgresql if engine == "postgresql" else dump_sqlite)(connection, dump)
        named = referenced_files(using)

        files: dict[str, dict[str, Any]] = {}
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                files[DUMP[engine]] = _add(tar, dump, DUMP[engine])
                progress("media files …")
                for file in media_files(media_root):
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
                tar.addfile(info, io.BytesIO(body))
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupResult(path=path, manifest=manifest, seconds=time.monotonic() - started)


def _add(tar: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    stat = path.stat()
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
    with open(path, "rb") as f:
        reader = HashingReader(f)
        tar.addfile(info, reader)  # tarfile only calls read()
    return {"sha256": reader.digest.hexdigest(), "size": stat.st_size}


def backup_unpack(archive: Path, into: Path) -> dict[str, Any]:
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
