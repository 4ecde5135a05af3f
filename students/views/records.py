"""Records pages: a school's programmes and students, a student's marks.

Each view fetches through ``students.access`` (another school's object is a 404) and renders.
"""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from students import selectors
from students.access import get_visible_or_404, visible
from students.models import School, Student


class StudentTable(tables.Table):
    student_id = tables.Column(
        verbose_name="Student ID", linkify=("students:student", {"student_id": tables.A("student_id")})
    )
    given_name = tables.Column(verbose_name="Given name")
    family_name = tables.Column(verbose_name="Family name")
    candidate_number = tables.Column(verbose_name="Candidate number")
    current_programme = tables.Column(verbose_name="Programme")
    current_year = tables.Column(verbose_name="Year")

    class Meta:
        template_name = "students/_table.html"
        per_page = 50
        empty_text = "No students are enrolled on this school's programmes."

    def __init__(self, *args: Any, caption: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.caption = caption


@require_safe
def school_detail(request: HttpRequest, code: str) -> HttpResponse:
    school = get_visible_or_404(request.user, School.objects.all(), code=code)
    context = {
        "school": school,
        "programmes": selectors.school_programmes(school),
        "modules": selectors.school_modules(school),
    }
    return render(request, "students/school_detail.html", context)


@require_safe
def school_students(request: HttpRequest, code: str) -> HttpResponse:
    school = get_visible_or_404(request.user, School.objects.all(), code=code)
    table = StudentTable(selectors.school_students(school), caption=f"Students of {school.name}")
    tables.RequestConfig(request).configure(table)
    return render(request, "students/school_students.html", {"school": school, "table": table})


@require_safe
def student_detail(request: HttpRequest, student_id: str) -> HttpResponse:
    student = get_visible_or_404(request.user, Student.objects.all(), student_id=student_id)
    context = {
        "student": student,
        # A student who moved between schools keeps, for this user, only the records of visible schools.
        "enrolments": visible(request.user, selectors.student_enrolments(student)),
        "registrations": visible(request.user, selectors.student_marks_with_history(student)),
    }
    return render(request, "students/student_detail.html", context)
