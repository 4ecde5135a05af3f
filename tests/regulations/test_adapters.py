"""The adapter: every shared case, loaded through the models, evaluates exactly as the file does."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from regulations import rulesets
from regulations.adapters import records_for
from regulations.cases import run_case
from regulations.engine import InputError, evaluate, parse_record
from students.casefiles import load_case

CASES = sorted(path for key in rulesets.available() for path in rulesets.cases_dir(key).glob("*.json"))


def through_the_database(case: dict[str, Any]) -> dict[str, Any] | str:
    enrolment = load_case(case)
    ask = parse_record(case).ask
    record = records_for([enrolment.pk], ask)[enrolment.pk]
    try:
        return evaluate(record, rulesets.get(record.ruleset)).as_dict()
    except InputError as error:
        return f"error: {error}"


@pytest.mark.django_db
@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_a_case_loaded_into_the_database_evaluates_exactly_as_the_file(path: Path) -> None:
    case = json.loads(path.read_text(), parse_float=Decimal)
    from_file = run_case(path)
    from_database = through_the_database(case)
    if from_file.error is not None:
        assert isinstance(from_database, str)
        assert from_database == "error: " + from_file.error.split(": ", 1)[1]
    else:
        assert from_database == from_file.result


@pytest.mark.django_db
def test_the_adapter_reads_a_cohort_in_a_constant_number_of_queries(django_assert_num_queries: Any) -> None:
    case = json.loads((rulesets.cases_dir("leeds-taught-2024") / "leeds-hons-022.json").read_text())
    ask = parse_record(case).ask
    one = load_case(case)
    with django_assert_num_queries(6):
        records_for([one.pk], ask)
    many = [one.pk]
    for n in range(10):
        renamed = dict(
            case, id=f"student-{n}", modules=[dict(m, code=f"{m['code']}-{n}") for m in case["modules"]]
        )
        many.append(load_case(renamed).pk)
    with django_assert_num_queries(6):
        records = records_for(many, ask)
    assert len(records) == 11
    assert records[many[-1]].id == "student-9"
