"""The GIFT corpus: one file per construct and per escape, each beside its expected YAML.

Every `tests/fixtures/gift/<construct>.gift` that has a `<construct>.yml` is parsed and
compared with it (questions and skipped lines); every imported question must then pass the
quiz schema, and GIFT export must give the same questions back.
"""

from pathlib import Path

import pytest
import yaml

from lms.content.gift import dump_gift, parse_gift, to_quiz_yaml
from lms.content.schema import Quiz

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gift"
CORPUS = sorted(p.stem for p in FIXTURES.glob("*.gift") if p.with_suffix(".yml").exists())
CONSTRUCTS = {
    "single-choice", "multiple-right", "choice-weights", "choice-partial-credit",
    "answer-feedback", "general-feedback", "true-false", "true-false-feedback", "short-answer",
    "short-answer-lone", "short-answer-weighted", "numeric", "numeric-tolerance", "numeric-range",
    "numeric-weighted", "numeric-wrong-feedback", "matching", "matching-distractors",
    "missing-word", "question-names", "comments", "categories", "format-html",
    "format-answer-markers", "format-plain", "essay", "description", "escape-tilde",
    "escape-equals", "escape-hash", "escape-braces", "escape-colon", "escape-backslash",
    "escape-newline",
}  # fmt: skip


def test_the_corpus_holds_every_construct_and_escape():
    assert set(CORPUS) == CONSTRUCTS


@pytest.mark.parametrize("name", CORPUS)
def test_construct_imports_as_expected(name):
    result = parse_gift((FIXTURES / f"{name}.gift").read_text(encoding="utf-8"))
    expected = yaml.safe_load((FIXTURES / f"{name}.yml").read_text(encoding="utf-8"))
    assert result.questions == expected["questions"]
    assert [list(skip) for skip in result.skipped] == expected["skipped"]


@pytest.mark.parametrize("name", CORPUS)
def test_construct_passes_the_schema_and_round_trips(name):
    questions = parse_gift((FIXTURES / f"{name}.gift").read_text(encoding="utf-8")).questions
    if not questions:
        pytest.skip("nothing importable in this file")
    Quiz.model_validate(yaml.safe_load(to_quiz_yaml("corpus", "Corpus", questions)))
    text, skipped = dump_gift(questions)
    assert skipped == []
    assert parse_gift(text).questions == questions
