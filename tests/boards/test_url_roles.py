"""The access policy as one table: every URL the site answers, each role's exact status for each method.

The routes come from the URL resolver, so a URL added without a row fails ``test_every_url_has_a_row``.
The rows are written from the rules, not from the views: records pages are for the school's administrators
and superusers; a committee's pages are for superusers, its school's administrators and its members
(external examiners included), and its actions for those who run it (superusers, administrators, chair,
secretary). Anyone else gets a 404, so another school's or committee's business is not revealed; a viewer
who may not act gets a 403; a read answers only GET (405), an action only POST (405); a visitor who is
not signed in is sent to sign in. The admin site keeps Django's own rule, checked on a sample of its pages.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from boards import services
from boards.models import (
    AssessmentCommittee,
    Cohort,
    LedgerEntry,
    Meeting,
    Outcome,
    OutcomeSet,
    Result,
    ResultsFile,
    Review,
    Stage,
)
from boards.recalculation import calculate
from students.casefiles import load_case
from students.models import Enrolment, ImportBatch, School

# Each signed-in role's persona fixture: ada administers the committee's school, otto the other school;
# stranger chairs the other school's committee.
PERSONAS = {
    "outsider": "outsider",
    "ada": "administrator",
    "otto": "other_administrator",
    "chair": "chair",
    "secretary": "secretary",
    "member": "member",
    "external": "external",
    "stranger": "stranger",
    "superuser": "superuser",
}
ROLES = ("anonymous", *PERSONAS)
SCHOOL_STAFF = ("ada", "superuser")
OTHER_SCHOOL_STAFF = ("otto", "superuser")
VIEWERS = ("ada", "chair", "secretary", "member", "external", "superuser")
OTHER_VIEWERS = ("otto", "stranger", "superuser")
RUNNERS = ("ada", "chair", "secretary", "superuser")
READERS = ("member", "external")
OFFICERS = ("chair", "secretary")


def but(who: Iterable[str], among: Iterable[str] = VIEWERS) -> tuple[str, ...]:
    """The roles of ``among`` not in ``who``: those who see the committee's pages but may not act."""
    return tuple(role for role in among if role not in who)


@dataclass(frozen=True)
class Redirect:
    """A 302 to ``path`` (the query string, e.g. ``?next=``, is not compared)."""

    path: str

    def __str__(self) -> str:
        return f"302 to {self.path}"


Expected = int | Redirect
SIGN_IN = Redirect("/accounts/login/")
ADMIN_SIGN_IN = Redirect("/admin/login/")
ADMIN_INDEX = Redirect("/admin/")


def by_role(who: Iterable[str], status: Expected, *, otherwise: Expected) -> dict[str, Expected]:
    """``status`` for the roles ``who``, ``otherwise`` for every other signed-in role; the anonymous
    visitor is sent to sign in."""
    answers: dict[str, Expected] = dict.fromkeys(ROLES, otherwise)
    answers.update(dict.fromkeys(who, status))
    answers["anonymous"] = SIGN_IN
    return answers


def everyone(status: Expected) -> dict[str, Expected]:
    return by_role((), status, otherwise=status)


Statuses = dict[str, dict[str, Expected]]


def read(who: Iterable[str], *, other_methods: tuple[str, ...] = ("POST",)) -> Statuses:
    """A page: ``who`` read it, every other signed-in role gets a 404, and it answers nothing but GET."""
    return {"GET": by_role(who, 200, otherwise=404)} | {method: everyone(405) for method in other_methods}


def act(
    who: Iterable[str], *, readers: Iterable[str] = (), other_methods: tuple[str, ...] = ("GET",)
) -> Statuses:
    """An action: ``who`` are redirected after it, ``readers`` (who may see but not act) get a 403, every
    other signed-in role a 404; it answers nothing but POST."""
    post = by_role(who, 302, otherwise=404) | dict.fromkeys(readers, 403)
    return {"POST": post} | {method: everyone(405) for method in other_methods}


