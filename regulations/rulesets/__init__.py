"""The rule-set versions Quorum ships: one folder per key, holding ``ruleset.toml`` and ``cases/``.

``cases/`` is the conformance copy of ``shared/regulations/cases`` (every key but
``derivation``); a registry's own cases live in ``local-cases/``, which the drift test ignores.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from regulations.engine import RuleSet, load_ruleset

ROOT = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(path.parent.name for path in ROOT.glob("*/ruleset.toml"))


class UnknownRuleSet(LookupError):
    pass


@cache
def get(key: str) -> RuleSet:
    path = ROOT / key / "ruleset.toml"
    if "/" in key or not path.is_file():
        raise UnknownRuleSet(f"ruleset: unknown rule set {key!r} (known: {', '.join(available())})")
    return load_ruleset(path)


def cases_dir(key: str) -> Path:
    return ROOT / key / "cases"
