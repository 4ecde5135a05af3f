"""``manage.py sync_cases [SOURCE]``: copy the shared conformance cases beside their rule sets.

Each case of SOURCE (default ``../shared/regulations/cases``) is written, without
its ``derivation`` (the worked arithmetic stays in shared/ to read when a case
fails), to ``regulations/rulesets/<ruleset>/cases/``; copies whose source is gone
are removed. The drift test fails until this has been run after shared/ changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from regulations import rulesets
from regulations.conformance import DEFAULT_SOURCE, expected_copies, render


class Command(BaseCommand):
    help = "Copy ../shared/regulations/cases beside each rule set (without derivations)."
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", nargs="?", default=str(DEFAULT_SOURCE))

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["source"])
        if not source.is_dir():
            raise CommandError(f"{source}: no such folder")
        wanted = expected_copies(source)
        written = removed = 0
        for key in rulesets.available():
            folder = rulesets.cases_dir(key)
            folder.mkdir(exist_ok=True)
            for stale in folder.glob("*.json"):
                if stale not in wanted:
                    stale.unlink()
                    removed += 1
        for target, case in wanted.items():
            text = render(case)
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                target.write_text(text, encoding="utf-8")
                written += 1
        self.stdout.write(f"{len(wanted)} cases: {written} written, {removed} removed")
