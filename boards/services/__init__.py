"""Writes of the boards app: recalculations, and the committee's decisions (each one a ledger entry).

``DecisionRefused`` carries the sentence a page shows when a decision cannot be taken.
"""

from ..decisions import review_of
from .errors import DecisionRefused
from .examiners import record_comment, sign_off
from .overrides import (
    confirm_override,
    hold_student,
    record_override,
    release_student,
    withdraw_override,
)
from .recalculate import recalculate_after_import, recalculate_meeting, request_recalculation
from .reviews import (
    approve_amendment,
    make_provisional,
    publish_cohort,
    ratify_cohort,
    record_amendment,
)

__all__ = [
    "DecisionRefused",
    "approve_amendment",
    "confirm_override",
    "hold_student",
    "make_provisional",
    "publish_cohort",
    "ratify_cohort",
    "recalculate_after_import",
    "recalculate_meeting",
    "record_amendment",
    "record_comment",
    "record_override",
    "release_student",
    "request_recalculation",
    "review_of",
    "sign_off",
    "withdraw_override",
]
