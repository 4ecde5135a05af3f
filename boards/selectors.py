"""Reads for the boards pages: committees, a meeting and what each cohort on it shows, fetched once,
scoped to the user (``boards.access``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import rules
from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When
from django.db.models.fields.json import KeyTransform
from django.http import Http404

from students.models import Enrolment, EntryCohort
from students.permissions import AnyUser

from . import ledger
from .access import get_visible_or_404, require_readable, visible
from .decisions import (
    OVERRIDE_KINDS,
    ProposedAmendment,
    StandingOverride,
    agreed_results,
    holds,
    proposed_amendments,
    review_of,
    standing_overrides,
)
from .models import (
    AssessmentCommittee,
    Cohort,
    LedgerEntry,
    Meeting,
    Membership,
    Outcome,
    OutcomeSet,
    Result,
    ResultsFile,
    Review,
    Stage,
)
from .permissions import VIEW_DRAFTS
from .tables import AMENDED, AMENDMENT_PROPOSED, HELD, NEEDS_REVIEW, OVERRIDDEN, AgreedRow, group_label


@dataclass(frozen=True)
class CohortAtMeeting:
    """A cohort as one meeting considers it: the question asked and the outcome set now current."""

    meeting: Meeting
    cohort: Cohort
    stage: str
    current: OutcomeSet | None
    """The complete set pages read; None until the cohort's first recalculation finishes."""
    pending: OutcomeSet | None
    """The newest set still queued or running, if any (the page shows its progress)."""
    review: Review
    """Where the committee's decision on these outcomes stands (an unsaved draft until the first move)."""


def cohort_at_meeting(user: AnyUser, meeting_id: int, cohort_id: int) -> CohortAtMeeting:
    """The cohort on the meeting's agenda, or 404 if the user may not see the meeting or it is not on it."""
    meeting = get_visible_or_404(user, Meeting.objects.select_related("committee__school"), pk=meeting_id)
    cohort = meeting.cohorts.select_related("programme", "committee").filter(pk=cohort_id).first()
    if cohort is None:
        raise Http404("This cohort is not on the meeting's agenda.")
    return _at(meeting, cohort)


def readable_cohort(user: AnyUser, meeting_id: int, cohort_id: int) -> CohortAtMeeting:
    """``cohort_at_meeting``, and a 403 for its outcomes while they are a draft to those who may not see
    drafts (``boards.access.require_readable``): the broadsheet, its exports, the module statistics and
    each student's outcome page fetch through here."""
    at = cohort_at_meeting(user, meeting_id, cohort_id)
    require_readable(user, at.meeting.committee, at.review)
    return at


def _at(meeting: Meeting, cohort: Cohort) -> CohortAtMeeting:
    from .recalculation import stage_for

    stage = stage_for(cohort, meeting.kind)
    sets = OutcomeSet.objects.filter(cohort=cohort, stage=stage)
    current = sets.filter(is_current=True).select_related("requested_by").first()
    pending = (
        sets.filter(status__in=[OutcomeSet.Status.QUEUED, OutcomeSet.Status.RUNNING]).order_by("-pk").first()
    )
    return CohortAtMeeting(meeting, cohort, stage, current, pending, review_of(meeting, cohort))


def enrolment_ids(cohort: Cohort) -> list[int]:
    """The cohort's students: enrolments on its programme in its session and programme year."""
    return list(
        Enrolment.objects.filter(
            entry_cohort__programme_id=cohort.programme_id,
            academic_session=cohort.academic_session,
            programme_year=cohort.programme_year,
        )
        .order_by("student__student_id", "pk")
        .values_list("pk", flat=True)
    )


# The meeting page and the committee pages. Each cohort costs a fixed number of queries whatever its size:
# counts are grouped in the database, the records needing attention come in one query, and a ratified
# cohort's proposed amendments are counted from its agreed results, current outcomes and holds (three).

ATTENTION_SHOWN = 100
"""At most this many records needing attention are listed per cohort; the broadsheet filters the rest."""


@dataclass(frozen=True)
class CohortStatus:
    """Where a cohort's calculation stands: the current set, a newer one under way, or a newer failure."""

    at: CohortAtMeeting
    failed: OutcomeSet | None
    """The newest set of the question, when it failed (the previous set, if any, is still current)."""

    @property
    def pending(self) -> OutcomeSet | None:
        return self.at.pending

    @property
    def stage_label(self) -> str:
        return Stage(self.at.stage).label


