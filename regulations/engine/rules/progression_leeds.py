"""Leeds progression (L 7.7.1-7.7.7, L 8.2-8.4; RULES.md 9.25-9.27).

The decision is on the programme year of the named level; APL at that level
counts towards its 100 credits (RULES 9.25). At first sit a student with the
credits and every pass-for-progression module progresses, failed modules still
listed for reassessment (9.26); after reassessment: progress, else reassess
while a failed module has an attempt left, else withdraw for a failed
pass-for-progression module, else refer (9.27).
"""

from __future__ import annotations

from ..marks import ModuleMark
from ..progression import Decision, ProgressionContext, decision_year
from ..records import FIRST_SIT
from ..ruleset import RuleSet
from ..trace import Reason, clauses


class LeedsProgression:
    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.credits = ruleset.progression["credits"]
        self.must_pass = ruleset.progression["must_pass"]
        self.withdraw = ruleset.progression["withdraw"]
        self.refer = ruleset.progression["refer"]

    def max_attempts(self, context: ProgressionContext, year_modules: list[ModuleMark]) -> int:
        """Two attempts (L 7.7.1); a third on Engineering Council programmes with enough credit (L 7.7.7)."""
        attempts = int(self.ruleset.attempts.value)
        third = self.ruleset.third_attempt
        if third is None or not context.record.programme.engineering_council:
            return attempts
        postgraduate = context.level >= 7
        needed = int(third.value["postgraduate" if postgraduate else "undergraduate"])
        passed = context.apl_by_level.get(context.level, 0) + sum(
            o.module.credits
            for o in year_modules
            if o.module.level == context.level and context.passed(o.module.code)
        )
        return attempts + 1 if passed >= needed else attempts

    def decide(self, context: ProgressionContext) -> Decision:
        year = decision_year(context.outcomes, context.level)
        modules = [o for o in context.outcomes.values() if o.module.year == year]
        awarded = context.apl_by_level.get(context.level, 0) + sum(
            o.module.credits for o in modules if context.passed(o.module.code)
        )
        required = int(self.credits.value)
        must_fail = [o.module.code for o in modules if o.module.must_pass and context.failed(o.module.code)]
        figures: dict[str, object] = {
            "year": year,
            "credits_awarded": awarded,
            "required": required,
            "must_pass_failed": must_fail,
            "stage": context.stage,
        }
        cited = [self.credits.clause, self.must_pass.clause]
        enough = awarded >= required and not must_fail
        if context.stage == FIRST_SIT:
            decision = "progress" if enough else "reassess"
            reason = Reason("progression", f"year {year}", clauses(*cited, "RULES 9.26"), figures)
            return Decision(decision, reassess=context.reassess_list(modules), reasons=[reason])
        if enough:
            reason = Reason("progression", f"year {year}", clauses(*cited, "RULES 9.27"), figures)
            return Decision("progress", reasons=[reason])
        limit = self.max_attempts(context, modules)
        open_modules = [o for o in modules if context.failed(o.module.code) and o.attempts_used < limit]
        figures["attempts_allowed"] = limit
        if open_modules:
            figures["attempts_left"] = [o.module.code for o in open_modules]
            reason = Reason("progression", f"year {year}", clauses(*cited, "L 7.7.1, RULES 9.27"), figures)
            return Decision("reassess", reassess=context.reassess_list(open_modules), reasons=[reason])
        if must_fail:
            reason = Reason(
                "progression", f"year {year}", clauses(*cited, self.withdraw.clause, "RULES 9.27"), figures
            )
            return Decision("withdraw", reasons=[reason])
        reason = Reason("progression", f"year {year}", clauses(*cited, self.refer.clause), figures)
        return Decision("refer", reasons=[reason])
