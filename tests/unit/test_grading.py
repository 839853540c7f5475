"""Graders, seeded sampling and shuffling, and attempt scoring (questions and rules)."""

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from lms.assessment.questions import QUESTION_TYPES as GRADERS
from lms.assessment.questions import grade, option_order
from lms.assessment.rules import Grade, draw_questions, passed, score_attempt

ROOT = Path(__file__).resolve().parents[2]
LONG = "x" * 10_001


def q(type_: str, **fields) -> dict:
    """A question dict with the fields every question has."""
    base = {"id": f"q-{type_}", "type": type_, "topic": "t", "prompt": "?", "explanation": "."}
    return base | fields


SINGLE = q("single", options=[{"id": "a", "text": "A"}, {"id": "b", "text": "B", "correct": True}])
MULTIPLE = q(
    "multiple",
    options=[
        {"id": "a", "text": "A", "correct": True},
        {"id": "b", "text": "B", "correct": True},
        {"id": "c", "text": "C"},
        {"id": "d", "text": "D"},
    ],
)
WEIGHTED = q(
    "multiple",
    options=[
        {"id": "a", "text": "A", "correct": True, "weight": 50},
        {"id": "b", "text": "B", "correct": True, "weight": 50},
        {"id": "c", "text": "C", "weight": -25},
        {"id": "d", "text": "D", "weight": 0},
    ],
)
TRUE_FALSE = q("true_false", answer=False)
NUMERIC = q("numeric", answer=0.1, tolerance=0)
TOLERANCE = q("numeric", answer=50, tolerance=5)
RANGE = q("numeric", range=[10, 20])
NUMERIC_ANSWERS = q(
    "numeric",
    answers=[
        {"value": 3, "tolerance": 0, "weight": 100},
        {"value": 3, "tolerance": 1, "weight": 50},
        {"range": [10, 20], "weight": 25},
    ],
)
SHORT = q("short", accepted=["SEV-2", "sev 2", "Straße", "Café"], pattern=r"^sev-?\s*2$")
SHORT_WEIGHTED = q("short", accepted=[{"text": "TCP", "weight": 100}, {"text": "IP", "weight": 50}])
MATCHING = q(
    "matching",
    pairs=[
        {"left": "SEV-1", "right": "Outage"},
        {"left": "SEV-2", "right": "Degraded"},
        {"left": "SEV-3", "right": "Minor"},
        {"left": "SEV-4", "right": "Cosmetic"},
    ],
)
ORDERING = q("ordering", items=["Acknowledge", "Assess", "Declare", "Mitigate"])
ALL = [SINGLE, MULTIPLE, TRUE_FALSE, NUMERIC, SHORT, MATCHING, ORDERING]


def score(question: dict, response, scoring: str = "all_or_nothing") -> tuple[float, bool]:
    result = grade(question, response, scoring)
    return result.score, result.correct


def test_registry_covers_every_type_and_unknown_type_raises():
    assert set(GRADERS) == {
        "single",
        "multiple",
        "true_false",
        "numeric",
        "short",
        "matching",
        "ordering",
    }
    with pytest.raises(KeyError):
        grade(q("essay"), "text")
    grade_result = grade(SINGLE, "b")
    assert isinstance(grade_result, Grade)
    with pytest.raises(AttributeError):  # frozen
        grade_result.score = 0.5  # type: ignore[misc]


def test_single():
    assert score(SINGLE, "b") == (1.0, True)
    assert score(SINGLE, "a") == (0.0, False)
    assert grade(SINGLE, "a").feedback == ("wrong:a",)
    for bad in ("", "z", "B", ["b"], {"b": 1}, 1, LONG):
        assert score(SINGLE, bad) == (0.0, False)


def test_multiple_all_or_nothing():
    assert score(MULTIPLE, ["a", "b"]) == (1.0, True)
    assert score(MULTIPLE, ["b", "a", "b", "a"]) == (1.0, True)  # duplicates count once
    assert score(MULTIPLE, ("b", "a")) == (1.0, True)
    assert score(MULTIPLE, ["a"]) == (0.0, False)
    assert score(MULTIPLE, ["a", "b", "c"]) == (0.0, False)
    assert grade(MULTIPLE, ["a", "c"]).feedback == ("missed:b", "wrong:c")


