"""A student's outcome at a meeting: "why this class / this decision", with the mark history behind it,
and what the committee decided of it.

The page shows the current set's outcome in one line (a class, a decision, or "Not recorded" with the
missing marks), every eligible progression option, and the engine's trace in words (``boards.explain``),
never recomputing a figure. Beside the computed value: the override in force (flagged "Needs review" when
the outcome moved under it), the hold, the review's state and, after ratification, the agreed result and
any proposed amendment. The forms of ``boards.views.decisions`` are shown only to those who may use them;
everyone else reads. A draft is a 403 for those who may not see drafts. A constant number of queries,
however many students and modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import rules
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from boards import explain
from boards.decisions import FIELDS, StandingOverride, computed
from boards.models import Field, LedgerEntry, Outcome, Result
from boards.permissions import AMEND, OVERRIDE
from boards.selectors import CohortAtMeeting, Decided, decided, readable_cohort
from boards.tables import value_words
from boards.views.decisions import OverrideForm, ReasonForm, StandingForm, override_fields
from boards.words import OPTIONS_L4, OPTIONS_L56, SENTENCES
from students.models import Registration
from students.permissions import AnyUser
from students.selectors import student_marks_with_history


@dataclass(frozen=True)
class OutcomePage:
    at: CohortAtMeeting
    outcome: Outcome
    registrations: list[Registration]
    """The registrations the record was built from, each with its marks and their changes."""
    decided: Decided
    """The committee's overrides, hold and agreed result for this student."""


def outcome_page(at: CohortAtMeeting, enrolment_id: int) -> OutcomePage:
    """The enrolment's outcome in the current set, or 404 when it is not in it (or nothing is current)."""
    if at.current is None:
        raise Http404("No outcomes have been calculated for this cohort yet.")
    outcome = (
        Outcome.objects.select_related("enrolment__student", "enrolment__entry_cohort__programme")
        .filter(outcome_set=at.current, enrolment_id=enrolment_id)
        .first()
    )
    if outcome is None:
        raise Http404("This student is not in the cohort's current outcomes.")
    return OutcomePage(at, outcome, list(record_registrations(outcome)), decided(at, outcome))


def record_registrations(outcome: Outcome) -> QuerySet[Registration]:
    """The registrations ``regulations.adapters`` reads for this enrolment: the same entry cohort, up to
    and including its session (three queries, with marks and their history)."""
    enrolment = outcome.enrolment
    return student_marks_with_history(enrolment.student).filter(
        enrolment__entry_cohort_id=enrolment.entry_cohort_id,
        enrolment__academic_session__lte=enrolment.academic_session,
    )


@dataclass(frozen=True)
class MissingMark:
    module: str
    title: str
    component: str
    attempt: int


@dataclass(frozen=True)
class Option:
    letter: str
    words: str
    clause: str
    recommended: bool


def headline(result: Mapping[str, Any], incomplete: bool) -> str:
    """The outcome in one line: a class and award, a decision, or "Not recorded" (never a class then)."""
    if incomplete or result.get("incomplete"):
        return "Not recorded"
    titles = explain.award_titles(result)
    if "class" in result:
        award = result.get("award") or result.get("exit_award")
        if not award:
            return "No award"
        name = titles.get(award, award)
        prefix = "" if result.get("award") else "Exit award: "
        if result.get("class"):
            return f"Class: {result['class']}, {prefix}{name}"
        return f"Award: {prefix}{name}"
    decision = result.get("decision") or ""
    if decision in SENTENCES:
        return f"Decision: {decision}"
    words = _option_words(result).get(decision)
    return f"Decision: {words[1]} {words[0]} (recommended)" if words else f"Decision: {decision}"


def decision_note(result: Mapping[str, Any]) -> str:
    """A Leeds decision in a few more words than its code, when there are more to say."""
    decision = result.get("decision") or ""
    words = SENTENCES.get(decision, "")
    return "" if words == decision else words