NOWHERE = read(())  # a URL naming something that is not there, or not where the URL says
# A draft cohort's outcomes: those preparing the board read them; members and external examiners get a 403.
DRAFT = {"GET": by_role(RUNNERS, 200, otherwise=404) | dict.fromkeys(READERS, 403), "POST": everyone(405)}


def decide(who: Iterable[str]) -> Statuses:
    """A committee's decision: ``who`` take it, everyone else who sees the committee gets a 403."""
    return act(who, readers=but(who))


@dataclass(frozen=True)
class World:
    """The records every row's URL is built from."""

    school: School
    other_school: School
    committee: AssessmentCommittee
    meeting: Meeting
    """The award board, with the cohort's outcomes provisional."""
    draft_meeting: Meeting
    """A later meeting of the same cohort whose outcomes are still a draft."""
    published_meeting: Meeting
    """An earlier meeting where the cohort's results were ratified and published."""
    results_file: ResultsFile
    other_meeting: Meeting
    cohort: Cohort
    off_agenda: Cohort
    enrolment: Enrolment
    other_enrolment: Enrolment
    batch: ImportBatch


Kwargs = Callable[[World], dict[str, object]]
Lookup = Callable[[World], str]


@dataclass(frozen=True)
class Row:
    route: str
    kwargs: Kwargs
    statuses: Statuses
    variant: str = ""

    def __post_init__(self) -> None:
        assert all(set(answers) == set(ROLES) for answers in self.statuses.values()), self.route

    def __str__(self) -> str:
        return f"{self.route} ({self.variant})" if self.variant else self.route


def none(w: World) -> dict[str, object]:
    return {}


def on_agenda(w: World) -> dict[str, object]:
    return {"meeting": w.meeting.pk, "cohort": w.cohort.pk}


def off_agenda(w: World) -> dict[str, object]:
    return {"meeting": w.meeting.pk, "cohort": w.off_agenda.pk}


def at_draft(w: World) -> dict[str, object]:
    return {"meeting": w.draft_meeting.pk, "cohort": w.cohort.pk}


def student(w: World) -> dict[str, object]:
    return {**on_agenda(w), "enrolment": w.enrolment.pk}


def stranger_student(w: World) -> dict[str, object]:
    return {**on_agenda(w), "enrolment": w.other_enrolment.pk}


def export(file_format: str) -> Kwargs:
    return lambda w: {**on_agenda(w), "format": file_format}


def marks(file_format: str) -> Kwargs:
    return lambda w: {"school_code": w.school.code, "file_format": file_format}


def records(route: str, key: str, ours: Lookup, theirs: Lookup, missing: str) -> list[Row]:
    """A records page of the committee's school, of the other school, and of a record that is not there."""
    return [
        Row(route, lambda w: {key: ours(w)}, read(SCHOOL_STAFF), "ours"),
        Row(route, lambda w: {key: theirs(w)}, read(OTHER_SCHOOL_STAFF), "theirs"),
        Row(route, lambda w: {key: missing}, NOWHERE, "missing"),
    ]


