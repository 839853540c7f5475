"""Every question of every shipped quiz: its key, posted as the form would, grades 1."""

from pathlib import Path

import pytest
import yaml
from werkzeug.datastructures import MultiDict

from lms.assessment import questions
from lms.assessment.forms import read_responses
from tests.quiz_keys import key_answer

QUIZZES = sorted((Path(__file__).resolve().parents[2] / "quizzes").glob("*.yml"))


@pytest.mark.parametrize("path", QUIZZES, ids=lambda p: p.stem)
def test_every_key_in_the_pool_grades_full_marks(path):
    quiz = yaml.safe_load(path.read_text())
    for question in quiz["questions"]:
        seed = 7
        shown = questions.option_order(question, seed, True)
        form = MultiDict()
        for name, value in key_answer(question, f"q-{question['id']}", shown).items():
            for item in value if isinstance(value, list) else [value]:
                form.add(name, item)
        read = read_responses([question], {question["id"]: shown}, form)
        assert read.errors == {}, (question["id"], read.errors)
        grade = questions.grade(question, read.responses[question["id"]], quiz["multiple_scoring"])
        assert grade.score == 1.0 and grade.correct, question["id"]
