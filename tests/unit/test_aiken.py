"""Aiken import (lms.content.aiken): strict rules, every malformed question reported by line."""

from pathlib import Path

import yaml

from lms.content.aiken import parse_aiken
from lms.content.gift import NO_EXPLANATION, to_quiz_yaml
from lms.content.schema import Quiz

BANK = Path(__file__).resolve().parents[1] / "fixtures" / "aiken" / "bank.txt"


def test_well_formed_questions_import_as_single_choice():
    result = parse_aiken(BANK.read_text(encoding="utf-8"), default_topic="ops")
    assert result.questions[0] == {
        "id": "q-1",
        "type": "single",
        "topic": "ops",
        "prompt": "Which command shows the routing table?",
        "options": [
            {"id": "a", "text": "ip route", "correct": True},
            {"id": "b", "text": "ip link"},
            {"id": "c", "text": "ip neigh"},
        ],
        "explanation": NO_EXPLANATION,
    }
    assert [(q["id"], q["prompt"]) for q in result.questions] == [
        ("q-1", "Which command shows the routing table?"),
        ("q-2", "Which signal cannot be caught?"),  # "D)" style, no blank line after ANSWER
        ("q-3", "What does DNS resolve?"),
        ("q-4", "Which port does SSH use?"),
    ]
    assert [o["text"] for o in result.questions[1]["options"] if o.get("correct")] == ["SIGKILL"]
    Quiz.model_validate(yaml.safe_load(to_quiz_yaml("aiken", "Aiken", result.questions)))


def test_every_malformed_question_is_reported_by_line():
    assert parse_aiken(BANK.read_text(encoding="utf-8")).skipped == [
        (18, "no ANSWER line before the blank line"),
        (22, "option C where option B was expected"),
        (27, "ANSWER D names no option (the options are A to B)"),
        (32, "the question text runs on to line 33: keep it on one line"),
        (38, "1 option(s): at least A and B are needed"),
        (42, "an option or ANSWER line with no question text before it"),
        (45, "option A has no text"),
        (54, "line 57 is neither an option nor the ANSWER line"),
        (60, "ANSWER must be one capital letter, not 'b'"),
        (65, "no ANSWER line at the end of the file"),
    ]


def test_more_options_than_the_contract_allows_and_duplicates():
    nine = "Pick\n" + "\n".join(f"{chr(65 + i)}. o{i}" for i in range(9)) + "\nANSWER: A\n"
    assert parse_aiken(nine).skipped == [(1, "more than 8 options (the contract allows 2..8)")]
    same = "Pick\nA. x\nB. x\nANSWER: A\n"
    assert parse_aiken(same).skipped == [(1, "two options have the same text")]


def test_windows_line_endings_byte_order_mark_and_lower_case_answer_keyword():
    text = "\ufeffFirst?\r\nA. yes\r\nB. no\r\nANSWER: B\r\n\r\nSecond?\r\nA. x\r\nB. y\r\n"
    text += "Answer: A\r\n"
    result = parse_aiken(text)
    assert [q["prompt"] for q in result.questions] == ["First?"]
    assert result.skipped == [(6, "line 9 is neither an option nor the ANSWER line")]
