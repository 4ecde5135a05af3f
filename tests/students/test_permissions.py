"""Who may see and change a school's records: the predicates, the permissions, ``require_change`` and
``visible``, per persona."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404

from students.access import get_visible_or_404, require_change, visible
from students.casefiles import load_case
from students.models import (
    Enrolment,
    EntryCohort,
    ImportBatch,
    Mark,
    Module,
    Programme,
    Registration,
    School,
    Student,
)
from students.permissions import (
    CHANGE_SCHOOL_RECORDS,
    VIEW_SCHOOL,
    can_change_school_records,
    can_view_school,
    is_school_administrator,
)

CASES = Path(settings.BASE_DIR) / "regulations" / "rulesets" / "leeds-taught-2024" / "cases"


def load(case_id: str, school: School) -> Enrolment:
    return load_case(json.loads((CASES / f"{case_id}.json").read_text()), school=school)


@dataclass
class Records:
    """Each school's records: a three-year Honours student in one, a one-year certificate in the other."""

    school: School
    other_school: School
    batch: ImportBatch
    other_batch: ImportBatch


@pytest.fixture
def records(school: School, other_school: School, superuser: User) -> Records:
    load("leeds-hons-022", school)
    load("leeds-cert-002", other_school)
    batches = [
        ImportBatch.objects.create(
            school=owner, kind="marks", uploaded_by=superuser, file_name="marks.csv", file_sha256="0" * 64
        )
        for owner in (school, other_school)
    ]
    return Records(school, other_school, *batches)


def pks(model: type[Model], **lookup: object) -> set[int]:
    return set(model._default_manager.filter(**lookup).values_list("pk", flat=True))


@pytest.mark.django_db
def test_the_administrator_predicate_holds_only_for_the_school_the_role_names(
    school: School, other_school: School, administrator: User, outsider: User, superuser: User
) -> None:
    assert is_school_administrator(administrator, school) is True
    assert is_school_administrator(administrator, other_school) is False
    assert is_school_administrator(outsider, school) is False
    assert is_school_administrator(AnonymousUser(), school) is False
    assert is_school_administrator(administrator, None) is False
    # A superuser holds no role: the permissions admit them through is_superuser instead.
    assert is_school_administrator(superuser, school) is False
    assert can_view_school(superuser, school) is True
    assert can_change_school_records(superuser, school) is True


@pytest.mark.parametrize("permission", [VIEW_SCHOOL, CHANGE_SCHOOL_RECORDS])
@pytest.mark.parametrize(
    ("persona", "own_school", "other_school_"),
    [
        ("administrator", True, False),
        ("other_administrator", False, True),
        ("outsider", False, False),
        ("superuser", True, True),
    ],
)
@pytest.mark.django_db
def test_each_persona_has_the_school_permissions_of_its_role(
    request: pytest.FixtureRequest,
    school: School,
    other_school: School,
    permission: str,
    persona: str,
    own_school: bool,
    other_school_: bool,
) -> None:
    user: User = request.getfixturevalue(persona)

    assert (user.has_perm(permission, school), user.has_perm(permission, other_school)) == (
        own_school,
        other_school_,
    )


@pytest.mark.django_db
def test_an_anonymous_user_has_no_school_permission(school: School) -> None:
    assert AnonymousUser().has_perm(VIEW_SCHOOL, school) is False
    assert AnonymousUser().has_perm(CHANGE_SCHOOL_RECORDS, school) is False


@pytest.mark.django_db
def test_only_an_administrator_of_the_school_or_a_superuser_may_change_its_records(
    school: School,
    other_school: School,
    administrator: User,
    other_administrator: User,
    outsider: User,
    superuser: User,
) -> None:
    assert require_change(administrator, school) is None
    assert require_change(superuser, school) is None
    for user in (other_administrator, outsider, AnonymousUser()):
        with pytest.raises(PermissionDenied, match=r"^You may not change this school's records\.$"):
            require_change(user, school)
    with pytest.raises(PermissionDenied):
        require_change(administrator, other_school)


SUPPORTED: list[tuple[type[Model], str]] = [
    (School, "pk"),
    (Programme, "school"),
    (Module, "school"),
    (ImportBatch, "school"),
    (EntryCohort, "programme__school"),
    (Enrolment, "entry_cohort__programme__school"),
    (Registration, "enrolment__entry_cohort__programme__school"),
    (Student, "enrolments__entry_cohort__programme__school"),
]


@pytest.mark.parametrize(("model", "path"), SUPPORTED, ids=[model.__name__ for model, _ in SUPPORTED])
@pytest.mark.django_db
def test_visible_gives_each_persona_exactly_the_rows_of_its_schools(
    records: Records,
    administrator: User,
    other_administrator: User,
    outsider: User,
    superuser: User,
    model: type[Model],
    path: str,
) -> None:
    everything = model._default_manager.all()
    own = pks(model, **{path: records.school.pk})
    other = pks(model, **{path: records.other_school.pk})
    assert own and other and own.isdisjoint(other)

    assert set(visible(administrator, everything).values_list("pk", flat=True)) == own
    assert set(visible(other_administrator, everything).values_list("pk", flat=True)) == other
    assert set(visible(superuser, everything).values_list("pk", flat=True)) == pks(model)
    assert set(visible(outsider, everything).values_list("pk", flat=True)) == set()
    assert set(visible(AnonymousUser(), everything).values_list("pk", flat=True)) == set()


@pytest.mark.django_db
def test_visible_lists_a_student_with_several_enrolments_once(records: Records, administrator: User) -> None:
    student = Student.objects.get(student_id="leeds-hons-022")
    assert student.enrolments.count() == 3

    assert list(visible(administrator, Student.objects.order_by("-family_name"))) == [student]
    assert visible(administrator, Student.objects.all()).count() == 1


@pytest.mark.django_db
def test_visible_schools_agree_with_the_view_permission(
    records: Records, administrator: User, other_administrator: User, outsider: User, superuser: User
) -> None:
    for user in (administrator, other_administrator, outsider, superuser):
        permitted = {school.pk for school in School.objects.all() if user.has_perm(VIEW_SCHOOL, school)}
        assert set(visible(user, School.objects.all()).values_list("pk", flat=True)) == permitted


@pytest.mark.django_db
def test_get_visible_or_404_hides_another_schools_row(records: Records, administrator: User) -> None:
    own = get_visible_or_404(administrator, Student.objects.all(), student_id="leeds-hons-022")
    assert own.student_id == "leeds-hons-022"
    with pytest.raises(Http404):
        get_visible_or_404(administrator, Student.objects.all(), student_id="leeds-cert-002")


@pytest.mark.django_db
def test_visible_refuses_a_model_it_cannot_place_in_a_school(superuser: User) -> None:
    message = "students.access.visible does not know how a Mark belongs to a school"
    with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
        visible(superuser, Mark.objects.all())
