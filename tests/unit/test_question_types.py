"""Question types as classes (lms.assessment.questions): one per type, the public view keyless."""

import json
import typing

import pytest
from pydantic import ValidationError

from lms.assessment import questions
from lms.assessment.rules import Source, parse_source, topic_scores
from lms.content.schema.quizzes import Question
from tests.unit.test_grading import (
    ALL,
    MATCHING,
    MULTIPLE,
    NUMERIC,
    ORDERING,
    SHORT,
    SINGLE,
    TRUE_FALSE,
)

KEY_FIELDS = {"correct", "weight", "answer", "answers", "accepted", "pattern", "pairs"}
KEY_FIELDS |= {"explanation", "items", "tolerance", "range", "topic"}


def schema_types() -> set[str]:
    union = typing.get_args(typing.get_args(Question)[0])
    return {typing.get_args(model.model_fields["type"].annotation)[0] for model in union}


def test_one_class_per_type_of_the_quiz_schema():
    assert set(questions.QUESTION_TYPES) == schema_types()
    for name, kind in questions.QUESTION_TYPES.items():
        assert kind.name == name and kind.template == f"assessment/questions/{name}.html"
        assert kind.model.model_fields["type"].annotation.__args__ == (name,)


@pytest.mark.parametrize("question", ALL, ids=lambda q: q["type"])
def test_each_class_validates_its_definition(question):
    kind = questions.question_type(question)
    question = question | {"id": question["id"].replace("_", "-")}
    assert kind.validate(question).id == question["id"]
    broken = {k: v for k, v in question.items() if k != "prompt"}
    with pytest.raises(ValidationError):
        kind.validate(broken)


def walk(value):
    """Every dict key and string inside a JSON-like value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)
    elif isinstance(value, str):
        yield value


@pytest.mark.parametrize("question", ALL, ids=lambda q: q["type"])
def test_the_public_view_never_holds_the_key(question):
    order = questions.option_order(question, 5, True)
    view = questions.public_view(question, order)
    json.dumps(view)  # plain data, ready for a template or (later) the API
    assert not KEY_FIELDS & set(walk(view)) - {question["id"]}
    assert view["id"] == question["id"] and view["prompt"] == question["prompt"]
    if question["type"] in ("single", "multiple"):
        assert [o["id"] for o in view["options"]] == order
        assert all(set(o) == {"id", "text"} for o in view["options"])
    if question["type"] == "matching":
        assert view["choices"] == order
        assert [r["label"] for r in view["rows"]] == [p["left"] for p in MATCHING["pairs"]]
    if question["type"] == "ordering":
        assert [r["label"] for r in view["rows"]] == order != ORDERING["items"]


def test_multiple_says_how_many_to_choose():
    assert questions.public_view(MULTIPLE, [])["choose"] == 2
    assert "choose" not in questions.public_view(SINGLE, [])


@pytest.mark.parametrize(
    "question, allowed, refused",
    [
        (SINGLE, ["a", "b", None], ["c", "x" * 2_000_000, ["a"], 1]),
        (MULTIPLE, [["a"], ["a", "b", "c", "d"], None], [["a", "a"], ["z"], ["a"] * 50_000, "a"]),
        (TRUE_FALSE, ["true", "false", True, None], ["maybe", 1, ["true"]]),
        (NUMERIC, ["0", "0.1", 2.5, None], ["1" * 51, "x", [1]]),
        (SHORT, ["sev 2", "x" * 500, None], ["x" * 501, ["sev 2"], 2]),
        (MATCHING, [{"SEV-1": "Outage"}, None], [{"SEV-1": "Nope"}, {"SEV-9": "Outage"}, "x"]),
        (ORDERING, [list(reversed(ORDERING["items"])), None], [ORDERING["items"][:3], ["x"] * 4]),
    ],
    ids=lambda v: v["type"] if isinstance(v, dict) and "type" in v else "",
)
def test_each_class_refuses_what_was_not_served(question, allowed, refused):
    order = questions.option_order(question, 3, True)
    for response in allowed:
        assert questions.refusal(question, order, response) is None, response
    for response in refused:
        assert questions.refusal(question, order, response), str(response)[:40]


def test_served_options_are_what_decides():
    # Served only a and b (say, an option order stored for this attempt): c is refused.
    assert questions.refusal(SINGLE | {"options": SINGLE["options"]}, ["b"], "a")
    assert questions.refusal(SINGLE, ["b", "a"], "a") is None


def test_sources_and_topic_scores():
    assert parse_source("doc:runbook#restart") == Source("doc", "runbook", "restart")
    assert parse_source("module:arch") == Source("module", "arch", None)
    assert parse_source({"ref": "doc:kb"}) == Source("doc", "kb", None)
    assert parse_source("lab:x") is None and parse_source(None) is None
    assert parse_source("doc:") is None
    fallback = Source("module", "m", None)
    rows = [
        ("incident response", 1.0, 1, Source("doc", "playbook", "sev")),
        ("incident response", 0.5, 2, None),
        ("incident response", 0.0, 3, Source("doc", "playbook", "sev")),
        ("metrics", 1.0, 2, None),
        ("networking", 0.0, 1, None),
    ]
    scores = topic_scores(rows, 60, fallback)
    assert [(t.topic, t.earned_text, t.possible, t.weak) for t in scores] == [
        ("networking", "0", 1, True),
        ("incident response", "2", 6, True),
        ("metrics", "2", 2, False),
    ]
    assert scores[0].sources == (fallback,)
    assert scores[1].sources == (Source("doc", "playbook", "sev"),)
    assert scores[2].sources == ()
