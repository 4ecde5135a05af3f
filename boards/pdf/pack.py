"""The board pack as a PDF on landscape A4: per ratified cohort its broadsheet, module statistics and the
overrides in force, as the committee saw them at ratification.

A broadsheet wider than the page is cut into parts by columns, each part repeating the student column,
so a row can be followed from one part to the next; every table repeats its header rows on each page.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, PageBreak

from ..board_pack import BoardPack, RatifiedCohort
from ..minutes import Minute, value_words, when
from ..statistics import CohortStatistics
from .base import (
    BOLD,
    HEADING,
    LANDSCAPE,
    SUBHEADING,
    SUBTITLE,
    TITLE,
    fonts,
    frame_width,
    para,
    render,
    table,
)

MARK_WIDTH = 24.0
STUDENT_WIDTH = 58.0
DASH = "—"
INTRO = (
    "Each cohort as the committee saw it when it was ratified: the broadsheet of the ratified outcomes "
    "beside the results agreed, the module statistics compared then, and the overrides in force."
)

Column = tuple[str, float]


def fit(label: str, minimum: float) -> Column:
    """A column headed ``label``, wide enough that no word of the heading has to be cut."""
    longest = max(stringWidth(word, BOLD, 7) for word in label.split())
    return label, max(minimum, longest + 7)


def parts(columns: Sequence[Column], tail: Sequence[Column], room: float) -> list[list[int]]:
    """Column indices (into ``columns + tail``) of each part of a table cut to fit ``room`` points.

    ``tail`` stays together in the last part; each part leaves room for the repeated student column.
    """
    chunks: list[list[int]] = [[]]
    used = 0.0
    units: list[tuple[list[int], float]] = [([i], w) for i, (_, w) in enumerate(columns)]
    units.append((list(range(len(columns), len(columns) + len(tail))), sum(w for _, w in tail)))
    for indices, width in units:
        if chunks[-1] and used + width > room:
            chunks.append([])
            used = 0.0
        chunks[-1].extend(indices)
        used += width
    return chunks


def _broadsheet(cohort: RatifiedCohort, anonymous: bool, room: float) -> list[Flowable]:
    marks = [fit(code, MARK_WIDTH) for code in cohort.modules]
    tail = [fit(f"Year {year} average", 30.0) for year in cohort.years]
    if cohort.award:
        tail.append(fit("Classification average", 30.0))
    verdict = "class" if cohort.award else "decision"
    tail += [fit(f"Computed {verdict}", 70.0), fit(f"Agreed {verdict}", 80.0), fit("Override", 30.0)]
    columns = marks + tail
    rows = [
        [
            *row.marks,
            *row.years,
            *([row.average] if cohort.award else []),
            row.computed,
            row.agreed,
            "Yes" if row.overridden else "",
        ]
        for row in cohort.rows
    ]
    students = [row.student for row in cohort.rows]
    identity = "Candidate number" if anonymous else "Student ID"
    cut = parts(marks, tail, room - STUDENT_WIDTH)
    story: list[Flowable] = [para("Broadsheet", SUBHEADING)]
    if not rows:
        return [*story, para("No student in the ratified outcomes.")]
    for number, indices in enumerate(cut, start=1):
        if len(cut) > 1:
            story.append(
                para(f"Part {number} of {len(cut)}: {_part(columns, indices, len(marks), verdict)}.")
            )
        header = [identity, *(columns[i][0] for i in indices)]
        body = [[student, *(row[i] for i in indices)] for student, row in zip(students, rows, strict=True)]
        story.append(table([header], body, [STUDENT_WIDTH, *(columns[i][1] for i in indices)]))
    return story


def _part(columns: Sequence[Column], indices: list[int], marks: int, verdict: str) -> str:
    """What one part of a cut broadsheet holds, e.g. "module marks ENG1001 to ENG3004"."""
    codes = [columns[i][0] for i in indices if i < marks]
    what = []
    if codes:
        what.append(
            f"module marks {codes[0]} to {codes[-1]}" if len(codes) > 1 else f"module mark {codes[0]}"
        )
    if indices[-1] >= marks:
        what.append(f"the averages and the {verdict}")
    return ", ".join(what)


def _statistics(cohort: RatifiedCohort) -> list[Flowable]:
    figures: CohortStatistics = cohort.statistics
    now, before = figures.session, figures.previous_session
    story: list[Flowable] = [para("Module statistics", SUBHEADING)]
    compared = (
        f"beside {before} from outcome set #{figures.previous_set.pk} of {figures.previous_set.cohort}"
        if figures.previous_set is not None
        else f"with no figures for {before}: no earlier set was compared at ratification"
    )
    story.append(
        para(
            f"First-attempt module marks of {now} from outcome set #{cohort.outcome_set_id}, {compared}. "
            "Result codes, grades and marks not recorded are not counted as marks."
        )
    )
    if not figures.modules:
        return [*story, para("No module marks in the ratified outcomes.")]
    names = ["Marks", "Mean", "Median", "SD", "Pass rate"]
    head = [
        [
            "Module",
            "Title",
            "Level",
            now,
            "",
            "",
            "",
            "",
            before,
            "",
            "",
            "",
            "",
            "May need scaling (a board aid)",
        ],
        ["", "", "", *names, *names, ""],
    ]
    spans = [
        ("SPAN", (3, 0), (7, 0)),
        ("SPAN", (8, 0), (12, 0)),
        *(("SPAN", (column, 0), (column, 1)) for column in (0, 1, 2, 13)),
    ]
    rows = []
    for module in figures.modules:
        current = module.current.display
        previous = module.previous.display if module.previous is not None else None
        last = (
            [str(module.previous.count), *(previous[key] for key in ("mean", "median", "stdev", "pass_rate"))]
            if module.previous is not None and previous is not None
            else [DASH] * 5
        )
        rows.append(
            [
                module.code,
                module.title,
                str(module.level),
                str(module.current.count),
                current["mean"],
                current["median"],
                current["stdev"],
                current["pass_rate"],
                *last,
                "; ".join(module.flags),
            ]
        )
    widths = [46.0, 120.0, 26.0, *([36.0] * 10), 0.0]
    widths[-1] = max(80.0, frame_width(LANDSCAPE) - sum(widths))
    return [*story, table(head, rows, widths, extra=spans)]


def _override_row(entry: Minute) -> list[str]:
    return [
        entry.student,
        entry.field_words,
        value_words(entry.field, entry.from_value),
        value_words(entry.field, entry.to_value),
        entry.category,
        entry.reason,
        entry.by,
        when(entry.at),
    ]


def _overrides(cohort: RatifiedCohort) -> list[Flowable]:
    story: list[Flowable] = [para("Overrides in force at ratification", SUBHEADING)]
    if not cohort.overrides:
        return [*story, para("None: every agreed result is the computed one.")]
    header = ["Student", "Field", "Computed", "Override", "Category", "Reason", "Recorded by", "When"]
    widths = [62.0, 34.0, 62.0, 62.0, 110.0, 0.0, 60.0, 72.0]
    widths[5] = frame_width(LANDSCAPE) - sum(widths)
    return [*story, table([header], [_override_row(entry) for entry in cohort.overrides], widths)]


def board_pack_pdf(pack: BoardPack) -> bytes:
    fonts()
    title = pack.title
    story: list[Flowable] = [
        para(f"Board pack: {title}", TITLE),
        para(pack.committee, SUBTITLE),
        para(INTRO + (" Candidates are named by candidate number only." if pack.anonymous else "")),
    ]
    room = frame_width(LANDSCAPE)
    started = False
    for cohort in pack.cohorts:
        ratified = cohort.ratified
        if ratified is not None and started:
            story.append(PageBreak())
        story += [para(cohort.title, HEADING), para(f"{cohort.question}.")]
        started = True
        if ratified is None:
            story.append(para("Not ratified yet."))
            continue
        story.append(
            para(
                f"Ratified by {ratified.ratified_by}, {when(ratified.ratified_at)}, "
                f"from outcome set #{ratified.outcome_set_id}."
            )
        )
        story += _broadsheet(ratified, pack.anonymous, room)
        story += _statistics(ratified)
        story += _overrides(ratified)
    if not pack.cohorts:
        story.append(para("No cohort is on the agenda."))
    return render(
        story,
        title=f"Board pack: {pack.committee}, {title}",
        pagesize=LANDSCAPE,
        foot=f"Board pack of the {pack.committee}, {title}",
    )
