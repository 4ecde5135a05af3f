"""Imports run one way (STYLE.md): the engine needs only the standard library, and only the adapters
read the students app's models."""

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "regulations" / "engine"


def imported_modules(path: Path) -> Iterator[tuple[int, str, int]]:
    """Each import in a file as (line, absolute or relative module name, relative level)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, 0
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0:
                # `from students import models` imports the module students.models.
                for alias in node.names:
                    yield node.lineno, f"{module}.{alias.name}", 0
            else:
                yield node.lineno, module, node.level


def is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_engine_imports_only_the_standard_library_and_itself() -> None:
    files = sorted(ENGINE.rglob("*.py"))
    assert files, f"no Python files under {ENGINE}: the engine is missing, so this rule checks nothing"

    offending = []
    for path in files:
        package = ".".join(path.relative_to(ROOT).parent.parts)
        for line, module, level in imported_modules(path):
            if level:
                base = package.split(".")[: len(package.split(".")) - level + 1]
                module = ".".join([*base, module] if module else base)
            elif module.split(".")[0] in sys.stdlib_module_names:
                continue
            if not is_within(module, "regulations.engine"):
                offending.append(f"{path.relative_to(ROOT)}:{line}: {module}")

    assert offending == []


def test_only_the_regulations_adapters_turn_student_models_into_engine_input() -> None:
    """The boards app may read students' models (a committee's cohort is a programme's students), but
    the only code that reads them *and* builds engine records is regulations/adapters.py (STYLE.md)."""
    allowed = ROOT / "regulations" / "adapters.py"
    files = sorted(
        path for folder in ("boards", "regulations", "config") for path in (ROOT / folder).rglob("*.py")
    )
    assert files, "no project files found to check"

    offending = []
    for path in files:
        absolute = [module for _, module, level in imported_modules(path) if level == 0]
        reads_models = any(is_within(module, "students.models") for module in absolute)
        builds_records = any(is_within(module, "regulations.engine.records") for module in absolute)
        if path != allowed and reads_models and builds_records:
            offending.append(str(path.relative_to(ROOT)))
        if path.is_relative_to(ROOT / "regulations") and path != allowed and reads_models:
            offending.append(str(path.relative_to(ROOT)))

    assert offending == []


def test_imports_run_one_way_from_boards_to_students() -> None:
    files = sorted((ROOT / "students").rglob("*.py"))
    assert files, "no students files found to check"

    offending = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in files
        for line, module, level in imported_modules(path)
        if level == 0 and is_within(module, "boards")
    ]

    assert offending == []
