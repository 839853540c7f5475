"""Short answers with `case_sensitive` (Moodle's usecase): capitals must match."""

from lms.assessment.questions import describe_key, grade
from lms.content.schema import ShortQuestion

BASE = {"id": "salt", "type": "short", "topic": "t", "prompt": "?", "explanation": "."}


def score(question: dict, response) -> tuple[float, bool]:
    result = grade(question, response)
    return result.score, result.correct


def test_accepted_answers_keep_their_capitals():
    question = BASE | {
        "accepted": ["NaCl", {"text": "Salt", "weight": 50}],
        "case_sensitive": True,
    }
    assert ShortQuestion.model_validate(question).case_sensitive is True
    assert score(question, "NaCl") == (1.0, True)
    assert score(question, "  NaCl ") == (1.0, True)
    assert score(question, "nacl") == (0.0, False)
    assert score(question, "Salt") == (0.5, False)
    assert score(question, "salt") == (0.0, False)
    assert describe_key(question) == ["NaCl", "Salt (50%)", "(capitals must match)"]


def test_a_pattern_keeps_its_capitals_too():
    question = BASE | {"pattern": r"H2O|water", "case_sensitive": True}
    assert score(question, "H2O") == (1.0, True)
    assert score(question, "h2o") == (0.0, False)


def test_without_it_case_is_ignored_as_before():
    question = BASE | {"accepted": ["NaCl"]}
    assert ShortQuestion.model_validate(question).case_sensitive is False
    assert score(question, "nacl") == (1.0, True)
