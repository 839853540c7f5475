"""The health check's latest revision, read from the migration files without Alembic, is
the one Alembic finds: for the shipped migrations, and for a history with a branch and a
merge."""

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from lms.core.migrations import MIGRATIONS, heads_in, migration_heads


def alembic_heads(folder: Path) -> frozenset[str]:
    return frozenset(ScriptDirectory(str(folder)).get_heads())


def test_the_shipped_head_is_alembics():
    assert migration_heads() == alembic_heads(MIGRATIONS)
    assert len(migration_heads()) == 1


def write_revision(folder: Path, name: str, assignments: str) -> None:
    (folder / "versions" / f"{name}.py").write_text(
        f'"""{name}."""\n\nimport sqlalchemy as sa\n\n{assignments}\n\n\n'
        "def upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n"
    )


@pytest.fixture
def history(tmp_path):
    """A migrations folder: a root, two branches off it, nothing else yet."""
    (tmp_path / "versions").mkdir()
    (tmp_path / "versions" / "__init__.py").write_text("")
    write_revision(tmp_path, "a_root", "revision = 'a'\ndown_revision = None")
    write_revision(tmp_path, "b_left", 'revision = "b"\ndown_revision = "a"')
    write_revision(tmp_path, "c_right", 'revision: str = "c"\ndown_revision: str | None = "a"\n')
    return tmp_path


def test_two_branches_are_two_heads(history):
    assert heads_in(history / "versions") == alembic_heads(history) == {"b", "c"}


def test_a_merge_is_the_one_head(history):
    write_revision(history, "d_merge", 'revision = "d"\ndown_revision = ("b", "c")')
    assert heads_in(history / "versions") == alembic_heads(history) == {"d"}
