"""Grow the demo into a district for benchmarks: ``manage.py grow_district --size 10k``.

Here, in petitions, because the district is mostly requests: this is the
highest app whose models it writes (community, grids, petitions), and it
needs none of mediation's or volunteers'. The work is in ``bench/district.py``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bench.district import PRESETS, grow, size_from
from community.management.commands.seed_demo import STREET
from community.models import Street, User


class Command(BaseCommand):
    help = (
        "Grow the demo (seed_demo, run first if needed) into a district of requests, "
        "residents, streets and communities for the benchmarks (bench/pages.py)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--size",
            default="10k",
            help=f"a preset ({', '.join(PRESETS)}) or a number of requests (e.g. 250k); "
            "everything else scales with it",
        )
        parser.add_argument("--seed", type=int, default=13)
        parser.add_argument(
            "--demo-share",
            type=float,
            default=0.25,
            help="share of the requests filed in the demo's two communities (when the "
            "district has others); 1 puts them all there, as issue #13 measured",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Refusing to grow demo data in production.")
        try:
            size = size_from(options["size"])
        except ValueError as e:
            raise CommandError(str(e)) from e
        if not 0 <= options["demo_share"] <= 1:
            raise CommandError("--demo-share is between 0 and 1.")
        if not Street.objects.filter(name=STREET).exists():
            call_command("seed_demo", stdout=self.stdout)
        if User.objects.filter(username__regex=r"^(d\d{5}|r\d+)$").exists():
            raise CommandError("This database was grown already: grow a fresh one.")
        self.stdout.write(
            f"Growing to {size.requests:,} requests, {size.streets} streets, "
            f"{size.communities} communities, {size.residents:,} new residents"
        )
        report = grow(
            size, seed=options["seed"], demo_share=options["demo_share"], stdout=self.stdout
        )
        self.stdout.write(self.style.SUCCESS(", ".join(f"{k} {v}" for k, v in report.items())))
