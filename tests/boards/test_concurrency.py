"""Publishing twice, or two chairs ratifying at once, leaves exactly one published set.

Each race is two real threads, each on its own database connection, released together by a barrier and
calling the service a page would call (``boards.services``), on committed rows. Exactly one of two
identical moves wins and the other is refused with the sentence the page shows; what the winner wrote is
there once (its results, its file, its ledger entry) and the committee's hash chain verifies. Two decisions
that may both stand (two overrides, two examiners' comments) both land in the ledger, one after the other.
Each race runs several rounds, each on a fresh board, so that the threads do meet.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import connection

from boards import ledger, services
from boards.decisions import standing_overrides
from boards.models import (
    Category,
    Cohort,
    LedgerEntry,
    Meeting,
    Membership,
    Outcome,
    Result,
    ResultsFile,
    Review,
)
from boards.services import DecisionRefused
from tests.boards.meeting_record import OVERRIDE_REASON, recalculated
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 5
Kind = LedgerEntry.Kind
State = Review.State


def race(*calls: Callable[[], object]) -> list[object]:
    """Run each call in a thread of its own, all released at once; what each returned or raised, in order.

    Each thread connects before the barrier, so that neither starts late for want of a connection, and
    closes its connection at the end.
    """
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a thread is still waiting after a minute"
    return outcomes


def split(outcomes: list[object], kind: type) -> tuple[list[int], list[int]]:
    """The indexes of the outcomes of ``kind`` (the winners) and of the refused; nothing else allowed."""
    won = [i for i, outcome in enumerate(outcomes) if isinstance(outcome, kind)]
    refused = [i for i, outcome in enumerate(outcomes) if isinstance(outcome, DecisionRefused)]
    assert len(won) + len(refused) == len(outcomes), outcomes
    return won, refused


def fresh(meeting_pk: int) -> tuple[Meeting, Cohort]:
    """The meeting and its cohort read on the calling thread's connection, as a request would."""
    meeting = Meeting.objects.select_related("committee").get(pk=meeting_pk)
    return meeting, meeting.cohorts.select_related("committee").get()


@pytest.fixture
def second_chair(committee) -> User:
    """A co-chair: the committee has two members who may ratify."""
    user = make_user("chiara")
    Membership.objects.create(user=user, committee=committee, role=Membership.Role.CHAIR)
    return user


@pytest.fixture
def calculated(
    make_board: Callable[..., Meeting], chair: User, second_chair: User, secretary: User, member: User
) -> Meeting:
    """Four students, calculated; everyone on the committee attends (quorate)."""
    meeting = make_board(students=4)
    meeting.attendees.set(meeting.committee.memberships.all())
    recalculated(meeting.cohorts.get())
    return meeting


@pytest.fixture
def provisional(calculated: Meeting, secretary: User) -> Meeting:
    services.make_provisional(meeting=calculated, cohort=calculated.cohorts.get(), user=secretary)
    return calculated


def ratify(meeting_pk: int, user: User) -> Callable[[], object]:
    def call() -> object:
        meeting, cohort = fresh(meeting_pk)
        return services.ratify_cohort(meeting=meeting, cohort=cohort, user=user)

    return call


def publish(meeting_pk: int, user: User) -> Callable[[], object]:
    def call() -> object:
        meeting, cohort = fresh(meeting_pk)
        return services.publish_cohort(meeting=meeting, cohort=cohort, user=user)

    return call


@pytest.mark.parametrize("round_", range(1, ROUNDS + 1))
def test_two_chairs_ratifying_at_once_leave_one_ratification(
    provisional: Meeting, chair: User, second_chair: User, round_: int
) -> None:
    chairs = [chair, second_chair]

    outcomes = race(ratify(provisional.pk, chair), ratify(provisional.pk, second_chair))

    won, refused = split(outcomes, Review)
    assert (len(won), len(refused)) == (1, 1), outcomes
    assert str(outcomes[refused[0]]) == "Only provisional outcomes can be ratified; these are ratified."
    winner = chairs[won[0]]
    review = Review.objects.get()
    assert (review.state, review.ratified_by) == (State.RATIFIED, winner)
    assert review.ratified_set is not None
    assert Result.objects.filter(review=review).count() == Result.objects.count() == 4
    assert Result.objects.values("enrolment_id").distinct().count() == 4
    assert ResultsFile.objects.count() == 0
    assert list(LedgerEntry.objects.values_list("kind", "user_id")) == [
        (Kind.PROVISIONAL, provisional.committee.memberships.get(role="secretary").user_id),
        (Kind.RATIFIED, winner.pk),
    ]
    assert ledger.verify(provisional.committee_id) is None


