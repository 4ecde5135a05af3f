"""Synthetic cohorts in the upload formats of ``students.imports.columns``, for demos and benchmarks.

``build_programme`` lays out one programme; ``structure_rows`` and ``cohort_rows`` yield the rows of the
three files lazily, one student at a time, so a million students never sit in memory together. The same
spec gives the same rows: every random choice comes from generators seeded by ``spec.seed``.

Marks follow RULES.md sections 1-2 and items 34-37 so that the engine reads them as a registry's would:
a module fails at first sitting when its weighted mark is below the pass mark, and only then does it get
an attempt 2, for exactly the components below the pass mark (S 5.16, L 7.7.1). ``ABS``/``NS`` count as 0,
so they only ever stand for a failing component; a ``DEF`` component did not take place and its attempt 2
is the sitting that stands in for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from random import Random

Cell = str | int | float
Row = tuple[Cell, ...]

DEFAULT_SEED = 2024
MAX_YEARS = 3
MODULES_PER_YEAR = 6
MODULE_CREDITS = 20
BACHELOR = "bachelor-honours"
MASTER = "master"
AWARDS = (BACHELOR, MASTER)
"""A three-year Honours degree (levels 4-6), or a one-year taught master's (level 7, 180 credits)."""
DISSERTATION_CREDITS = 60
MASTER_LEVEL = 7
LATEST_SESSION_START = 2024
"""By default the cohort's final year is 2024/25, the session a demo board sits on."""

# Which columns of students.imports.columns each file fills, in that module's order (a test holds them to it).
STRUCTURE_HEADER = (
    "programme_code",
    "programme_title",
    "award",
    "ruleset",
    "module_code",
    "module_title",
    "credits",
    "level",
    "programme_year",
    "academic_session",
    "component",
    "weight",
    "component_must_pass",
    "final_project",
)
STUDENTS_HEADER = (
    "student_id",
    "given_name",
    "family_name",
    "candidate_number",
    "programme_code",
    "entry_session",
    "academic_session",
    "programme_year",
    "module_code",
    "grade",
    "mitigation_accepted",
)
MARKS_HEADER = ("student_id", "module_code", "academic_session", "component", "attempt", "mark")

# Shares of the cohort, chosen to look like a real board's papers.
FAIL_SHARE = 0.063
"""Base chance a first sitting fails; scaled by ability, it comes to about 8% of module first attempts."""
CODE_SHARE = 0.2
"""Of the failing components, the share recorded as ABS/NS (about 1% of all first sittings)."""
DEF_SHARE = 0.005
GRADED_SHARE = 0.03
"""Registrations on each year's pass/fail-capable module that carry a P/F grade instead of marks."""
MITIGATION_SHARE = 0.02
DECIMAL_SHARE = 0.15
"""Marks with one decimal place; the rest are whole numbers."""

SUBJECTS = {
    "HIST": "History", "ENGL": "English", "MATH": "Mathematics", "PHIL": "Philosophy", "ECON": "Economics",
    "GEOG": "Geography", "LAW": "Law", "PSYC": "Psychology",
}  # fmt: skip
TITLES = {
    1: ("Introduction to {s}", "Foundations of {s}", "Sources and Methods in {s}", "{s} in the Modern World",
        "Key Debates in {s}", "Academic Writing for {s}"),
    2: ("Research Methods in {s}", "Theory and Practice of {s}", "{s} and Society",
        "Comparative Perspectives in {s}", "Evidence and Argument in {s}", "Group Research Project"),
    3: ("Advanced Topics in {s}", "Special Subject in {s}", "Contemporary Issues in {s}",
        "{s} Beyond Borders", "Public Engagement in {s}", "Dissertation in {s}"),
    MASTER_LEVEL: ("Historiography and Theory of {s}", "Advanced Research Skills in {s}",
        "Archives and Evidence in {s}", "Debates in Modern {s}", "Professional Practice in {s}",
        "Advanced Seminar in {s}", "Dissertation (MA {s})"),
}  # fmt: skip
"""Module titles by programme year, and a master's modules by its level (the dissertation last)."""
COMPONENT_PAIRS = (
    ("exam", "coursework"),
    ("exam", "essay"),
    ("essay", "presentation"),
    ("coursework", "portfolio"),
)
WEIGHT_PAIRS = ((60, 40), (50, 50), (70, 30))
PROJECT_COMPONENTS = (("dissertation", 80), ("presentation", 20))
GIVEN_NAMES = (
    "Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Noah", "Mia", "Jack", "Sophie", "Mohammed",
    "Aisha", "Thomas", "Emily", "James", "Grace", "Zoë", "Siân", "Seán", "Aoife", "Niamh", "Dafydd",
    "Rhiannon", "Eilidh", "Ruairí", "Chloé", "Priya", "Arjun", "Wei", "Mei", "Olamide", "Chidi",
    "Fatima", "Yusuf", "Łucja", "Mateusz", "Hannah", "Callum", "Ffion", "Róisín",
)  # fmt: skip
FAMILY_NAMES = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Roberts",
    "Johnson", "Wright", "Walker", "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall",
    "Patel", "Khan", "Begum", "Ali", "Ahmed", "Singh", "Kaur", "Chen", "Nowak", "Okafor", "Adeyemi",
    "Ní Bhriain", "Ó Súilleabháin", "MacDonald", "O'Connor", "Llewellyn", "Fitzgerald", "Smith-Jones",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    weight: int
    must_pass: bool = False


