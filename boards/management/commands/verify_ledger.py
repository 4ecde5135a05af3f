"""``manage.py verify_ledger [--committee PK]``: check each committee's ledger hash chain.

One line per committee, "<name>: N entries, chain verifies" or where it breaks; exit status 1 if any
chain is broken, so a scheduled job or a registry's check before a board can act on it.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from boards import ledger
from boards.models import AssessmentCommittee, LedgerEntry


def entries(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


class Command(BaseCommand):
    help = "Recompute every hash of each committee's ledger; exit 1 if any chain is broken."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--committee", type=int, metavar="PK", help="Only this committee's ledger.")

    def handle(self, *args: Any, committee: int | None = None, **options: Any) -> None:
        committees = AssessmentCommittee.objects.order_by("pk")
        if committee is not None:
            committees = committees.filter(pk=committee)
            if not committees.exists():
                raise CommandError(f"No committee has the id {committee}.")
        broken = 0
        for item in committees:
            count = LedgerEntry.objects.filter(committee=item).count()
            problem = ledger.verify(item.pk)
            if problem is None:
                self.stdout.write(f"{item.name}: {entries(count)}, chain verifies")
            else:
                broken += 1
                self.stdout.write(f"{item.name}: {entries(count)}, chain broken: {problem}")
        if broken:
            raise CommandError(
                f"The ledger of {broken} committee{'' if broken == 1 else 's'} fails its check.", returncode=1
            )
