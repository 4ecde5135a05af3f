"""An external examiner's only writes: a comment on a meeting, and a sign-off (once per examiner)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from .. import ledger
from ..models import LedgerEntry, Meeting
from .errors import DecisionRefused

Kind = LedgerEntry.Kind
COMMENT_MAX = 5000


def _text(text: str, what: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise DecisionRefused(f"{what} is empty: write what you want the committee to read.")
    if len(cleaned) > COMMENT_MAX:
        raise DecisionRefused(f"{what} is {len(cleaned):,} characters long; the most is {COMMENT_MAX:,}.")
    return cleaned


def record_comment(*, meeting: Meeting, user: User, text: str) -> LedgerEntry:
    """The examiner's comment on the meeting; it is minuted and cannot be edited (write another)."""
    body = _text(text, "The comment")
    with transaction.atomic():
        return ledger.append(
            committee=meeting.committee, kind=Kind.COMMENT, user_id=user.pk, meeting=meeting, reason=body
        )


def sign_off(*, meeting: Meeting, user: User, text: str) -> LedgerEntry:
    """The examiner signs the meeting's results off, with a statement; once per examiner and meeting."""
    body = _text(text, "The sign-off statement")
    with transaction.atomic():
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        done = LedgerEntry.objects.filter(meeting=meeting, kind=Kind.SIGN_OFF, user_id=user.pk).exists()
        if done:
            raise DecisionRefused("You have already signed this meeting off.")
        return ledger.append(
            committee=meeting.committee, kind=Kind.SIGN_OFF, user_id=user.pk, meeting=meeting, reason=body
        )
