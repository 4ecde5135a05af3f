"""The committee's decisions on one student, posted from the student's outcome page.

The chair or secretary (OVERRIDE) overrides a decision, class or award with a category and a reason,
withdraws an override or confirms one flagged for review, and holds a student back from ratification or
releases the hold; after ratification the chair (AMEND) records an amendment or approves a proposed one.

Each view fetches through ``boards.selectors.cohort_at_meeting`` (a 404 for those who may not see the
committee, and for a student who is not in the cohort's current outcomes), checks its permission (403),
validates its form, calls one service and returns to the student's outcome page with a message: which
field is wrong and why, the service's own sentence when it refuses (``DecisionRefused``), or what was
recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from boards import selectors, services
from boards.access import require
from boards.models import Category, Field, LedgerEntry, Outcome, Review, Stage
from boards.permissions import AMEND, OVERRIDE
from boards.selectors import CohortAtMeeting
from boards.tables import value_words
from boards.words import override_choices
from students.access import signed_in

DENIED_OVERRIDE = "Only the committee's chair or secretary override outcomes and hold students back."
DENIED_AMEND = "Only the committee's chair records and approves amendments after ratification."
REASON_MAX = 2000


def override_fields(stage: str) -> tuple[str, ...]:
    """What the committee may override at this stage: a class or an award, or a progression decision."""
    return (Field.CLASS, Field.AWARD) if stage == Stage.AWARD else (Field.DECISION,)


def _reason() -> forms.CharField:
    return forms.CharField(
        label="Reason", max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )


class ReasonForm(forms.Form):
    """A hold, its release, or the approval of a proposed amendment: a reason for the minutes."""

    reason = _reason()


class StandingForm(forms.Form):
    """The withdrawal or confirmation of the override of one field."""

    field = forms.ChoiceField(label="Override of", choices=Field.choices)
    reason = _reason()


class OverrideForm(forms.Form):
    """An override before ratification, or an amendment after: the field, its new value, why."""

    category = forms.ChoiceField(label="Category", choices=[("", "Choose a category"), *Category.choices])
    reason = _reason()
    field_order = ("field", "value", "category", "reason")

    def __init__(self, *args: Any, stage: str, **kwargs: Any) -> None:
        """The fields and values this stage may change: decisions, or classes and awards (in groups)."""
        super().__init__(*args, **kwargs)
        fields = override_fields(stage)
        self.fields["field"] = forms.ChoiceField(
            label="Change", choices=[(field, Field(field).label) for field in fields]
        )
        self.fields["value"] = forms.ChoiceField(
            label="To",
            choices=[
                ("", "Choose a value"),
                *((Field(field).label, list(override_choices(field).items())) for field in fields),
            ],
        )
        self.order_fields(self.field_order)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        field, value = data.get("field"), data.get("value")
        if field and value and value not in override_choices(field):
            self.add_error("value", f"{value} is not a value the {Field(field).label.lower()} can take.")
        return data


def invalid(form: forms.Form) -> str:
    """Each wrong field by its label, and why: "Reason: This field is required." """
    return " ".join(
        f"{form.fields[name].label}: {error}" if name in form.fields else str(error)
        for name, errors in form.errors.items()
        for error in errors
    )


def _acting(
    request: HttpRequest, meeting: int, cohort: int, enrolment: int, permission: str, denied: str
) -> CohortAtMeeting:
    at = selectors.cohort_at_meeting(request.user, meeting, cohort)
    if (
        at.current is None
        or not Outcome.objects.filter(outcome_set=at.current, enrolment_id=enrolment).exists()
    ):
        raise Http404("This student is not in the cohort's current outcomes.")
    require(request.user, permission, at.meeting.committee, denied)
    return at


Service = Callable[..., LedgerEntry]
Done = Callable[[LedgerEntry], str]


def _decide(
    request: HttpRequest, at: CohortAtMeeting, enrolment: int, form: forms.Form, service: Service, done: Done
) -> HttpResponseRedirect:
    """Validate the form, call the service with its fields, and return to the outcome page with a message."""
    if not form.is_valid():
        messages.error(request, invalid(form))
    else:
        try:
            entry = service(
                meeting=at.meeting,
                cohort=at.cohort,
                enrolment_id=enrolment,
                user=signed_in(request),
                **form.cleaned_data,
            )
        except services.DecisionRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, done(entry))
    return redirect("boards:outcome", at.meeting.pk, at.cohort.pk, enrolment)


def _field(entry: LedgerEntry) -> str:
    return Field(entry.field).label.lower()


def _value(entry: LedgerEntry, which: str) -> str:
    return value_words(entry.field, getattr(entry, which))


@require_POST
def override(request: HttpRequest, meeting: int, cohort: int, enrolment: int) -> HttpResponseRedirect:
    at = _acting(request, meeting, cohort, enrolment, OVERRIDE, DENIED_OVERRIDE)
    return _decide(
        request,
        at,
        enrolment,
        OverrideForm(request.POST, stage=at.stage),
        services.record_override,
        lambda entry: (
            f"Override recorded: the {_field(entry)} is {_value(entry, 'to_value')}; "
            f"the computed {_field(entry)}, {_value(entry, 'from_value')}, stays beside it."
        ),
    )


@require_POST
def withdraw_override(
    request: HttpRequest, meeting: int, cohort: int, enrolment: int
) -> HttpResponseRedirect:
    at = _acting(request, meeting, cohort, enrolment, OVERRIDE, DENIED_OVERRIDE)
    return _decide(
        request,
        at,
        enrolment,
        StandingForm(request.POST),
        services.withdraw_override,
        lambda entry: (
            f"Override withdrawn: the computed {_field(entry)}, {_value(entry, 'to_value')}, stands again."
        ),
    )


@require_POST
def confirm_override(request: HttpRequest, meeting: int, cohort: int, enrolment: int) -> HttpResponseRedirect:
    at = _acting(request, meeting, cohort, enrolment, OVERRIDE, DENIED_OVERRIDE)
    return _decide(
        request,
        at,
        enrolment,
        StandingForm(request.POST),
        services.confirm_override,
        lambda entry: (
            f"Override confirmed: the {_field(entry)} stays {_value(entry, 'to_value')} on the new computed "
            f"{_field(entry)}, {_value(entry, 'from_value')}."
        ),
    )


@require_POST
def hold(request: HttpRequest, meeting: int, cohort: int, enrolment: int) -> HttpResponseRedirect:
    at = _acting(request, meeting, cohort, enrolment, OVERRIDE, DENIED_OVERRIDE)
    return _decide(
        request,
        at,
        enrolment,
        ReasonForm(request.POST),
        services.hold_student,
        lambda entry: "The student is held back from ratification at this meeting.",
    )


@require_POST
def release(request: HttpRequest, meeting: int, cohort: int, enrolment: int) -> HttpResponseRedirect:
    at = _acting(request, meeting, cohort, enrolment, OVERRIDE, DENIED_OVERRIDE)
    after = (
        "the student's outcome is now a proposed amendment for the chair to approve."
        if at.review.locked
        else "the student's outcome goes to ratification with the others."
    )
    return _decide(
        request,
        at,
        enrolment,
        ReasonForm(request.POST),
        services.release_student,
        lambda entry: f"Hold released: {after}",
    )


@require_POST
def amend(request: HttpRequest, meeting: int, cohort: int, enrolment: int) -> HttpResponseRedirect:
    at = _acting(request, meeting, cohort, enrolment, AMEND, DENIED_AMEND)
    return _decide(
        request,
        at,
        enrolment,
        OverrideForm(request.POST, stage=at.stage),
        services.record_amendment,
        lambda entry: (
            f"Amendment recorded: the agreed {_field(entry)} is now {_value(entry, 'to_value')} "
            f"(was {_value(entry, 'from_value')}).{_filed(at)}"
        ),
    )


@require_POST
def approve_amendment(
    request: HttpRequest, meeting: int, cohort: int, enrolment: int
) -> HttpResponseRedirect:
    at = _acting(request, meeting, cohort, enrolment, AMEND, DENIED_AMEND)
    return _decide(
        request,
        at,
        enrolment,
        ReasonForm(request.POST),
        services.approve_amendment,
        lambda entry: f"Amendment approved: {entry.from_value} → {entry.to_value}.{_filed(at)}",
    )


def _filed(at: CohortAtMeeting) -> str:
    """After publication an amendment also goes to the student record system as a file of its own."""
    if at.review.state != Review.State.PUBLISHED:
        return ""
    return " Its results file for the student record system is on the meeting page."
