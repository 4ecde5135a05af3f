"""The broadsheet as a table, and the words the boards pages use for the engine's codes.

django-tables2 owns the columns, their headers, server-side ordering and pagination. The body is written
here in one pass over the page's outcomes rather than through a template per cell: a broadsheet of
1,000 students has some 30,000 cells, and Django's per-cell rendering would dominate the page. The same
``cells`` feed the CSV and XLSX exports, so the download and the page cannot disagree.

The computed decision or class always stays; the "Agreed" columns beside it show what the committee's
decisions put in force (an override, or after ratification the agreed result) and the "Committee" column
says why: overridden, needs review, held, amendment proposed, amended.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import Any

import django_tables2 as tables
from django.db.models import F, QuerySet
from django.utils.safestring import SafeString, mark_safe

from .models import Outcome
from .words import award_words, decision_words, flag_words

NOT_RECORDED = "Not recorded"
"""What an incomplete record shows instead of a decision or class (RULES.md item 35)."""
NOT_JUDGED = "Could not be judged"
OVERRIDDEN = "Overridden"
NEEDS_REVIEW = "Needs review"
HELD = "Held"
AMENDMENT_PROPOSED = "Amendment proposed"
AMENDED = "Amended"
"""The committee's flags on a student's row, in the order they are listed."""
PER_PAGE_CHOICES = ("25", "50", "100", "200", "all")
PER_PAGE = 50

TENTH = Decimal("0.1")
NUMBER = re.compile(r"\d{1,3}(\.\d+)?")


def group_label(group: dict[str, Any]) -> str:
    """A meeting page count's label: one decision, or one award with its class, in words."""
    if group["incomplete"]:
        return f"{NOT_RECORDED} (marks missing)"
    if not group["judged"]:
        return NOT_JUDGED
    if "decision" in group:
        return decision_words(group["decision"]) or "No decision"
    if group["award"]:
        return ", ".join(filter(None, [award_words(group["award"]), group["klass"]]))
    if group["exit_award"]:
        return f"No award; exit award {award_words(group['exit_award'])}"
    return "No award"


def one_place(value: str | Decimal | None) -> Decimal | None:
    """An average to one decimal place, half up (L 9.2); the stored text is exact, so rounding it is too."""
    if value is None or value == "":
        return None
    return Decimal(value).quantize(TENTH, rounding=ROUND_HALF_UP)


def mark_cell(text: str) -> str | Decimal:
    """A module mark as the engine gave it: a number as a number (for spreadsheets), a code (ABS) as is."""
    return Decimal(text) if NUMBER.fullmatch(text) else text


VALUE_WORDS: dict[str, Callable[[str], str]] = {
    "decision": decision_words,
    "award": award_words,
    "klass": str,
}


def value_words(field: str, code: str) -> str:
    """A decision, award or class (an override's field) as the pages show it; "none" when it is blank."""
    return VALUE_WORDS[field](code) if code else "none"


@dataclass(frozen=True)
class AgreedRow:
    """What the committee's decisions put in force for one student, beside the computed values."""

    values: Mapping[str, str]
    """The fields an override in force or, after ratification, the agreed result sets; any other field
    stands as computed."""
    flags: tuple[str, ...] = ()
    settled: bool = True
    """False after ratification for a student with no agreed result (held back, or released since)."""


@dataclass(frozen=True)
class Layout:
    """What the broadsheet of one outcome set shows."""

    modules: tuple[str, ...]
    """Every module code appearing in the set's results, in code order."""
    years: tuple[str, ...]
    award: bool
    """The set answers the award question (else a progression one)."""
    anonymous: bool
    """Candidate numbers only: no names and no student IDs anywhere on the page or in the files."""