# The site's own pages and the students app's.
RECORDS_ROWS = [
    Row("home", none, read(ROLES)),
    # Open to all; a POST without credentials shows the form again.
    Row("login", none, {"GET": dict.fromkeys(ROLES, 200), "POST": dict.fromkeys(ROLES, 200)}),
    Row("logout", none, {"GET": everyone(405), "POST": everyone(SIGN_IN)}),
    *records("students:school", "code", lambda w: w.school.code, lambda w: w.other_school.code, "NOPE"),
    *records(
        "students:school_students", "code", lambda w: w.school.code, lambda w: w.other_school.code, "NOPE"
    ),
    *records(
        "students:student",
        "student_id",
        lambda w: w.enrolment.student.student_id,
        lambda w: w.other_enrolment.student.student_id,
        "NOBODY",
    ),
    Row("students:imports:batch", lambda w: {"pk": w.batch.pk}, read(SCHOOL_STAFF)),
    Row("students:imports:progress", lambda w: {"pk": w.batch.pk}, read(SCHOOL_STAFF)),
    Row("students:imports:confirm", lambda w: {"pk": w.batch.pk}, act(SCHOOL_STAFF)),
    Row("students:imports:export_marks", marks("csv"), read(SCHOOL_STAFF), "csv"),
    Row("students:imports:export_marks", marks("xlsx"), read(SCHOOL_STAFF), "xlsx"),
    Row(
        "students:imports:upload",
        lambda w: {"school_code": w.school.code, "kind": "marks"},
        # A POST without a file is sent back to the form with a message.
        {
            "GET": by_role(SCHOOL_STAFF, 200, otherwise=404),
            "POST": by_role(SCHOOL_STAFF, 302, otherwise=404),
            "PUT": everyone(405),
        },
    ),
]

