"""The broadsheet: one row per student of the current outcome set, sorted, filtered and paginated on the
server, anonymous on request (or always, for an anonymous committee), and the same rows as CSV or XLSX
with no cell a spreadsheet would run.

The generated board (``make_board(students=6, incomplete=2)``, seed 7) has these students:
2022000001 Niamh Nowak II.i 67.2; 2022000002 Jack Walker, two marks missing; 2022000003 Niamh Thompson
III 48.4; 2022000004 Ffion Hall II.i 64.6; 2022000005 George Nowak II.ii 54.7; 2022000006 Noah Thomas
II.ii 54.6.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable
from datetime import date

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import F
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from boards import services
from boards.models import AssessmentCommittee, Category, Cohort, Meeting, Outcome, OutcomeSet, Stage
from boards.recalculation import calculate
from students.models import Mark, Programme, Student
from tests.boards.conftest import import_generated
from tests.students.views.pages import visible_text

MODULES = [f"ENG{year}00{n}" for year in (1, 2, 3) for n in range(1, 7)]
HEADER = [
    "Student ID",
    "Name",
    *MODULES,
    "Year 1 average",
    "Year 2 average",
    "Year 3 average",
    "Classification average",
    "Credit passed",
    "Class",
    "Award",
    "Exit award",
    "Agreed class",
    "Agreed award",
    "Committee",
    "Flags",
]
NOWAK = [
    "2022000001",
    "Niamh Nowak",
    *["70", "80", "73", "70", "77", "69"],
    *["78", "87", "60", "72", "59", "79"],
    *["47", "70", "65", "64", "72", "69"],
    "73.2",
    "72.5",
    "64.5",
    "67.2",
    "360",
    "II.i",
    "Bachelor (Honours)",
    "",
    "II.i",
    "Bachelor (Honours)",
    "",
    "Reassessed",
]
WALKER = [
    "2022000002",
    "Jack Walker",
    *["67", "66", "71", "75", "65", "63", "72", "57", "66", "63", "71", "69"],
    "",  # ENG3001: not recorded
    "80",
    "",  # ENG3003: not recorded
    *["65", "58", "63"],
    "67.8",
    "66.3",
    "66.5",
    "",
    "320",
    "Not recorded",
    "Not recorded",
    "",
    "Not recorded",
    "Not recorded",
    "",
    "Marks not recorded",
]
TAG = re.compile(r"<[^>]+>")
CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)


def rows(response: HttpResponse) -> list[list[str]]:
    """The broadsheet's body as its cells' text, row by row."""
    page = response.content.decode()
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return [
        [html.unescape(TAG.sub("", cell)).strip() for cell in CELL.findall(row)]
        for row in body.split("<tr")[1:]
    ]


def ids(response: HttpResponse) -> list[str]:
    return [row[0] for row in rows(response)]


@pytest.fixture
def board(make_board: Callable[..., Meeting], secretary: User) -> tuple[Meeting, Cohort]:
    """The six students above, calculated and made provisional: the whole committee reads them."""
    meeting = make_board(students=6, incomplete=2)
    cohort = meeting.cohorts.get()
    calculate(OutcomeSet.objects.create(cohort=cohort, stage=Stage.AWARD, trigger="marks import #3").pk)
    services.make_provisional(meeting=meeting, cohort=cohort, user=secretary)
    return meeting, cohort


def url(board: tuple[Meeting, Cohort], tail: str = "") -> str:
    meeting, cohort = board
    return f"/boards/meetings/{meeting.pk}/cohorts/{cohort.pk}/{tail}"


@pytest.fixture
def uncalculated(committee: AssessmentCommittee) -> tuple[Meeting, Cohort]:
    """A meeting with a cohort on its agenda and nothing calculated: enough for access and the empty state."""
    programme = Programme.objects.create(
        school=committee.school,
        code="ENG-BA",
        title="English BA",
        award="bachelor-honours",
        default_ruleset="x",
    )
    cohort = Cohort.objects.create(
        committee=committee,
        programme=programme,
        academic_session="2024/25",
        programme_year=1,
        final_year=False,
        level=4,
    )
    meeting = Meeting.objects.create(
        committee=committee, date=date(2025, 6, 20), kind=Meeting.Kind.PROGRESSION
    )
    meeting.cohorts.add(cohort)
    return meeting, cohort


@pytest.mark.parametrize(
    ("persona", "status"),
    [("secretary", 200), ("member", 403), ("external", 403), ("outsider", 404), ("stranger", 404)],
)
def test_the_broadsheet_is_for_the_committee_only_and_a_draft_for_those_preparing_it(
    client: Client,
    uncalculated: tuple[Meeting, Cohort],
    persona: str,
    status: int,
    request: pytest.FixtureRequest,
) -> None:
    client.force_login(request.getfixturevalue(persona))

    assert client.get(url(uncalculated)).status_code == status


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(
    client: Client, uncalculated: tuple[Meeting, Cohort]
) -> None:
    response = client.get(url(uncalculated, "export.csv"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_without_a_current_set_the_broadsheet_says_so_and_shows_the_progress(
    client: Client, uncalculated: tuple[Meeting, Cohort], secretary: User
) -> None:
    _, cohort = uncalculated
    OutcomeSet.objects.create(
        cohort=cohort, stage=Stage.FIRST_SIT, trigger="t", status="running", total=9, done=4
    )
    client.force_login(secretary)

    response = client.get(url(uncalculated))

    text = visible_text(response)
    assert (
        "Progression (first sitting). Not yet calculated: there is no broadsheet until the first calculation "
        "is complete. The calculation is running: 4 of 9 students done. Reload this page once it is complete."
    ) in text
    assert "<table" not in response.content.decode()
    assert client.get(url(uncalculated, "export.csv")).status_code == 404


def test_one_row_per_student_with_module_marks_averages_class_and_flags_in_words(
    client: Client, board: tuple[Meeting, Cohort], member: User
) -> None:
    client.force_login(member)

    response = client.get(url(board))

    assert response.status_code == 200
    assert "ENG-BA 2024/25 year 3: Award and classification: 6 students" in visible_text(response)
    header = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', response.content.decode(), re.S)
    assert [TAG.sub("", cell).strip() for cell in header] == HEADER
    table = rows(response)
    assert [row[0] for row in table] == [f"202200000{n}" for n in range(1, 7)]
    assert table[0] == NOWAK
    assert table[1] == WALKER
    assert table[2][-1] == "Reassessed, Near a class boundary"
    assert table[3][-1] == "Failed credit"
    walker = board[1].outcome_sets.get().outcomes.get(incomplete=True).enrolment_id
    assert f'<a href="{url(board)}students/{walker}/">2022000002</a>' in response.content.decode()


def test_sorting_and_filtering_happen_on_the_server(
    client: Client, board: tuple[Meeting, Cohort], member: User
) -> None:
    client.force_login(member)

    assert ids(client.get(url(board), {"sort": "-classification_average"})) == [
        "2022000001", "2022000004", "2022000005", "2022000006", "2022000003", "2022000002"
    ]  # fmt: skip
    assert ids(client.get(url(board), {"sort": "classification_average"})) == [
        "2022000003", "2022000006", "2022000005", "2022000004", "2022000001", "2022000002"
    ]  # fmt: skip
    assert ids(client.get(url(board), {"sort": "name"})) == [
        "2022000004", "2022000005", "2022000001", "2022000006", "2022000003", "2022000002"
    ]  # fmt: skip
    assert ids(client.get(url(board), {"klass": "II.ii"})) == ["2022000005", "2022000006"]
    assert ids(client.get(url(board), {"flag": "reassessed"})) == [
        "2022000001", "2022000003", "2022000005", "2022000006"
    ]  # fmt: skip
    assert ids(client.get(url(board), {"incomplete": "true"})) == ["2022000002"]
    assert ids(client.get(url(board), {"q": "nowak"})) == ["2022000001", "2022000005"]
    assert ids(client.get(url(board), {"q": "niamh thompson"})) == ["2022000003"]
    assert ids(client.get(url(board), {"q": "C787572"})) == ["2022000004"]
    assert rows(client.get(url(board), {"q": "nobody"})) == [["No student matches these filters."]]


def test_anonymous_mode_shows_candidate_numbers_and_no_names_or_student_ids(
    client: Client, board: tuple[Meeting, Cohort], member: User
) -> None:
    client.force_login(member)
    names = ["Nowak", "Walker", "Thompson", "Hall", "Thomas", "2022000"]

    response = client.get(url(board), {"anonymous": "1", "sort": "candidate_number"})

    assert ids(response) == ["C116383", "C129950", "C445194", "C458761", "C787572", "C801139"]
    assert rows(response)[5][1:] == NOWAK[2:]
    assert [name for name in names if name in response.content.decode()] == []
    # A search by name would say whose row it is: anonymous mode searches candidate numbers only.
    assert rows(client.get(url(board), {"anonymous": "1", "q": "Nowak"})) == [
        ["No student matches these filters."]
    ]
    exported = client.get(url(board, "export.csv"), {"anonymous": "1"}).content.decode("utf-8-sig")
    assert exported.splitlines()[0].startswith("Candidate number,ENG1001,")
    assert [name for name in names if name in exported] == []

    AssessmentCommittee.objects.filter(pk=board[0].committee_id).update(anonymous=True)
    forced = client.get(url(board), {"anonymous": "0"})
    assert [name for name in names if name in forced.content.decode()] == []
    assert "This committee's broadsheets are anonymous: candidate numbers only." in visible_text(forced)


def test_exports_hold_every_filtered_row_formula_safe_as_csv_and_xlsx(
    client: Client, board: tuple[Meeting, Cohort], external: User
) -> None:
    Student.objects.filter(student_id="2022000001").update(given_name='=HYPERLINK("http://evil.example","x")')
    client.force_login(external)

    response = client.get(url(board, "export.csv"), {"sort": "-classification_average", "per_page": "25"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ENG-BA_2024-25_Y3_award_broadsheet.csv"'
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0] == HEADER
    assert [row[0] for row in table[1:]] == [
        "2022000001", "2022000004", "2022000005", "2022000006", "2022000003", "2022000002"
    ]  # fmt: skip
    assert table[1][1] == '\'=HYPERLINK("http://evil.example","x") Nowak'
    assert table[1][2:] == NOWAK[2:]
    assert table[6] == WALKER

    response = client.get(url(board, "export.xlsx"), {"klass": "II.i"})
    assert response["Content-Disposition"] == 'attachment; filename="ENG-BA_2024-25_Y3_award_broadsheet.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == HEADER
    assert [row[0] for row in values[1:]] == ["2022000001", "2022000004"]
    assert values[1][1] == '\'=HYPERLINK("http://evil.example","x") Nowak'
    assert values[1][2:5] == [70, 80, 73]
    assert values[1][-9:] == [
        67.2, 360, "II.i", "Bachelor (Honours)", None, "II.i", "Bachelor (Honours)", None, "Reassessed"
    ]  # fmt: skip
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)

    assert client.get(url(board, "export.pdf")).status_code == 404


MITIGATION = "Accepted mitigating circumstances: bereavement during the final examinations."
HOLD = "A mark is missing: the board decides at the resit meeting."


def enrolment_of(cohort: Cohort, student_id: str) -> int:
    outcome = Outcome.objects.get(
        outcome_set__cohort=cohort, outcome_set__is_current=True, enrolment__student__student_id=student_id
    )
    return outcome.enrolment_id


def override_nowak_and_hold_walker(meeting: Meeting, cohort: Cohort, secretary: User) -> None:
    services.record_override(
        meeting=meeting,
        cohort=cohort,
        enrolment_id=enrolment_of(cohort, "2022000001"),
        field="klass",
        value="I",
        category=Category.MITIGATION,
        reason=MITIGATION,
        user=secretary,
    )
    services.hold_student(
        meeting=meeting,
        cohort=cohort,
        enrolment_id=enrolment_of(cohort, "2022000002"),
        reason=HOLD,
        user=secretary,
    )


def recalculated(cohort: Cohort) -> None:
    outcome_set = services.request_recalculation(cohort=cohort, stage=Stage.AWARD, trigger="marks import #4")
    calculate(outcome_set.pk)


def test_the_agreed_columns_show_the_override_beside_the_computed_class_in_the_page_and_the_exports(
    client: Client, board: tuple[Meeting, Cohort], secretary: User, external: User
) -> None:
    meeting, cohort = board
    override_nowak_and_hold_walker(meeting, cohort, secretary)
    client.force_login(external)

    table = rows(client.get(url(board)))
    exported = list(csv.reader(io.StringIO(client.get(url(board, "export.csv")).content.decode("utf-8-sig"))))
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(url(board, "export.xlsx")).content))
    sheet = [
        ["" if v is None else str(v) for v in row] for row in workbook.active.iter_rows(values_only=True)
    ]

    nowak = [*NOWAK[:-4], "I", "Bachelor (Honours)", "Overridden", "Reassessed"]
    walker = [*WALKER[:-2], "Held", "Marks not recorded"]
    assert (table[0], table[1]) == (nowak, walker)
    assert (exported[0], exported[1], exported[2]) == (HEADER, nowak, walker)
    assert (sheet[0], sheet[1][-5:], sheet[2][-5:]) == (HEADER, nowak[-5:], walker[-5:])
    assert [row[-2] for row in table[2:]] == ["", "", "", ""]


def test_an_override_whose_student_s_marks_changed_is_flagged_for_review_on_the_broadsheet(
    client: Client, board: tuple[Meeting, Cohort], secretary: User, member: User
) -> None:
    meeting, cohort = board
    override_nowak_and_hold_walker(meeting, cohort, secretary)
    marks = Mark.objects.filter(registration__enrolment__student__student_id="2022000001", value__gte=50)
    assert marks.filter(pk=marks.order_by("pk")[0].pk).update(value=F("value") + 1) == 1
    recalculated(cohort)
    client.force_login(member)

    table = rows(client.get(url(board)))

    assert table[0][-7:-1] == [
        "II.i", "Bachelor (Honours)", "", "I", "Bachelor (Honours)", "Overridden, Needs review"
    ]  # fmt: skip


def test_after_ratification_the_agreed_columns_show_the_agreed_results_and_the_amendments_proposed(
    client: Client, board: tuple[Meeting, Cohort], secretary: User, chair: User, member: User
) -> None:
    meeting, cohort = board
    meeting.attendees.set(meeting.committee.memberships.all())
    override_nowak_and_hold_walker(meeting, cohort, secretary)
    services.ratify_cohort(meeting=meeting, cohort=cohort, user=chair)
    # Ffion Hall (II.i, 64.6) sits every exam again and gains a first: a proposed amendment, not a change.
    Mark.objects.filter(registration__enrolment__student__student_id="2022000004").update(value=95)
    recalculated(cohort)
    client.force_login(member)

    table = {row[0]: row for row in rows(client.get(url(board)))}

    assert {student: row[-7:-1] for student, row in table.items() if student != "2022000006"} == {
        "2022000001": ["II.i", "Bachelor (Honours)", "", "I", "Bachelor (Honours)", "Overridden"],
        "2022000002": ["Not recorded", "Not recorded", "", "", "", "Held"],
        "2022000003": ["III", "Bachelor (Honours)", "", "III", "Bachelor (Honours)", ""],
        "2022000004": ["I", "Bachelor (Honours)", "", "II.i", "Bachelor (Honours)", "Amendment proposed"],
        "2022000005": ["II.ii", "Bachelor (Honours)", "", "II.ii", "Bachelor (Honours)", ""],
    }


@pytest.mark.usefixtures("superuser")  # imports both cohorts (import_generated's uploader)
def test_broadsheet_and_export_queries_do_not_grow_with_students(
    client: Client,
    make_board: Callable[..., Meeting],
    committee: AssessmentCommittee,
    member: User,
    secretary: User,
) -> None:
    meeting = make_board(students=5, incomplete=1)
    cohort = meeting.cohorts.get()
    calculate(OutcomeSet.objects.create(cohort=cohort, stage=Stage.AWARD, trigger="first").pk)
    services.make_provisional(meeting=meeting, cohort=cohort, user=secretary)
    override_nowak_and_hold_walker(meeting, cohort, secretary)
    client.force_login(member)
    base = f"/boards/meetings/{meeting.pk}/cohorts/{cohort.pk}/"
    pages = [
        base,
        f"{base}?per_page=all&sort=-classification_average",
        f"{base}export.csv",
        f"{base}export.xlsx",
    ]

    def queries() -> list[int]:
        counts = []
        for page in pages:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(page).status_code == 200
            counts.append(len(captured))
        return counts

    few = queries()
    import_generated(committee.school, students=50, years=3, ruleset="leeds-taught-2024", incomplete=5)
    calculate(OutcomeSet.objects.create(cohort=cohort, stage=Stage.AWARD, trigger="again").pk)

    assert queries() == few
    assert len(rows(client.get(base))) == 50
    second = client.get(base, {"per_page": "25", "page": "2"})
    assert ids(second) == [f"20220000{n}" for n in range(26, 51)]
    assert "Pages of the broadsheet" in second.content.decode()