def test_multiple_partial_default_weights():
    # 2 right options: +50 each; 2 wrong options: -50 each.
    assert score(MULTIPLE, ["a", "b"], "partial") == (1.0, True)
    assert score(MULTIPLE, ["a"], "partial") == (0.5, False)
    assert score(MULTIPLE, ["a", "a", "a"], "partial") == (0.5, False)  # not 150%
    assert score(MULTIPLE, ["a", "b", "c"], "partial") == (0.5, False)
    assert score(MULTIPLE, ["a", "c", "d"], "partial") == (0.0, False)  # clamped, not -50%
    assert score(MULTIPLE, ["a", "b", "c", "d"], "partial") == (0.0, False)


def test_multiple_partial_explicit_weights():
    assert score(WEIGHTED, ["a", "b"], "partial") == (1.0, True)
    assert score(WEIGHTED, ["a", "d"], "partial") == (0.5, False)
    assert score(WEIGHTED, ["a", "c"], "partial") == (0.25, False)
    assert score(WEIGHTED, ["c"], "partial") == (0.0, False)
    assert score(WEIGHTED, ["a", "b"], "all_or_nothing") == (1.0, True)


def test_multiple_malformed():
    for bad in ([], ["a", "zz"], ["a", None], ["a", ["b"]], "a", "ab", {"a": True}, [LONG]):
        assert score(MULTIPLE, bad, "partial") == (0.0, False)
    assert score(MULTIPLE, ["a"] * 101) == (0.0, False)  # absurdly long list


def test_unknown_scoring_is_a_programming_error():
    with pytest.raises(ValueError):
        grade(MULTIPLE, ["a"], "generous")


def test_true_false():
    assert score(TRUE_FALSE, False) == (1.0, True)
    assert score(TRUE_FALSE, "false") == (1.0, True)
    assert score(TRUE_FALSE, " FALSE ") == (1.0, True)
    assert score(TRUE_FALSE, True) == (0.0, False)
    assert score(TRUE_FALSE, "true") == (0.0, False)
    for bad in (0, 1, "no", "f", "", [False], {"answer": False}, LONG):
        assert score(TRUE_FALSE, bad) == (0.0, False)


def test_numeric_exact_tolerance_and_range():
    assert score(NUMERIC, 0.1) == (1.0, True)
    assert score(NUMERIC, "0.1") == (1.0, True)
    assert score(NUMERIC, " .1 ") == (1.0, True)
    assert score(NUMERIC, 0.1 + 0.2 - 0.2) == (1.0, True)  # float noise is not an error
    assert score(NUMERIC, "0.11") == (0.0, False)
    assert score(TOLERANCE, 45) == (1.0, True)
    assert score(TOLERANCE, "55") == (1.0, True)
    assert score(TOLERANCE, 55.01) == (0.0, False)
    assert score(RANGE, 10) == (1.0, True)
    assert score(RANGE, "2e1") == (1.0, True)
    assert score(RANGE, 20.5) == (0.0, False)


def test_numeric_weighted_answers_best_weight_wins():
    assert score(NUMERIC_ANSWERS, 3) == (1.0, True)
    assert score(NUMERIC_ANSWERS, "3.5") == (0.5, False)
    assert score(NUMERIC_ANSWERS, 15) == (0.25, False)
    assert score(NUMERIC_ANSWERS, 7) == (0.0, False)


def test_numeric_malformed():
    bad_values = ("1,5", "0,1", "nan", "inf", "-inf", "1e999", "", " ", "0.1x", "½", LONG)
    for bad in (*bad_values, float("nan"), float("inf"), True, False, None, [0.1], {"v": 0.1}):
        assert score(NUMERIC, bad) == (0.0, False), bad


