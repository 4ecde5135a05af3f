"""The regulations engine: pure Python, standard library only (RULES.md).

``parse_record`` reads a record in the case format, ``evaluate`` computes its
outcome under a ``RuleSet`` with every figure explained, ``compare`` checks a
result against a case's ``expect``. Nothing here touches the database.
"""

from .compare import compare
from .evaluate import evaluate
from .parse import InputError, parse_record
from .records import Record
from .result import Result
from .ruleset import RuleSet, RuleSetError, load_ruleset, parse_ruleset

__all__ = [
    "InputError",
    "Record",
    "Result",
    "RuleSet",
    "RuleSetError",
    "compare",
    "evaluate",
    "load_ruleset",
    "parse_record",
    "parse_ruleset",
]