@dataclass(frozen=True)
class AttentionItem:
    """A record the committee must look at before deciding: marks not recorded, or not judged at all."""

    enrolment_id: int
    student_id: str
    name: str
    candidate_number: str
    missing: list[str]
    """Each missing mark as "module: component" (the engine lists them as module/component)."""
    problem: str


@dataclass(frozen=True)
class CohortSummary:
    status: CohortStatus
    rulesets: list[tuple[str, str]]
    """(key, version) of the entry cohorts the cohort's students came in under (L 1.3)."""
    shown: bool
    """Whether the user may see these outcomes: a draft is for those preparing the board only."""
    counts: list[tuple[str, int]]
    """Each decision (or award and class) in words, with how many students of the current set have it."""
    incomplete: int
    problems: int
    attention: list[AttentionItem]
    proposed: int | None = None
    """How many amendments the current outcomes propose (None until the outcomes are ratified)."""
    files: tuple[ResultsFile, ...] = ()
    """The results files published for the student record system (their content not loaded)."""

    @property
    def attention_total(self) -> int:
        return self.incomplete + self.problems

    @property
    def students(self) -> int:
        return sum(n for _, n in self.counts)


@dataclass(frozen=True)
class MeetingOverview:
    meeting: Meeting
    attendees: list[Membership]
    quorum_present: int
    cohorts: list[CohortSummary]
    examiners: list[LedgerEntry]
    """The external examiners' comments and sign-offs on the meeting, oldest first."""
    ledger_break: ledger.Break | None
    """Where the committee's ledger fails its hash check, if it does."""

    @property
    def quorum_met(self) -> bool:
        return self.quorum_present >= self.meeting.committee.quorum


def committees(user: AnyUser) -> QuerySet[AssessmentCommittee]:
    """The committees the user may see, each with its meetings (newest first), in two queries."""
    return visible(user, AssessmentCommittee.objects.select_related("school")).prefetch_related(
        Prefetch("meetings", queryset=Meeting.objects.order_by("-date", "pk"))
    )


def committees_with_upcoming_meetings(user: AnyUser, today: date) -> QuerySet[AssessmentCommittee]:
    """For the home page: the user's committees, each with its meetings from ``today`` on, soonest first."""
    return visible(user, AssessmentCommittee.objects.select_related("school")).prefetch_related(
        Prefetch("meetings", queryset=Meeting.objects.filter(date__gte=today).order_by("date", "pk"))
    )


def committee(user: AnyUser, pk: int) -> AssessmentCommittee:
    """One committee with its members, cohorts and meetings prefetched, or 404."""
    queryset = AssessmentCommittee.objects.select_related("school").prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("user").order_by("role", "pk")),
        Prefetch("cohorts", queryset=Cohort.objects.select_related("programme")),
        Prefetch("meetings", queryset=Meeting.objects.order_by("-date", "pk")),
    )
    return get_visible_or_404(user, queryset, pk=pk)


def _meeting(user: AnyUser, pk: int) -> tuple[Meeting, list[Cohort]]:
    meeting = get_visible_or_404(user, Meeting.objects.select_related("committee__school"), pk=pk)
    return meeting, list(meeting.cohorts.select_related("programme", "committee").order_by("pk"))


def _status(meeting: Meeting, cohort: Cohort) -> CohortStatus:
    at = _at(meeting, cohort)
    newest = OutcomeSet.objects.filter(cohort=cohort, stage=at.stage).order_by("-pk").first()
    failed = newest if newest is not None and newest.status == OutcomeSet.Status.FAILED else None
    return CohortStatus(at, failed)


def meeting_statuses(user: AnyUser, pk: int) -> tuple[Meeting, list[CohortStatus]]:
    """The meeting (or 404) and where each cohort on its agenda stands, for the polled status fragment."""
    meeting, agenda = _meeting(user, pk)
    return meeting, [_status(meeting, cohort) for cohort in agenda]


