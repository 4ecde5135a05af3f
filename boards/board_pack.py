"""The board pack of a meeting: each ratified cohort as the committee saw it when the chair ratified it.

The broadsheet is the ratified outcome set (``Review.ratified_set``) beside the results agreed at
ratification (the first ``Result`` of each student; amendments since are the minutes' business), the
module statistics are those of that set against the set it was compared with then
(``Review.compared_set``), and the overrides are the ledger's up to the ratification entry. A later
recalculation or amendment changes none of it. A constant number of queries per cohort.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models.fields.json import KeyTransform
from django.utils.dateformat import format as date_format

from students.permissions import AnyUser

from .access import get_visible_or_404
from .decisions import OVERRIDE_KINDS
from .minutes import Minute, cohort_title, minute, person
from .models import Cohort, LedgerEntry, Meeting, Outcome, Result, Review, Stage
from .recalculation import stage_for
from .statistics import CohortStatistics, cohort_statistics
from .tables import NOT_JUDGED, NOT_RECORDED, one_place
from .words import award_words, decision_words

HELD = "Held back"


def award_headline(award: str, klass: str) -> str:
    """An award-stage result in a broadsheet cell: its class, or the award when it has none."""
    return klass or award_words(award) or "No award"


@dataclass(frozen=True)
class SheetRow:
    student: str
    marks: tuple[str, ...]
    """In the order of ``RatifiedCohort.modules`` (blank where the student has no mark)."""
    years: tuple[str, ...]
    average: str
    """The classification average to one place (award stage only)."""
    computed: str
    agreed: str
    """The result agreed at ratification, or "Held back"."""
    overridden: bool


@dataclass(frozen=True)
class RatifiedCohort:
    ratified_by: str
    ratified_at: datetime
    outcome_set_id: int
    award: bool
    modules: tuple[str, ...]
    years: tuple[str, ...]
    rows: tuple[SheetRow, ...]
    statistics: CohortStatistics
    overrides: tuple[Minute, ...]
    """The overrides in force when the cohort was ratified, by student."""


@dataclass(frozen=True)
class PackCohort:
    title: str
    question: str
    ratified: RatifiedCohort | None
    """None: not ratified yet."""


@dataclass(frozen=True)
class BoardPack:
    committee: str
    school_code: str
    date: date
    kind: str
    anonymous: bool
    cohorts: tuple[PackCohort, ...]

    @property
    def title(self) -> str:
        return f"{self.kind} meeting, {date_format(self.date, 'j F Y')}"

    def filename(self) -> str:
        """E.g. ``HIST_board_2025-06-18_board-pack.pdf``."""
        return f"{self.school_code}_board_{self.date:%Y-%m-%d}_board-pack.pdf"


def _computed(outcome: Outcome, award: bool) -> str:
    if outcome.incomplete:
        return NOT_RECORDED
    if outcome.problem:
        return NOT_JUDGED
    if award:
        return award_headline(outcome.award, outcome.klass)
    return decision_words(outcome.decision) or "No decision"


def _agreed(result: Result | None, award: bool) -> str:
    if result is None:
        return HELD
    if not award:
        return decision_words(result.decision) or "No decision"
    agreed = award_headline(result.award, result.klass)
    if result.award != result.computed_award and result.klass:
        return f"{award_words(result.award) or 'No award'}, {agreed}"
    return agreed


def _student(outcome: Outcome, anonymous: bool) -> str:
    student = outcome.enrolment.student
    return (student.candidate_number or "(none)") if anonymous else student.student_id


def _overrides_at(review: Review, ratified: LedgerEntry, anonymous: bool) -> tuple[Minute, ...]:
    """The override (or confirmation) of each student's field in force just before ``ratified``."""
    entries = (
        LedgerEntry.objects.filter(
            cohort_id=review.cohort_id, stage=review.stage, kind__in=OVERRIDE_KINDS, pk__lt=ratified.pk
        )
        .select_related("user", "enrolment__student")
        .order_by("pk")
    )
    latest: dict[tuple[int | None, str], LedgerEntry] = {}
    for entry in entries:
        latest[(entry.enrolment_id, entry.field)] = entry
    withdrawn = LedgerEntry.Kind.OVERRIDE_WITHDRAWN
    standing = [minute(entry, anonymous) for entry in latest.values() if entry.kind != withdrawn]
    return tuple(sorted(standing, key=lambda m: (m.student, m.field)))


