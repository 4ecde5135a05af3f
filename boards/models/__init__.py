"""The boards app's data: committees, their members and meetings, the cohorts they consider, and outcomes."""

from .committees import AssessmentCommittee, Cohort, Meeting, Membership
from .outcomes import Outcome, OutcomeSet, Stage

__all__ = ["AssessmentCommittee", "Cohort", "Meeting", "Membership", "Outcome", "OutcomeSet", "Stage"]