BOARDS_ROWS = [
    Row("boards:home", none, read(ROLES)),
    Row("boards:committee", lambda w: {"pk": w.committee.pk}, read(VIEWERS), "ours"),
    Row("boards:committee", lambda w: {"pk": w.other_meeting.committee_id}, read(OTHER_VIEWERS), "theirs"),
    Row(
        "boards:meeting",
        lambda w: {"pk": w.meeting.pk},
        read(VIEWERS, other_methods=("POST", "PUT", "DELETE")),
    ),
    Row("boards:meeting", lambda w: {"pk": w.other_meeting.pk}, read(OTHER_VIEWERS), "theirs"),
    Row("boards:meeting_status", lambda w: {"pk": w.meeting.pk}, read(VIEWERS)),
    Row(
        "boards:recalculate_meeting",
        lambda w: {"pk": w.meeting.pk},
        act(RUNNERS, readers=READERS, other_methods=("GET", "PUT", "DELETE")),
    ),
    Row("boards:recalculate_cohort", on_agenda, act(RUNNERS, readers=READERS)),
    Row("boards:recalculate_cohort", off_agenda, act(()), "cohort not on the agenda"),
    Row("boards:broadsheet", on_agenda, read(VIEWERS, other_methods=("POST", "PUT", "DELETE"))),
    Row("boards:broadsheet", off_agenda, NOWHERE, "cohort not on the agenda"),
    Row("boards:broadsheet_export", export("csv"), read(VIEWERS), "csv"),
    Row("boards:broadsheet_export", export("xlsx"), read(VIEWERS), "xlsx"),
    Row("boards:broadsheet_export", export("pdf"), NOWHERE, "no such format"),
    Row("boards:outcome", lambda w: {**on_agenda(w), "enrolment": w.enrolment.pk}, read(VIEWERS)),
    Row(
        "boards:outcome",
        lambda w: {**on_agenda(w), "enrolment": w.other_enrolment.pk},
        NOWHERE,
        "student not in the cohort",
    ),
    Row("boards:statistics", on_agenda, read(VIEWERS)),
    Row("boards:statistics", off_agenda, NOWHERE, "cohort not on the agenda"),
    # A draft's outcomes are for those preparing the board.
    Row("boards:broadsheet", at_draft, DRAFT, "draft"),
    Row("boards:broadsheet_export", lambda w: {**at_draft(w), "format": "csv"}, DRAFT, "draft csv"),
    Row("boards:outcome", lambda w: {**at_draft(w), "enrolment": w.enrolment.pk}, DRAFT, "draft"),
    Row("boards:statistics", at_draft, DRAFT, "draft"),
    Row("boards:amendments", at_draft, DRAFT, "draft"),
    Row("boards:amendments", on_agenda, read(VIEWERS)),
    Row("boards:amendments", off_agenda, NOWHERE, "cohort not on the agenda"),
    # The committee's decisions: its officers' own, the chair's where the regulations name the chair; the
    # registry makes outcomes provisional and publishes. Nobody else, whatever else they may see.
    Row("boards:make_provisional", at_draft, decide(("chair", "secretary", "superuser"))),
    Row("boards:make_provisional", off_agenda, act(()), "cohort not on the agenda"),
    Row("boards:override", student, decide(OFFICERS)),
    Row("boards:override", stranger_student, act(()), "student not in the cohort"),
    Row("boards:withdraw_override", student, decide(OFFICERS)),
    Row("boards:confirm_override", student, decide(OFFICERS)),
    Row("boards:hold", student, decide(OFFICERS)),
    Row("boards:hold", stranger_student, act(()), "student not in the cohort"),
    Row("boards:release", student, decide(OFFICERS)),
    Row("boards:ratify", on_agenda, decide(("chair",))),
    Row("boards:ratify", off_agenda, act(()), "cohort not on the agenda"),
    Row("boards:publish", on_agenda, decide(("chair", "superuser"))),
    Row("boards:publish", off_agenda, act(()), "cohort not on the agenda"),
    Row("boards:amend", student, decide(("chair",))),
    Row("boards:amend", stranger_student, act(()), "student not in the cohort"),
    Row("boards:approve_amendment", student, decide(("chair",))),
    Row(
        "boards:results_file",
        lambda w: {"meeting": w.published_meeting.pk, "cohort": w.cohort.pk, "file": w.results_file.pk},
        read(VIEWERS),
    ),
    Row(
        "boards:results_file",
        lambda w: {"meeting": w.meeting.pk, "cohort": w.cohort.pk, "file": w.results_file.pk},
        NOWHERE,
        "another meeting's file",
    ),
    # An external examiner's only writes: comments and the sign-off, on their own committee's meetings.
    Row("boards:comment", lambda w: {"pk": w.meeting.pk}, decide(("external",))),
    Row("boards:comment", lambda w: {"pk": w.other_meeting.pk}, act((), readers=OTHER_VIEWERS), "theirs"),
    Row("boards:sign_off", lambda w: {"pk": w.meeting.pk}, decide(("external",))),
    Row("boards:sign_off", lambda w: {"pk": w.other_meeting.pk}, act((), readers=OTHER_VIEWERS), "theirs"),
    # The record: anyone who sees the committee reads it.
    Row("boards:minutes", lambda w: {"pk": w.meeting.pk}, read(VIEWERS)),
    Row("boards:minutes", lambda w: {"pk": w.other_meeting.pk}, read(OTHER_VIEWERS), "theirs"),
    Row("boards:minutes_pdf", lambda w: {"pk": w.meeting.pk}, read(VIEWERS)),
    Row("boards:board_pack", lambda w: {"pk": w.published_meeting.pk}, read(VIEWERS)),
    Row("boards:board_pack", lambda w: {"pk": w.other_meeting.pk}, read(OTHER_VIEWERS), "theirs"),
    Row("boards:ledger", lambda w: {"pk": w.committee.pk}, read(VIEWERS), "ours"),
    Row("boards:ledger", lambda w: {"pk": w.other_meeting.committee_id}, read(OTHER_VIEWERS), "theirs"),
]

