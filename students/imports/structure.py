"""Structure imports: programmes, modules, their pairing, occurrences and components, one row per component.

Rows repeat the programme's and the module's facts; a fact that disagrees with
an earlier row for the same programme or module is an error naming both rows.
A programme or module code that belongs to another school is refused. The plan
lists what is new or changed per kind of record; writing it is all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from regulations import rulesets
from regulations.engine.parse import AWARD_KEYS
from students.models import Component, Module, ModuleOccurrence, Programme, ProgrammeModule, School

from . import cells
from .files import Table
from .marks import RowError
from .records import RecordsPlan, label

PROGRAMME_FLAGS = (
    "engineering_council",
    "two_plus_two",
    "allows_substitution",
    "supernumerary_counts",
    "mbchb",
)
PAIRING_FLAGS = (
    "optional",
    "prerequisite",
    "must_pass",
    "final_project",
    "skills_discovery",
    "supernumerary",
    "minor",
    "foundation_year",
)


StructurePlan = RecordsPlan


def _pairs(text: str, *, value: Callable[[str], Any]) -> dict[str, Any]:
    """``3:counts;4:zero-weighted`` -> ``{"3": "counts", ...}``."""
    result: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        left, sep, right = part.partition(":")
        if not sep or not left.strip().isdigit():
            raise cells.CellError(f"{part!r} is not year:value")
        result[left.strip()] = value(right.strip())
    return result


def _abroad(text: str) -> str:
    if text not in ("counts", "zero-weighted"):
        raise cells.CellError(f"{text!r} must be counts or zero-weighted")
    return text


def _decimal(text: str, *, what: str) -> Decimal:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise cells.CellError(f"{text!r} is not {what}") from None
    if not number.is_finite() or number < 0:
        raise cells.CellError(f"{text!r} is not {what}")
    return number


def _parse(line: int, row: dict[str, str], errors: list[RowError]) -> dict[str, Any] | None:
    known = set(rulesets.available())
    parsers: dict[str, Callable[[str], Any]] = {
        "programme_code": lambda t: cells.text(t, what="the programme code"),
        "programme_title": lambda t: cells.text(t, what="the programme title"),
        "award": lambda t: (
            t.strip()
            if t.strip() in AWARD_KEYS
            else _fail(f"{t!r} is not an award key ({', '.join(AWARD_KEYS)})")
        ),
        "ruleset": lambda t: (
            t.strip()
            if t.strip() in known
            else _fail(f"unknown rule set {t!r} (known: {', '.join(sorted(known))})")
        ),
        "module_code": lambda t: cells.text(t, what="the module code"),
        "module_title": lambda t: cells.text(t, what="the module title"),
        "credits": lambda t: cells.whole(t, low=1, high=480, what="a number of credits"),
        "level": lambda t: cells.whole(t, low=3, high=7, what="an FHEQ level"),
        "programme_year": lambda t: cells.whole(t, low=0, high=7, what="a programme year"),
        "academic_session": cells.session,
        "component": lambda t: cells.text(t, what="the component name"),
        "weight": lambda t: _decimal(t, what="a weight (a number, 0 or more)"),
        "component_must_pass": cells.yes_no,
        "subject": str.strip,
        "joint_subjects": lambda t: [s.strip() for s in t.split(";") if s.strip()],
        "study_abroad_years": lambda t: _pairs(t, value=_abroad),
        "year_weights": lambda t: (
            _pairs(t, value=lambda v: cells.whole(v, low=0, high=100, what="a weight")) or None
        ),
        "im_threshold": lambda t: _decimal(t, what="a threshold mark") if t.strip() else None,
        **{flag: cells.yes_no for flag in (*PROGRAMME_FLAGS, *PAIRING_FLAGS)},
    }
    parsed: dict[str, Any] = {}
    ok = True
    for column, parse in parsers.items():
        try:
            parsed[column] = parse(row.get(column, ""))
        except cells.CellError as error:
            errors.append(RowError(line, column, str(error)))
            ok = False
    if ok and parsed["level"] == 3 and not (parsed["programme_year"] == 0 or parsed["foundation_year"]):
        errors.append(RowError(line, "level", "level 3 is only for an integrated foundation year (year 0)"))
        ok = False
    return parsed if ok else None


def _fail(message: str) -> Any:
    raise cells.CellError(message)


def plan_structure(
    table: Table, school: School, progress: Callable[[int], None] | None = None
) -> StructurePlan:
    plan = StructurePlan()
    wanted: dict[str, dict[Any, dict[str, Any]]] = {
        k: {} for k in ("programme", "module", "pairing", "occurrence", "component")
    }
    first_line: dict[tuple[str, Any], int] = {}
    positions: dict[tuple[str, str], int] = {}
    for line, row in table.rows:
        parsed = _parse(line, row, plan.errors)
        if parsed is None:
            continue
        p, m, s, c = (
            parsed["programme_code"],
            parsed["module_code"],
            parsed["academic_session"],
            parsed["component"],
        )
        occurrence = (m, s)
        positions.setdefault(occurrence, 0)
        records = {
            "programme": (
                p,
                {
                    "title": parsed["programme_title"],
                    "award": parsed["award"],
                    "default_ruleset": parsed["ruleset"],
                    "joint_subjects": parsed["joint_subjects"],
                    "study_abroad_years": parsed["study_abroad_years"],
                    "year_weights": parsed["year_weights"],
                    "im_threshold": parsed["im_threshold"],
                    **{f: parsed[f] for f in PROGRAMME_FLAGS},
                },
            ),
            "module": (
                m,
                {"title": parsed["module_title"], "credits": parsed["credits"], "level": parsed["level"]},
            ),
            "pairing": (
                (p, m),
                {
                    "programme_year": parsed["programme_year"],
                    "subject": parsed["subject"],
                    **{f: parsed[f] for f in PAIRING_FLAGS},
                },
            ),
            "occurrence": (occurrence, {}),
            "component": (
                (m, s, c),
                {"weight": parsed["weight"], "must_pass": parsed["component_must_pass"]},
            ),
        }
        for kind, (key, fields) in records.items():
            earlier = wanted[kind].get(key)
            if earlier is None:
                if kind == "component":
                    fields = {**fields, "position": positions[occurrence]}
                    positions[occurrence] += 1
                wanted[kind][key] = fields
                first_line[(kind, key)] = line
                continue
            if kind == "component":
                plan.errors.append(
                    RowError(
                        line,
                        "component",
                        f"duplicate row: component {c!r} of {m} {s} is also on row {first_line[(kind, key)]}",
                    )
                )
                continue
            for name, value in fields.items():
                if earlier[name] != value:
                    plan.errors.append(
                        RowError(
                            line,
                            _column(kind, name),
                            f"{value!r} differs from {earlier[name]!r} given for {kind} "
                            f"{label(key)} on row {first_line[(kind, key)]}",
                        )
                    )
    for (m, s), _ in wanted["occurrence"].items():
        weights = [f["weight"] for (cm, cs, _), f in wanted["component"].items() if (cm, cs) == (m, s)]
        if sum(weights) <= 0:
            plan.errors.append(
                RowError(
                    first_line[("occurrence", (m, s))],
                    "weight",
                    f"the weights of {m} {s} must sum to a positive number",
                )
            )
    plan.wanted = wanted
    _diff(plan, school, first_line)
    plan.errors.sort(key=lambda error: error.line)
    return plan


def _column(kind: str, name: str) -> str:
    return {
        "programme": {"title": "programme_title", "default_ruleset": "ruleset"},
        "module": {"title": "module_title"},
    }.get(kind, {}).get(name, name)


def _diff(plan: StructurePlan, school: School, first_line: dict[tuple[str, Any], int]) -> None:
    wanted = plan.wanted
    programmes = {p.code: p for p in Programme.objects.filter(code__in=list(wanted["programme"]))}
    modules = {m.code: m for m in Module.objects.filter(code__in=list(wanted["module"]))}
    for kind, existing in (("programme", programmes), ("module", modules)):
        for code, record in existing.items():
            if record.school_id != school.pk:
                plan.errors.append(
                    RowError(
                        first_line[(kind, code)], f"{kind}_code", f"{kind} {code} belongs to another school"
                    )
                )
    pairings = {
        (pm.programme.code, pm.module.code): pm
        for pm in ProgrammeModule.objects.filter(
            programme__code__in=list(wanted["programme"])
        ).select_related("programme", "module")
    }
    occurrences = {
        (o.module.code, o.academic_session): o
        for o in ModuleOccurrence.objects.filter(module__code__in=list(wanted["module"])).select_related(
            "module"
        )
    }
    components = {
        (c.occurrence.module.code, c.occurrence.academic_session, c.name): c
        for c in Component.objects.filter(occurrence__in=list(occurrences.values())).select_related(
            "occurrence__module"
        )
    }
    kinds: tuple[tuple[str, dict[Any, Any]], ...] = (
        ("programme", programmes),
        ("module", modules),
        ("pairing", pairings),
        ("occurrence", occurrences),
        ("component", components),
    )
    for kind, existing in kinds:
        plan.compare(kind, existing)


@transaction.atomic
def write_structure(*, table: Table, batch: Any, user_id: int, expected_fingerprint: str) -> StructurePlan:
    school = School.objects.select_for_update().get(pk=batch.school_id)
    plan = plan_structure(table, school)
    plan.require(expected_fingerprint)
    wanted = plan.wanted
    programmes = {p.code: p for p in Programme.objects.filter(code__in=list(wanted["programme"]))}
    for code, fields in wanted["programme"].items():
        programmes[code] = _save(programmes.get(code), Programme, fields, school=school, code=code)
    modules = {m.code: m for m in Module.objects.filter(code__in=list(wanted["module"]))}
    for code, fields in wanted["module"].items():
        modules[code] = _save(modules.get(code), Module, fields, school=school, code=code)
    pairings = {
        (pm.programme_id, pm.module_id): pm
        for pm in ProgrammeModule.objects.filter(programme__in=list(programmes.values()))
    }
    for (p, m), fields in wanted["pairing"].items():
        key = (programmes[p].pk, modules[m].pk)
        _save(pairings.get(key), ProgrammeModule, fields, programme=programmes[p], module=modules[m])
    occurrences: dict[tuple[int, Any], ModuleOccurrence] = {
        (o.module_id, o.academic_session): o
        for o in ModuleOccurrence.objects.filter(module__in=list(modules.values()))
    }
    for m, s in wanted["occurrence"]:
        key = (modules[m].pk, s)
        if key not in occurrences:
            occurrences[key] = ModuleOccurrence.objects.create(module=modules[m], academic_session=s)
    components = {
        (c.occurrence_id, c.name): c
        for c in Component.objects.filter(occurrence__in=list(occurrences.values()))
    }
    for (m, s, name), fields in wanted["component"].items():
        occurrence = occurrences[(modules[m].pk, s)]
        _save(components.get((occurrence.pk, name)), Component, fields, occurrence=occurrence, name=name)
    return plan


def _save(record: Any, model: Any, fields: dict[str, Any], **identity: Any) -> Any:
    if record is None:
        return model.objects.create(**identity, **fields)
    changed = [name for name, value in fields.items() if getattr(record, name) != value]
    if changed:
        for name in changed:
            setattr(record, name, fields[name])
        record.save(update_fields=changed)
    return record
