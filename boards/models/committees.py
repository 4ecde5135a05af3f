"""Assessment committees, who sits on them in which role, their meetings and the cohorts on each agenda."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from students.models import Programme, School
from students.models.structure import SESSION_VALIDATOR


class AssessmentCommittee(models.Model):
    """A school's board, e.g. "School of History UG Board"; the school's administrators serve it."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="committees")
    name = models.CharField(max_length=200)
    quorum = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1)],
        help_text="Members (chair, secretary or member; external examiners not counted) who must attend.",
    )
    anonymous = models.BooleanField(
        default=False, help_text="Broadsheets show candidate numbers instead of names."
    )

    class Meta:
        ordering = ["school__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="committee_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's one role on one committee; the same person may hold another role on another committee."""

    class Role(models.TextChoices):
        CHAIR = "chair", "Chair"
        SECRETARY = "secretary", "Secretary"
        MEMBER = "member", "Member"
        EXTERNAL = "external", "External examiner"

    committee = models.ForeignKey(AssessmentCommittee, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        ordering = ["committee_id", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "user"], name="membership_one_role_per_committee"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()} of {self.committee}"

    @property
    def counts_for_quorum(self) -> bool:
        return self.role != self.Role.EXTERNAL


class Cohort(models.Model):
    """The students of one programme year in one session (e.g. BA History, 2024/25, year 3).

    Each student is judged under the rule-set version of their own entry cohort (L 1.3); ``final_year``
    says whether the board decides an award or a progression, and ``level`` is the level a progression
    decision is about.
    """

    committee = models.ForeignKey(AssessmentCommittee, on_delete=models.PROTECT, related_name="cohorts")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="board_cohorts")
    academic_session = models.CharField(max_length=7, validators=[SESSION_VALIDATOR])
    programme_year = models.PositiveSmallIntegerField(validators=[MaxValueValidator(7)])
    final_year = models.BooleanField(help_text="The board decides the award (else progression).")
    level = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(3), MaxValueValidator(7)],
        help_text="The FHEQ level a progression decision is about.",
    )

    class Meta:
        ordering = ["programme__code", "academic_session", "programme_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "academic_session", "programme_year"], name="cohort_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(level__gte=3, level__lte=7), name="cohort_level_3_to_7"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} {self.academic_session} year {self.programme_year}"


class Meeting(models.Model):
    """One sitting of a committee: its kind decides which question each cohort on the agenda is asked."""

    class Kind(models.TextChoices):
        PROGRESSION = "progression", "Progression"
        AWARD = "award", "Award"
        RESIT = "resit", "Resit (after reassessment)"

    committee = models.ForeignKey(AssessmentCommittee, on_delete=models.PROTECT, related_name="meetings")
    date = models.DateField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    cohorts = models.ManyToManyField(Cohort, related_name="meetings", blank=True, help_text="The agenda.")
    attendees = models.ManyToManyField(Membership, related_name="meetings_attended", blank=True)

    class Meta:
        ordering = ["-date", "id"]

    def __str__(self) -> str:
        return f"{self.committee} {self.get_kind_display()} meeting, {self.date:%d %B %Y}"
