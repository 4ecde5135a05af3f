"""The append-only ledger in the database itself (boards/ledger.py): the triggers refuse UPDATE and DELETE
on the ledger, the ratified results and the published files, whether by raw SQL or through the ORM (and
TRUNCATE on PostgreSQL); each entry links to the hash of the committee's one before, the hash covers every
field, and a row changed or removed with the triggers lifted is named by ``verify`` and ``verify_ledger``;
``migrate`` and ``flush`` leave the triggers in place."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, ProgrammingError, connection, transaction

from boards import ledger, services
from boards.ledger import Break
from boards.models import (
    AssessmentCommittee,
    Category,
    LedgerEntry,
    Meeting,
    Membership,
    Result,
    ResultsFile,
)
from students.models import School
from tests.boards.meeting_record import OVERRIDE_REASON, recalculated
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

Kind = LedgerEntry.Kind
TABLES = ("boards_ledgerentry", "boards_result", "boards_resultsfile")
CHANGED = "was changed after it was written: its content no longer matches its hash."
UNLINKED = "does not follow the entry before it: an entry was removed or reordered."
CHANGES = {
    # A column of each table, and a value none of its rows has.
    "boards_ledgerentry": ("reason", "Rewritten outside Quorum."),
    "boards_result": ("decision", "withdraw"),
    "boards_resultsfile": ("name", "rewritten.csv"),
}


def refusal() -> type[DatabaseError]:
    """What a refused statement raises: SQLite's RAISE(ABORT) is a constraint failure; PostgreSQL's
    RAISE EXCEPTION is SQLSTATE P0001, which psycopg 3 files under class P0, a programming error."""
    return ProgrammingError if connection.vendor == "postgresql" else IntegrityError


def refused(table: str) -> str:
    return f"{table} is append-only: Quorum keeps every board decision; record a new entry instead"


def execute(sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def rows(table: str) -> list[tuple[object, ...]]:
    """Every row of ``table``, every column, in id order."""
    return execute(f"SELECT * FROM {table} ORDER BY id")


def first_id(table: str) -> int:
    (pk,) = execute(f"SELECT MIN(id) FROM {table}")[0]
    assert isinstance(pk, int)
    return pk


def trigger_names() -> set[tuple[str, str]]:
    """(table, trigger) of every trigger on the three append-only tables, as the database lists them."""
    if connection.vendor == "sqlite":
        found = execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
    else:
        found = execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND pg_table_is_visible(c.oid)"
        )
    return {(str(table), str(name)) for table, name in found if table in TABLES}


def expected_triggers() -> set[tuple[str, str]]:
    actions = ("update", "delete", "truncate") if connection.vendor == "postgresql" else ("update", "delete")
    return {(table, f"{table}_refuses_{action}") for table in TABLES for action in actions}


def tampered(sql: str, params: list[object]) -> None:
    """Run ``sql`` as someone with the database's password could: the triggers lifted first."""
    ledger.remove_triggers()
    try:
        execute(sql, params)
    finally:
        ledger.install_triggers()


@pytest.fixture
def published(make_board: Callable[..., Meeting], chair: User, secretary: User, member: User) -> Meeting:
    """Four students' outcomes made provisional, ratified and published: three ledger entries, four
    results and one results file."""
    meeting = make_board(students=4)
    meeting.attendees.set(meeting.committee.memberships.all())
    cohort = meeting.cohorts.get()
    recalculated(cohort)
    services.make_provisional(meeting=meeting, cohort=cohort, user=secretary)
    services.ratify_cohort(meeting=meeting, cohort=cohort, user=chair)
    services.publish_cohort(meeting=meeting, cohort=cohort, user=chair)
    assert list(LedgerEntry.objects.values_list("kind", flat=True)) == [
        "provisional",
        "ratified",
        "published",
    ]
    assert (Result.objects.count(), ResultsFile.objects.count()) == (4, 1)
    return meeting


@pytest.fixture
def override(make_board: Callable[..., Meeting], secretary: User) -> LedgerEntry:
    """An override: an entry with every field filled in."""
    meeting = make_board(students=4)
    cohort = meeting.cohorts.get()
    outcome = next(o for o in recalculated(cohort).values() if o.klass and o.klass != "I")
    return services.record_override(
        meeting=meeting,
        cohort=cohort,
        enrolment_id=outcome.enrolment_id,
        field="klass",
        value="I",
        category=Category.MITIGATION,
        reason=OVERRIDE_REASON,
        user=secretary,
    )