# The admin site: staff only (here, the superuser); a signed-in user without staff status is sent to the
# admin's own sign-in page. Every admin URL follows this one rule; these rows are a sample of its kinds of
# page. A visitor not signed in is sent to the site's sign-in page by a model's pages and to the admin's by
# the admin site's own pages, which name their sign-in page to LoginRequiredMiddleware.
ADMIN_PAGE = by_role(["superuser"], 200, otherwise=ADMIN_SIGN_IN)
ADMIN_SITE_PAGE = ADMIN_PAGE | {"anonymous": ADMIN_SIGN_IN}
ADMIN_ROWS = [
    Row("admin:index", none, {"GET": ADMIN_SITE_PAGE}),
    Row("admin:app_list", lambda w: {"app_label": "students"}, {"GET": ADMIN_SITE_PAGE}),
    Row("admin:students_school_changelist", none, {"GET": ADMIN_PAGE}),
    Row("admin:students_school_change", lambda w: {"object_id": w.school.pk}, {"GET": ADMIN_PAGE}),
    Row("admin:auth_user_changelist", none, {"GET": ADMIN_PAGE}),
    Row("admin:login", none, {"GET": everyone(200) | {"anonymous": 200, "superuser": ADMIN_INDEX}}),
    Row(
        "admin:logout",
        none,
        {
            "GET": everyone(ADMIN_INDEX) | {"anonymous": ADMIN_SIGN_IN, "superuser": 405},
            "POST": everyone(ADMIN_INDEX) | {"anonymous": ADMIN_SIGN_IN, "superuser": SIGN_IN},
        },
    ),
]
TABLE = RECORDS_ROWS + BOARDS_ROWS + ADMIN_ROWS


