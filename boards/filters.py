"""The broadsheet's filters: decision or class, a flag, incomplete records, and a search for a student.

Choices come from the outcome set itself (a cohort under Senate Regulation 5 has letters, one under Leeds
has words), so a filter never offers a value no row holds. In anonymous mode the search looks at
candidate numbers only: a search by name would tell the board whose row it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

from .models import Outcome
from .words import FLAGS, award_words, decision_words


class BroadsheetFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Student", method="search")
    decision = django_filters.ChoiceFilter(label="Decision", empty_label="Any")
    klass = django_filters.ChoiceFilter(label="Class", empty_label="Any")
    award = django_filters.ChoiceFilter(label="Award", empty_label="Any")
    flag = django_filters.ChoiceFilter(
        label="Flag", choices=list(FLAGS.items()), method="with_flag", empty_label="Any"
    )
    incomplete = django_filters.ChoiceFilter(
        label="Marks not recorded",
        choices=[("true", "Yes"), ("false", "No")],
        method="with_incomplete",
        empty_label="Any",
    )

    class Meta:
        model = Outcome
        fields: tuple[str, ...] = ()

    def __init__(
        self,
        data: Any,
        queryset: QuerySet[Outcome],
        *,
        award: bool,
        anonymous: bool,
        choices: dict[str, list[str]],
    ) -> None:
        super().__init__(data, queryset)
        self.anonymous = anonymous
        for name in ("klass", "award") if not award else ("decision",):
            del self.filters[name]
        words: dict[str, Callable[[str], str]] = {
            "decision": decision_words,
            "award": award_words,
            "klass": str,
        }
        for name, values in choices.items():
            if name in self.filters:
                self.filters[name].extra["choices"] = [(value, words[name](value)) for value in values]
        self.filters["q"].label = "Candidate number" if anonymous else "Student ID, name or candidate number"

    def search(self, queryset: QuerySet[Outcome], name: str, value: str) -> QuerySet[Outcome]:
        """Every word must match the candidate number or, unless anonymous, the student ID or a name."""
        fields = (
            ["candidate_number"]
            if self.anonymous
            else [
                "candidate_number",
                "student_id",
                "given_name",
                "family_name",
            ]
        )
        for word in value.split():
            match = Q()
            for field in fields:
                match |= Q(**{f"enrolment__student__{field}__icontains": word})
            queryset = queryset.filter(match)
        return queryset

    def with_incomplete(self, queryset: QuerySet[Outcome], name: str, value: str) -> QuerySet[Outcome]:
        return queryset.filter(incomplete=value == "true")

    def with_flag(self, queryset: QuerySet[Outcome], name: str, value: str) -> QuerySet[Outcome]:
        # JSON "contains" is not available on SQLite; flags are fixed words, so their quoted form in the
        # JSON text identifies them on every database.
        return queryset.alias(flags_text=Cast("flags", TextField())).filter(flags_text__contains=f'"{value}"')
