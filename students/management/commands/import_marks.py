"""``manage.py import_marks FILE --school CODE --user NAME [--dry-run]``: the upload service in a shell.

Checks and previews the file exactly as the upload page does, prints the counts
and every bad row, then writes it all or nothing (unless ``--dry-run``).
Exit 1 when the file has a bad row or the write was refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from students.imports import jobs
from students.models import ImportBatch, School


class Command(BaseCommand):
    help = "Import a marks file (CSV or XLSX) for a school: preview, then write all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--school", required=True, help="School code")
        parser.add_argument("--user", required=True, help="Username recorded as the importer")
        parser.add_argument("--dry-run", action="store_true", help="Preview only; write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            school = School.objects.get(code=options["school"])
        except School.DoesNotExist:
            raise CommandError(f"unknown school {options['school']!r}") from None
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"unknown user {options['user']!r}")
        batch = jobs.start(
            school=school, kind="marks", name=path.name, data=path.read_bytes(), user_id=user.pk
        )
        if batch.status != ImportBatch.Status.INVALID:
            batch = jobs.preview(batch)
        summary = batch.summary
        if summary:
            self.stdout.write(
                f"import #{batch.pk} {path.name}: {summary['new']} new, {summary['changed']} changed, "
                f"{summary['unchanged']} unchanged, {summary['errors']} bad rows"
            )
        for error in batch.errors:
            self.stdout.write(f"{path.name}: {error}")
        if batch.status == ImportBatch.Status.INVALID:
            raise CommandError(f"import #{batch.pk}: nothing written: correct the file and run again")
        if options["dry_run"]:
            self.stdout.write("dry run: nothing written")
            return
        batch = jobs.confirm(batch, user_id=user.pk)
        if batch.status != ImportBatch.Status.COMPLETED:
            raise CommandError(f"import #{batch.pk}: {' '.join(batch.errors)}")
        self.stdout.write(f"import #{batch.pk}: written")
