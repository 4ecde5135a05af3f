"""The minutes of a meeting, drawn up from what happened: its attendance, and the committee's ledger.

Nothing here is typed in by a secretary: each line of the minutes is a ledger entry of the meeting put
into words (an override with its reason, a hold, the ratification, the publication with its file's
SHA-256, an amendment, an external examiner's comment or sign-off), so the minutes cannot say what the
ledger does not. The HTML page and the PDF read the same ``Minutes`` and the same sentences, so they
cannot disagree either. An anonymous committee's minutes name candidates by their numbers only, and no
minute names a student: a student ID (or candidate number) is enough for the record.

``minutes_for`` costs the same number of queries whatever the number of students and entries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import rules
from django.contrib.auth.models import User
from django.db.models import Count, Q
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime

from students.permissions import AnyUser

from . import ledger
from .access import get_visible_or_404
from .models import Category, Cohort, Field, LedgerEntry, Meeting, Result, ResultsFile, Review, Stage
from .permissions import VIEW_DRAFTS
from .recalculation import stage_for
from .words import award_words, decision_words

Kind = LedgerEntry.Kind
EXAMINER_KINDS = (Kind.COMMENT, Kind.SIGN_OFF)
ARROW = "→"


def when(moment: datetime) -> str:
    """A moment as the minutes give it, in the site's time zone: "20 June 2025 at 10:05"."""
    return date_format(localtime(moment), "j F Y \\a\\t H:i")


def person(user: User) -> str:
    return user.get_full_name() or user.get_username()


def student_label(entry: LedgerEntry, anonymous: bool) -> str:
    """The student an entry is about: their ID, or at an anonymous committee their candidate number."""
    if entry.enrolment is None:
        return ""
    student = entry.enrolment.student
    if anonymous:
        return f"Candidate {student.candidate_number or '(none)'}"
    return student.student_id


VALUE_WORDS: dict[str, Callable[[str], str]] = {
    Field.DECISION: decision_words,
    Field.AWARD: award_words,
    Field.CLASS: str,
}
FIELD_WORDS: dict[str, str] = {Field.DECISION: "decision", Field.AWARD: "award", Field.CLASS: "class"}


def value_words(field: str, code: str) -> str:
    """A decision, award or class value in words ("none" when there is none)."""
    if not code:
        return "none"
    return VALUE_WORDS.get(field, str)(code)


@dataclass(frozen=True)
class Minute:
    """One ledger entry of the meeting, with everything the minutes say of it."""

    number: int
    """The entry's number in the committee's ledger."""
    kind: str
    student: str
    field: str
    """decision, klass or award (blank for an entry about no single value)."""
    from_value: str
    to_value: str
    category: str
    """The category in words (blank when the entry has none)."""
    reason: str
    by: str
    at: datetime
    results_file: str = ""
    """For an amendment after publication: the results file that carried it, and its SHA-256."""

    @property
    def field_words(self) -> str:
        return FIELD_WORDS.get(self.field, "")

    @property
    def change(self) -> str:
        """ "class II.i → I": the value before and after, in words."""
        if self.kind == Kind.AMENDMENT and not self.category:
            # An approved proposal records each changed field already in words ("class II.i; award ...").
            return f"{self.from_value or 'none'} {ARROW} {self.to_value or 'none'}"
        before, after = value_words(self.field, self.from_value), value_words(self.field, self.to_value)
        return f"{self.field_words} {before} {ARROW} {after}"

    @property
    def sentence(self) -> str:
        """The minute as one line of the record."""
        signed = f"{self.by}, {when(self.at)}."
        category = f" ({self.category})" if self.category else ""
        if self.kind == Kind.OVERRIDE:
            return f"{self.student}: {self.change}{category}. Reason: {self.reason} Recorded by {signed}"
        if self.kind == Kind.OVERRIDE_WITHDRAWN:
            return (
                f"{self.student}: override of the {self.field_words} withdrawn, {self.change}. "
                f"Reason: {self.reason} Recorded by {signed}"
            )
        if self.kind == Kind.OVERRIDE_CONFIRMED:
            return (
                f"{self.student}: override of the {self.field_words} confirmed after review, {self.change}. "
                f"Reason: {self.reason} Recorded by {signed}"
            )
        if self.kind == Kind.HOLD:
            return f"{self.student}: held back. Reason: {self.reason} Recorded by {signed}"
        if self.kind == Kind.RELEASE:
            return f"{self.student}: hold released. Reason: {self.reason} Recorded by {signed}"
        if self.kind == Kind.AMENDMENT:
            sent = f" Sent in results file {self.results_file}." if self.results_file else ""
            return (
                f"{self.student}: {self.change}{category}. Reason: {self.reason} Approved by {signed}{sent}"
            )
        if self.kind == Kind.PROVISIONAL:
            return f"Made provisional by {signed}"
        if self.kind == Kind.COMMENT:
            return f"Comment by {signed} {self.reason}"
        if self.kind == Kind.SIGN_OFF:
            return f"Signed off by {signed} {self.reason}"
        return f"{self.kind}: {self.reason} Recorded by {signed}"


