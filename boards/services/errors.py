"""The one error a board decision is refused with; its message is shown to the user as it is."""

from __future__ import annotations


class DecisionRefused(Exception):
    """The decision cannot be taken now; ``str(error)`` says why in words the committee understands."""
