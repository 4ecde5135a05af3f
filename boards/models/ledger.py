"""The committee's ledger: every decision the board takes, append-only and hash-chained.

An override, its withdrawal or confirmation, a hold and its release, each move of a cohort's outcomes
(provisional, ratified, published), a post-board amendment, and an external examiner's comment or
sign-off is one ``LedgerEntry``. Entries are never changed: a mistaken override is corrected by a new
entry. The database refuses UPDATE and DELETE on the table (triggers, ``boards.ledger``), and each entry
carries the hash of the committee's previous entry, so a row changed outside the application (the
triggers dropped first) breaks the chain and ``boards.ledger.verify`` names the first entry that fails.
"""

from __future__ import annotations

import hashlib
from datetime import UTC
from typing import Any

import orjson
from django.conf import settings
from django.db import models

from students.models import Enrolment

from .committees import AssessmentCommittee, Cohort, Meeting
from .outcomes import OutcomeSet


class Field(models.TextChoices):
    """What an override changes: a progression decision, a class or an award (never a mark, L 7.3.2)."""

    DECISION = "decision", "Decision"
    CLASS = "klass", "Class"
    AWARD = "award", "Award"


class Category(models.TextChoices):
    """Why the committee overrides a computed outcome."""

    MITIGATION = "mitigation", "Mitigating circumstances (L 7.3.4)"
    ACADEMIC_JUDGEMENT = "academic-judgement", "Academic judgement of the board (L 10.4.8)"
    ADMINISTRATIVE_ERROR = "administrative-error", "Administrative error in the record"
    ACADEMIC_MISCONDUCT = "academic-misconduct", "Outcome of an academic misconduct case"
    OTHER = "other", "Other (explained in the reason)"


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        OVERRIDE = "override", "Override"
        OVERRIDE_CONFIRMED = "override-confirmed", "Override confirmed after review"
        OVERRIDE_WITHDRAWN = "override-withdrawn", "Override withdrawn"
        HOLD = "hold", "Held back from ratification"
        RELEASE = "release", "Hold released"
        PROVISIONAL = "provisional", "Outcomes made provisional"
        RATIFIED = "ratified", "Outcomes ratified"
        PUBLISHED = "published", "Results published"
        AMENDMENT = "amendment", "Amendment approved"
        COMMENT = "comment", "External examiner's comment"
        SIGN_OFF = "sign-off", "External examiner's sign-off"

    committee = models.ForeignKey(AssessmentCommittee, on_delete=models.PROTECT, related_name="ledger")
    previous_hash = models.CharField(max_length=64, blank=True, help_text="The committee's entry before.")
    hash = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    stage = models.CharField(max_length=24, blank=True)
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries"
    )
    field = models.CharField(max_length=16, choices=Field.choices, blank=True)
    from_value = models.CharField(max_length=200, blank=True, help_text="The computed (or previous) value.")
    to_value = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=32, choices=Category.choices, blank=True)
    reason = models.TextField(blank=True)
    outcome_set = models.ForeignKey(
        OutcomeSet, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    inputs_fingerprint = models.CharField(max_length=64, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "ledger entries"
        constraints = [
            # A chain cannot fork: two writers appending after the same entry cannot both commit.
            models.UniqueConstraint(fields=["committee", "previous_hash"], name="ledger_chain_does_not_fork"),
        ]
        indexes = [models.Index(fields=["cohort", "stage", "enrolment"], name="ledger_student")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    def content(self) -> dict[str, Any]:
        """Everything the hash covers, in plain values."""
        at = self.created_at.astimezone(UTC).isoformat(timespec="microseconds")
        return {
            "committee": self.committee_id,
            "previous": self.previous_hash,
            "kind": self.kind,
            "meeting": self.meeting_id,
            "cohort": self.cohort_id,
            "stage": self.stage,
            "enrolment": self.enrolment_id,
            "field": self.field,
            "from": self.from_value,
            "to": self.to_value,
            "category": self.category,
            "reason": self.reason,
            "outcome_set": self.outcome_set_id,
            "inputs": self.inputs_fingerprint,
            "user": self.user_id,
            "at": at,
        }

    def digest(self) -> str:
        """SHA-256 of the entry's content as canonical JSON (sorted keys, UTF-8)."""
        return hashlib.sha256(orjson.dumps(self.content(), option=orjson.OPT_SORT_KEYS)).hexdigest()
