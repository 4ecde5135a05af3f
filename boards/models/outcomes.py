"""Computed outcomes: a cohort's set of engine results, one per student, and which set is current.

A recalculation writes a new ``OutcomeSet`` beside the current one; pages read only current sets, so the
previous set stays in force until the new one is complete, and a set that never completes is never seen.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from students.models import Enrolment

from .committees import Cohort


class Stage(models.TextChoices):
    """The question a cohort is asked: its award, or a progression decision before or after resits."""

    AWARD = "award", "Award and classification"
    FIRST_SIT = "first-sit", "Progression (first sitting)"
    AFTER_REASSESSMENT = "after-reassessment", "Progression (after reassessment)"


class OutcomeSet(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Calculating"
        COMPLETE = "complete", "Complete"
        FAILED = "failed", "Failed"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="outcome_sets")
    stage = models.CharField(max_length=24, choices=Stage.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    is_current = models.BooleanField(default=False)
    trigger = models.CharField(max_length=200, help_text='Why it was calculated, e.g. "marks import #12".')
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    lease = models.CharField(max_length=32, blank=True, help_text="The run that is writing this set.")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    inputs_fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "stage"],
                condition=models.Q(is_current=True),
                name="one_current_outcome_set_per_cohort_stage",
            ),
            models.CheckConstraint(
                condition=models.Q(is_current=False) | models.Q(status="complete"),
                name="only_a_complete_outcome_set_is_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort} {self.get_stage_display()} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.COMPLETE, self.Status.FAILED)


class Outcome(models.Model):
    """One student's engine result in one set: the headline figures as columns, the whole result as JSON."""

    outcome_set = models.ForeignKey(OutcomeSet, on_delete=models.CASCADE, related_name="outcomes")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="outcomes")
    incomplete = models.BooleanField(default=False, help_text="A mark is missing: no decision (RULES 9.35).")
    decision = models.CharField(max_length=32, blank=True)
    award = models.CharField(max_length=32, blank=True)
    klass = models.CharField(max_length=16, blank=True)
    exit_award = models.CharField(max_length=32, blank=True)
    classification_average = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    credit_passed = models.PositiveSmallIntegerField(default=0)
    flags = models.JSONField(default=list, blank=True)
    result = models.JSONField(default=dict, help_text="The engine's result with its trace (as_dict).")
    problem = models.TextField(blank=True, help_text="Why the engine could not judge this record.")
    ruleset_key = models.CharField(max_length=64)
    ruleset_version = models.CharField(max_length=32)
    ruleset_fingerprint = models.CharField(max_length=64)
    inputs_fingerprint = models.CharField(max_length=64)

    class Meta:
        ordering = ["outcome_set_id", "enrolment__student__student_id"]
        constraints = [
            models.UniqueConstraint(fields=["outcome_set", "enrolment"], name="one_outcome_per_enrolment"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} in {self.outcome_set}"
