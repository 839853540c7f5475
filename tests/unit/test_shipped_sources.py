"""Every shipped quiz question cites the document or module section where it is taught."""

from pathlib import Path

from lms.content import load_content

ROOT = Path(__file__).resolve().parents[2]


def test_every_shipped_question_has_a_source_that_the_check_accepts():
    result = load_content(ROOT)
    assert result.problems == [], [str(problem) for problem in result.problems]
    missing = [
        f"{quiz.id}:{question.id}"
        for quiz in result.catalog.quizzes.values()
        for question in quiz.questions
        if not question.source
    ]
    assert missing == []