@dataclass(frozen=True, slots=True)
class Module:
    code: str
    title: str
    level: int
    year: int
    session: str
    components: tuple[Component, ...]
    credits: int = MODULE_CREDITS
    final_project: bool = False
    graded: bool = False
    """Some registrations on this module carry a P/F grade instead of marks."""


@dataclass(frozen=True, slots=True)
class Programme:
    code: str
    title: str
    award: str
    ruleset: str
    modules: tuple[Module, ...]


@dataclass(frozen=True)
class CohortSpec:
    students: int
    ruleset: str
    years: int = 1
    seed: int = DEFAULT_SEED
    school: str = "HIST"
    entry_session: str | None = None
    """``2022/23``; by default the session that makes the final year 2024/25."""
    incomplete: int = 0
    """First-attempt component marks of the final year left out, for boards with marks "not recorded"."""
    pass_marks: Mapping[int, Decimal] = field(
        default_factory=lambda: {**dict.fromkeys((4, 5, 6), Decimal(40)), MASTER_LEVEL: Decimal(50)}
    )
    """Pass mark by FHEQ level, from the rule set (RULES.md section 1)."""
    award: str = BACHELOR
    first_student: int = 1
    """The serial of the first student id (``2024`` + serial): intakes of one entry year on other
    programmes take ranges that do not overlap, so one university's student ids never collide."""
    candidate_seed: int | None = None
    """Seed of the candidate-number map (default: ``seed``). Intakes that share it and take disjoint
    ``first_student`` ranges get distinct candidate numbers, since the map is one-to-one."""

    def __post_init__(self) -> None:
        if self.students < 1:
            raise ValueError("--students must be at least 1")
        if not 1 <= self.years <= MAX_YEARS:
            raise ValueError(f"--years must be between 1 and {MAX_YEARS}")
        if self.award not in AWARDS:
            raise ValueError(f"--award must be one of {', '.join(AWARDS)}")
        if self.award == MASTER and self.years != 1:
            raise ValueError("--award master is a one-year programme: use --years 1")
        if self.first_student < 1:
            raise ValueError("--first-student must be at least 1")
        if not re.fullmatch(r"[A-Z]{2,6}", self.school):
            raise ValueError("--school must be 2-6 capital letters, e.g. HIST")
        if self.entry_session is not None:
            session_start(self.entry_session)
        levels = (MASTER_LEVEL,) if self.award == MASTER else range(4, 4 + self.years)
        missing = [level for level in levels if level not in self.pass_marks]
        if missing:
            raise ValueError(f"the rule set has no pass mark for level {missing[0]}")
        if not 0 <= self.incomplete <= self.students * MODULES_PER_YEAR * 2:
            raise ValueError("--incomplete must be between 0 and the final year's component marks")


def session_start(session: str) -> int:
    """The first calendar year of a session written ``2022/23``."""
    match = re.fullmatch(r"(\d{4})/(\d{2})", session)
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise ValueError(f"--entry-session {session!r} is not a session like 2022/23")
    return int(match[1])


def session_name(start: int) -> str:
    return f"{start}/{(start + 1) % 100:02d}"


def entry_start(spec: CohortSpec) -> int:
    if spec.entry_session is None:
        return LATEST_SESSION_START - spec.years + 1
    return session_start(spec.entry_session)