def _ratified(cohort: Cohort, review: Review, ratified: LedgerEntry, anonymous: bool) -> RatifiedCohort:
    assert review.ratified_set is not None and review.ratified_at is not None
    award = review.stage == Stage.AWARD
    outcomes = list(
        Outcome.objects.filter(outcome_set=review.ratified_set)
        .select_related("enrolment__student")
        .defer("result")
        .annotate(
            module_marks=KeyTransform("module_marks", "result"),
            year_averages=KeyTransform("year_averages", "result"),
        )
    )
    results: dict[int, Result] = {}
    for agreed in Result.objects.filter(review=review, amendment__isnull=True).order_by("pk"):
        results.setdefault(agreed.enrolment_id, agreed)
    modules = sorted({code for o in outcomes for code in (o.module_marks or {})})
    years = sorted({year for o in outcomes for year in (o.year_averages or {})}, key=int)
    rows = []
    for outcome in outcomes:
        marks: dict[str, str] = outcome.module_marks or {}
        averages: dict[str, str] = outcome.year_averages or {}
        result = results.get(outcome.enrolment_id)
        rows.append(
            SheetRow(
                student=_student(outcome, anonymous),
                marks=tuple(marks.get(code, "") for code in modules),
                years=tuple(str(one_place(averages.get(year)) or "") for year in years),
                average=str(one_place(outcome.classification_average) or "") if award else "",
                computed=_computed(outcome, award),
                agreed=_agreed(result, award),
                overridden=result is not None and result.overridden,
            )
        )
    rows.sort(key=lambda row: row.student)
    return RatifiedCohort(
        ratified_by=person(ratified.user),
        ratified_at=review.ratified_at,
        outcome_set_id=review.ratified_set.pk,
        award=award,
        modules=tuple(modules),
        years=tuple(years),
        rows=tuple(rows),
        statistics=cohort_statistics(cohort, review.stage, review.ratified_set, previous=review.compared_set),
        overrides=_overrides_at(review, ratified, anonymous),
    )


def board_pack_for(user: AnyUser, pk: int) -> BoardPack:
    """The meeting's board pack, or 404 if the user may not see the meeting."""
    meeting = get_visible_or_404(user, Meeting.objects.select_related("committee__school"), pk=pk)
    committee = meeting.committee
    agenda: list[Cohort] = list(meeting.cohorts.select_related("programme", "committee").order_by("pk"))
    reviews = {
        review.cohort_id: review
        for review in Review.objects.filter(meeting=meeting).select_related(
            "ratified_set", "compared_set__cohort__programme"
        )
    }
    ratifications = {
        entry.cohort_id: entry
        for entry in LedgerEntry.objects.filter(meeting=meeting, kind=LedgerEntry.Kind.RATIFIED)
        .select_related("user")
        .order_by("pk")
    }
    cohorts = []
    for cohort in agenda:
        review = reviews.get(cohort.pk)
        ratified = ratifications.get(cohort.pk)
        stage = review.stage if review is not None else stage_for(cohort, meeting.kind)
        shown = None
        if review is not None and review.locked and ratified is not None:
            shown = _ratified(cohort, review, ratified, committee.anonymous)
        cohorts.append(PackCohort(cohort_title(cohort), Stage(stage).label, shown))
    return BoardPack(
        committee=committee.name,
        school_code=committee.school.code,
        date=meeting.date,
        kind=meeting.get_kind_display(),
        anonymous=committee.anonymous,
        cohorts=tuple(cohorts),
    )
