"""The words for the codes outcomes carry (decisions, options, flags, awards): one place, so every page
and export words the same code the same way."""

from __future__ import annotations

from students.models import Programme

DECISIONS = {
    "progress": "Progress",
    "reassess": "Reassess",
    "withdraw": "Withdraw",
    "refer": "Refer to the committee",
    **{letter: f"S 5.23 option ({letter})" for letter in "abcdefgh"},
}
FLAGS = {
    "incomplete": "Marks not recorded",
    "problem": "Could not be judged",
    "failed-credit": "Failed credit",
    "compensated": "Compensated",
    "reassessed": "Reassessed",
    "exit-award": "Exit award",
    "near-boundary": "Near a class boundary",
}
AWARDS = dict(Programme.Award.choices)
SENTENCES = {
    "progress": "progress",
    "reassess": "reassessment in the failed modules",
    "withdraw": "withdraw: a pass-for-progression module failed at the final opportunity",
    "refer": "referred: the committee decides",
}
"""A decision as the outcome page's headline states it."""
OPTIONS_L4 = {
    "a": ("terminate studies", "S 5.23(a)"),
    "b": ("proceed carrying the failed credit", "S 5.23 L4(b)"),
    "c": ("proceed and re-sit the failed modules", "S 5.23 L4(c)"),
    "d": ("proceed and substitute the failed optional modules", "S 5.23 L4(d)"),
    "e": ("repeat level 4 as if for the first time", "S 5.23 L4(e)"),
    "f": ("transfer on the student's request (major/minor)", "S 5.23 L4(f)"),
    "g": ("MBChB repeat year", "S 5.23 L4(g)"),
    "h": ("the student cannot take a repeat year", "S 5.23 L4(h)"),
}
OPTIONS_L56 = {
    "a": ("terminate studies", "S 5.23(a)"),
    "b": ("proceed and re-sit", "S 5.23 L5-6(b)"),
    "c": ("proceed to the final level carrying a level-4 fail", "S 5.23 L5-6(c)"),
    "d": ("proceed and substitute", "S 5.23 L5-6(d)"),
    "e": ("final attempt without residence", "S 5.23 L5-6(e)"),
    "f": ("MBChB repeat year", "S 5.23 L5-6(f)"),
    "g": ("repeat as if for the first time (accepted mitigation)", "S 5.23 L5-6(g)"),
}


def decision_words(code: str) -> str:
    return DECISIONS.get(code, code)


def award_words(code: str) -> str:
    return AWARDS.get(code, code)


def flag_words(code: str) -> str:
    return FLAGS.get(code, code)


CLASSES = {
    "I": "First class",
    "II.i": "Upper second class (II.i)",
    "II.ii": "Lower second class (II.ii)",
    "III": "Third class",
    "Distinction": "Distinction",
    "Merit": "Merit",
    "Pass": "Pass (no class)",
}
"""The classes an override may give: every class band of the shipped rule sets, and a pass without one."""


def class_words(code: str) -> str:
    return CLASSES.get(code, code)


def override_choices(field: str) -> dict[str, str]:
    """The values an override of ``field`` (decision, klass or award) may take, each with its words."""
    if field == "decision":
        return DECISIONS
    if field == "klass":
        return CLASSES
    if field == "award":
        return AWARDS
    raise ValueError(f"unknown override field {field!r}")
