"""Matching questions with distractors: extra right texts that match nothing."""

import pytest
from pydantic import ValidationError

from lms.assessment.questions import describe_key, describe_response, grade, option_order
from lms.content.schema import MatchingQuestion

QUESTION = {
    "id": "pets",
    "type": "matching",
    "topic": "t",
    "prompt": "Match each animal to its sound.",
    "explanation": "e",
    "pairs": [
        {"left": "Dog", "right": "Woof"},
        {"left": "Cow", "right": "Moo"},
    ],
    "distractors": ["Meow", "Quack"],
}


def test_schema_accepts_distractors_and_defaults_to_none():
    assert MatchingQuestion.model_validate(QUESTION).distractors == ["Meow", "Quack"]
    plain = {k: v for k, v in QUESTION.items() if k != "distractors"}
    assert MatchingQuestion.model_validate(plain).distractors == []


@pytest.mark.parametrize("distractors", [["Woof"], ["Meow", "Meow"], [""], ["x"] * 9])
def test_schema_refuses_a_distractor_that_repeats_a_right_text_or_is_empty(distractors):
    with pytest.raises(ValidationError):
        MatchingQuestion.model_validate({**QUESTION, "distractors": distractors})


def test_a_distractor_chosen_is_wrong_not_malformed():
    right = grade(QUESTION, {"Dog": "Woof", "Cow": "Moo"})
    assert (right.score, right.correct) == (1.0, True)
    half = grade(QUESTION, {"Dog": "Woof", "Cow": "Meow"})
    assert (half.score, half.correct, half.feedback) == (0.5, False, ("wrong:Cow",))
    assert grade(QUESTION, {"Dog": "Bark"}).feedback == ("malformed",)


def test_option_order_shuffles_distractors_in_and_never_shows_the_key_order():
    for seed in range(50):
        order = option_order(QUESTION, seed, shuffle=False)
        assert sorted(order) == sorted(["Woof", "Moo", "Meow", "Quack"])
        assert order[:2] != ["Woof", "Moo"]
    orders = {tuple(option_order(QUESTION, seed, shuffle=True)) for seed in range(50)}
    assert len(orders) > 5


def test_option_order_without_distractors_is_unchanged():
    plain = {k: v for k, v in QUESTION.items() if k != "distractors"}
    for seed in range(20):
        assert option_order(plain, seed, True) == option_order(
            {**plain, "distractors": []}, seed, True
        )
        assert sorted(option_order(plain, seed, True)) == ["Moo", "Woof"]


def test_review_names_the_distractors_in_the_key():
    assert describe_key(QUESTION) == [
        "Dog → Woof",
        "Cow → Moo",
        "Matches nothing: Meow",
        "Matches nothing: Quack",
    ]
    assert describe_response(QUESTION, {"Dog": "Meow"}) == ["Dog → Meow"]
