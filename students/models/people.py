"""Who studies what: students, their enrolment each session, registrations, and school administrators."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

from .structure import SESSION_VALIDATOR, EntryCohort, ModuleOccurrence, School


class Student(models.Model):
    student_id = models.CharField(max_length=32, unique=True)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    candidate_number = models.CharField(
        max_length=32,
        unique=True,
        null=True,
        blank=True,
        help_text="Shown instead of the name at anonymous boards.",
    )

    class Meta:
        ordering = ["student_id"]

    def __str__(self) -> str:
        name = f"{self.given_name} {self.family_name}".strip()
        return f"{self.student_id} {name}".strip()


class Enrolment(models.Model):
    """A student on a programme in one academic session, with the facts decisions read (CASES ``student``)."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="enrolments")
    entry_cohort = models.ForeignKey(EntryCohort, on_delete=models.PROTECT, related_name="enrolments")
    academic_session = models.CharField(max_length=7, validators=[SESSION_VALIDATOR])
    programme_year = models.PositiveSmallIntegerField(validators=[MaxValueValidator(7)])
    entry_year = models.PositiveSmallIntegerField(default=1, help_text="Programme year the student entered.")
    mitigation_accepted = models.BooleanField(default=False)
    apl_credits = models.JSONField(default=dict, blank=True, help_text='APL credit by level: {"4": 40}')
    transfer_request = models.BooleanField(default=False)
    unable_to_repeat = models.BooleanField(default=False)
    repeated_before = models.BooleanField(default=False)

    class Meta:
        ordering = ["student__student_id", "academic_session"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "entry_cohort", "academic_session"], name="enrolment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student.student_id} {self.entry_cohort.programme.code} {self.academic_session}"


class Registration(models.Model):
    """A student on a module occurrence within an enrolment; ``grade`` for a P/F-graded module."""

    class Grade(models.TextChoices):
        PASS = "P", "Pass"
        FAIL = "F", "Fail"

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="registrations")
    occurrence = models.ForeignKey(ModuleOccurrence, on_delete=models.PROTECT, related_name="registrations")
    grade = models.CharField(max_length=1, choices=Grade.choices, blank=True)

    class Meta:
        ordering = ["enrolment_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "occurrence"], name="registration_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.student.student_id} on {self.occurrence}"


class SchoolRole(models.Model):
    """A person's role in a school: its administrators import and edit its records."""

    class Role(models.TextChoices):
        ADMINISTRATOR = "administrator", "School administrator"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="school_roles")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.ADMINISTRATOR)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "school", "role"], name="school_role_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()} of {self.school}"
