"""``manage.py backup``: one archive of the database and MEDIA_ROOT (see community.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from community.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the whole installation: the database (pg_dump, or a copy of the SQLite "
        "file) and every file under MEDIA_ROOT, with a manifest of counts and checksums, "
        "in one .tar.gz."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=Path(settings.VAR_DIR) / "backups",
            help="A folder (the archive is named tongxin-YYYYMMDD-HHMMSS.tar.gz) or a "
            "file name ending in .tar.gz. Default: var/backups/.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(step: str) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"  {step}")

        try:
            result = backup_create(output=options["output"], progress=progress)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        m = result.manifest
        media = [e for n, e in m["files"].items() if n.startswith("media/")]
        self.stdout.write(
            self.style.SUCCESS(f"Backup written: {result.path}")
            + f"\n  {result.size / 1e6:.1f} MB in {result.seconds:.1f} s"
            + f"\n  database: {m['engine']} {m['server_version']}, {len(m['tables'])} tables,"
            + f" {sum(m['tables'].values())} rows"
            + f"\n  media: {len(media)} files, {sum(e['size'] for e in media) / 1e6:.1f} MB"
        )
        if m["missing_media"]:
            self.stdout.write(
                self.style.WARNING(
                    f"  {len(m['missing_media'])} files named in the database were already "
                    f"missing from MEDIA_ROOT, e.g. {m['missing_media'][0]}"
                )
            )
