"""``manage.py seed_demo``: the demo university ``make run`` starts with, records and boards.

Runs ``seed_records`` (schools, administrators, intakes imported through the import services), then
``boards.demo.seed_boards`` (committees, their members, cohorts, a meeting each, calculated outcomes).
Running it again changes nothing and says so. The logins are printed and kept in
``var/demo-logins.txt``, which ``make run`` prints before the site starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from boards.demo import logins, seed_boards


class Command(BaseCommand):
    help = "Seed the demo university: records, committees, members, meetings and outcomes (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--students", type=int, help="Students in every intake (default: each intake's own size)"
        )
        parser.add_argument(
            "--logins",
            type=Path,
            default=Path(settings.BASE_DIR) / "var" / "demo-logins.txt",
            help="Where to keep the logins (default var/demo-logins.txt)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("seed_records", students=options["students"], stdout=self.stdout)
        if not seed_boards(self.stdout.write):
            self.stdout.write("Demo boards already present: nothing changed.")
        lines = logins()
        path: Path = options["logins"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.stdout.write("Demo logins:\n" + "\n".join(lines))