def test_short_answers():
    assert score(SHORT, "SEV-2") == (1.0, True)
    assert score(SHORT, "  sev   2 ") == (1.0, True)  # whitespace collapsed
    assert score(SHORT, "\uff33\uff25\uff36\uff0d\uff12") == (1.0, True)  # full-width forms, NFKC
    assert score(SHORT, "STRASSE") == (1.0, True)  # case folding, not just lower()
    assert score(SHORT, "CAFÉ") == (1.0, True)
    assert score(SHORT, "Cafe\u0301") == (1.0, True)  # combining accent, NFKC
    assert score(SHORT, "Sev2") == (1.0, True)  # via the pattern, case-insensitive
    assert score(SHORT, "sev 22") == (0.0, False)  # pattern is a full match
    assert score(SHORT, "SEV-1") == (0.0, False)
    assert score(SHORT_WEIGHTED, "ip") == (0.5, False)
    assert score(SHORT_WEIGHTED, "tcp") == (1.0, True)
    for bad in ("", "   ", None, ["SEV-2"], 2, LONG, "SEV-2" + " " * 10_000):
        assert score(SHORT, bad) == (0.0, False)


def test_matching():
    right = {"SEV-1": "Outage", "SEV-2": "Degraded", "SEV-3": "Minor", "SEV-4": "Cosmetic"}
    assert score(MATCHING, right) == (1.0, True)
    swapped = right | {"SEV-1": "Degraded", "SEV-2": "Outage"}
    assert score(MATCHING, swapped) == (0.5, False)
    assert grade(MATCHING, swapped).feedback == ("wrong:SEV-1", "wrong:SEV-2")
    assert score(MATCHING, {"SEV-1": "Outage"}) == (0.25, False)  # unanswered pairs are wrong
    assert score(MATCHING, {"SEV-1": "Minor", "SEV-2": "Minor"}) == (0.0, False)
    for bad in (
        {},
        right | {"SEV-9": "Outage"},  # extra field
        right | {"SEV-4": "Unknown"},  # unknown right text
        right | {"SEV-4": None},
        right | {"SEV-4": LONG},
        list(right.items()),
        "SEV-1",
        None,
    ):
        assert score(MATCHING, bad) == (0.0, False)


def test_ordering():
    items = ORDERING["items"]
    assert score(ORDERING, items) == (1.0, True)
    assert score(ORDERING, [items[1], items[0], items[2], items[3]]) == (0.5, False)
    assert score(ORDERING, items[::-1]) == (0.0, False)
    for bad in (
        [],
        items[:3],  # missing one
        items + items[:1],  # duplicated
        [*items[:3], "Party"],  # unknown item
        [*items[:3], None],
        "".join(items),
        None,
        {"0": items[0]},
    ):
        assert score(ORDERING, bad) == (0.0, False)


JUNK = [None, "", [], {}, (), object(), 3 + 4j, [None], [[]], {"a": None}, LONG, [LONG], b"a"]


@pytest.mark.parametrize("question", [*ALL, WEIGHTED, RANGE, NUMERIC_ANSWERS, SHORT_WEIGHTED])
@pytest.mark.parametrize("scoring", ["all_or_nothing", "partial"])
def test_malformed_responses_grade_zero_and_never_raise(question, scoring):
    for junk in JUNK:
        result = grade(question, junk, scoring)
        assert (result.score, result.correct) == (0.0, False), junk


def test_grades_stay_within_bounds():
    for question in [*ALL, WEIGHTED]:
        for response in (["a", "b", "c"], ["c", "d"], "a", True, "3", {"SEV-1": "Outage"}):
            result = grade(question, response, "partial")
            assert 0.0 <= result.score <= 1.0


# --- sampling and shuffling ----------------------------------------------------------------------


def pool(topics: dict[str, int]) -> list[dict]:
    return [
        q("single", id=f"{topic}-{i}", topic=topic, options=SINGLE["options"])
        for topic, n in topics.items()
        for i in range(n)
    ]


POOL = pool({"net": 10, "db": 10, "ops": 10})


@pytest.mark.parametrize("spread", [False, True])
def test_draw_is_reproducible_and_depends_on_seed(spread):
    first = draw_questions(POOL, 10, 7, spread_topics=spread, shuffle=True)
    assert first == draw_questions(POOL, 10, 7, spread_topics=spread, shuffle=True)
    assert len(first) == len(set(first)) == 10
    others = {
        tuple(draw_questions(POOL, 10, s, spread_topics=spread, shuffle=True)) for s in (1, 2, 3)
    }
    assert len(others | {tuple(first)}) == 4