def meeting_overview(user: AnyUser, pk: int) -> MeetingOverview:
    """Everything the meeting page shows, or 404 if the user may not see the meeting.

    A cohort whose outcomes are still a draft shows its state only to those who may not see drafts
    (members and external examiners).
    """
    meeting, agenda = _meeting(user, pk)
    attendees = list(meeting.attendees.select_related("user").order_by("role", "user__username"))
    present = sum(1 for membership in attendees if membership.counts_for_quorum)
    drafts = rules.has_perm(VIEW_DRAFTS, user, meeting.committee)
    files: dict[int, list[ResultsFile]] = {}
    for results_file in ResultsFile.objects.filter(review__meeting=meeting).defer("content").order_by("pk"):
        files.setdefault(results_file.review_id, []).append(results_file)
    summaries = [_summary(_status(meeting, cohort), drafts, files) for cohort in agenda]
    examiners = list(
        LedgerEntry.objects.filter(
            meeting=meeting, kind__in=[LedgerEntry.Kind.COMMENT, LedgerEntry.Kind.SIGN_OFF]
        )
        .select_related("user")
        .order_by("pk")
    )
    return MeetingOverview(
        meeting, attendees, present, summaries, examiners, ledger.verify(meeting.committee_id)
    )


def _proposed(at: CohortAtMeeting) -> int | None:
    """How many students' current outcomes differ from the agreed ones; None before ratification."""
    if not at.review.locked:
        return None
    if at.current is None:
        return 0
    outcomes = Outcome.objects.filter(outcome_set=at.current).only(
        "pk", "enrolment_id", "incomplete", "problem", "decision", "award", "klass"
    )
    current = {outcome.enrolment_id: outcome for outcome in outcomes}
    return len(proposed_amendments(at.review, current, holds(at.meeting, at.cohort)))


def _rulesets(cohort: Cohort) -> list[tuple[str, str]]:
    return list(
        EntryCohort.objects.filter(
            programme_id=cohort.programme_id,
            enrolments__academic_session=cohort.academic_session,
            enrolments__programme_year=cohort.programme_year,
        )
        .values_list("ruleset_key", "ruleset_version")
        .distinct()
        .order_by("ruleset_key", "ruleset_version")
    )


def _summary(status: CohortStatus, drafts: bool, files: dict[int, list[ResultsFile]]) -> CohortSummary:
    review = status.at.review
    rulesets = _rulesets(status.at.cohort)
    if review.state == Review.State.DRAFT and not drafts:
        return CohortSummary(status, rulesets, False, [], 0, 0, [])
    proposed, published = _proposed(status.at), tuple(files.get(review.pk, ()))
    current = status.at.current
    if current is None:
        return CohortSummary(status, rulesets, True, [], 0, 0, [], proposed, published)
    outcomes = Outcome.objects.filter(outcome_set=current)
    headline = ["decision"] if status.at.stage != Stage.AWARD else ["award", "klass", "exit_award"]
    grouped = (
        outcomes.annotate(judged=Case(When(problem="", then=Value(True)), default=Value(False)))
        .values("incomplete", "judged", *headline)
        .annotate(students=Count("pk"))
        .order_by("-incomplete", "judged", *headline)
    )
    groups = [(row, row.pop("students")) for row in grouped]
    incomplete = sum(n for group, n in groups if group["incomplete"])
    problems = sum(n for group, n in groups if not group["judged"] and not group["incomplete"])
    counts = [(group_label(group), n) for group, n in groups]
    attention = [
        AttentionItem(
            outcome.enrolment_id,
            outcome.enrolment.student.student_id,
            f"{outcome.enrolment.student.given_name} {outcome.enrolment.student.family_name}".strip(),
            outcome.enrolment.student.candidate_number or "",
            [item.replace("/", ": ", 1) for item in outcome.missing or []],
            outcome.problem,
        )
        for outcome in outcomes.filter(Q(incomplete=True) | ~Q(problem=""))
        .select_related("enrolment__student")
        .only(
            "pk",
            "enrolment_id",
            "problem",
            "enrolment__student__student_id",
            "enrolment__student__given_name",
            "enrolment__student__family_name",
            "enrolment__student__candidate_number",
        )
        .annotate(missing=KeyTransform("incomplete", "result"))
        .order_by("enrolment__student__student_id")[:ATTENTION_SHOWN]
    ]
    return CohortSummary(status, rulesets, True, counts, incomplete, problems, attention, proposed, published)


