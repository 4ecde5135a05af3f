"""``manage.py check_cases PATH [PATH ...]``: evaluate cases and compare each with its ``expect``.

Prints the first differing key of each failing case and ``N passed, M failed``;
exit 1 on any failure. The registry runs it on a rule-set version before a board.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from regulations.cases import case_files, run_case


class Command(BaseCommand):
    help = "Check conformance cases against their expected outcomes."
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")

    def handle(self, *args: Any, **options: Any) -> None:
        passed = failed = 0
        for path in case_files(options["paths"]):
            difference = run_case(path).difference()
            if difference is None:
                passed += 1
            else:
                failed += 1
                self.stdout.write(f"FAIL {path.name}: {difference}")
        self.stdout.write(f"{passed} passed, {failed} failed")
        if failed or not passed:
            sys.exit(1)