def build_programme(spec: CohortSpec) -> Programme:
    """One programme of two-component modules, each in the session it is taken: ``MODULES_PER_YEAR``
    20-credit modules a year, or for a master's six and a 60-credit dissertation (180 credits)."""
    rng = Random(f"structure:{spec.seed}")
    subject = SUBJECTS.get(spec.school, spec.school.capitalize())
    first = entry_start(spec)
    modules = []
    for year in range(1, spec.years + 1):
        must_pass_at = rng.randrange(1, 5)
        for number, code, level, credits, final_project in _slots(spec, year):
            if final_project:
                components = tuple(
                    Component(name, weight, name == "dissertation") for name, weight in PROJECT_COMPONENTS
                )
            else:
                names = rng.choice(COMPONENT_PAIRS)
                weights = rng.choice(WEIGHT_PAIRS)
                components = (
                    Component(names[0], weights[0], must_pass=number == must_pass_at),
                    Component(names[1], weights[1]),
                )
            modules.append(
                Module(
                    code=code,
                    title=TITLES[level if spec.award == MASTER else year][number - 1].format(s=subject),
                    level=level,
                    year=year,
                    session=session_name(first + year - 1),
                    components=components,
                    credits=credits,
                    final_project=final_project,
                    graded=number == 5,
                )
            )
    if spec.award == MASTER:
        return Programme(f"{spec.school}-MA", f"MA {subject}", MASTER, spec.ruleset, tuple(modules))
    return Programme(f"{spec.school}-BA", f"BA {subject}", BACHELOR, spec.ruleset, tuple(modules))


def _slots(spec: CohortSpec, year: int) -> Iterator[tuple[int, str, int, int, bool]]:
    """(number, code, level, credits, final project) of each module of the programme year."""
    if spec.award == MASTER:
        for number in range(1, MODULES_PER_YEAR + 2):
            project = number == MODULES_PER_YEAR + 1
            credits = DISSERTATION_CREDITS if project else MODULE_CREDITS
            yield number, f"{spec.school}{MASTER_LEVEL}{number:03d}", MASTER_LEVEL, credits, project
        return
    for number in range(1, MODULES_PER_YEAR + 1):
        project = year == 3 and number == MODULES_PER_YEAR
        yield number, f"{spec.school}{year}{number:03d}", year + 3, MODULE_CREDITS, project


def structure_rows(programme: Programme) -> Iterator[Row]:
    """One row per component of each module occurrence, the programme's columns repeated on each."""
    for module in programme.modules:
        for component in module.components:
            yield (
                programme.code,
                programme.title,
                programme.award,
                programme.ruleset,
                module.code,
                module.title,
                module.credits,
                module.level,
                module.year,
                module.session,
                component.name,
                component.weight,
                _yes_no(component.must_pass),
                _yes_no(module.final_project),
            )


def cohort_rows(spec: CohortSpec, programme: Programme) -> Iterator[tuple[list[Row], list[Row]]]:
    """For each student in turn: their registration rows (students file) and mark rows (marks file)."""
    rng = Random(f"cohort:{spec.seed}")
    first = entry_start(spec)
    entry = session_name(first)
    width = max(6, len(str(spec.first_student + spec.students - 1)))
    modulus = 10**width
    scale, offset = _candidate_map(rng, modulus)
    if spec.candidate_seed is not None:
        scale, offset = _candidate_map(Random(f"cohort:{spec.candidate_seed}"), modulus)
    papers = [_Paper.of(module, int(spec.pass_marks[module.level] * 10)) for module in programme.modules]
    dropped = _dropped_marks(spec, programme)

    for index in range(spec.students):
        serial = spec.first_student + index
        student_id = f"{first}{serial:0{width}d}"
        given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
        candidate = f"C{(scale * (serial - 1) + offset) % modulus:0{width}d}"
        mitigation = _yes_no(rng.random() < MITIGATION_SHARE)
        ability = rng.gauss(60, 7)
        fail_chance = min(0.6, FAIL_SHARE * 2 ** ((60 - ability) / 7))
        person = (student_id, given, family, candidate, programme.code, entry)
        registrations: list[Row] = []
        marks: list[Row] = []
        for position, paper in enumerate(papers):
            module = paper.module
            drops = dropped.get((index, position), ()) if dropped else ()
            grade = ""
            if module.graded and not drops and rng.random() < GRADED_SHARE:
                grade = "P" if rng.random() < 0.85 else "F"
            registrations.append((*person, module.session, module.year, module.code, grade, mitigation))
            if grade:
                continue
            if not drops and rng.random() < fail_chance:
                sittings = _failed_sittings(rng, paper)
            else:
                sittings = _passed_sittings(rng, paper, ability, deferrable=not drops)
            for component, attempt, mark in sittings:
                if attempt == 1 and component in drops:
                    continue
                marks.append((student_id, module.code, module.session, paper.names[component], attempt, mark))
        yield registrations, marks