# The triggers: raw SQL.


@pytest.mark.parametrize("table", TABLES)
def test_a_raw_update_of_an_append_only_table_is_refused_and_the_row_is_unchanged(
    published: Meeting, table: str
) -> None:
    column, value = CHANGES[table]
    pk = first_id(table)
    before = rows(table)

    with pytest.raises(refusal(), match=refused(table)), transaction.atomic():
        execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])

    assert rows(table) == before
    assert execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])[0][0] != value


@pytest.mark.parametrize("table", TABLES)
def test_a_raw_delete_from_an_append_only_table_is_refused_and_every_row_stays(
    published: Meeting, table: str
) -> None:
    before = rows(table)

    with pytest.raises(refusal(), match=refused(table)), transaction.atomic():
        execute(f"DELETE FROM {table} WHERE id = %s", [first_id(table)])
    with pytest.raises(refusal(), match=refused(table)), transaction.atomic():
        execute(f"DELETE FROM {table}")

    assert rows(table) == before
    assert len(before) == {"boards_ledgerentry": 3, "boards_result": 4, "boards_resultsfile": 1}[table]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE statement")
@pytest.mark.django_db(transaction=True)  # committed rows: no deferred foreign key checks pending
@pytest.mark.parametrize(
    ("statement", "named"),
    [
        # The ledger is referenced by results and files: without CASCADE the foreign keys refuse first.
        ("TRUNCATE boards_ledgerentry CASCADE", "boards_ledgerentry"),
        ("TRUNCATE boards_result", "boards_result"),
        ("TRUNCATE boards_resultsfile", "boards_resultsfile"),
        ("TRUNCATE boards_resultsfile, boards_result, boards_ledgerentry", "boards_resultsfile"),
    ],
)
def test_truncating_an_append_only_table_is_refused_on_postgresql(
    published: Meeting, statement: str, named: str
) -> None:
    before = {name: rows(name) for name in TABLES}

    with pytest.raises(ProgrammingError, match=refused(named)), transaction.atomic():
        execute(statement)

    assert {name: rows(name) for name in TABLES} == before


# The triggers: the ORM.


def test_the_orm_cannot_update_or_save_over_a_ledger_entry(published: Meeting) -> None:
    entry = LedgerEntry.objects.get(kind=Kind.RATIFIED)
    before = rows("boards_ledgerentry")

    with pytest.raises(refusal(), match=refused("boards_ledgerentry")), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(reason="Rewritten through the ORM.")
    entry.reason = "Rewritten through the ORM."
    with pytest.raises(refusal(), match=refused("boards_ledgerentry")), transaction.atomic():
        entry.save()

    assert rows("boards_ledgerentry") == before
    assert LedgerEntry.objects.get(pk=entry.pk).reason == "4 results ratified, 0 held back."


def test_the_orm_cannot_delete_a_ledger_entry_or_a_queryset_of_them(published: Meeting) -> None:
    # Neither entry is referenced by a result or a file, so nothing but the trigger stands in the way.
    entry = LedgerEntry.objects.get(kind=Kind.PROVISIONAL)
    before = rows("boards_ledgerentry")

    with pytest.raises(refusal(), match=refused("boards_ledgerentry")), transaction.atomic():
        entry.delete()
    with pytest.raises(refusal(), match=refused("boards_ledgerentry")), transaction.atomic():
        LedgerEntry.objects.filter(kind__in=[Kind.PROVISIONAL, Kind.RATIFIED]).delete()

    assert rows("boards_ledgerentry") == before


def test_the_orm_cannot_change_or_delete_a_result_or_a_results_file(published: Meeting) -> None:
    result = Result.objects.order_by("pk").first()
    assert result is not None
    results_file = ResultsFile.objects.get()
    before = {table: rows(table) for table in ("boards_result", "boards_resultsfile")}

    with pytest.raises(refusal(), match=refused("boards_result")), transaction.atomic():
        Result.objects.filter(pk=result.pk).update(decision="withdraw")
    with pytest.raises(refusal(), match=refused("boards_result")), transaction.atomic():
        result.delete()
    with pytest.raises(refusal(), match=refused("boards_result")), transaction.atomic():
        Result.objects.all().delete()
    with pytest.raises(refusal(), match=refused("boards_resultsfile")), transaction.atomic():
        ResultsFile.objects.update(name="rewritten.csv")
    with pytest.raises(refusal(), match=refused("boards_resultsfile")), transaction.atomic():
        results_file.delete()

    assert {table: rows(table) for table in ("boards_result", "boards_resultsfile")} == before


