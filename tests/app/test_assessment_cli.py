"""`flask quiz import-gift` and `export-gift`: the output passes the content check."""

import shutil
from pathlib import Path

import pytest
import yaml

from lms.content.check import check
from lms.content.gift import parse_gift

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "gift"


@pytest.fixture
def content_copy(tmp_path):
    """A copy of the repository's content tree to import into."""
    for name in ("docs", "modules", "labs", "quizzes"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "curriculum.yml", tmp_path / "curriculum.yml")
    return tmp_path


IMPORTABLE = sorted(
    p.name for p in FIXTURES.glob("*.gift") if parse_gift(p.read_text(encoding="utf-8")).questions
)


@pytest.mark.parametrize("fixture", IMPORTABLE)
def test_import_gift_output_passes_the_content_check(runner, content_copy, fixture):
    out = content_copy / "quizzes" / "imported.yml"
    result = runner.invoke(
        args=["quiz", "import-gift", str(FIXTURES / fixture), "--id", "imported", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    skipped = parse_gift((FIXTURES / fixture).read_text()).skipped
    for line, reason in skipped:
        assert f"{fixture}:{line}: skipped: {reason}" in result.stderr
    code, lines = check(content_copy)
    assert code == 0, lines
    assert yaml.safe_load(out.read_text())["id"] == "imported"


def test_import_gift_prints_yaml_by_default(runner):
    result = runner.invoke(
        args=["quiz", "import-gift", str(FIXTURES / "all_constructs.gift"), "--id", "sample"]
    )
    assert result.exit_code == 0
    document = yaml.safe_load(result.stdout)
    assert document["id"] == "sample" and len(document["questions"]) > 10
    assert "skipped: essay question" in result.stderr


def test_import_gift_refuses_a_bad_id_and_an_empty_file(runner, tmp_path):
    result = runner.invoke(
        args=["quiz", "import-gift", str(FIXTURES / "skipped.gift"), "--id", "Bad Id"]
    )
    assert result.exit_code != 0 and "lowercase slug" in result.output
    empty = tmp_path / "empty.gift"
    empty.write_text("// nothing here\n")
    result = runner.invoke(args=["quiz", "import-gift", str(empty), "--id", "empty"])
    assert result.exit_code == 1 and "no question" in result.stderr


def test_export_gift_of_a_shipped_quiz(runner):
    from lms.catalog import current_catalog

    exported = runner.invoke(args=["quiz", "export-gift", "architecture-quiz"])
    assert exported.exit_code == 0
    parsed = parse_gift(exported.stdout)
    quiz = current_catalog().quizzes["architecture-quiz"]
    representable = [q.id for q in quiz.questions if q.type != "ordering"]
    assert parsed.skipped == [] and [q["id"] for q in parsed.questions] == representable
    # Ordering questions have no GIFT form: they are named on stderr.
    skipped = [q.id for q in quiz.questions if q.type == "ordering"]
    assert exported.stderr.splitlines() == [
        f"skipped {qid}: GIFT cannot hold this question type" for qid in skipped
    ]


def test_import_then_export_then_import_gives_the_same_questions(runner, content_copy, app):
    out = content_copy / "quizzes" / "roundtrip.yml"
    fixture = FIXTURES / "all_constructs.gift"
    result = runner.invoke(
        args=["quiz", "import-gift", str(fixture), "--id", "roundtrip", "--out", str(out)]
    )
    assert result.exit_code == 0
    app.config["LMS_CONTENT_DIR"] = str(content_copy)
    from lms import catalog

    catalog.store().root = content_copy
    assert catalog.store().load() == []
    exported = runner.invoke(args=["quiz", "export-gift", "roundtrip"])
    assert exported.exit_code == 0 and exported.stderr == ""
    imported = yaml.safe_load(out.read_text())["questions"]
    assert parse_gift(exported.stdout).questions == imported


def test_export_unknown_quiz(runner):
    result = runner.invoke(args=["quiz", "export-gift", "nope"])
    assert result.exit_code == 1 and "no quiz 'nope'" in result.stderr
