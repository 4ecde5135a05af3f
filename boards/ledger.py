"""Appending to the committee's ledger, checking its hash chain, and the triggers that keep it append-only.

``append`` links each entry to the committee's previous one (the unique ``(committee, previous_hash)``
constraint means two writers racing for the same place cannot both commit: the loser tries again after
the winner). ``verify`` recomputes every hash of a committee's chain and names the first entry that no
longer matches, which is what a row changed outside the application (its triggers dropped first) looks
like. The triggers refuse UPDATE and DELETE on the ledger, the agreed results and the files published, on
PostgreSQL and on SQLite alike; ``manage.py flush`` (boards/management/commands/flush.py), which empties
every table, is the one operation that lifts them, and only for as long as it runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from .models import AssessmentCommittee, LedgerEntry, Result, ResultsFile

APPEND_ONLY = (LedgerEntry, Result, ResultsFile)
"""The models whose rows are kept for good."""
TABLES = ("boards_ledgerentry", "boards_result", "boards_resultsfile")
"""Their tables, spelled out so that a migration creates the triggers without importing the models."""

REFUSED = "is append-only: Quorum keeps every board decision; record a new entry instead"

ATTEMPTS = 5


def append(*, committee: AssessmentCommittee, kind: str, user_id: int, **values: Any) -> LedgerEntry:
    """Write one entry after the committee's newest; call inside the transaction that makes the change."""
    for attempt in range(ATTEMPTS):
        previous = (
            LedgerEntry.objects.filter(committee=committee)
            .order_by("-pk")
            .values_list("hash", flat=True)
            .first()
        )
        entry = LedgerEntry(
            committee=committee,
            kind=kind,
            user_id=user_id,
            previous_hash=previous or "",
            created_at=timezone.now(),
            **values,
        )
        entry.hash = entry.digest()
        try:
            with transaction.atomic():
                entry.save(force_insert=True)
        except IntegrityError:
            # Another entry took this place in the chain first; link after it instead.
            if attempt == ATTEMPTS - 1:
                raise
            continue
        return entry
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Break:
    """Where a chain stops matching: the entry, and what is wrong with it."""

    entry_id: int
    problem: str

    def __str__(self) -> str:
        return f"Ledger entry #{self.entry_id} {self.problem}"


def verify(committee_id: int) -> Break | None:
    """The first entry of the committee's chain whose hash or link does not match, or None if all do."""
    return check(LedgerEntry.objects.filter(committee_id=committee_id).order_by("pk"))


def check(entries: Iterable[LedgerEntry]) -> Break | None:
    previous = ""
    for entry in entries:
        if entry.previous_hash != previous:
            return Break(entry.pk, "does not follow the entry before it: an entry was removed or reordered.")
        if entry.digest() != entry.hash:
            return Break(
                entry.pk, "was changed after it was written: its content no longer matches its hash."
            )
        previous = entry.hash
    return None


# The triggers, one per table and statement, named so that they can be dropped and created again.


def _name(table: str, action: str) -> str:
    return f"{table}_refuses_{action.lower()}"


def trigger_sql(vendor: str, tables: Iterable[str] = TABLES) -> tuple[list[str], list[str]]:
    """(create, drop) statements of the append-only triggers for ``vendor`` (postgresql or sqlite)."""
    create: list[str] = []
    drop: list[str] = []
    if vendor == "postgresql":
        create.append(
            "CREATE OR REPLACE FUNCTION quorum_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '% {REFUSED}', TG_TABLE_NAME; END $$"
        )
        for table in tables:
            for action, level in (("UPDATE", "ROW"), ("DELETE", "ROW"), ("TRUNCATE", "STATEMENT")):
                name = _name(table, action)
                create.append(
                    f"CREATE TRIGGER {name} BEFORE {action} ON {table} "
                    f"FOR EACH {level} EXECUTE FUNCTION quorum_refuse_change()"
                )
                drop.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        drop.append("DROP FUNCTION IF EXISTS quorum_refuse_change()")
    elif vendor == "sqlite":
        for table in tables:
            for action in ("UPDATE", "DELETE"):
                name = _name(table, action)
                create.append(
                    f"CREATE TRIGGER {name} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} {REFUSED}'); END"
                )
                drop.append(f"DROP TRIGGER IF EXISTS {name}")
    else:
        raise NotImplementedError(
            f"Quorum's append-only triggers are written for PostgreSQL and SQLite, not {vendor}"
        )
    return create, drop


def install_triggers(db: BaseDatabaseWrapper | None = None) -> None:
    db = db or connection
    create, drop = trigger_sql(db.vendor)
    with db.cursor() as cursor:
        for statement in drop + create:
            cursor.execute(statement)


def remove_triggers(db: BaseDatabaseWrapper | None = None) -> None:
    db = db or connection
    _, drop = trigger_sql(db.vendor)
    with db.cursor() as cursor:
        for statement in drop:
            cursor.execute(statement)