def _option_words(result: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    level = next(
        (
            reason.get("figures", {}).get("level")
            for reason in result.get("trace", [])
            if reason.get("code") == "progression"
        ),
        None,
    )
    return OPTIONS_L4 if level == 4 else OPTIONS_L56


def options(result: Mapping[str, Any]) -> tuple[Option, ...]:
    """Every eligible progression option (S 5.23), the recommended one marked (RULES 9.28)."""
    words = _option_words(result)
    decision = result.get("decision")
    return tuple(
        Option(letter, words_, clause, letter == decision)
        for letter in result.get("options") or ()
        for words_, clause in [words.get(letter, (letter, "S 5.23"))]
    )


def missing_marks(
    result: Mapping[str, Any], modules: Mapping[str, str] | None = None
) -> tuple[MissingMark, ...]:
    """Each mark the record lacks (module, component, attempt), from ``incomplete`` and the trace (9.35)."""
    attempts: dict[str, int] = {}
    for reason in result.get("trace", []):
        if reason.get("code") != "module-missing":
            continue
        steps = reason.get("figures", {}).get("attempts", [])
        waiting = [s for s in steps if s.get("incomplete")]
        if waiting:
            attempts[reason.get("subject", "")] = int(waiting[-1].get("attempt", 1))
        elif steps:
            attempts[reason.get("subject", "")] = int(steps[-1].get("attempt", 0)) + 1
    out = []
    for item in result.get("incomplete") or ():
        module, _, component = str(item).partition("/")
        out.append(MissingMark(module, (modules or {}).get(module, ""), component, attempts.get(module, 1)))
    return tuple(out)


@dataclass(frozen=True)
class ShownOverride:
    """An override in force as the page shows it, with the forms that end or confirm it."""

    field: str
    label: str
    value: str
    computed: str
    standing: StandingOverride
    needs_review: bool
    """Flagged, and still open to review (before ratification)."""
    withdraw: StandingForm | None
    confirm: StandingForm | None


@dataclass(frozen=True)
class Decision:
    """What the committee decided of the student, and the forms the user may use (None: not theirs)."""

    overrides: list[ShownOverride]
    held: LedgerEntry | None
    result: Result | None
    agreed: list[tuple[str, str, str]]
    """(field, agreed, computed at ratification) in words, for the stage's fields."""
    proposal: list[tuple[str, str, str]]
    """(field, agreed, current) in words of each field a proposed amendment would change."""
    override_form: OverrideForm | None = None
    hold_form: ReasonForm | None = None
    release_form: ReasonForm | None = None
    amend_form: OverrideForm | None = None
    approve_form: ReasonForm | None = None


def decision(user: AnyUser, page: OutcomePage) -> Decision:
    """The decision section of the page; each permission is asked only where its forms could show."""
    at, outcome, done = page.at, page.outcome, page.decided
    committee, locked, pk = at.meeting.committee, at.review.locked, outcome.enrolment_id
    held = done.held.get(pk)
    may_override = (not locked or held is not None) and rules.has_perm(OVERRIDE, user, committee)
    may_amend = locked and rules.has_perm(AMEND, user, committee)
    changing = may_override and not locked
    standing_of = done.standing.get(pk, {})
    overrides = [
        ShownOverride(
            field,
            Field(field).label,
            value_words(field, standing.value),
            value_words(field, computed(outcome, field)),
            standing,
            standing.needs_review and not locked,
            StandingForm(initial={"field": field}, auto_id=f"withdraw-{field}-%s") if changing else None,
            StandingForm(initial={"field": field}, auto_id=f"confirm-{field}-%s")
            if changing and standing.needs_review
            else None,
        )
        for field in FIELDS
        if (standing := standing_of.get(field)) is not None
    ]
    result = done.results.get(pk)
    fields = override_fields(at.stage)
    agreed = (
        [
            (
                Field(f).label,
                value_words(f, getattr(result, f)),
                value_words(f, getattr(result, f"computed_{f}")),
            )
            for f in fields
        ]
        if result is not None
        else []
    )
    proposed = done.proposal(outcome) if locked else None
    changes = (
        [(Field(f).label, value_words(f, old), value_words(f, new)) for f, old, new in proposed.changes]
        if proposed
        else []
    )
    return Decision(
        overrides,
        held,
        result,
        agreed,
        changes,
        override_form=OverrideForm(stage=at.stage, auto_id="override-%s") if changing else None,
        hold_form=ReasonForm(auto_id="hold-%s") if changing and held is None else None,
        release_form=ReasonForm(auto_id="release-%s") if may_override and held is not None else None,
        amend_form=OverrideForm(stage=at.stage, auto_id="amend-%s") if may_amend and result else None,
        approve_form=ReasonForm(auto_id="approve-%s") if may_amend and proposed else None,
    )


@require_safe
def outcome(request: HttpRequest, meeting: int, cohort: int, enrolment: int) -> HttpResponse:
    page = outcome_page(readable_cohort(request.user, meeting, cohort), enrolment)
    result = page.outcome.result or {}
    modules = {r.occurrence.module.code: r.occurrence.module.title for r in page.registrations}
    context = {
        "at": page.at,
        "committee": page.at.meeting.committee,
        "outcome": page.outcome,
        "student": page.outcome.enrolment.student,
        "enrolment": page.outcome.enrolment,
        "anonymous": page.at.meeting.committee.anonymous,
        "registrations": page.registrations,
        "headline": "" if page.outcome.problem else headline(result, page.outcome.incomplete),
        "missing": missing_marks(result, modules),
        "groups": () if page.outcome.problem else explain.explain(result, modules),
        "options": options(result),
        "decision_note": decision_note(result),
        "decision": decision(request.user, page),
    }
    return render(request, "boards/outcome.html", context)
