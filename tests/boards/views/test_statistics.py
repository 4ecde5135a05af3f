"""The module statistics page: first-attempt distributions, figures beside last session's, scaling flags."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from boards import services
from boards.models import Cohort, Meeting, Outcome, OutcomeSet
from boards.recalculation import calculate
from boards.selectors import enrolment_ids
from students.models import Module
from tests.boards.test_statistics import engine_result
from tests.boards.views.test_outcome import forms, text

Board = Callable[..., Meeting]
Marks = dict[str, list[Any]]

THIS_YEAR: list[Marks] = [
    {"ENG3001": [38, 52], "ENG3002": [30]},
    {"ENG3001": [45], "ENG3002": [35]},
    {"ENG3001": [60], "ENG3002": [50]},
    {"ENG3001": [72], "ENG3002": [55]},
    {"ENG3001": ["ABS", 40], "ENG3002": [65]},
]
LAST_YEAR: list[Marks] = [
    {"ENG3001": [40], "ENG3002": [55]},
    {"ENG3001": [50], "ENG3002": [60]},
    {"ENG3001": [60], "ENG3002": [65]},
    {"ENG3002": [70]},
]


def current_set(cohort: Cohort, records: list[Marks]) -> OutcomeSet:
    """A complete, current set whose outcomes carry the real engine's results for ``records``."""
    outcome_set = OutcomeSet.objects.create(
        cohort=cohort, stage="award", status=OutcomeSet.Status.COMPLETE, is_current=True, trigger="test"
    )
    for enrolment_id, marks in zip(enrolment_ids(cohort), records, strict=False):
        Outcome.objects.create(
            outcome_set=outcome_set,
            enrolment_id=enrolment_id,
            result=engine_result(marks),
            ruleset_key="leeds-taught-2024",
            ruleset_version="1",
        )
    return outcome_set


def last_year(cohort: Cohort) -> Cohort:
    return Cohort.objects.create(
        committee=cohort.committee,
        programme=cohort.programme,
        academic_session="2023/24",
        programme_year=cohort.programme_year,
        final_year=True,
        level=cohort.level,
    )


def url(meeting: Meeting) -> str:
    return reverse("boards:statistics", args=[meeting.pk, meeting.cohorts.get().pk])


@pytest.fixture
def meeting(make_board: Board, secretary: User) -> Meeting:
    """This year's set beside last year's, made provisional: the whole committee reads the figures."""
    meeting = make_board(students=5)
    cohort = meeting.cohorts.get()
    current_set(cohort, THIS_YEAR)
    previous = last_year(cohort)
    outcome_set = current_set(previous, [])
    for enrolment_id, marks in zip(enrolment_ids(cohort), LAST_YEAR, strict=False):
        Outcome.objects.create(
            outcome_set=outcome_set,
            enrolment_id=enrolment_id,
            result=engine_result(marks),
            ruleset_key="leeds-taught-2024",
        )
    services.make_provisional(meeting=meeting, cohort=cohort, user=secretary)
    return meeting


def test_each_module_shows_its_figures_beside_last_sessions(
    client: Client, member: User, meeting: Meeting
) -> None:
    client.force_login(member)

    page = text(client.get(url(meeting)))

    assert (
        "Figures, ENG3001 Figure 2024/25 2023/24 Marks 4 3 Mean 53.8 50.0 Median 52.5 50.0 "
        "Standard deviation 13.2 8.2 Pass rate 75.0% 100.0% Not counted as marks ABS: 1 none" in page
    )
    assert (
        "Figures, ENG3002 Figure 2024/25 2023/24 Marks 5 4 Mean 47.0 62.5 Median 50.0 62.5 "
        "Standard deviation 12.9 5.6 Pass rate 60.0% 100.0% Not counted as marks none none" in page
    )
    # Only the modules in the results: the cohort's other year-3 modules have no marks in this set.
    assert re.findall(r"Figures, (\w+) ", page) == ["ENG3001", "ENG3002"]


def test_the_histogram_data_table_holds_every_band(client: Client, member: User, meeting: Meeting) -> None:
    client.force_login(member)

    page = text(client.get(url(meeting)))

    assert (
        "Marks per band, ENG3001 Marks 2024/25 2023/24 0-9 0 0 10-19 0 0 20-29 0 0 30-39 1 0 40-49 1 1 "
        "50-59 0 1 60-69 1 1 70-79 1 0 80-89 0 0 90-100 0 0" in page
    )


