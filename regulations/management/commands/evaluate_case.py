"""``manage.py evaluate_case PATH [PATH ...]``: one JSON line per case (CASES.md); exit 1 if any errored."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from regulations.cases import case_files, dumps, run_case


class Command(BaseCommand):
    help = "Evaluate conformance cases (a file or a folder of *.json) and print one JSON line per case."
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")

    def handle(self, *args: Any, **options: Any) -> None:
        errored = seen = 0
        for path in case_files(options["paths"]):
            run = run_case(path)
            seen += 1
            errored += run.error is not None
            self.stdout.write(dumps(run.line()))
        if not seen:
            self.stderr.write(f"no cases found in {', '.join(options['paths'])}")
        if errored or not seen:
            sys.exit(1)
