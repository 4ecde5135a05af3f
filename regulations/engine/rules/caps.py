"""Where the reassessment cap bites (RULES.md section 2).

Leeds caps the module mark of a reassessment attempt (L 7.7.3-7.7.4); Senate
Regulation 5 caps each re-sat component (S 5.17). A rule set names one of these.
"""

from __future__ import annotations


class ModuleMarkCap:
    """L 7.7.3-7.7.4: the module mark of a reassessment attempt is capped (RULES 9.36)."""

    caps_components = False
    caps_module = True


class ComponentCap:
    """S 5.17: each re-sat component is capped; the module mark is the weighted mark after capping."""

    caps_components = True
    caps_module = False


CapRule = ModuleMarkCap | ComponentCap

CAP_RULES: dict[str, type[CapRule]] = {"module-mark": ModuleMarkCap, "component": ComponentCap}
