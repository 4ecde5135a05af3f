"""Senate Regulation 5 progression (S 5.13-5.27; RULES.md section 6, 9.28-9.33).

Automatic progression needs every module of the level passed (a compensated
fail counts), a level CWA of at least 40.00 compared unrounded, and on a
major/minor programme one minor module passed at 40.00 (S 5.13, 5.22). After
reassessment the rule lists every option of S 5.23 whose conditions hold and
recommends one (RULES 9.28); the committee chooses.
"""

from __future__ import annotations

from decimal import Decimal

from ..awards import PASSED
from ..marks import ModuleMark
from ..numbers import MARK_SCALE, ratio_ge, ratio_text, scaled
from ..progression import Decision, ProgressionContext
from ..records import FIRST_SIT
from ..ruleset import RuleSet
from ..trace import Reason, clauses

L4_ORDER = ("b", "c", "d", "e")
L56_ORDER = ("b", "c", "d", "e", "g")


class Senate5Progression:
    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.p = ruleset.progression

    def n(self, name: str) -> int:
        return int(self.p[name].value)

    def mark(self, name: str) -> int:
        return scaled(Decimal(str(self.p[name].value)))

    def decide(self, context: ProgressionContext) -> Decision:
        level = context.level
        modules = [o for o in context.outcomes.values() if o.module.level == level]
        cwa = context.level_averages.get(level)
        cwa_ok = cwa is not None and ratio_ge(cwa, self.mark("automatic_average"), 4)
        minors = [o for o in modules if o.module.minor]
        minor_ok = not minors or any(self._passed_at(context, o, self.mark("minor_mark")) for o in minors)
        all_passed = all(context.passed(o.module.code) for o in modules)
        figures: dict[str, object] = {
            "level": level,
            "cwa": None if cwa is None else ratio_text(cwa),
            "all_passed": all_passed,
        }
        if minors:
            figures["minor_passed"] = minor_ok
        cited = [self.p["automatic_average"].clause] + ([self.p["minor_mark"].clause] if minors else [])
        transfer = None
        if context.stage != FIRST_SIT:
            transfer = self._transfer(context, cwa)
        if all_passed and cwa_ok and minor_ok:
            reason = Reason("progression", f"level {level}", clauses(*cited), figures)
            options: list[str] | None = None if context.stage == FIRST_SIT else []
            return Decision("progress", options=options, transfer=transfer, reasons=[reason])
        if context.stage == FIRST_SIT:
            reason = Reason(
                "progression", f"level {level}", clauses(*cited, "S 5.14, S 5.16, RULES 9.7"), figures
            )
            return Decision("reassess", reassess=context.reassess_list(modules), reasons=[reason])
        held = self._options(context, modules, cwa_ok, minor_ok, minors, figures)
        options = sorted(held)
        if "a" in held:
            decision = "a"
        else:
            order = L4_ORDER if level == 4 else L56_ORDER
            decision = next((letter for letter in order if letter in held), "refer")
        figures["options"] = {letter: held.get(letter, False) for letter in "abcdefgh" if letter in held}
        cited_options = [
            self.p[name].clause
            for name in self.p
            if name.startswith(("terminate", "l4" if level == 4 else "l5"))
        ]
        reason = Reason(
            "progression",
            f"level {level}",
            clauses(*cited, *dict.fromkeys(cited_options), "RULES 9.28"),
            figures,
        )
        return Decision(decision, options=options, transfer=transfer, reasons=[reason])

    @staticmethod
    def _passed_at(context: ProgressionContext, outcome: ModuleMark, threshold: int) -> bool:
        """Passed outright (not compensated) with a mark of at least ``threshold``."""
        if context.credit.get(outcome.module.code) != PASSED:
            return False
        if outcome.mark is None:
            return outcome.module.grade == "P"
        return bool(outcome.mark * MARK_SCALE >= threshold * 10**outcome.places)

    def _below(self, outcome: ModuleMark, threshold: int) -> bool:
        """A fail mark below ``threshold``; a failed P/F module is below every threshold (RULES 9.10)."""
        if outcome.mark is None:
            return True
        return bool(outcome.mark * MARK_SCALE < threshold * 10**outcome.places)

    def _options(
        self,
        context: ProgressionContext,
        modules: list[ModuleMark],
        cwa_ok: bool,
        minor_ok: bool,
        minors: list[ModuleMark],
        figures: dict[str, object],
    ) -> dict[str, bool]:
        level = context.level
        student = context.record.student
        programme = context.record.programme
        failed = [o for o in modules if context.failed(o.module.code)]
        failed_credits = sum(o.module.credits for o in failed)
        passed = context.apl_by_level.get(level, 0) + sum(
            o.module.credits for o in modules if context.passed(o.module.code)
        )
        below = sum(o.module.credits for o in failed if self._below(o, self.mark("terminate_below")))
        prerequisite_failed = any(o.module.prerequisite for o in failed)
        figures.update(
            passed=passed, failed=failed_credits, below_35=below, prerequisite_failed=prerequisite_failed
        )
        held: dict[str, bool] = {}
        if not student.mitigation_accepted and below > self.n("terminate_credits"):
            held["a"] = True
        if level == 4:
            if passed >= self.n("l4_carry_passed") and not prerequisite_failed:
                held["b"] = True
            floor = self.mark("l4_resit_fail_floor")
            if (
                passed >= self.n("l4_resit_passed")
                and failed_credits <= self.n("l4_resit_failed")
                and not any(self._below(o, floor) for o in failed)
                and cwa_ok
                and not prerequisite_failed
            ):
                held["c"] = True
            if (
                passed >= self.n("l4_substitute_passed")
                and all(o.module.optional for o in failed)
                and failed_credits <= self.n("l4_substitute_failed")
                and cwa_ok
                and not prerequisite_failed
            ):
                held["d"] = True
            if (
                passed >= self.n("l4_repeat_passed")
                and failed_credits <= self.n("l4_repeat_failed")
                and not held.keys() & {"b", "c", "d"}
            ):
                held["e"] = True
            if student.transfer_request and minors and not minor_ok:
                held["f"] = True
            if programme.mbchb and held.get("e"):
                held["g"] = True
            if student.unable_to_repeat and held.get("e"):
                held["h"] = True
            return held
        if below <= self.n("l5_resit_below") and cwa_ok:
            held["b"] = True
        if self._carry_level_4(context):
            held["c"] = True
        if programme.allows_substitution and below <= self.n("l5_substitute_below") and cwa_ok:
            held["d"] = True
        if "a" not in held and not any(o.attempts_used >= self.n("l5_final_attempt") for o in failed):
            held["e"] = True
        if programme.mbchb:
            held["f"] = True
        if student.mitigation_accepted and not student.repeated_before:
            held["g"] = True
        return held

    def _carry_level_4(self, context: ProgressionContext) -> bool:
        """L5-6 (c): the next level is the final one; a level-4 fail of at most 15 credits with its
        attempts exhausted; at least 105 level-5 credits passed at 40.00 or more (RULES 9.29)."""
        final_level = 7 if context.record.programme.award == "integrated-master" else 6
        if context.level + 1 != final_level:
            return False
        outcomes = context.outcomes.values()
        level_4_fails = [o for o in outcomes if o.module.level == 4 and context.failed(o.module.code)]
        fail_credits = sum(o.module.credits for o in level_4_fails)
        if not level_4_fails or fail_credits > self.n("l5_carry_fail_credits"):
            return False
        if any(o.attempts_used < int(self.ruleset.attempts.value) for o in level_4_fails):
            return False
        pass_mark = self.mark("automatic_average")
        at_forty = sum(
            o.module.credits
            for o in outcomes
            if o.module.level == 5 and self._passed_at(context, o, pass_mark)
        )
        return at_forty >= self.n("l5_carry_passed")

    def _transfer(self, context: ProgressionContext, cwa: tuple[int, int] | None) -> str | None:
        """S 5.15: an Integrated Master student below the programme's threshold transfers to the Bachelor."""
        threshold = context.record.programme.im_threshold
        if threshold is None or context.record.programme.award != "integrated-master" or cwa is None:
            return None
        if ratio_ge(cwa, scaled(threshold), 4):
            return None
        return str(self.p["im_transfer"].value)
