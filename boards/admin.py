"""Admin views of the boards app, for superusers: committees with their members, cohorts, meetings, and
outcome sets and outcomes to read (they are written only by a recalculation, never by hand)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from . import models


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(models.AssessmentCommittee)
class AssessmentCommitteeAdmin(admin.ModelAdmin):
    list_display = ("name", "school", "quorum", "anonymous")
    list_filter = ("school", "anonymous")
    search_fields = ("name",)
    inlines = (MembershipInline,)


@admin.register(models.Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("programme", "academic_session", "programme_year", "final_year", "level", "committee")
    list_filter = ("committee", "academic_session", "final_year")
    search_fields = ("programme__code", "programme__title")


@admin.register(models.Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ("committee", "date", "kind")
    list_filter = ("committee", "kind")
    date_hierarchy = "date"
    filter_horizontal = ("cohorts", "attendees")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Outcomes are the engine's, written by a recalculation: the admin shows them and changes nothing."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.OutcomeSet)
class OutcomeSetAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "status",
        "is_current",
        "done",
        "total",
        "trigger",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "is_current", "stage")
    list_select_related = ("cohort__programme",)


@admin.register(models.Outcome)
class OutcomeAdmin(ReadOnlyAdmin):
    list_display = ("enrolment", "outcome_set", "incomplete", "decision", "award", "klass", "credit_passed")
    list_filter = ("incomplete", "outcome_set__stage")
    list_select_related = (
        "enrolment__student",
        "enrolment__entry_cohort__programme",
        "outcome_set__cohort__programme",
    )
    search_fields = ("enrolment__student__student_id",)
    raw_id_fields = ("enrolment", "outcome_set")
