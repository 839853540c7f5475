"""Reading an attempt form's answers, and the review's readable answers (pure code)."""

from werkzeug.datastructures import MultiDict

from lms.assessment.forms import display_values, read_responses
from lms.assessment.questions import describe_key, describe_response

SINGLE = {
    "id": "s",
    "type": "single",
    "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B", "correct": True}],
}
MULTIPLE = {
    "id": "m",
    "type": "multiple",
    "options": [{"id": "a", "text": "A", "correct": True}, {"id": "b", "text": "B"}],
}
NUMERIC = {"id": "n", "type": "numeric", "answer": 5, "tolerance": 0.5, "unit": "ms"}
SHORT = {
    "id": "t",
    "type": "short",
    "accepted": ["yes", {"text": "maybe", "weight": 50}],
    "pattern": "^y.*$",
}
MATCHING = {
    "id": "p",
    "type": "matching",
    "pairs": [{"left": "L1", "right": "R1"}, {"left": "L2", "right": "R2"}],
}
ORDERING = {"id": "o", "type": "ordering", "items": ["first", "second", "third"]}
QUESTIONS = [SINGLE, MULTIPLE, NUMERIC, SHORT, MATCHING, ORDERING]
ORDERS = {"o": ["third", "first", "second"], "p": ["R2", "R1"]}


def read(**fields):
    return read_responses(QUESTIONS, ORDERS, MultiDict(list(fields.items())))


def test_blank_form_is_all_unanswered():
    result = read()
    assert result.errors == {} and set(result.responses.values()) == {None}


def test_every_type_is_read():
    form = MultiDict(
        [
            ("q-s", "b"),
            ("q-m", "a"),
            ("q-m", "b"),
            ("q-m", "a"),
            ("q-n", " 5.2 "),
            ("q-t", " yes "),
            ("q-p-0", "R1"),
            ("q-p-1", ""),
            ("q-o-0", "3"),
            ("q-o-1", "1"),
            ("q-o-2", "2"),
        ]
    )
    result = read_responses(QUESTIONS, ORDERS, form)
    assert result.errors == {}
    assert result.responses == {
        "s": "b",
        "m": ["a", "b"],  # duplicates once
        "n": "5.2",
        "t": "yes",
        "p": {"L1": "R1"},
        "o": ["first", "second", "third"],  # shown 3rd, 1st, 2nd
    }
    shown = display_values(QUESTIONS, ORDERS, result.responses)
    assert shown["o"] == {0: "3", 1: "1", 2: "2"} and shown["m"] == {"a", "b"}


def test_bad_numbers_and_positions_are_errors_with_what_was_typed():
    result = read(**{"q-n": "1,5", "q-o-0": "1", "q-o-1": "1", "q-o-2": "9"})
    assert set(result.errors) == {"n", "o"}
    assert result.raw["n"] == "1,5" and result.raw["o"] == {0: "1", 1: "1", 2: "9"}
    assert "n" not in result.responses and "o" not in result.responses
    assert read(**{"q-t": "x" * 20_000}).errors["t"].startswith("Keep the answer under")


def test_unicode_is_kept():
    assert read(**{"q-t": "  Ünïcödé ✓ "}).responses["t"] == "Ünïcödé ✓"


def test_describe_key_and_response():
    assert describe_key(SINGLE) == ["B"]
    assert describe_response(SINGLE, "b") == ["B"] and describe_response(SINGLE, None) == []
    assert describe_response(MULTIPLE, ["a", "zz"]) == ["A", "zz"]
    assert describe_key(NUMERIC) == ["5 ms (± 0.5)"]
    assert describe_key({"type": "numeric", "range": [1, 2]}) == ["from 1 to 2"]
    assert describe_key(
        {
            "type": "numeric",
            "answers": [
                {"value": 3, "tolerance": 0, "weight": 100},
                {"range": [1, 9], "weight": 50},
            ],
        }
    ) == ["3", "from 1 to 9: 50%"]
    assert describe_key(SHORT) == ["yes", "maybe (50%)", "any answer matching the pattern ^y.*$"]
    assert describe_key(MATCHING) == ["L1 → R1", "L2 → R2"]
    assert describe_response(MATCHING, {"L2": "R1"}) == ["L2 → R1"]
    assert describe_key(ORDERING) == ["1. first", "2. second", "3. third"]
    assert describe_response({"type": "true_false"}, "false") == ["False"]
