"""``manage.py seed_demo``: a small demo university for ``make run``, imported the way an administrator would.

Two schools with a generated three-year cohort each (one under each rule set),
an administrator for each and a superuser, written through the import services
(structure, then students, then marks). Running it again changes nothing. The
logins are printed and kept in ``var/demo-logins.txt`` for ``make run``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from students.imports import jobs
from students.models import ImportBatch, School, SchoolRole

PASSWORD = "quorum-demo-2024"
SCHOOLS = (
    ("HIST", "School of History", "leeds-taught-2024", "history-admin"),
    ("PSYC", "School of Psychology", "senate-reg-5", "psychology-admin"),
)


class Command(BaseCommand):
    help = "Seed demo schools, users and marks (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--students", type=int, default=60, help="Students per school (default 60)")

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model()
        if not users.objects.filter(username="registry").exists():
            users.objects.create_superuser("registry", "registry@example.invalid", PASSWORD)
        for code, name, ruleset, username in SCHOOLS:
            school, created = School.objects.get_or_create(code=code, defaults={"name": name})
            admin = users.objects.filter(username=username).first() or users.objects.create_user(
                username, password=PASSWORD
            )
            SchoolRole.objects.get_or_create(user=admin, school=school)
            if not created and school.programmes.exists():
                self.stdout.write(f"{name}: demo data already present")
                continue
            with tempfile.TemporaryDirectory() as folder:
                call_command(
                    "generate_cohort",
                    students=options["students"],
                    years=3,
                    ruleset=ruleset,
                    out=Path(folder),
                    school=code,
                    incomplete=2,
                    stdout=self.stdout,
                )
                for kind in ("structure", "students", "marks"):
                    self._import(school, kind, Path(folder) / f"{kind}.csv", admin.pk)
        logins = [
            "  registry / " + PASSWORD + "  (superuser: every school, and /admin/)",
            *(f"  {username} / {PASSWORD}  (administrator, {name})" for _, name, _, username in SCHOOLS),
        ]
        path = Path(settings.BASE_DIR) / "var" / "demo-logins.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text("\n".join(logins) + "\n", encoding="utf-8")
        self.stdout.write("Demo logins:\n" + "\n".join(logins))

    def _import(self, school: School, kind: str, path: Path, user_id: int) -> None:
        batch = jobs.preview(
            jobs.start(school=school, kind=kind, name=path.name, data=path.read_bytes(), user_id=user_id)
        )
        if batch.status == ImportBatch.Status.PREVIEWED:
            batch = jobs.confirm(batch, user_id=user_id)
        if batch.status != ImportBatch.Status.COMPLETED:
            raise CommandError(f"{school.name} {kind} import #{batch.pk}: {batch.status}: {batch.errors[:3]}")
        self.stdout.write(
            f"{school.name}: {kind} imported (import #{batch.pk}, {batch.summary.get('new')} new)"
        )
