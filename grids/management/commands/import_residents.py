"""manage.py import_residents FILE.xlsx --community 御景花园社区"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from community.models import Community
from grids.importing import import_residents


class Command(BaseCommand):
    help = "Import households and residents of one community from an Excel (.xlsx) file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--community", required=True, help="the community's name")

    def handle(self, *args: Any, **options: Any) -> None:
        community = Community.objects.filter(name=options["community"]).first()
        if community is None:
            raise CommandError(f"No community named {options['community']!r}.")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        bar = tqdm(total=0, unit="row", desc="import", file=self.stderr, disable=None)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        with path.open("rb") as file:
            result = import_residents(community=community, file=file, progress=progress)
        bar.close()
        if not result.ok:
            for e in result.errors:
                where = f"row {e.row}" + (f", {e.column}" if e.column else "")
                self.stderr.write(f"{where}: {e.problem}")
            raise CommandError(f"{len(result.errors)} problems; nothing was imported.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported: {result.households_created} new households, "
                f"{result.residents_created} new residents, "
                f"{result.residents_updated} updated."
            )
        )