@pytest.mark.parametrize("round_", range(1, ROUNDS + 1))
def test_publishing_twice_at_once_leaves_one_publication(
    provisional: Meeting, chair: User, second_chair: User, round_: int
) -> None:
    review = services.ratify_cohort(meeting=provisional, cohort=provisional.cohorts.get(), user=chair)
    chairs = [chair, second_chair]

    outcomes = race(publish(provisional.pk, chair), publish(provisional.pk, second_chair))

    won, refused = split(outcomes, ResultsFile)
    assert (len(won), len(refused)) == (1, 1), outcomes
    assert str(outcomes[refused[0]]) == "These results are already published."
    winner = chairs[won[0]]
    review.refresh_from_db()
    assert (review.state, review.published_by) == (State.PUBLISHED, winner)
    assert Result.objects.filter(review=review).count() == Result.objects.count() == 4
    published = ResultsFile.objects.get()
    assert (published.review, published.kind, published.rows) == (review, "publication", 4)
    assert published.pk == outcomes[won[0]].pk  # type: ignore[attr-defined]
    entries = list(LedgerEntry.objects.values_list("kind", flat=True))
    assert entries == [Kind.PROVISIONAL, Kind.RATIFIED, Kind.PUBLISHED]
    assert published.entry == LedgerEntry.objects.get(kind=Kind.PUBLISHED, user=winner)
    assert ledger.verify(provisional.committee_id) is None


@pytest.mark.parametrize("round_", range(1, ROUNDS + 1))
def test_two_secretaries_making_the_outcomes_provisional_at_once_leave_one_provisional_entry(
    calculated: Meeting, secretary: User, chair: User, round_: int
) -> None:
    """The first move of a cohort also creates its review row: both threads may try to."""

    def provisional_by(user: User) -> Callable[[], object]:
        def call() -> object:
            meeting, cohort = fresh(calculated.pk)
            return services.make_provisional(meeting=meeting, cohort=cohort, user=user)

        return call

    outcomes = race(provisional_by(secretary), provisional_by(chair))

    won, refused = split(outcomes, Review)
    assert (len(won), len(refused)) == (1, 1), outcomes
    assert str(outcomes[refused[0]]) == "These outcomes are already provisional."
    assert list(Review.objects.values_list("state", flat=True)) == [State.PROVISIONAL]
    assert list(LedgerEntry.objects.values_list("kind", "user_id")) == [
        (Kind.PROVISIONAL, [secretary, chair][won[0]].pk)
    ]
    assert ledger.verify(calculated.committee_id) is None


def test_two_overrides_of_one_student_at_once_both_land_in_the_chain(
    calculated: Meeting, secretary: User, chair: User
) -> None:
    cohort = calculated.cohorts.get()
    outcome = next(
        o for o in Outcome.objects.filter(outcome_set__is_current=True) if o.klass and o.klass != "I"
    )
    values = [value for value in ("I", "III", "II.ii") if value != outcome.klass][:2]
    deciders = [secretary, chair]

    def override(user: User, value: str) -> Callable[[], object]:
        def call() -> object:
            meeting, cohort = fresh(calculated.pk)
            return services.record_override(
                meeting=meeting,
                cohort=cohort,
                enrolment_id=outcome.enrolment_id,
                field="klass",
                value=value,
                category=Category.ACADEMIC_JUDGEMENT,
                reason=OVERRIDE_REASON,
                user=user,
            )

        return call

    outcomes = race(*(override(user, value) for user, value in zip(deciders, values, strict=True)))

    won, refused = split(outcomes, LedgerEntry)
    assert (won, refused) == ([0, 1], []), outcomes
    first, second = LedgerEntry.objects.order_by("pk")
    assert (first.previous_hash, second.previous_hash) == ("", first.hash)
    assert {(e.user_id, e.to_value) for e in (first, second)} == {
        (user.pk, value) for user, value in zip(deciders, values, strict=True)
    }
    assert (first.from_value, second.from_value) == (outcome.klass, outcome.klass)
    standing = standing_overrides(cohort, "award", {outcome.enrolment_id: outcome})
    assert standing[outcome.enrolment_id]["klass"].value == second.to_value  # the later one stands
    assert ledger.verify(calculated.committee_id) is None


@pytest.mark.parametrize("round_", range(1, ROUNDS + 1))
def test_two_examiners_commenting_at_once_both_land_in_the_chain(
    make_board: Callable[..., Meeting], external: User, round_: int
) -> None:
    """A comment takes no lock: on PostgreSQL both writers may read the same newest entry, and the chain's
    unique (committee, previous_hash) makes the second link after the first instead of forking."""
    meeting = make_board(students=2)
    second_examiner = make_user("esme")
    Membership.objects.create(
        user=second_examiner, committee=meeting.committee, role=Membership.Role.EXTERNAL
    )
    examiners = [external, second_examiner]

    def comment(user: User) -> Callable[[], object]:
        def call() -> object:
            return services.record_comment(
                meeting=Meeting.objects.get(pk=meeting.pk), user=user, text=f"Comment of {user.username}."
            )

        return call

    outcomes = race(*(comment(user) for user in examiners))

    won, refused = split(outcomes, LedgerEntry)
    assert (won, refused) == ([0, 1], []), outcomes
    first, second = LedgerEntry.objects.order_by("pk")
    assert (first.previous_hash, second.previous_hash) == ("", first.hash)
    assert {(first.user_id, first.reason), (second.user_id, second.reason)} == {
        (external.pk, "Comment of ezra."),
        (second_examiner.pk, "Comment of esme."),
    }
    assert ledger.verify(meeting.committee_id) is None