def test_the_chart_is_an_svg_with_a_title_and_description(
    client: Client, member: User, meeting: Meeting
) -> None:
    client.force_login(member)

    body = client.get(url(meeting)).content.decode()

    assert (
        '<svg viewBox="0 0 300 126" width="360" height="151" role="img" '
        'aria-labelledby="chart-ENG3001-title chart-ENG3001-desc">' in body
    )
    assert '<title id="chart-ENG3001-title">First-attempt marks of ENG3001, 2024/25</title>' in body
    assert (
        '<desc id="chart-ENG3001-desc">Marks per band of ten, 2024/25: 0-9: 0; 10-19: 0; 20-29: 0; 30-39: 1; '
        "40-49: 1; 50-59: 0; 60-69: 1; 70-79: 1; 80-89: 0; 90-100: 0. Outlined, 2023/24: 0-9: 0; 10-19: 0; "
        "20-29: 0; 30-39: 0; 40-49: 1; 50-59: 1; 60-69: 1; 70-79: 0; 80-89: 0; 90-100: 0.</desc>" in body
    )
    # The tallest band (one mark) is the full 100 units high; the scale is shared with last session's.
    assert body.count('class="stat-bar"/>') == 20
    assert '<rect x="93" y="10" width="24" height="100" class="stat-bar"/>' in body


def test_modules_that_may_need_scaling_are_flagged_as_a_board_aid(
    client: Client, member: User, meeting: Meeting
) -> None:
    client.force_login(member)

    page = text(client.get(url(meeting)))

    title = Module.objects.get(code="ENG3002").title
    assert (
        f"ENG3002 {title} level 6, pass mark 40 May need scaling (a board aid): Mean 47.0 differs from last "
        "session's 62.5 by more than 5 marks. Pass rate 60.0% is below 70%." in page
    )
    assert page.count("May need scaling (a board aid)") == 1
    assert "This is an aid for the board's discussion, not a decision" in page


def test_without_last_sessions_set_the_page_says_there_are_no_figures(
    client: Client, chair: User, make_board: Board
) -> None:
    meeting = make_board(students=5)
    current_set(meeting.cohorts.get(), THIS_YEAR)
    client.force_login(chair)

    page = text(client.get(url(meeting)))

    assert "No figures for 2023/24 : this committee has no calculated cohort" in page
    assert "Marks 4 No figures for 2023/24 Mean 53.8 —" in page
    assert "differs from last session" not in page


def test_before_any_calculation_the_page_says_so(client: Client, chair: User, make_board: Board) -> None:
    meeting = make_board(students=5)
    client.force_login(chair)

    response = client.get(url(meeting))

    assert response.status_code == 200
    assert "No outcomes have been calculated for this cohort yet." in text(response)


def test_the_external_examiner_reads_the_page_with_nothing_to_change(
    client: Client, external: User, meeting: Meeting
) -> None:
    client.force_login(external)

    response = client.get(url(meeting))

    assert response.status_code == 200
    assert forms(response) == ['<form class="inline" method="post" action="/accounts/logout/">']
    assert response.content.decode().count("<button") == 1


@pytest.mark.parametrize("who", ["outsider", "stranger"])
def test_people_outside_the_committee_get_404(
    client: Client, who: str, request: pytest.FixtureRequest, meeting: Meeting
) -> None:
    client.force_login(request.getfixturevalue(who))

    assert client.get(url(meeting)).status_code == 404


@pytest.mark.parametrize("students", [5, 50])
def test_query_count_does_not_grow_with_students(
    client: Client, chair: User, make_board: Board, students: int
) -> None:
    """The chair on a draft: besides the figures' own queries, the cohort's review and the chair's right
    to see a draft (a school administrator? an officer of the committee?)."""
    meeting = make_board(students=students)
    cohort = meeting.cohorts.get()
    outcome_set = calculate(OutcomeSet.objects.create(cohort=cohort, stage="award", trigger="test").pk)
    assert outcome_set is not None
    previous = current_set(last_year(cohort), [])
    Outcome.objects.bulk_create(
        Outcome(outcome_set=previous, enrolment_id=o.enrolment_id, result=o.result, ruleset_key=o.ruleset_key)
        for o in outcome_set.outcomes.all()
    )
    client.force_login(chair)
    page = url(meeting)
    client.get(page)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(page)

    assert response.status_code == 200
    assert text(response).count("Figures, ENG") == 6
    assert len(queries) == 13, "\n".join(q["sql"][:150] for q in queries.captured_queries)
