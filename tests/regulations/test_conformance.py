"""Every conformance case shipped with a rule set passes; the copies never drift from shared/."""

from __future__ import annotations

from pathlib import Path

import pytest

from regulations import rulesets
from regulations.cases import run_case
from regulations.conformance import DEFAULT_SOURCE, expected_copies, render

CASES = sorted(
    path
    for key in rulesets.available()
    for folder in ("cases", "local-cases")
    for path in (rulesets.ROOT / key / folder).glob("*.json")
)


def test_every_rule_set_ships_its_cases() -> None:
    assert rulesets.available() == ["leeds-taught-2024", "senate-reg-5"]
    for key in rulesets.available():
        assert sorted(rulesets.cases_dir(key).glob("*.json")), f"{key} ships no conformance cases"
    assert len(CASES) >= 87


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_case(path: Path) -> None:
    run = run_case(path)
    assert run.difference() is None, (
        f"{path.name}: {run.difference()} (the derivation is in shared/regulations/cases)"
    )


@pytest.mark.skipif(not DEFAULT_SOURCE.is_dir(), reason="no ../shared/regulations/cases beside this clone")
def test_shipped_cases_are_the_shared_cases_without_derivations() -> None:
    wanted = expected_copies(DEFAULT_SOURCE)
    shipped = {path for key in rulesets.available() for path in rulesets.cases_dir(key).glob("*.json")}
    assert shipped == set(wanted), "run `python manage.py sync_cases`"
    for target, case in wanted.items():
        assert target.read_text(encoding="utf-8") == render(case), (
            f"{target.name} differs: run `manage.py sync_cases`"
        )