def test_appending_is_still_allowed(published: Meeting, external: User) -> None:
    entry = services.record_comment(meeting=published, user=external, text="The marking is consistent.")

    assert LedgerEntry.objects.order_by("pk").last() == entry
    assert ledger.verify(published.committee_id) is None


# The hash chain.


def test_each_appended_entry_links_to_the_hash_of_the_one_before(
    committee: AssessmentCommittee, other_committee: AssessmentCommittee, external: User
) -> None:
    first, second, third = (
        ledger.append(committee=committee, kind=Kind.COMMENT, user_id=external.pk, reason=f"Comment {n}.")
        for n in (1, 2, 3)
    )
    elsewhere = ledger.append(
        committee=other_committee, kind=Kind.COMMENT, user_id=external.pk, reason="Another board."
    )

    assert first.previous_hash == ""
    assert second.previous_hash == first.hash
    assert third.previous_hash == second.hash
    assert elsewhere.previous_hash == ""  # each committee's chain starts afresh
    stored = list(LedgerEntry.objects.filter(committee=committee).order_by("pk"))
    assert stored == [first, second, third]
    for entry in stored:  # read back from the database, the content hashes the same
        assert len(entry.hash) == 64 and int(entry.hash, 16) >= 0
        assert entry.digest() == entry.hash
    assert len({first.hash, second.hash, third.hash, elsewhere.hash}) == 4
    assert ledger.verify(committee.pk) is None
    assert ledger.verify(other_committee.pk) is None


def copy_of(entry: LedgerEntry, **changes: object) -> LedgerEntry:
    """An unsaved entry with the same values as ``entry`` but ``changes``."""
    values = {f.attname: getattr(entry, f.attname) for f in LedgerEntry._meta.concrete_fields}
    return LedgerEntry(**{**values, "id": None, **changes})


CHANGED_VALUES: dict[str, object] = {
    "committee_id": 10**6,
    "previous_hash": "0" * 64,
    "kind": Kind.HOLD,
    "meeting_id": 10**6,
    "cohort_id": 10**6,
    "stage": "progression",
    "enrolment_id": 10**6,
    "field": "decision",
    "from_value": "Distinction",
    "to_value": "Merit",
    "category": Category.OTHER,
    "reason": OVERRIDE_REASON + " ",
    "outcome_set_id": 10**6,
    "inputs_fingerprint": "f" * 64,
    "user_id": 10**6,
    "created_at": "a microsecond later",
}


def test_the_hash_covers_every_field_of_an_entry_but_its_id_and_its_own_hash() -> None:
    fields = {f.attname for f in LedgerEntry._meta.concrete_fields}

    assert fields - set(CHANGED_VALUES) == {"id", "hash"}
    assert set(CHANGED_VALUES) <= fields


@pytest.mark.parametrize("attname", list(CHANGED_VALUES))
def test_changing_any_field_changes_the_digest(override: LedgerEntry, attname: str) -> None:
    entry = LedgerEntry.objects.get(pk=override.pk)
    value = CHANGED_VALUES[attname]
    if attname == "created_at":
        value = entry.created_at + datetime.timedelta(microseconds=1)
    assert getattr(entry, attname) != value

    assert copy_of(entry).digest() == entry.hash
    assert copy_of(entry, **{attname: value}).digest() != entry.hash


# A row changed or removed with the triggers lifted.


def test_an_entry_changed_with_the_triggers_lifted_is_named_by_verify(published: Meeting) -> None:
    ratified = LedgerEntry.objects.get(kind=Kind.RATIFIED)
    assert ledger.verify(published.committee_id) is None

    tampered("UPDATE boards_ledgerentry SET reason = %s WHERE id = %s", ["5 results ratified.", ratified.pk])

    assert LedgerEntry.objects.get(pk=ratified.pk).reason == "5 results ratified."
    problem = ledger.verify(published.committee_id)
    assert problem == Break(ratified.pk, CHANGED)
    assert str(problem) == f"Ledger entry #{ratified.pk} {CHANGED}"


