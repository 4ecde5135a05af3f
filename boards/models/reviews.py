"""A cohort's outcomes as one meeting decides them: their state, the results ratified, the files published.

A ``Review`` moves draft -> provisional -> ratified -> published (``boards.services.reviews``); each move
is also a ledger entry. At ratification each student not held back gets a ``Result``: the computed values
beside the agreed ones (an override's, where there is one). Results are append-only like the ledger: an
amendment appends a newer ``Result`` for the student, and the newest is the one in force. Publishing keeps
the results file for the student record system (``ResultsFile``) with the outcome set it came from.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from students.models import Enrolment

from .committees import Cohort, Meeting
from .ledger import LedgerEntry
from .outcomes import Outcome, OutcomeSet


class Review(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PROVISIONAL = "provisional", "Provisional"
        RATIFIED = "ratified", "Ratified"
        PUBLISHED = "published", "Published"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="reviews")
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="reviews")
    stage = models.CharField(max_length=24)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    ratified_set = models.ForeignKey(
        OutcomeSet, on_delete=models.PROTECT, null=True, blank=True, related_name="ratified_reviews"
    )
    ratified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ratified_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    compared_set = models.ForeignKey(
        OutcomeSet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Last session's set the module statistics were compared with at ratification.",
    )

    class Meta:
        ordering = ["meeting_id", "cohort_id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "cohort"], name="one_review_per_cohort_at_a_meeting"),
            models.CheckConstraint(
                condition=models.Q(state__in=["draft", "provisional"]) | models.Q(ratified_set__isnull=False),
                name="a_ratified_review_names_its_set",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort} at {self.meeting}: {self.get_state_display()}"

    @property
    def locked(self) -> bool:
        """Ratified or published: changes go through amendments only."""
        return self.state in (self.State.RATIFIED, self.State.PUBLISHED)


class Result(models.Model):
    """One student's agreed result at a review; the newest row per student is in force."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="results")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="+")
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="+")
    computed_decision = models.CharField(max_length=32, blank=True)
    computed_award = models.CharField(max_length=32, blank=True)
    computed_klass = models.CharField(max_length=16, blank=True)
    decision = models.CharField(max_length=32, blank=True)
    award = models.CharField(max_length=32, blank=True)
    klass = models.CharField(max_length=16, blank=True)
    classification_average = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    overridden = models.BooleanField(default=False)
    amendment = models.ForeignKey(
        LedgerEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The approved amendment this row records (blank: as ratified).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review_id", "enrolment_id", "pk"]

    def __str__(self) -> str:
        return f"{self.enrolment} at {self.review}"


class ResultsFile(models.Model):
    """A results file for the student record system, kept as it was sent."""

    class Kind(models.TextChoices):
        PUBLICATION = "publication", "Publication"
        AMENDMENT = "amendment", "Post-board amendment"

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="files")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    outcome_set = models.ForeignKey(OutcomeSet, on_delete=models.PROTECT, related_name="+")
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="results_file")
    name = models.CharField(max_length=200)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review_id", "pk"]
        constraints = [
            # Publishing twice cannot leave two publications, whatever the race.
            models.UniqueConstraint(
                fields=["review"], condition=models.Q(kind="publication"), name="one_publication_per_review"
            ),
        ]

    def __str__(self) -> str:
        return self.name
