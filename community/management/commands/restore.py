"""``manage.py restore ARCHIVE``: the other half of ``manage.py backup``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from community.backup import BackupError, backup_restore, backup_unpack


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty database and an empty "
        "MEDIA_ROOT, then check rows and files against its manifest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only unpack the archive to a scratch folder and verify its checksums.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that already has tables and write over files already "
            "in MEDIA_ROOT. Without it, restore refuses anything but an empty target.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive: Path = options["archive"]

        def progress(step: str) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"  {step}")

        try:
            if options["check"]:
                with tempfile.TemporaryDirectory(prefix="tongxin-check-") as tmp:
                    m = backup_unpack(archive, Path(tmp))
                self.stdout.write(
                    self.style.SUCCESS(f"{archive}: every checksum matches.")
                    + f"\n  made {m['created_at']} by Tongxin {m['version']} ({m['engine']}),"
                    + f" {sum(m['tables'].values())} rows, {len(m['files']) - 1} media files"
                )
                return
            result = backup_restore(archive=archive, force=options["force"], progress=progress)
        except BackupError as exc:
            raise CommandError(str(exc)) from None

        m = result.manifest
        self.stdout.write(
            self.style.SUCCESS(f"Restored {archive} in {result.seconds:.1f} s")
            + f"\n  made {m['created_at']} by Tongxin {m['version']}"
            + f"\n  database {settings.DATABASES['default']['NAME']}: {len(m['tables'])} tables,"
            + f" {result.rows} rows, every count as in the backup"
            + f"\n  media {settings.MEDIA_ROOT}: {result.files} files, every checksum and size"
            + " as in the backup"
        )
        if result.stray_files:
            self.stdout.write(
                self.style.WARNING(
                    f"  {result.stray_files} files already in MEDIA_ROOT are not in the backup "
                    "and were left there."
                )
            )
        if result.unapplied:
            self.stdout.write(
                self.style.WARNING(
                    f"  This code has {len(result.unapplied)} migrations the backup has not "
                    "applied: run `manage.py migrate` next."
                )
            )
