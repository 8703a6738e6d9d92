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

This package knows no other app: it counts every table and follows every
``FileField`` of every installed model.
"""

from __future__ import annotations

from community.backup.archive import BackupResult, backup_create, backup_unpack
from community.backup.common import BackupError, referenced_files
from community.backup.restore import RestoreResult, backup_restore

__all__ = [
    "BackupError",
    "BackupResult",
    "RestoreResult",
    "backup_create",
    "backup_restore",
    "backup_unpack",
    "referenced_files",
]