def routes(patterns: list[URLPattern | URLResolver], namespace: str = "", prefix: str = "") -> Iterator[str]:
    """Every route under ``patterns`` as "namespace:name"; a route without a name as its pattern."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from routes(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        else:
            yield f"{namespace}{pattern.name or f'(unnamed) {prefix}{pattern.pattern}'}"


def test_every_url_has_a_row() -> None:
    """A new URL fails here until the table says who may use it; a row for a URL that is gone fails too.

    The admin site's URLs are covered by its one rule (``ADMIN_ROWS``); a URL without a name cannot be
    built for a row, so outside the admin it shows here as "(unnamed) <pattern>" until it is named.
    """
    found = set(routes(get_resolver().url_patterns))
    covered = {row.route for row in TABLE}

    missing = sorted(route for route in found - covered if not route.startswith("admin:"))
    gone = sorted(covered - found)

    assert (missing, gone) == ([], [])
    assert len([route for route in found if route.startswith("admin:")]) > len(ADMIN_ROWS)


def load(case_id: str, school: School) -> Enrolment:
    """One of the shared cases (the Leeds rule set's) loaded into ``school``'s records."""
    cases = Path(settings.BASE_DIR) / "regulations" / "rulesets" / "leeds-taught-2024" / "cases"
    return load_case(json.loads((cases / f"{case_id}.json").read_text()), school=school)


@pytest.fixture
def world(
    school: School,
    other_school: School,
    committee: AssessmentCommittee,
    other_committee: AssessmentCommittee,
    administrator: User,
    chair: User,
    secretary: User,
) -> World:
    """A three-year Honours student of the committee's school with a computed award on a meeting's agenda,
    provisional there, a draft at a later meeting, published at an earlier one; the same programme's year 2
    as a cohort not on the agenda; a certificate student and a meeting of the other school; a previewed
    marks import."""
    enrolment = load("leeds-hons-022", school)
    other_enrolment = load("leeds-cert-002", other_school)
    programme = enrolment.entry_cohort.programme
    cohort = Cohort.objects.create(
        committee=committee,
        programme=programme,
        academic_session=enrolment.academic_session,
        programme_year=enrolment.programme_year,
        final_year=True,
        level=6,
    )
    year_two = Enrolment.objects.get(student=enrolment.student, programme_year=2).academic_session
    off = Cohort.objects.create(
        committee=committee,
        programme=programme,
        academic_session=year_two,
        programme_year=2,
        final_year=False,
        level=5,
    )
    meeting, draft, published = (
        Meeting.objects.create(committee=committee, date=date(2025, 6, day), kind=Meeting.Kind.AWARD)
        for day in (20, 27, 13)
    )
    for each in (meeting, draft, published):
        each.cohorts.add(cohort)
        each.attendees.set(committee.memberships.all())
    calculate(OutcomeSet.objects.create(cohort=cohort, stage=Stage.AWARD, trigger="test").pk)
    assert Outcome.objects.get(enrolment=enrolment).outcome_set.is_current
    services.make_provisional(meeting=published, cohort=cohort, user=secretary)
    services.ratify_cohort(meeting=published, cohort=cohort, user=chair)
    results_file = services.publish_cohort(meeting=published, cohort=cohort, user=chair)
    services.make_provisional(meeting=meeting, cohort=cohort, user=secretary)
    batch = ImportBatch.objects.create(
        school=school,
        kind=ImportBatch.Kind.MARKS,
        status=ImportBatch.Status.PREVIEWED,
        uploaded_by=administrator,
        file_name="marks.csv",
        file_sha256="0" * 64,
        preview_fingerprint="f" * 64,
    )
    return World(
        school=school,
        other_school=other_school,
        committee=committee,
        meeting=meeting,
        draft_meeting=draft,
        published_meeting=published,
        results_file=results_file,
        other_meeting=Meeting.objects.create(
            committee=other_committee, date=date(2025, 6, 21), kind=Meeting.Kind.PROGRESSION
        ),
        cohort=cohort,
        off_agenda=off,
        enrolment=enrolment,
        other_enrolment=other_enrolment,
        batch=batch,
    )


@pytest.fixture
def users(request: pytest.FixtureRequest) -> dict[str, User]:
    return {role: request.getfixturevalue(fixture) for role, fixture in PERSONAS.items()}


def written() -> tuple[object, ...]:
    """What an action can write: the outcome sets and the imports with their states, the reviews with
    theirs, the ledger, the agreed results and the results files."""
    return (
        list(OutcomeSet.objects.order_by("pk").values_list("pk", "status", "is_current")),
        list(ImportBatch.objects.order_by("pk").values_list("pk", "status")),
        Outcome.objects.count(),
        list(Review.objects.order_by("pk").values_list("pk", "state")),
        LedgerEntry.objects.count(),
        Result.objects.count(),
        ResultsFile.objects.count(),
    )


def answer(response: HttpResponse) -> str:
    """The status as the table writes it: "200", or "302 to /accounts/login/" for a redirect."""
    if response.status_code in (301, 302):
        return f"{response.status_code} to {urlsplit(response['Location']).path}"
    return str(response.status_code)


def agrees(got: str, expected: Expected) -> bool:
    """Exactly the expected answer; a bare 302 in the table is a redirect anywhere (where an action's
    user goes next is the view's choice, not the access policy's)."""
    return got == str(expected) or (expected == 302 and got.startswith("302 to "))


def refused(expected: Expected) -> bool:
    """Whether the row expects the request to be turned away (so it must change nothing)."""
    return expected in (SIGN_IN, ADMIN_SIGN_IN, 403, 404, 405)


def test_each_role_gets_exactly_the_status_its_row_says(
    world: World,
    users: dict[str, User],
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[list[Callable[[], object]]]],
) -> None:
    """Every row, every method, every role, in one pass so a failure lists every wrong cell (grouped by
    row, method and answer); a refused request writes nothing and queues no task (the on-commit callbacks
    are captured, never sent to a broker)."""
    wrong: dict[tuple[str, str, str, str], list[str]] = {}
    for row in TABLE:
        url = reverse(row.route, kwargs=row.kwargs(world))
        for method, answers in row.statuses.items():
            for role, expected in answers.items():
                client = Client(raise_request_exception=False)
                if role != "anonymous":
                    client.force_login(users[role])
                before = written()
                with django_capture_on_commit_callbacks(execute=False) as callbacks:
                    got = answer(getattr(client, method.lower())(url))
                if refused(expected) and (written() != before or callbacks):
                    got += ", and wrote or queued something"
                if not agrees(got, expected):
                    wrong.setdefault((str(row), method, got, str(expected)), []).append(role)

    assert wrong == {}, "\n".join(
        f"{row} {method}: {', '.join(roles)} got {got}, expected {expected}"
        for (row, method, got, expected), roles in wrong.items()
    )
