"""The student outcome page: the headline, the "why" in words with clauses, missing marks, mark history."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from boards import services
from boards.models import Meeting, Outcome, OutcomeSet
from boards.recalculation import calculate
from boards.views.outcomes import headline, missing_marks, options
from regulations import rulesets
from regulations.cases import run_case
from students.imports import jobs
from students.models import Enrolment, ImportBatch, Mark, Module

Board = Callable[..., Meeting]


def text(response: object) -> str:
    """The page's visible text, tags dropped and whitespace collapsed."""
    body = response.content.decode()  # type: ignore[attr-defined]
    body = re.sub(r"<(script|style|title|desc)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def calculated(meeting: Meeting) -> OutcomeSet:
    cohort = meeting.cohorts.get()
    outcome_set = calculate(
        OutcomeSet.objects.create(cohort=cohort, stage="award", trigger="marks import #3").pk
    )
    assert outcome_set is not None
    return outcome_set


def url(meeting: Meeting, enrolment_id: int) -> str:
    return reverse("boards:outcome", args=[meeting.pk, meeting.cohorts.get().pk, enrolment_id])


def forms(response: object) -> list[str]:
    return re.findall(r"<form\b[^>]*>", response.content.decode())  # type: ignore[attr-defined]


@pytest.fixture
def board(make_board: Board, secretary: User) -> tuple[Meeting, OutcomeSet]:
    """Five students, one with a mark missing, calculated and made provisional: the whole committee reads."""
    meeting = make_board(students=5, incomplete=1)
    outcome_set = calculated(meeting)
    services.make_provisional(meeting=meeting, cohort=meeting.cohorts.get(), user=secretary)
    return meeting, outcome_set


def test_a_classified_student_sees_the_class_and_each_step_with_its_clauses(
    client: Client, chair: User, board: tuple[Meeting, OutcomeSet]
) -> None:
    meeting, outcome_set = board
    outcome = outcome_set.outcomes.select_related("enrolment__student").filter(incomplete=False).first()
    assert outcome is not None and outcome.klass
    student = outcome.enrolment.student
    client.force_login(chair)

    page = text(client.get(url(meeting, outcome.enrolment_id)))

    assert (
        f"Outcome Class: {outcome.klass}, Bachelor (Honours) The committee's decision "
        "Outcomes at this meeting: Provisional. No override: the computed outcome stands."
    ) in page
    assert " Why: the calculation step by step Module marks " in page
    assert f"Student ID {student.student_id} Name {student.given_name} {student.family_name}" in page
    assert (
        f"Rule set leeds-taught-2024 version 1, fingerprint {outcome.ruleset_fingerprint[:8]} Calculated"
        in page
    )
    assert f"because of marks import #3 (outcome set #{outcome_set.pk})" in page
    average = outcome.result["classification_average"]
    assert f"rounded to {average}; at least 40.0 required. L 10.4.5, L 9.2, L 10.4.7" in page
    assert f"Class {outcome.klass} on the average {average}. L 10.4.8, L 3.8" in page
    module = next(
        r for r in outcome.result["trace"] if r["code"] == "module-mark" and "higher_of" not in r["figures"]
    )
    assert f"Counting mark {module['figures']['counting']}; pass mark 40. Credit: passed. L 7.5.1" in page
    for heading in ("Module marks", "Credit and compensation", "Level and year averages", "Award rules"):
        assert f" {heading} " in page


def test_an_incomplete_record_shows_not_recorded_and_its_missing_marks_and_no_class(
    client: Client, member: User, board: tuple[Meeting, OutcomeSet]
) -> None:
    meeting, outcome_set = board
    outcome = outcome_set.outcomes.get(incomplete=True)
    (missing,) = outcome.result["incomplete"]
    module_code, component = missing.split("/")
    title = Module.objects.get(code=module_code).title
    client.force_login(member)

    page = text(client.get(url(meeting, outcome.enrolment_id)))

    assert (
        "Outcome Not recorded Marks are missing, so the record has no class and no decision (RULES 9.35). "
        f"A missing mark is never counted as zero. Marks not recorded Module Component Attempt "
        f"{module_code} {title} {component} 1 The committee's decision "
        "Outcomes at this meeting: Provisional. No override: the computed outcome stands. Why:" in page
    )
    assert "Class:" not in page
    assert "Award rules" not in page
    assert "awarded" not in page
    assert "Classification average" not in page


def test_missing_marks_name_module_component_and_attempt() -> None:
    result = run_case(rulesets.ROOT / "leeds-taught-2024" / "cases" / "leeds-pgt-009.json").result
    assert result is not None

    marks = missing_marks(result, {"EDUC5102": "Teaching Practice"})

    assert [(m.module, m.title, m.component, m.attempt) for m in marks] == [
        ("EDUC5102", "Teaching Practice", "presentation", 1),
        ("EDUC5105", "", "module", 1),
    ]
    assert headline(result, False) == "Not recorded"


def test_a_senate_resit_decision_lists_each_eligible_option_with_the_recommended_one() -> None:
    result = run_case(rulesets.ROOT / "senate-reg-5" / "cases" / "sr5-l4-007.json").result
    assert result is not None

    listed = [(o.letter, o.words, o.clause, o.recommended) for o in options(result)]

    assert listed == [
        ("b", "proceed carrying the failed credit", "S 5.23 L4(b)", True),
        ("c", "proceed and re-sit the failed modules", "S 5.23 L4(c)", False),
        ("d", "proceed and substitute the failed optional modules", "S 5.23 L4(d)", False),
    ]
    assert (
        headline(result, False) == "Decision: S 5.23 L4(b) proceed carrying the failed credit (recommended)"
    )


def test_a_referral_with_an_option_recommends_none() -> None:
    result = run_case(rulesets.ROOT / "senate-reg-5" / "cases" / "sr5-l5-007.json").result
    assert result is not None

    assert [(o.letter, o.recommended) for o in options(result)] == [("f", False)]
    assert headline(result, False) == "Decision: refer"


def test_the_page_shows_options_with_the_recommended_one_marked(
    client: Client, chair: User, board: tuple[Meeting, OutcomeSet]
) -> None:
    meeting, outcome_set = board
    outcome = outcome_set.outcomes.filter(incomplete=False).first()
    assert outcome is not None
    result = run_case(rulesets.ROOT / "senate-reg-5" / "cases" / "sr5-l4-007.json").result
    assert result is not None
    Outcome.objects.filter(pk=outcome.pk).update(result=result, ruleset_key="senate-reg-5")
    client.force_login(chair)

    page = text(client.get(url(meeting, outcome.enrolment_id)))

    recommended = next(o for o in options(result) if o.recommended)
    assert f"Decision: {recommended.clause} {recommended.words} (recommended)" in page
    assert f"({recommended.letter}) {recommended.words.capitalize()} {recommended.clause} Recommended" in page
    assert page.count("Recommended") == 1


def test_a_problem_outcome_shows_the_problem_instead_of_an_explanation(
    client: Client, chair: User, board: tuple[Meeting, OutcomeSet]
) -> None:
    meeting, outcome_set = board
    outcome = outcome_set.outcomes.filter(incomplete=False).first()
    assert outcome is not None
    Outcome.objects.filter(pk=outcome.pk).update(
        problem="module X, level: no pass mark for level 8", result={}
    )
    client.force_login(chair)

    page = text(client.get(url(meeting, outcome.enrolment_id)))

    assert "Outcome Not judged The engine could not judge this record: module X, level: no pass mark" in page
    assert "Why:" not in page


def test_an_anonymous_committee_sees_the_candidate_number_not_the_name(
    client: Client, member: User, board: tuple[Meeting, OutcomeSet]
) -> None:
    meeting, outcome_set = board
    meeting.committee.anonymous = True
    meeting.committee.save(update_fields=["anonymous"])
    outcome = outcome_set.outcomes.select_related("enrolment__student").first()
    assert outcome is not None
    student = outcome.enrolment.student
    assert student.candidate_number
    client.force_login(member)

    response = client.get(url(meeting, outcome.enrolment_id))

    page = text(response)
    assert (
        f"Candidate {student.candidate_number} Candidate number {student.candidate_number} Programme" in page
    )
    assert student.family_name not in response.content.decode()
    assert student.student_id not in response.content.decode()


def test_the_mark_history_shows_the_earlier_value_who_and_which_import(
    client: Client, chair: User, administrator: User, board: tuple[Meeting, OutcomeSet]
) -> None:
    meeting, outcome_set = board
    outcome = outcome_set.outcomes.select_related("enrolment__student").filter(incomplete=False).first()
    assert outcome is not None
    mark = (
        Mark.objects.filter(registration__enrolment=outcome.enrolment, value__isnull=False)
        .select_related("component__occurrence__module")
        .first()
    )
    assert mark is not None
    old = mark.value
    new = 12 if old != 12 else 13
    module = mark.component.occurrence.module
    row = (
        f"student_id,module_code,academic_session,component,attempt,mark\n{outcome.enrolment.student.student_id},"
        f"{module.code},{mark.component.occurrence.academic_session},{mark.component.name},{mark.attempt},{new}\n"
    )
    batch = jobs.preview(
        jobs.start(
            school=meeting.committee.school,
            kind="marks",
            name="fix.csv",
            data=row.encode(),
            user_id=administrator.pk,
        )
    )
    batch = jobs.confirm(batch, user_id=administrator.pk)
    assert batch.status == ImportBatch.Status.COMPLETED, batch.errors
    client.force_login(chair)

    page = text(client.get(url(meeting, outcome.enrolment_id)))

    assert f"{old.normalize():f}" in page
    assert re.search(
        rf"{re.escape(mark.component.name)} {mark.attempt} {new} by ada, .*?, import #{batch.pk} "
        rf"{old.normalize():f} \(set by loader-eng, .*?, import #\d+\) → {new}, "
        rf"by ada, .*?, import #{batch.pk}",
        page,
    )


def test_the_external_examiner_reads_the_page_with_nothing_to_change(
    client: Client, external: User, board: tuple[Meeting, OutcomeSet]
) -> None:
    meeting, outcome_set = board
    client.force_login(external)

    for outcome in outcome_set.outcomes.all():
        response = client.get(url(meeting, outcome.enrolment_id))
        assert response.status_code == 200
        assert forms(response) == ['<form class="inline" method="post" action="/accounts/logout/">']
        assert response.content.decode().count("<button") == 1


@pytest.mark.parametrize("who", ["outsider", "stranger"])
def test_people_outside_the_committee_get_404(
    client: Client, who: str, request: pytest.FixtureRequest, board: tuple[Meeting, OutcomeSet]
) -> None:
    meeting, outcome_set = board
    client.force_login(request.getfixturevalue(who))

    assert client.get(url(meeting, outcome_set.outcomes.first().enrolment_id)).status_code == 404


def test_an_enrolment_not_in_the_current_set_is_404(
    client: Client, chair: User, board: tuple[Meeting, OutcomeSet]
) -> None:
    meeting, outcome_set = board
    in_set = outcome_set.outcomes.values_list("enrolment_id", flat=True)
    earlier = Enrolment.objects.exclude(pk__in=in_set).first()
    assert earlier is not None
    client.force_login(chair)

    assert client.get(url(meeting, earlier.pk)).status_code == 404
    assert client.get(url(meeting, 999_999)).status_code == 404


def test_no_current_set_is_404(client: Client, chair: User, make_board: Board) -> None:
    meeting = make_board(students=5)
    client.force_login(chair)

    assert client.get(url(meeting, Enrolment.objects.first().pk)).status_code == 404


@pytest.mark.parametrize(("students", "years"), [(5, 3), (50, 3), (5, 2)])
def test_query_count_does_not_grow_with_students_or_modules(
    client: Client, chair: User, make_board: Board, students: int, years: int
) -> None:
    """The chair on a draft, the dearest case: the session and user (2), the meeting, cohort, current and
    pending sets and the review (5), the chair's right to see a draft (2: a school administrator? an officer
    of the committee?), the outcome (1), registrations, marks and their changes (3), the overrides and the
    holds from the ledger (2), and the right to decide (1)."""
    meeting = make_board(students=students, years=years)
    outcome_set = calculated(meeting)
    outcome = outcome_set.outcomes.first()
    client.force_login(chair)
    page = url(meeting, outcome.enrolment_id)
    client.get(page)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200

    assert len(queries) == 16, "\n".join(q["sql"][:150] for q in queries.captured_queries)