def _candidate_map(rng: Random, modulus: int) -> tuple[int, int]:
    """(a, b) of the map i -> (a*i + b) mod ``modulus``: with a coprime to 10 it is a bijection, so
    candidate numbers come out distinct and scrambled without holding a set of those already issued."""
    scale = rng.randrange(modulus // 10, modulus) | 1
    if scale % 5 == 0:
        scale += 2
    return scale, rng.randrange(modulus)


@dataclass(frozen=True, slots=True)
class _Paper:
    """What marking a module needs, worked out once per module rather than once per registration."""

    module: Module
    names: tuple[str, ...]
    weights: tuple[int, ...]
    total: int
    must_pass: tuple[int, ...]
    pass_tenths: int

    @classmethod
    def of(cls, module: Module, pass_tenths: int) -> _Paper:
        weights = tuple(c.weight for c in module.components)
        must_pass = tuple(i for i, c in enumerate(module.components) if c.must_pass)
        names = tuple(c.name for c in module.components)
        return cls(module, names, weights, sum(weights), must_pass, pass_tenths)

    def weighted(self, marks: list[int]) -> int:
        """The module mark times ``10 * total``: compared with ``pass_tenths * total``, no rounding needed."""
        return sum(mark * weight for mark, weight in zip(marks, self.weights, strict=True))


Sitting = tuple[int, int, Cell]
"""(component index, attempt, mark)"""


def _dropped_marks(spec: CohortSpec, programme: Programme) -> dict[tuple[int, int], tuple[int, ...]]:
    """The final-year first-attempt marks left out: {(student index, module position): component indexes}."""
    slots = [
        (position, c)
        for position, module in enumerate(programme.modules)
        if module.year == spec.years
        for c in range(len(module.components))
    ]
    picks = Random(f"incomplete:{spec.seed}").sample(range(spec.students * len(slots)), spec.incomplete)
    dropped: dict[tuple[int, int], tuple[int, ...]] = {}
    for pick in sorted(picks):
        student, slot = divmod(pick, len(slots))
        position, component = slots[slot]
        dropped[student, position] = (*dropped.get((student, position), ()), component)
    return dropped


def _failed_sittings(rng: Random, paper: _Paper) -> list[Sitting]:
    """A failed first sitting, then attempt 2 of exactly the components below the pass mark."""
    first = _failing(rng, paper)
    resits = [c for c, tenths in enumerate(first) if tenths < paper.pass_tenths]
    out: list[Sitting] = []
    for c, tenths in enumerate(first):
        if c in resits and rng.random() < CODE_SHARE:
            out.append((c, 1, "ABS" if rng.random() < 0.6 else "NS"))
        else:
            out.append((c, 1, _mark(tenths)))
    out.extend((c, 2, _mark(_draw(rng, 50, 12, 0, 1000))) for c in resits)
    return out


def _passed_sittings(rng: Random, paper: _Paper, ability: float, *, deferrable: bool) -> list[Sitting]:
    """A passed module; a deferred (DEF) component takes its mark at attempt 2 instead."""
    out: list[Sitting] = []
    deferred: list[Sitting] = []
    for c, tenths in enumerate(_passing(rng, paper, ability)):
        if deferrable and rng.random() < DEF_SHARE:
            out.append((c, 1, "DEF"))
            deferred.append((c, 2, _mark(tenths)))
        else:
            out.append((c, 1, _mark(tenths)))
    return out + deferred


def _failing(rng: Random, paper: _Paper) -> list[int]:
    """Component marks (tenths) whose weighted mark is below pass - 1, so it fails at any rounding."""
    count, ceiling, floor = len(paper.weights), paper.pass_tenths - 11, paper.pass_tenths
    for _ in range(20):
        failing = range(count) if rng.random() < 0.3 else (rng.randrange(count),)
        marks = [
            _draw(rng, 30, 7, 0, ceiling) if c in failing else _draw(rng, 50, 8, floor, 1000)
            for c in range(count)
        ]
        if paper.weighted(marks) < (paper.pass_tenths - 10) * paper.total:
            return marks
    return [_draw(rng, 28, 7, 0, ceiling) for _ in range(count)]


def _passing(rng: Random, paper: _Paper, ability: float) -> list[int]:
    """Component marks (tenths) around ~N(60, 12) whose module passes, must-pass components included."""
    pass_tenths = paper.pass_tenths
    marks: list[int] = []
    for _ in range(20):
        marks = [_draw(rng, ability, 10, 0, 1000) for _ in paper.weights]
        if paper.weighted(marks) >= pass_tenths * paper.total and all(
            marks[c] >= pass_tenths for c in paper.must_pass
        ):
            return marks
    return [max(mark, pass_tenths) for mark in marks]


def _draw(rng: Random, mean: float, sd: float, low: int, high: int) -> int:
    """A mark in tenths of a percentage point, whole most of the time, within ``low``-``high``."""
    mark = rng.gauss(mean, sd)
    tenths = round(mark * 10) if rng.random() < DECIMAL_SHARE else round(mark) * 10
    return low if tenths < low else high if tenths > high else tenths


def _mark(tenths: int) -> Cell:
    """A mark as the file carries it: ``62`` or ``62.5`` (a number, so a spreadsheet cell is numeric)."""
    return tenths // 10 if tenths % 10 == 0 else tenths / 10


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"
