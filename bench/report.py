"""What every bench prints the same way: the machine's load, whether a goal was met, a figure line."""

from __future__ import annotations

import os


def machine() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load average {one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min)"


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def figure(name: str, ours: float, baseline: float) -> None:
    """The line the issues ask for: ``figure: NAME ours=X baseline=Y ratio=R`` (ratio = ours/baseline)."""
    print(f"figure: {name} ours={ours} baseline={baseline} ratio={ours / baseline:.3f}")