@dataclass(frozen=True)
class Ratification:
    by: str
    at: datetime
    results: int
    """Students whose results were agreed."""
    held: int
    """Students held back from the ratification."""

    @property
    def sentence(self) -> str:
        agreed = f"{self.results} result{'' if self.results == 1 else 's'} agreed"
        return f"Ratified by {self.by}, {when(self.at)}: {agreed}, {self.held} held back."


@dataclass(frozen=True)
class Publication:
    by: str
    at: datetime
    file_name: str
    sha256: str
    rows: int

    @property
    def sentence(self) -> str:
        students = f"{self.rows} student{'' if self.rows == 1 else 's'}"
        return (
            f"Published by {self.by}, {when(self.at)}: results file {self.file_name} ({students}), "
            f"SHA-256 {self.sha256}."
        )


@dataclass(frozen=True)
class Section:
    """A heading of the minutes and its lines (``empty`` says so when there are none)."""

    heading: str
    lines: tuple[str, ...]
    empty: str = "None."


@dataclass(frozen=True)
class CohortMinutes:
    """What the meeting decided of one cohort."""

    cohort_id: int
    title: str
    """ "BA History, 2024/25 year 3 (HIST-BA)"."""
    question: str
    state: str
    """Where the cohort's outcomes stand now, in words (Draft, Provisional, Ratified, Published)."""
    on_agenda: bool
    """False for a cohort decided at the meeting and taken off its agenda since."""
    overrides: tuple[Minute, ...]
    override_reviews: tuple[Minute, ...]
    """Overrides withdrawn, or confirmed after review."""
    holds: tuple[Minute, ...]
    """Students held back from ratification, and holds released."""
    provisional: Minute | None
    ratification: Ratification | None
    publication: Publication | None
    amendments: tuple[Minute, ...]
    withheld: int = 0
    """Entries about the cohort left out because its outcomes are still a draft and the reader may not
    see drafts (a member or an external examiner): the committee reads them once they are provisional."""

    @property
    def summary(self) -> str:
        off = " It has been taken off the agenda since." if not self.on_agenda else ""
        withheld = (
            f" {self.withheld} decision{'s' if self.withheld != 1 else ''} on these draft outcomes "
            f"{'are' if self.withheld != 1 else 'is'} minuted here once they are made provisional."
            if self.withheld
            else ""
        )
        return f"{self.question}. Outcomes: {self.state}.{off}{withheld}"

    @property
    def sections(self) -> tuple[Section, ...]:
        """The cohort's minutes in the order the HTML page and the PDF give them."""
        moves = (
            self.provisional.sentence if self.provisional else "Not made provisional at this meeting.",
            self.ratification.sentence if self.ratification else "Not ratified at this meeting.",
            self.publication.sentence if self.publication else "Not published at this meeting.",
        )
        sections = [
            Section("Overrides", tuple(m.sentence for m in self.overrides)),
            Section("Overrides withdrawn or confirmed", tuple(m.sentence for m in self.override_reviews)),
            Section("Held back from ratification", tuple(m.sentence for m in self.holds)),
            Section("Provisional, ratification and publication", moves),
            Section("Amendments after ratification", tuple(m.sentence for m in self.amendments)),
        ]
        # Withdrawals and confirmations are rare: their heading only when there are some.
        return tuple(s for s in sections if s.lines or s.heading != "Overrides withdrawn or confirmed")


