"""What a structure or students import would do: each record's wanted fields, and which are new or changed.

Both imports plan the same way: collect the fields each record should have,
compare with the database (``compare``), and refuse to write a plan whose
fingerprint differs from the preview's (``require``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from .marks import RowError, StalePreview

CHANGES_SHOWN = 200


def label(key: Any) -> str:
    return " ".join(map(str, key)) if isinstance(key, tuple) else str(key)


@dataclass(slots=True)
class RecordsPlan:
    """Per kind of record: the wanted fields by key, and which keys are new or changed."""

    wanted: dict[str, dict[Any, dict[str, Any]]] = field(default_factory=dict)
    new: dict[str, list[Any]] = field(default_factory=dict)
    changed: dict[str, list[tuple[Any, dict[str, tuple[Any, Any]]]]] = field(default_factory=dict)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    def compare(self, kind: str, existing: dict[Any, Any]) -> None:
        """Sort the wanted records of ``kind`` into new, changed (field: old, new) and unchanged."""
        for key, fields in self.wanted[kind].items():
            record = existing.get(key)
            if record is None:
                self.new.setdefault(kind, []).append(key)
                continue
            differences = {
                name: (getattr(record, name), value)
                for name, value in fields.items()
                if getattr(record, name) != value
            }
            if differences:
                self.changed.setdefault(kind, []).append((key, differences))
            else:
                self.unchanged += 1

    def require(self, expected_fingerprint: str) -> None:
        """Refuse to write a plan with bad rows or one that is not the previewed plan."""
        if self.errors:
            raise StalePreview(f"the file now has {len(self.errors)} bad rows: preview it again")
        if self.fingerprint != expected_fingerprint:
            raise StalePreview("the records changed since the preview: preview the file again")

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for kind in sorted(self.wanted):
            for key in sorted(map(str, self.new.get(kind, []))):
                digest.update(f"N{kind}{key}\n".encode())
            for key, fields in sorted(self.changed.get(kind, []), key=lambda item: str(item[0])):
                digest.update(f"C{kind}{key}{sorted(fields.items())}\n".encode())
            for key, wanted in sorted(self.wanted[kind].items(), key=lambda item: str(item[0])):
                digest.update(f"W{kind}{key}{sorted(wanted.items())}\n".encode())
        return digest.hexdigest()

    def summary(self) -> dict[str, object]:
        return {
            "new": sum(len(keys) for keys in self.new.values()),
            "changed": sum(len(keys) for keys in self.changed.values()),
            "unchanged": self.unchanged,
            "errors": len(self.errors),
            "fingerprint": self.fingerprint,
            "records": {
                kind: {"new": len(self.new.get(kind, [])), "changed": len(self.changed.get(kind, []))}
                for kind in self.wanted
            },
            "changes": [
                {"line": "", "what": f"{kind} {label(key)}: {name}", "old": str(old), "new": str(new)}
                for kind, items in self.changed.items()
                for key, fields in items
                for name, (old, new) in fields.items()
            ][:CHANGES_SHOWN],
        }
