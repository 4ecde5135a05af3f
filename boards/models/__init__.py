"""The boards app's data: committees, their members and meetings, the cohorts they consider, outcomes, and
what the committee decides of them (the ledger, reviews, results and the files published)."""

from .committees import AssessmentCommittee, Cohort, Meeting, Membership
from .ledger import Category, Field, LedgerEntry
from .outcomes import Outcome, OutcomeSet, Stage
from .reviews import Result, ResultsFile, Review

__all__ = [
    "AssessmentCommittee",
    "Category",
    "Cohort",
    "Field",
    "LedgerEntry",
    "Meeting",
    "Membership",
    "Outcome",
    "OutcomeSet",
    "Result",
    "ResultsFile",
    "Review",
    "Stage",
]