@dataclass(frozen=True)
class Attendee:
    name: str
    role: str

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


@dataclass(frozen=True)
class Minutes:
    meeting_id: int
    committee_id: int
    committee: str
    school: str
    school_code: str
    date: date
    kind: str
    """The meeting's kind in words."""
    anonymous: bool
    attendees: tuple[Attendee, ...]
    present: int
    """Attendees who count for quorum (external examiners do not)."""
    quorum: int
    cohorts: tuple[CohortMinutes, ...]
    examiners: tuple[Minute, ...]
    """The external examiners' comments and sign-offs, oldest first."""
    ledger_entries: int
    ledger_break: ledger.Break | None

    @property
    def quorate(self) -> bool:
        return self.present >= self.quorum

    @property
    def title(self) -> str:
        return f"{self.kind} meeting, {date_format(self.date, 'j F Y')}"

    @property
    def quorum_sentence(self) -> str:
        members = f"{self.present} member{'' if self.present == 1 else 's'}"
        verdict = "quorate" if self.quorate else "not quorate"
        return (
            f"The meeting was {verdict}: {members} attending of the {self.quorum} required "
            "(external examiners are not counted)."
        )

    @property
    def ledger_sentence(self) -> str:
        if self.ledger_break is not None:
            return f"The committee's ledger fails its check: {self.ledger_break}"
        entries = f"{self.ledger_entries} entr{'y' if self.ledger_entries == 1 else 'ies'}"
        return f"The committee's ledger verifies: {entries}, its hash chain intact."

    @property
    def examiner_section(self) -> Section:
        return Section(
            "External examiners' comments and sign-off",
            tuple(m.sentence for m in self.examiners),
            "None recorded.",
        )

    def filename(self, what: str) -> str:
        """E.g. ``HIST_board_2025-06-18_minutes.pdf``."""
        return f"{self.school_code}_board_{self.date:%Y-%m-%d}_{what}.pdf"


def cohort_title(cohort: Cohort) -> str:
    programme = cohort.programme
    return f"{programme.title}, {cohort.academic_session} year {cohort.programme_year} ({programme.code})"


def minute(entry: LedgerEntry, anonymous: bool, kept: ResultsFile | None = None) -> Minute:
    return Minute(
        number=entry.pk,
        kind=entry.kind,
        student=student_label(entry, anonymous),
        field=entry.field,
        from_value=entry.from_value,
        to_value=entry.to_value,
        category=Category(entry.category).label if entry.category else "",
        reason=entry.reason,
        by=person(entry.user),
        at=entry.created_at,
        results_file=f"{kept.name} (SHA-256 {kept.sha256})" if kept is not None else "",
    )


def meeting_entries(meeting: Meeting) -> list[LedgerEntry]:
    """Every ledger entry of the meeting, oldest first, with who made it and the student (one query)."""
    return list(
        LedgerEntry.objects.filter(meeting=meeting)
        .select_related("user", "enrolment__student")
        .order_by("pk")
    )


def _held_at(entries: list[LedgerEntry], ratified: LedgerEntry) -> int:
    """How many students of the entry's cohort were held back when it was ratified."""
    held: dict[int | None, bool] = {}
    for entry in entries:
        if entry.pk >= ratified.pk:
            break
        if entry.cohort_id == ratified.cohort_id and entry.kind in (Kind.HOLD, Kind.RELEASE):
            held[entry.enrolment_id] = entry.kind == Kind.HOLD
    return sum(held.values())


