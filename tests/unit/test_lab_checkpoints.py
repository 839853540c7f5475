"""Lab checkpoint types (one class each) and the practice area's pure rules."""

import pytest
from werkzeug.datastructures import MultiDict

from lms.content.schema.labs import (
    ChoiceCheckpoint,
    NumberCheckpoint,
    PatternCheckpoint,
    ReviewCheckpoint,
)
from lms.practice import checkpoints as kinds
from lms.practice import rules

CHOICE = ChoiceCheckpoint(
    id="pick", prompt="Pick", type="choice", options=["red", "blue"], answer="blue",
    explanation="Blue is right.",
)  # fmt: skip
NUMBER = NumberCheckpoint(
    id="count", prompt="How many?", type="number", answer=14, tolerance=0.5, unit="ms"
)
PATTERN = PatternCheckpoint(
    id="path",
    prompt="Path?",
    type="pattern",
    pattern=r"gateway.*auth",
    example="gateway -> auth",
    reject=["auth -> gateway", "the database"],
)
REVIEW = ReviewCheckpoint(
    id="write-up", prompt="Write it up", type="review", pass_points=3,
    rubric=[{"criterion": "Clear", "points": 2}, {"criterion": "Complete", "points": 2}],
)  # fmt: skip
ALL = [CHOICE, NUMBER, PATTERN, REVIEW]


def test_registry_has_one_class_per_type():
    assert set(kinds.REGISTRY) == {"choice", "number", "pattern", "review"}
    assert [kinds.kind_of(c).name for c in ALL] == ["choice", "number", "pattern", "review"]
    assert [kinds.kind_of(c).machine_checked for c in ALL] == [True, True, True, False]


@pytest.mark.parametrize("checkpoint", ALL, ids=lambda c: c.type)
def test_public_view_never_holds_the_answer(checkpoint):
    view = kinds.kind_of(checkpoint).public(checkpoint)
    flat = repr(view)
    assert "answer" not in view and "pattern" not in view and "explanation" not in view
    assert "Blue is right" not in flat
    assert "gateway.*auth" not in flat and "gateway -> auth" not in flat
    if checkpoint is NUMBER:
        assert "14" not in flat and "0.5" not in flat


def test_snapshot_round_trip_keeps_the_checkpoint():
    for checkpoint in ALL:
        assert kinds.load(kinds.snapshot(checkpoint)) == checkpoint


def test_choice_reads_only_its_options_and_grades():
    kind = kinds.kind_of(CHOICE)
    assert kind.read(CHOICE, MultiDict({"cp-pick": "blue"})).value == "blue"
    assert kind.read(CHOICE, MultiDict({"cp-pick": "green"})).error
    assert kind.read(CHOICE, MultiDict()).value is None
    assert kind.grade(CHOICE, "blue") and not kind.grade(CHOICE, "red")
    assert kind.describe_answer(CHOICE) == "blue"


@pytest.mark.parametrize(
    "typed, right", [("14", True), ("14.5", True), ("13,6", True), ("15", False), (None, False)]
)
def test_number_grades_within_tolerance(typed, right):
    assert kinds.kind_of(NUMBER).grade(NUMBER, typed) is right


def test_number_refuses_words_with_a_clear_message():
    reading = kinds.kind_of(NUMBER).read(NUMBER, MultiDict({"cp-count": "about fourteen"}))
    assert reading.value is None and "Enter a number" in reading.error
    assert kinds.kind_of(NUMBER).describe_answer(NUMBER) == "14 ± 0.5 ms"
    assert kinds.kind_of(NUMBER).describe_response(NUMBER, "14") == "14 ms"


@pytest.mark.parametrize(
    "typed, right",
    [("Gateway  then\n AUTH", True), ("load balancer, gateway, auth", True),
     ("auth then gateway", False), (None, False)],
)  # fmt: skip
def test_pattern_grades_with_the_checkpoint_matches(typed, right):
    assert kinds.kind_of(PATTERN).grade(PATTERN, typed) is right


def test_pattern_matches_normalises_whitespace_case_insensitively():
    assert PATTERN.matches("GATEWAY\n\t->   Auth")
    assert not PATTERN.matches("gate way auth")


def test_long_text_answers_are_refused():
    reading = kinds.kind_of(PATTERN).read(PATTERN, MultiDict({"cp-path": "x" * 3000}))
    assert reading.error


def test_review_is_left_to_the_trainer():
    kind = kinds.kind_of(REVIEW)
    assert kind.grade(REVIEW, "my write-up") is None
    assert kind.public(REVIEW)["total_points"] == 4
    assert kind.describe_answer(REVIEW) == "at least 3 of 4 rubric points"


SNAPSHOTS = [kinds.snapshot(c) for c in ALL]
RIGHT = {"pick": "blue", "count": "14", "path": "gateway, auth", "write-up": "text"}


def test_machine_results_grade_only_machine_checks():
    assert rules.machine_results(SNAPSHOTS, RIGHT) == {"pick": True, "count": True, "path": True}
    wrong = rules.machine_results(SNAPSHOTS, {**RIGHT, "count": "20"})
    assert wrong["count"] is False
    assert rules.needs_review(SNAPSHOTS) and not rules.needs_review(SNAPSHOTS[:3])


def test_outcome_passes_only_when_everything_reaches_its_mark():
    results = rules.machine_results(SNAPSHOTS, RIGHT)
    good = {"write-up": [{"points": 2}, {"points": 1}]}
    assert rules.outcome(SNAPSHOTS, results, good) == rules.Outcome(True, ())
    short = rules.outcome(SNAPSHOTS, results, {"write-up": [{"points": 1}, {"points": 1}]})
    assert not short.passed
    assert short.failures == ("Checkpoint 4: 2 of 4 points; 3 needed to pass.",)
    wrong = rules.outcome(SNAPSHOTS, {**results, "pick": False}, good)
    assert wrong.failures == ("Checkpoint 1: the answer is not right.",)


def test_check_scores_bounds_every_criterion():
    snapshot = kinds.snapshot(REVIEW)
    assert rules.check_scores(snapshot, [2, 2]) is None
    assert rules.check_scores(snapshot, [2]) == "Score every criterion."
    assert rules.check_scores(snapshot, [2, None]) == "Score every criterion."
    assert "between 0 and 2" in rules.check_scores(snapshot, [3, 0])
    assert "between 0 and 2" in rules.check_scores(snapshot, [-1, 0])


@pytest.mark.parametrize(
    "statuses, state",
    [([], "not_started"), (["draft"], "draft"), (["submitted", "returned"], "in_review"),
     (["returned"], "returned"), (["draft", "returned", "passed"], "passed"),
     (["passed"], "passed")],
)  # fmt: skip
def test_lab_state(statuses, state):
    assert rules.lab_state(statuses) == state


def test_evidence_counts_count_verified_entries_per_person_and_kind():
    entries = [
        (1, "deployment", "verified"), (1, "deployment", "verified"),
        (1, "deployment", "pending"), (1, "mentee", "rejected"),
        (2, "incident_led", "verified"),
    ]  # fmt: skip
    assert rules.evidence_counts(entries) == {1: {"deployment": 2}, 2: {"incident_led": 1}}
    assert rules.evidence_counts([]) == {}