def test_an_entry_changed_and_hashed_again_breaks_the_link_of_the_next(published: Meeting) -> None:
    ratified, published_entry = LedgerEntry.objects.filter(kind__in=[Kind.RATIFIED, Kind.PUBLISHED])
    forged = copy_of(ratified, id=ratified.pk, reason="5 results ratified.")
    forged.hash = forged.digest()

    tampered(
        "UPDATE boards_ledgerentry SET reason = %s, hash = %s WHERE id = %s",
        [forged.reason, forged.hash, ratified.pk],
    )

    assert ledger.verify(published.committee_id) == Break(published_entry.pk, UNLINKED)


def test_a_middle_entry_deleted_with_the_triggers_lifted_breaks_the_chain_at_the_next(
    published: Meeting,
) -> None:
    provisional, ratified, published_entry = LedgerEntry.objects.order_by("pk")

    tampered("DELETE FROM boards_ledgerentry WHERE id = %s", [ratified.pk])

    assert list(LedgerEntry.objects.order_by("pk")) == [provisional, published_entry]
    assert ledger.verify(published.committee_id) == Break(published_entry.pk, UNLINKED)


def test_verify_ledger_for_the_broken_committee_exits_1_and_names_the_entry_after_the_gap(
    published: Meeting, other_committee: AssessmentCommittee
) -> None:
    _, ratified, published_entry = LedgerEntry.objects.order_by("pk")
    tampered("DELETE FROM boards_ledgerentry WHERE id = %s", [ratified.pk])
    out = io.StringIO()

    with pytest.raises(CommandError, match=r"^The ledger of 1 committee fails its check\.$") as failed:
        call_command("verify_ledger", committee=published.committee_id, stdout=out)

    assert failed.value.returncode == 1
    assert out.getvalue() == (
        "School of English UG Board: 2 entries, chain broken: "
        f"Ledger entry #{published_entry.pk} {UNLINKED}\n"
    )


# migrate and flush.


@pytest.mark.django_db(transaction=True)
def test_the_triggers_survive_migrate_and_migrate_puts_back_any_missing() -> None:
    assert trigger_names() == expected_triggers()

    call_command("migrate", verbosity=0, interactive=False)
    assert trigger_names() == expected_triggers()

    ledger.remove_triggers()
    try:
        assert trigger_names() == set()
        call_command("migrate", verbosity=0, interactive=False)
        assert trigger_names() == expected_triggers()
    finally:
        ledger.install_triggers()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("inhibit_post_migrate", [False, True], ids=["post-migrate", "no-post-migrate"])
def test_flush_empties_the_append_only_tables_and_their_triggers_are_back_afterwards(
    published: Meeting, inhibit_post_migrate: bool
) -> None:
    """Without post_migrate (as TransactionTestCase flushes when available_apps is set) only the flush
    command itself puts the triggers back."""
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=inhibit_post_migrate)

    assert (LedgerEntry.objects.count(), Result.objects.count(), ResultsFile.objects.count()) == (0, 0, 0)
    assert trigger_names() == expected_triggers()
    school = School.objects.create(code="ENG", name="School of English")
    committee = AssessmentCommittee.objects.create(school=school, name="School of English UG Board")
    examiner = make_user("ezra")
    Membership.objects.create(user=examiner, committee=committee, role=Membership.Role.EXTERNAL)
    entry = ledger.append(
        committee=committee, kind=Kind.COMMENT, user_id=examiner.pk, reason="Written after the flush."
    )
    before = rows("boards_ledgerentry")

    with pytest.raises(refusal(), match=refused("boards_ledgerentry")), transaction.atomic():
        execute("UPDATE boards_ledgerentry SET reason = %s WHERE id = %s", ["Rewritten.", entry.pk])
    with pytest.raises(refusal(), match=refused("boards_ledgerentry")), transaction.atomic():
        execute("DELETE FROM boards_ledgerentry WHERE id = %s", [entry.pk])

    assert rows("boards_ledgerentry") == before
    assert ledger.verify(committee.pk) is None