def _cohort_minutes(
    meeting: Meeting,
    cohort: Cohort,
    on_agenda: bool,
    review: Review | None,
    entries: list[LedgerEntry],
    files: dict[int, ResultsFile],
    agreed: dict[int, int],
    sees_drafts: bool,
) -> CohortMinutes:
    anonymous = meeting.committee.anonymous
    own = [entry for entry in entries if entry.cohort_id == cohort.pk]
    withheld = 0
    if not sees_drafts and (review is None or review.state == Review.State.DRAFT):
        withheld, own = len(own), []

    def of(*kinds: str) -> tuple[Minute, ...]:
        return tuple(minute(entry, anonymous, files.get(entry.pk)) for entry in own if entry.kind in kinds)

    provisional = next((minute(e, anonymous) for e in reversed(own) if e.kind == Kind.PROVISIONAL), None)
    ratified = next((e for e in reversed(own) if e.kind == Kind.RATIFIED), None)
    ratification = None
    if ratified is not None:
        results = agreed.get(review.pk, 0) if review is not None else 0
        ratification = Ratification(
            person(ratified.user), ratified.created_at, results, _held_at(entries, ratified)
        )
    published = next((e for e in reversed(own) if e.kind == Kind.PUBLISHED), None)
    publication = None
    if published is not None and published.pk in files:
        kept = files[published.pk]
        publication = Publication(
            person(published.user), published.created_at, kept.name, kept.sha256, kept.rows
        )
    state = review.get_state_display() if review is not None else Review.State.DRAFT.label
    return CohortMinutes(
        cohort_id=cohort.pk,
        title=cohort_title(cohort),
        question=Stage(review.stage if review is not None else stage_for(cohort, meeting.kind)).label,
        state=state,
        on_agenda=on_agenda,
        overrides=of(Kind.OVERRIDE),
        override_reviews=of(Kind.OVERRIDE_WITHDRAWN, Kind.OVERRIDE_CONFIRMED),
        holds=of(Kind.HOLD, Kind.RELEASE),
        provisional=provisional,
        ratification=ratification,
        publication=publication,
        amendments=of(Kind.AMENDMENT),
        withheld=withheld,
    )


def minutes_for(user: AnyUser, pk: int) -> Minutes:
    """The minutes of the meeting, or 404 if the user may not see it. Ten queries whatever its size.

    A cohort whose outcomes are still a draft has its overrides and holds left out for a reader who may
    not see drafts (``boards.access.require_readable``), with a line saying so.
    """
    meeting = get_visible_or_404(user, Meeting.objects.select_related("committee__school"), pk=pk)
    committee = meeting.committee
    attendees = list(meeting.attendees.select_related("user").order_by("role", "user__username"))
    entries = meeting_entries(meeting)
    reviews = {review.cohort_id: review for review in Review.objects.filter(meeting=meeting)}
    agenda = set(meeting.cohorts.values_list("pk", flat=True))
    # A cohort decided at the meeting stays in its minutes even if it has left the agenda since.
    decided = {entry.cohort_id for entry in entries if entry.cohort_id is not None} | set(reviews)
    cohorts = Cohort.objects.filter(pk__in=agenda | decided).select_related("programme").order_by("pk")
    files = {
        kept.entry_id: kept for kept in ResultsFile.objects.filter(review__meeting=meeting).defer("content")
    }
    drafts = any(reviews.get(cohort.pk, Review()).state == Review.State.DRAFT for cohort in cohorts)
    sees_drafts = not drafts or rules.has_perm(VIEW_DRAFTS, user, committee)
    agreed = dict(
        Result.objects.filter(review__meeting=meeting)
        .values("review_id")
        .annotate(n=Count("pk", filter=Q(amendment__isnull=True)))
        .values_list("review_id", "n")
        .order_by()
    )
    return Minutes(
        meeting_id=meeting.pk,
        committee_id=committee.pk,
        committee=committee.name,
        school=committee.school.name,
        school_code=committee.school.code,
        date=meeting.date,
        kind=meeting.get_kind_display(),
        anonymous=committee.anonymous,
        attendees=tuple(Attendee(person(m.user), m.get_role_display()) for m in attendees),
        present=sum(1 for membership in attendees if membership.counts_for_quorum),
        quorum=committee.quorum,
        cohorts=tuple(
            _cohort_minutes(
                meeting,
                cohort,
                cohort.pk in agenda,
                reviews.get(cohort.pk),
                entries,
                files,
                agreed,
                sees_drafts,
            )
            for cohort in cohorts
        ),
        examiners=tuple(minute(entry, False) for entry in entries if entry.kind in EXAMINER_KINDS),
        ledger_entries=LedgerEntry.objects.filter(committee=committee).count(),
        ledger_break=ledger.verify(committee.pk),
    )