@dataclass(frozen=True)
class Decided:
    """What the committee has decided of a cohort's students at a meeting, read once for a page."""

    review: Review
    standing: dict[int, dict[str, StandingOverride]]
    """Per enrolment, per field, the override in force (flagged when the outcome beneath it moved)."""
    held: dict[int, LedgerEntry]
    """The students held back from ratification at this meeting, each with the hold in force."""
    results: dict[int, Result]
    """After ratification, each student's agreed result in force; empty before."""

    def proposal(self, outcome: Outcome) -> ProposedAmendment | None:
        """How the student's current outcome would change the agreed result, if it would."""
        found = proposed_amendments(self.review, {outcome.enrolment_id: outcome}, self.held, self.results)
        return found[0] if found else None

    def row(self, outcome: Outcome) -> AgreedRow:
        """The values the committee's decisions put in force for the student, and its flags in words."""
        pk = outcome.enrolment_id
        held = [HELD] if pk in self.held else []
        if self.review.locked:
            result = self.results.get(pk)
            proposed = [AMENDMENT_PROPOSED] if self.proposal(outcome) else []
            if result is None:
                return AgreedRow({}, (*held, *proposed), settled=False)
            changed = [OVERRIDDEN] if result.overridden else []
            amended = [AMENDED] if result.amendment_id else []
            values = {"decision": result.decision, "award": result.award, "klass": result.klass}
            return AgreedRow(values, (*changed, *amended, *held, *proposed))
        standing = self.standing.get(pk, {})
        review = [NEEDS_REVIEW] if any(o.needs_review for o in standing.values()) else []
        overridden = [OVERRIDDEN] if standing else []
        return AgreedRow({f: o.value for f, o in standing.items()}, (*overridden, *review, *held))


def decided(at: CohortAtMeeting, outcome: Outcome | None = None) -> Decided:
    """The committee's decisions on the cohort's students (or on ``outcome``'s student only) at the meeting,
    in four queries whatever the cohort's size: the overrides in force with the current outcomes beneath
    them, the holds and, once ratified, the agreed results."""
    assert at.current is not None
    if outcome is None:
        overridden = LedgerEntry.objects.filter(cohort=at.cohort, stage=at.stage, kind__in=OVERRIDE_KINDS)
        beneath = Outcome.objects.filter(
            outcome_set=at.current, enrolment_id__in=overridden.values("enrolment_id")
        ).only("pk", "enrolment_id", "decision", "award", "klass", "inputs_fingerprint")
        standing = standing_overrides(at.cohort, at.stage, {o.enrolment_id: o for o in beneath})
    else:
        standing = standing_overrides(
            at.cohort, at.stage, {outcome.enrolment_id: outcome}, [outcome.enrolment_id]
        )
    ids = None if outcome is None else [outcome.enrolment_id]
    results = agreed_results(at.review, ids) if at.review.locked else {}
    return Decided(at.review, standing, holds(at.meeting, at.cohort), results)


@dataclass(frozen=True)
class Broadsheet:
    """A cohort's current outcome set as the broadsheet reads it (no set: ``outcomes`` is None)."""

    at: CohortAtMeeting
    outcomes: QuerySet[Outcome] | None
    """One row per student with the module marks and year averages pulled out of the JSON result."""
    modules: tuple[str, ...]
    years: tuple[str, ...]
    choices: dict[str, list[str]]
    """The decisions, awards and classes that occur in the set, for the filters."""
    decided: Decided | None
    """The committee's overrides, holds and agreed results, beside the computed values."""


def broadsheet(user: AnyUser, meeting_id: int, cohort_id: int) -> Broadsheet:
    """The broadsheet's rows and columns, or 404 (403 for a draft, ``readable_cohort``); a constant number
    of queries whatever the cohort's size."""
    at = readable_cohort(user, meeting_id, cohort_id)
    if at.current is None:
        return Broadsheet(at, None, (), (), {}, None)
    outcomes = Outcome.objects.filter(outcome_set=at.current)
    modules: set[str] = set()
    years: set[str] = set()
    marks_and_years = outcomes.values_list(
        KeyTransform("module_marks", "result"), KeyTransform("year_averages", "result")
    )
    for marks, averages in marks_and_years.order_by():
        modules.update(marks or ())
        years.update(averages or ())
    headline = outcomes.values_list("decision", "award", "klass").distinct().order_by()
    choices: dict[str, set[str]] = {"decision": set(), "award": set(), "klass": set()}
    for row in headline:
        for name, value in zip(choices, row, strict=True):
            if value:
                choices[name].add(value)
    rows = (
        outcomes.select_related("enrolment__student")
        .defer("result")
        .annotate(
            module_marks=KeyTransform("module_marks", "result"),
            year_averages=KeyTransform("year_averages", "result"),
        )
    )
    return Broadsheet(
        at,
        rows,
        tuple(sorted(modules)),
        tuple(sorted(years, key=int)),
        {name: sorted(values) for name, values in choices.items()},
        decided(at),
    )
