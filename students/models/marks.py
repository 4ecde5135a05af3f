"""Marks and their history: nothing is lost, every change keeps the previous value, who, when and how."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .people import Registration
from .structure import Component


class ResultCode(models.TextChoices):
    """RULES.md 9.34: ABS and NS are a mark of 0 for the attempt; DEF means the sitting did not take place."""

    ABS = "ABS", "Absent"
    NS = "NS", "Non-submission"
    DEF = "DEF", "Deferred"


class ImportBatch(models.Model):
    """One upload: what came in, who sent it, what the preview said, and whether it was written."""

    class Kind(models.TextChoices):
        STRUCTURE = "structure", "Programmes, modules and components"
        STUDENTS = "students", "Students and registrations"
        MARKS = "marks", "Marks"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        VALIDATING = "validating", "Validating"
        PREVIEWED = "previewed", "Previewed"
        INVALID = "invalid", "Has errors"
        WRITING = "writing", "Writing"
        COMPLETED = "completed", "Completed"
        STALE = "stale", "Data changed since the preview"
        FAILED = "failed", "Failed"

    school = models.ForeignKey("students.School", on_delete=models.PROTECT, related_name="imports")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UPLOADED)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    upload = models.FileField(
        upload_to="imports/%Y/%m/", blank=True, help_text="The file as uploaded (not public)."
    )
    plan = models.FileField(
        upload_to="imports/%Y/%m/", blank=True, help_text="The previewed plan confirm writes."
    )
    task_id = models.CharField(max_length=64, blank=True)
    preview_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.pk} ({self.file_name})"


class Mark(models.Model):
    """A component mark at one attempt: a number 0-100 or a result code, never both."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="marks")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="marks")
    attempt = models.PositiveSmallIntegerField()
    value = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    code = models.CharField(max_length=3, choices=ResultCode.choices, blank=True)
    reassessment_as_first_attempt = models.BooleanField(default=False)
    # Who set the current value, when and through which import. These two references are checked when the
    # value is written (under the school's lock) and protected by Django, but carry no database constraint:
    # on PostgreSQL each one is a per-row check at commit that costs as much as the bulk write itself
    # (bench/import_marks.py).
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_constraint=False
    )

    class Meta:
        ordering = ["registration_id", "attempt", "component__position"]
        constraints = [
            models.UniqueConstraint(fields=["registration", "component", "attempt"], name="mark_unique"),
            models.CheckConstraint(
                condition=(
                    models.Q(value__isnull=False, code="") | models.Q(value__isnull=True) & ~models.Q(code="")
                ),
                name="mark_value_or_code",
            ),
            models.CheckConstraint(
                condition=models.Q(value__isnull=True) | models.Q(value__gte=0, value__lte=100),
                name="mark_value_0_to_100",
            ),
            models.CheckConstraint(condition=models.Q(attempt__gte=1), name="mark_attempt_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.registration} {self.component.name} attempt {self.attempt}: {self.code or self.value}"


class MarkChange(models.Model):
    """A change to a mark: the value it replaced with who set that and how, and the new value with who,
    when and through which import. A new mark carries its own provenance and needs no change row."""

    mark = models.ForeignKey(Mark, on_delete=models.PROTECT, related_name="changes")
    old_value = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    old_code = models.CharField(max_length=3, blank=True)
    old_set_at = models.DateTimeField(null=True, blank=True)
    old_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    old_import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    new_value = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    new_code = models.CharField(max_length=3, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["mark_id", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.mark}: {self.old_code or self.old_value} -> {self.new_code or self.new_value}"