class BroadsheetTable(tables.Table):
    student_id = tables.Column(
        verbose_name="Student ID",
        accessor="enrolment__student__student_id",
        order_by=("enrolment__student__student_id",),
    )
    name = tables.Column(
        verbose_name="Name",
        accessor="enrolment__student__family_name",
        order_by=("enrolment__student__family_name", "enrolment__student__given_name", "pk"),
    )
    candidate_number = tables.Column(
        verbose_name="Candidate number",
        accessor="enrolment__student__candidate_number",
        order_by=("enrolment__student__candidate_number", "pk"),
    )
    classification_average = tables.Column(verbose_name="Classification average")
    credit_passed = tables.Column(verbose_name="Credit passed", order_by=("credit_passed", "pk"))
    decision = tables.Column(verbose_name="Decision", order_by=("decision", "pk"))
    klass = tables.Column(verbose_name="Class", order_by=("klass", "pk"))
    award = tables.Column(verbose_name="Award", order_by=("award", "pk"))
    exit_award = tables.Column(verbose_name="Exit award", order_by=("exit_award", "pk"))
    agreed_decision = tables.Column(verbose_name="Agreed decision", orderable=False)
    agreed_klass = tables.Column(verbose_name="Agreed class", orderable=False)
    agreed_award = tables.Column(verbose_name="Agreed award", orderable=False)
    committee = tables.Column(verbose_name="Committee", orderable=False)
    flags = tables.Column(verbose_name="Flags", orderable=False)

    class Meta:
        per_page = PER_PAGE
        empty_text = "No student matches these filters."

    def __init__(
        self,
        data: Any,
        *,
        layout: Layout,
        outcome_url: str,
        caption: str,
        agreed: Callable[[Outcome], AgreedRow],
    ) -> None:
        """``outcome_url`` is a student outcome page's address ending in ``/0/``, for each row's link;
        ``agreed`` gives a row's values and flags as the committee's decisions have them."""
        identity = ["candidate_number"] if layout.anonymous else ["student_id", "name"]
        verdict = ["klass", "award", "exit_award"] if layout.award else ["decision"]
        settled = ["agreed_klass", "agreed_award"] if layout.award else ["agreed_decision"]
        average = ["classification_average"] if layout.award else []
        sequence = [
            *identity,
            *(f"module_{code}" for code in layout.modules),
            *(f"year_{year}" for year in layout.years),
            *average,
            "credit_passed",
            *verdict,
            *settled,
            "committee",
            "flags",
        ]
        shown = set(sequence)
        extra = [
            *((f"module_{c}", tables.Column(verbose_name=c, orderable=False)) for c in layout.modules),
            *(
                (f"year_{year}", tables.Column(verbose_name=f"Year {year} average", orderable=False))
                for year in layout.years
            ),
        ]
        exclude = [name for name in self.base_columns if name not in shown]
        super().__init__(
            data,
            extra_columns=extra,
            sequence=sequence,
            exclude=exclude,
            order_by=identity[0],
        )
        self.layout = layout
        self.agreed = agreed
        self.caption = caption
        self.outcome_url = outcome_url.removesuffix("0/")
        self.getters = [self._getter(name) for name in sequence]
        self.headers = [str(column.header) for column in self.columns]

    def order_classification_average(
        self, queryset: QuerySet[Outcome], is_descending: bool
    ) -> tuple[QuerySet[Outcome], bool]:
        """Records without an average (incomplete) come last either way, on every database."""
        average = F("classification_average")
        first = average.desc(nulls_last=True) if is_descending else average.asc(nulls_last=True)
        return queryset.order_by(first, "-pk" if is_descending else "pk"), True

    def _getter(self, name: str) -> Callable[[Outcome], object]:
        if name.startswith("module_"):
            code = name.removeprefix("module_")
            return lambda o: mark_cell(o.module_marks.get(code, "")) if o.module_marks else ""  # type: ignore[attr-defined]
        if name.startswith("year_"):
            year = name.removeprefix("year_")
            return lambda o: one_place((o.year_averages or {}).get(year))  # type: ignore[attr-defined]
        if name.startswith("agreed_"):
            return self._agreed_getter(name.removeprefix("agreed_"))
        if name == "committee":
            return lambda o: ", ".join(self.agreed(o).flags)
        return GETTERS[name]

    def _agreed_getter(self, field: str) -> Callable[[Outcome], object]:
        """The value in force: the committee's where it set one, else the computed cell; blank when a
        student has no agreed result after ratification."""
        computed = GETTERS[field]

        def get(outcome: Outcome) -> object:
            row = self.agreed(outcome)
            if field in row.values:
                return VALUE_WORDS[field](row.values[field])
            return computed(outcome) if row.settled else ""

        return get

    def cells(self, outcome: Outcome) -> list[object]:
        """The row's values in column order, as the export writes them."""
        return [getter(outcome) for getter in self.getters]

    def records(self) -> Iterable[Outcome]:
        """The outcomes of the current page, or every row (filtered and ordered) when not paginated."""
        if hasattr(self, "page"):
            return self.page.object_list.data
        return self.data

    def body_html(self) -> SafeString:
        """The ``<tbody>`` rows, the first cell linking to the student's outcome page."""
        lines: list[str] = []
        for outcome in self.records():
            values = self.cells(outcome)
            first = f'<a href="{self.outcome_url}{outcome.enrolment_id}/">{escape(_text(values[0]))}</a>'
            rest = "".join(f"<td>{escape(_text(value))}</td>" for value in values[1:])
            attention = ' class="attention"' if outcome.incomplete or outcome.problem else ""
            lines.append(f'<tr{attention}><th scope="row">{first}</th>{rest}</tr>')
        if not lines:
            lines.append(f'<tr><td colspan="{len(self.getters)}">{escape(str(self.empty_text))}</td></tr>')
        # Every value above went through html.escape.
        return mark_safe("\n".join(lines))


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _verdict(field: str, words: Callable[[str], str] = str) -> Callable[[Outcome], object]:
    def get(outcome: Outcome) -> object:
        if outcome.incomplete:
            return NOT_RECORDED
        if outcome.problem:
            return NOT_JUDGED
        return words(getattr(outcome, field))

    return get


GETTERS: dict[str, Callable[[Outcome], object]] = {
    "student_id": lambda o: o.enrolment.student.student_id,
    "name": lambda o: f"{o.enrolment.student.given_name} {o.enrolment.student.family_name}".strip(),
    "candidate_number": lambda o: o.enrolment.student.candidate_number or "(none)",
    "classification_average": lambda o: one_place(o.classification_average),
    "credit_passed": lambda o: o.credit_passed,
    "decision": _verdict("decision", decision_words),
    "klass": _verdict("klass"),
    "award": _verdict("award", award_words),
    "exit_award": lambda o: award_words(o.exit_award),
    "flags": lambda o: ", ".join(flag_words(flag) for flag in o.flags),
}
