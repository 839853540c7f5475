"""One direction of dependencies: services never fetch the loaded content from the Flask side,
and an area never imports an area above it (read from the source, so a new import is caught)."""

import ast
from pathlib import Path

import pytest

LMS = Path(__file__).resolve().parents[2] / "lms"
# Modules below the Flask layer: they receive the catalog as an argument.
PURE_OR_SERVICE = sorted(
    path
    for name in ("service.py", "rules.py", "models.py", "attempts.py", "statistics.py")
    for path in LMS.rglob(name)
)


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports inside functions count)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize("path", PURE_OR_SERVICE, ids=lambda p: str(p.relative_to(LMS)))
def test_no_service_imports_the_flask_side_catalog(path):
    assert not {name for name in imports_of(path) if name.startswith("lms.catalog")}


def test_accounts_never_import_onboarding_or_anything_above_it():
    """Accounts is the bottom area; only its pages (views) may show what others know."""
    above = ("lms.onboarding", "lms.roster", "lms.practice", "lms.certification", "lms.reports")
    for path in (LMS / "accounts").glob("*.py"):
        if path.name == "views.py":
            continue
        bad = {name for name in imports_of(path) if name.startswith(above)}
        assert not bad, f"{path.name} imports {bad}"


def test_learning_never_imports_onboarding_or_certification():
    for path in (LMS / "learning").glob("*.py"):
        bad = {n for n in imports_of(path) if n.startswith(("lms.onboarding", "lms.certification"))}
        assert not bad, f"{path.name} imports {bad}"
