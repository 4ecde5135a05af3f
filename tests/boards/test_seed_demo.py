"""``manage.py seed_demo``, which ``make run`` runs: the demo university's boards, ready to read: every
cohort provisional, so that members and external examiners see it, and one override with its reason."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from boards import ledger
from boards.decisions import standing_overrides
from boards.demo import OVERRIDE_REASON, PASSWORD
from boards.models import (
    AssessmentCommittee,
    Cohort,
    LedgerEntry,
    Meeting,
    Membership,
    Outcome,
    OutcomeSet,
    Review,
)
from students.models import ImportBatch


def snapshot() -> dict[str, int]:
    """How many rows of each kind the demo writes."""
    models = (
        AssessmentCommittee,
        Membership,
        Cohort,
        Meeting,
        OutcomeSet,
        Outcome,
        ImportBatch,
        Review,
        LedgerEntry,
    )
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_seed_demo_sets_up_two_committees_with_every_role_a_meeting_and_current_outcomes_once(
    tmp_path: Path,
) -> None:
    logins = tmp_path / "var" / "demo-logins.txt"
    out = StringIO()
    call_command("seed_demo", students=4, logins=logins, stdout=out)

    committees = AssessmentCommittee.objects.order_by("name")
    assert [(c.school.code, c.name, c.quorum, c.anonymous) for c in committees] == [
        ("HIST", "School of History Board of Examiners", 3, False),
        ("PSYC", "School of Psychology Progression Board", 2, True),
    ]
    assert sorted(Membership.objects.values_list("user__username", "role", "committee__school__code")) == [
        ("history-chair", "chair", "HIST"),
        ("history-external", "external", "HIST"),
        ("history-member", "member", "HIST"),
        ("history-secretary", "secretary", "HIST"),
        ("psychology-chair", "chair", "PSYC"),
        ("psychology-external", "external", "PSYC"),
        ("psychology-member", "member", "PSYC"),
        ("psychology-secretary", "secretary", "PSYC"),
    ]
    assert Membership.objects.get(user__username="history-external").user.check_password(PASSWORD)
    cohorts = Cohort.objects.order_by("programme__code", "programme_year")
    assert [(c.committee.school.code, str(c), c.final_year, c.level) for c in cohorts] == [
        ("HIST", "HIST-BA 2024/25 year 2", False, 5),
        ("HIST", "HIST-BA 2024/25 year 3", True, 6),
        ("HIST", "HIST-MA 2024/25 year 1", True, 7),
        ("PSYC", "PSYC-BA 2024/25 year 1", False, 4),
        ("PSYC", "PSYC-BA 2024/25 year 2", False, 5),
    ]
    meetings = {m.committee.school.code: m for m in Meeting.objects.all()}
    assert (str(meetings["HIST"].date), meetings["HIST"].kind) == ("2025-06-18", "award")
    assert (str(meetings["PSYC"].date), meetings["PSYC"].kind) == ("2025-09-10", "resit")
    assert sorted(map(str, meetings["HIST"].cohorts.all())) == [str(c) for c in cohorts[:3]]
    assert sorted(map(str, meetings["PSYC"].cohorts.all())) == [str(c) for c in cohorts[3:]]
    assert sorted(meetings["HIST"].attendees.values_list("role", flat=True)) == [
        "chair", "external", "member", "secretary",
    ]  # fmt: skip
    assert sorted(meetings["PSYC"].attendees.values_list("role", flat=True)) == [
        "chair",
        "external",
        "secretary",
    ]

    current = OutcomeSet.objects.filter(is_current=True).order_by(
        "cohort__programme__code", "cohort__programme_year"
    )
    assert [(str(s.cohort), s.stage, s.status, s.total, s.done, s.outcomes.count()) for s in current] == [
        ("HIST-BA 2024/25 year 2", "first-sit", "complete", 4, 4, 4),
        ("HIST-BA 2024/25 year 3", "award", "complete", 4, 4, 4),
        ("HIST-MA 2024/25 year 1", "award", "complete", 4, 4, 4),
        ("PSYC-BA 2024/25 year 1", "after-reassessment", "complete", 4, 4, 4),
        ("PSYC-BA 2024/25 year 2", "after-reassessment", "complete", 4, 4, 4),
    ]
    assert OutcomeSet.objects.count() == 5
    # Two marks left out of each intake's current year, here from two students of each cohort.
    assert [s.outcomes.filter(incomplete=True).count() for s in current] == [2, 2, 2, 2, 2]
    assert Outcome.objects.filter(outcome_set__cohort__programme__code="HIST-MA").exclude(klass="").exists()

    reviews = Review.objects.order_by("cohort__programme__code", "cohort__programme_year")
    assert [(str(r.cohort), r.state) for r in reviews] == [(str(c), "provisional") for c in cohorts]
    (entry,) = LedgerEntry.objects.filter(kind="override")
    assert (str(entry.cohort), entry.field, entry.category, entry.reason, entry.user.username) == (
        "HIST-BA 2024/25 year 3",
        "klass",
        "mitigation",
        OVERRIDE_REASON,
        "history-secretary",
    )
    final_year = Cohort.objects.get(programme__code="HIST-BA", programme_year=3)
    outcome = Outcome.objects.get(
        outcome_set__cohort=final_year, outcome_set__is_current=True, enrolment=entry.enrolment
    )
    assert (entry.from_value, entry.to_value) == (
        outcome.klass,
        {"III": "II.ii", "II.ii": "II.i", "II.i": "I"}[outcome.klass],
    )
    standing = standing_overrides(final_year, "award", {outcome.enrolment_id: outcome})
    assert standing[outcome.enrolment_id]["klass"].needs_review is False
    kinds = LedgerEntry.objects.order_by("pk").values_list("committee__school__code", "kind")
    assert list(kinds) == [
        ("HIST", "provisional"), ("HIST", "provisional"), ("HIST", "override"), ("HIST", "provisional"),
        ("PSYC", "provisional"), ("PSYC", "provisional"),
    ]  # fmt: skip
    assert [ledger.verify(c.pk) for c in committees] == [None, None]

    text = logins.read_text(encoding="utf-8")
    assert "  history-admin / quorum-demo-2024  (administrator, School of History)\n" in text
    board = "School of Psychology Progression Board"
    assert f"  psychology-external / quorum-demo-2024  (external examiner, {board})\n" in text
    assert len(text.splitlines()) == 11
    assert out.getvalue().endswith("Demo logins:\n" + text)

    before = snapshot()
    again = StringIO()
    call_command("seed_demo", students=4, logins=logins, stdout=again)
    assert snapshot() == before
    assert "Demo boards already present: nothing changed.\n" in again.getvalue()
    assert "calculated" not in again.getvalue()
    assert "provisional" not in again.getvalue()
    assert "overridden" not in again.getvalue()
    assert before == {
        "AssessmentCommittee": 2, "Membership": 8, "Cohort": 5, "Meeting": 2, "OutcomeSet": 5, "Outcome": 20,
        "ImportBatch": 15, "Review": 5, "LedgerEntry": 6,
    }  # fmt: skip
