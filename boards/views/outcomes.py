"""A student's outcome at a meeting: "why this class / this decision", with the mark history behind it.

Read-only for every role: the page shows the current set's outcome in one line (a class, a decision, or
"Not recorded" with the missing marks), every eligible progression option, and the engine's trace in words
(``boards.explain``), never recomputing a figure. A constant number of queries, however many modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from boards import explain
from boards.models import Outcome
from boards.selectors import CohortAtMeeting, cohort_at_meeting
from boards.words import OPTIONS_L4, OPTIONS_L56, SENTENCES
from students.models import Registration
from students.selectors import student_marks_with_history


@dataclass(frozen=True)
class OutcomePage:
    at: CohortAtMeeting
    outcome: Outcome
    registrations: list[Registration]
    """The registrations the record was built from, each with its marks and their changes."""


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
    return OutcomePage(at, outcome, list(record_registrations(outcome)))


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


@require_safe
def outcome(request: HttpRequest, meeting: int, cohort: int, enrolment: int) -> HttpResponse:
    page = outcome_page(cohort_at_meeting(request.user, meeting, cohort), enrolment)
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
    }
    return render(request, "boards/outcome.html", context)