def test_draw_is_stable_across_interpreter_runs():
    code = (
        "import json, sys; from lms.assessment.rules import draw_questions;"
        " from lms.assessment.questions import option_order;"
        "pool = json.loads(sys.argv[1]);"
        "print(json.dumps([draw_questions(pool, 9, 42, spread_topics=True, shuffle=True),"
        " option_order(pool[0], 42, True)]))"
    )
    outputs = set()
    for hash_seed in ("1", "2", "random"):
        env = os.environ | {"PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
        run = subprocess.run(
            [sys.executable, "-c", code, json.dumps(POOL)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.add(run.stdout)
    expected = [
        draw_questions(POOL, 9, 42, spread_topics=True, shuffle=True),
        option_order(POOL[0], 42, True),
    ]
    assert outputs == {json.dumps(expected) + "\n"}


def test_draw_without_shuffle_keeps_pool_order_and_clamps_count():
    ids = [question["id"] for question in POOL]
    drawn = draw_questions(POOL, 12, 5, spread_topics=False, shuffle=False)
    assert drawn == sorted(drawn, key=ids.index)
    assert draw_questions(POOL, 100, 5, spread_topics=False, shuffle=False) == ids
    assert sorted(draw_questions(POOL, 100, 5, spread_topics=True, shuffle=True)) == sorted(ids)
    assert draw_questions(POOL, 0, 5, spread_topics=True, shuffle=True) == []
    assert draw_questions([], 5, 5, spread_topics=True, shuffle=True) == []


def test_spread_topics_balances_counts():
    for seed in range(20):
        drawn = draw_questions(POOL, 20, seed, spread_topics=True, shuffle=True)
        assert sorted(Counter(i.split("-")[0] for i in drawn).values()) == [6, 7, 7]
    uneven = pool({"big": 12, "mid": 6, "tiny": 2})
    for seed in range(20):
        counts = Counter(
            i.split("-")[0]
            for i in draw_questions(uneven, 14, seed, spread_topics=True, shuffle=True)
        )
        # "tiny" runs out after 2; the others share the rest evenly.
        assert counts == {"big": 6, "mid": 6, "tiny": 2}


def test_spread_topics_off_is_a_plain_sample():
    counts = Counter()
    for seed in range(50):
        for i in draw_questions(POOL, 3, seed, spread_topics=False, shuffle=True):
            counts[i.split("-")[0]] += 1
    assert set(counts) == {"net", "db", "ops"}


def test_option_order():
    ids = [o["id"] for o in MULTIPLE["options"]]
    assert option_order(MULTIPLE, 1, False) == ids
    assert option_order(MULTIPLE, 1, True) == option_order(MULTIPLE, 1, True)
    orders = {tuple(option_order(MULTIPLE, seed, True)) for seed in range(30)}
    assert len(orders) > 5 and all(sorted(o) == sorted(ids) for o in orders)
    other = MULTIPLE | {"id": "another"}  # seeded per question too
    assert [option_order(other, s, True) for s in range(5)] != [
        option_order(MULTIPLE, s, True) for s in range(5)
    ]
    assert option_order(TRUE_FALSE, 1, True) == []


def test_matching_and_ordering_orders():
    rights = [p["right"] for p in MATCHING["pairs"]]
    assert sorted(option_order(MATCHING, 3, False)) == sorted(rights)
    two = q("matching", pairs=MATCHING["pairs"][:2])
    for seed in range(300):  # the right texts never line up with their left texts
        assert option_order(MATCHING, seed, True) != rights
        assert option_order(two, seed, False) == [rights[1], rights[0]]
    assert option_order(MATCHING, 3, True) == option_order(MATCHING, 3, True)
    items = ORDERING["items"]
    three = q("ordering", items=["one", "two", "three"])
    for seed in range(300):
        assert option_order(ORDERING, seed, True) != items
        assert option_order(three, seed, False) != three["items"]
        assert sorted(option_order(ORDERING, seed, True)) == sorted(items)


# --- attempt scoring -----------------------------------------------------------------------------


def test_score_attempt_and_passed():
    assert score_attempt([(1.0, 1), (0.0, 1), (0.5, 2)]) == 50.0
    assert score_attempt([(1.0, 2), (0.0, 1)]) == 66.67
    assert score_attempt([]) == 0.0
    assert passed(80.0, 80) and passed(100, 80)
    assert not passed(79.99, 80)
