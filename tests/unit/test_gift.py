"""GIFT import and export (lms.content.gift)."""

import re
from pathlib import Path

import pytest
import yaml

from lms.content.gift import NO_EXPLANATION, dump_gift, parse_gift, to_quiz_yaml

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gift"
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
COMMON = {"id", "type", "topic", "prompt", "explanation"}
FIELDS = {  # the fields the contract (plus its numeric `answers` extension) allows per type
    "single": {"options"},
    "multiple": {"options"},
    "true_false": {"answer"},
    "numeric": {"answer", "tolerance", "range", "answers"},
    "short": {"accepted"},
    "matching": {"pairs"},
}


def load(name: str):
    return parse_gift((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def parsed():
    return load("all_constructs.gift")


@pytest.fixture(scope="module")
def questions(parsed):
    return {q["id"]: q for q in parsed.questions}


def test_every_question_has_the_contract_shape(parsed):
    ids = [q["id"] for q in parsed.questions]
    assert len(ids) == len(set(ids)) == 20
    for question in parsed.questions:
        assert SLUG.match(question["id"])
        assert COMMON <= question.keys() <= COMMON | FIELDS[question["type"]]
        assert question["prompt"] and question["explanation"] and question["topic"]
        for option in question.get("options", []):
            assert option.keys() <= {"id", "text", "correct", "weight"}
            assert 2 <= len(question["options"]) <= 8


def test_essay_and_description_are_skipped_with_line_numbers(parsed):
    assert parsed.skipped == [
        (70, "essay question (empty answer block)"),
        (72, "description (no answer block)"),
    ]


def test_single_choice_with_feedback(questions):
    assert questions["lb-first-hop"] == {
        "id": "lb-first-hop",
        "type": "single",
        "topic": "Request path",
        "prompt": "Which component receives a request **first**?",
        "options": [
            {"id": "a", "text": "The load balancer", "correct": True},
            {"id": "b", "text": "The auth service"},
            {"id": "c", "text": "The database"},
        ],
        "explanation": "The load balancer sits in front of everything.\n\n"
        'Option "The load balancer": Right: it terminates TLS.\n\n'
        'Option "The auth service": No, that comes later.',
    }


def test_multiple_choice(questions):
    several = questions["pick-the-stateless-services"]
    assert several["type"] == "multiple"
    assert [o.get("correct", False) for o in several["options"]] == [True, True, False, False]
    assert all("weight" not in o for o in several["options"])
    weighted = questions["weighted-choice"]
    assert weighted["type"] == "multiple"
    assert [(o.get("correct", False), o["weight"]) for o in weighted["options"]] == [
        (True, 50),
        (True, 50),
        (False, -25),
        (False, -25),
    ]
    assert weighted["explanation"] == NO_EXPLANATION


def test_true_false(questions):
    assert questions["tf-true-short"]["answer"] is True
    assert questions["tf-true-long"]["answer"] is True
    assert questions["tf-false-short"]["answer"] is False
    assert questions["tf-false-long"]["answer"] is False
    # GIFT: first feedback is for the wrong answer, second for the right one.
    assert questions["tf-true-long"]["explanation"] == (
        'Option "False": Think about the handshake.\n\nOption "True": Yes, SYN then ACK.'
    )
    assert questions["tf-false-long"]["explanation"] == "It mostly uses UDP."
    assert questions["tf-false-long"]["prompt"] == "DNS uses only TCP."  # [plain] stripped


def test_short_answer(questions):
    assert questions["short-answers"]["accepted"] == ["SEV-2", "sev 2"]
    assert questions["short-answers"]["explanation"] == 'Option "sev 2": Good.'
    assert questions["weighted-short"]["accepted"] == [
        {"text": "TCP", "weight": 100},
        {"text": "IP", "weight": 50},
    ]


def test_numeric(questions):
    assert questions["numeric-exact"]["answer"] == 3
    assert "tolerance" not in questions["numeric-exact"]
    assert (
        questions["numeric-tolerance"]["answer"],
        questions["numeric-tolerance"]["tolerance"],
    ) == (
        3.14,
        0.005,
    )
    assert questions["numeric-range"]["range"] == [0, 1023]
    assert questions["numeric-weighted"]["answers"] == [
        {"value": 3, "tolerance": 0, "weight": 100},
        {"value": 3, "tolerance": 1, "weight": 50},
    ]
    assert questions["final"]["answer"] == 42


def test_matching(questions):
    assert questions["matching"]["pairs"] == [
        {"left": "SEV-1", "right": "Complete outage"},
        {"left": "SEV-2", "right": "Degraded service"},
        {"left": "SEV-3", "right": "Minor issue"},
    ]


def test_missing_word(questions):
    question = questions["missing-word"]
    assert question["prompt"] == "The _____ spreads traffic over the backends."
    assert question["type"] == "single"
    assert question["options"][0] == {"id": "a", "text": "load balancer", "correct": True}


def test_escapes(questions):
    question = questions["escapes"]
    assert question["prompt"] == "Characters ~ = # { } : and \\ are special.\nSecond line."
    assert [o["text"] for o in question["options"]] == ["a~b", "a=b", "a#b", "{braces}"]
    assert question["explanation"] == (
        'Escapes: ~ = # { } \\ done.\nNew line.\n\nOption "a~b": Tilde: ok'
    )


def test_format_tags_titles_ids_and_categories(questions):
    assert questions["html-question"]["prompt"] == "First paragraph.\n\nSecond  \nline."
    assert questions["q-18"]["prompt"] == "Untitled question with no title."
    assert questions["lb-first-hop-2"]["prompt"] == "A duplicate title gets a unique id."
    topics = {q["topic"] for q in questions.values()}
    assert topics == {"Request path", "Basics", "Final topic"}


def test_default_topic_and_comments_only():
    result = parse_gift("// just a comment\n\nIs this imported?{T}\n", default_topic="intro")
    assert result.questions[0]["topic"] == "intro"
    assert result.questions[0]["id"] == "q-1"
    assert parse_gift("// nothing\n// at all\n").questions == []


def test_windows_line_endings():
    text = "::A::First?{T}\r\n\r\n::B::Second?{\r\n=x\r\n~y\r\n}\r\n"
    assert [q["id"] for q in parse_gift(text).questions] == ["a", "b"]


def test_what_cannot_be_represented_is_skipped_and_the_rest_converts():
    result = load("skipped.gift")
    assert [q["id"] for q in result.questions] == ["valid"]
    assert [line for line, _ in result.skipped] == [2, 4, 6, 8, 10, 14, 16, 18]
    reasons = dict(result.skipped)
    assert "1 pairs" in reasons[2]  # distractors alone do not make a matching question
    assert "unbalanced" in reasons[4]
    assert "not a number" in reasons[6] and "not a number" in reasons[8]
    assert "9 options" in reasons[10]
    assert "lacks '->'" in reasons[18]


def test_round_trip(parsed):
    text, skipped = dump_gift(parsed.questions)
    assert skipped == []
    again = parse_gift(text)
    assert again.skipped == []
    assert again.questions == parsed.questions
    assert dump_gift(again.questions)[0] == text


def test_dump_format(questions):
    text, _ = dump_gift(
        [questions["escapes"], questions["missing-word"], questions["numeric-exact"]]
    )
    lines = text.split("\n\n")
    assert lines[0] == "$CATEGORY: Basics"
    assert lines[1].startswith(r"::escapes::[markdown]Characters \~ \= \# \{ \} \: and \\ are")
    assert r"special.\nSecond line.{=a\~b ~a\=b ~a\#b ~\{braces\}####Escapes\:" in lines[1]
    assert lines[2] == (
        "::missing-word::[markdown]The {=load balancer ~database ~cache}"
        " spreads traffic over the backends."
    )
    assert lines[3] == "::numeric-exact::[markdown]How many nines in 99.9%?{#3}\n"


def test_dump_skips_ordering_and_can_omit_categories(questions):
    ordering = {
        "id": "steps",
        "type": "ordering",
        "topic": "x",
        "prompt": "Order them",
        "items": ["a", "b", "c"],
        "explanation": "e",
    }
    text, skipped = dump_gift([ordering, questions["final"]], topic_categories=False)
    assert skipped == ["steps"]
    assert "$CATEGORY" not in text
    assert parse_gift(text, default_topic="general").questions[0]["topic"] == "general"


def test_dump_keeps_multiple_with_one_right_option_a_multiple():
    question = {
        "id": "one-right",
        "type": "multiple",
        "topic": "a/b",
        "prompt": "Pick",
        "options": [
            {"id": "x", "text": "Yes", "correct": True},
            {"id": "y", "text": "No"},
            {"id": "z", "text": "Maybe"},
        ],
        "explanation": "Because.",
        "points": 2,
    }
    text, _ = dump_gift([question])
    assert "$CATEGORY: a//b" in text
    back = parse_gift(text).questions[0]
    assert back["type"] == "multiple" and back["topic"] == "a/b"
    assert [(o.get("correct", False), o["weight"]) for o in back["options"]] == [
        (True, 100),
        (False, -50),
        (False, -50),
    ]


def test_to_quiz_yaml(parsed):
    document = yaml.safe_load(to_quiz_yaml("imported-quiz", "Imported: quiz", parsed.questions))
    assert document == {
        "id": "imported-quiz",
        "title": "Imported: quiz",
        "pass_score": 80,
        "questions_per_attempt": 20,
        "shuffle": True,
        "review": "immediately",
        "multiple_scoring": "partial",
        "questions": parsed.questions,
    }
    plain = [q for q in parsed.questions if q["id"] != "weighted-choice"][:3]
    small = yaml.safe_load(to_quiz_yaml("small", "Small", plain))
    assert small["questions_per_attempt"] == 3
    assert small["multiple_scoring"] == "all_or_nothing"


def test_windows_files_with_a_byte_order_mark() -> None:
    text = (
        "\ufeff// exported from Moodle\r\n$CATEGORY: $course$/top/Ops\r\n\r\n::q::Pick {=a ~b}\r\n"
    )
    result = parse_gift(text)
    assert result.skipped == []
    assert [(q["id"], q["topic"], q["type"]) for q in result.questions] == [("q", "Ops", "single")]
