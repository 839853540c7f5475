"""Grading rules, seeded question sampling, attempt scoring and item statistics.

Everything here is pure: questions arrive as plain dicts shaped like the quiz YAML of the
content contract (already validated), responses arrive as whatever the browser sent.
A malformed response always grades 0; it never raises.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

MAX_TEXT = 10_000  # longer response strings are treated as malformed
MAX_ITEMS = 100  # longer response lists or dicts are treated as malformed
SCORINGS = ("all_or_nothing", "partial")
_EPS = 1e-9
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


@dataclass(frozen=True)
class Grade:
    """The outcome of grading one response: score in 0..1 and optional feedback keys."""

    score: float
    correct: bool
    feedback: tuple[str, ...] = ()


ZERO = Grade(0.0, False, ("malformed",))
Grader = Callable[..., Grade]
GRADERS: dict[str, Grader] = {}


def _grader(type_name: str) -> Callable[[Grader], Grader]:
    def register(func: Grader) -> Grader:
        GRADERS[type_name] = func
        return func

    return register


def _clamp(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 6)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_TEXT


def _text_list(value: Any) -> list[str] | None:
    """Return the response as a list of strings, or None when it is malformed."""
    if not isinstance(value, (list, tuple)) or not 0 < len(value) <= MAX_ITEMS:
        return None
    return list(value) if all(_is_text(v) for v in value) else None


def grade(question: dict, response: Any, scoring: str = "all_or_nothing") -> Grade:
    """Grade a response with the grader registered for the question type (KeyError if none)."""
    if scoring not in SCORINGS:
        raise ValueError(f"unknown scoring {scoring!r}")
    return GRADERS[question["type"]](question, response, scoring=scoring)


@_grader("single")
def grade_single(question: dict, response: Any, *, scoring: str = "all_or_nothing") -> Grade:
    """Grade a single-choice response (one option id)."""
    ids = {o["id"]: bool(o.get("correct")) for o in question["options"]}
    if not _is_text(response) or response not in ids:
        return ZERO
    return Grade(1.0, True) if ids[response] else Grade(0.0, False, (f"wrong:{response}",))


def option_weights(question: dict) -> dict[str, float]:
    """Partial-credit weight (percent) of each option, filling in the defaults."""
    options = question["options"]
    n_right = sum(1 for o in options if o.get("correct"))
    n_wrong = len(options) - n_right
    return {
        o["id"]: float(o["weight"])
        if o.get("weight") is not None
        else (100 / n_right if o.get("correct") else -100 / n_wrong)
        for o in options
    }


@_grader("multiple")
def grade_multiple(question: dict, response: Any, *, scoring: str = "all_or_nothing") -> Grade:
    """Grade a multiple-choice response (list of option ids; duplicates count once)."""
    chosen = _text_list(response)
    right = {o["id"] for o in question["options"] if o.get("correct")}
    weights = option_weights(question)
    if chosen is None or not set(chosen) <= weights.keys():
        return ZERO
    picked = set(chosen)
    feedback = tuple(sorted(f"missed:{i}" for i in right - picked)) + tuple(
        sorted(f"wrong:{i}" for i in picked - right)
    )
    exact = picked == right
    if scoring == "partial":
        return Grade(_clamp(sum(weights[i] for i in picked) / 100), exact, feedback)
    return Grade(1.0 if exact else 0.0, exact, feedback)


@_grader("true_false")
def grade_true_false(question: dict, response: Any, *, scoring: str = "all_or_nothing") -> Grade:
    """Grade a true/false response (bool or the strings "true"/"false")."""
    if isinstance(response, str) and len(response) <= MAX_TEXT:
        response = {"true": True, "false": False}.get(response.strip().casefold())
    if not isinstance(response, bool):
        return ZERO
    ok = response is bool(question["answer"])
    return Grade(1.0 if ok else 0.0, ok)


def parse_number(value: Any) -> float | None:
    """Read a finite number from a number or a '.'-decimal string; None if malformed."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and len(value) <= MAX_TEXT and _NUMBER.fullmatch(value.strip()):
        number = float(value.strip())
    else:
        return None
    return number if math.isfinite(number) else None


def _within(x: float, spec: dict) -> bool:
    if spec.get("range") is not None:
        low, high = spec["range"]
        return low - _EPS <= x <= high + _EPS
    target = float(spec.get("value", spec.get("answer")))
    return abs(x - target) <= float(spec.get("tolerance") or 0) + _EPS * max(1.0, abs(target))


@_grader("numeric")
def grade_numeric(question: dict, response: Any, *, scoring: str = "all_or_nothing") -> Grade:
    """Grade a numeric response: exact, tolerance, range, or best of weighted `answers`."""
    x = parse_number(response)
    if x is None:
        return ZERO
    if question.get("answers"):
        weights = [float(a.get("weight", 100)) for a in question["answers"] if _within(x, a)]
        score = _clamp(max(weights, default=0) / 100)
        return Grade(score, score >= 1.0)
    ok = _within(x, question)
    return Grade(1.0 if ok else 0.0, ok)


def normalize_text(text: str) -> str:
    """NFKC-normalize, case-fold and collapse whitespace, for comparing short answers."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@_grader("short")
def grade_short(question: dict, response: Any, *, scoring: str = "all_or_nothing") -> Grade:
    """Grade a short text answer against `accepted` (optionally weighted) and `pattern`."""
    if not _is_text(response) or not response.strip():
        return ZERO
    given = normalize_text(response)
    best = 0.0
    for item in question.get("accepted") or []:
        text, weight = (item, 100) if isinstance(item, str) else (item["text"], item["weight"])
        if normalize_text(text) == given:
            best = max(best, float(weight))
    pattern = question.get("pattern")
    if pattern:
        spaced = " ".join(unicodedata.normalize("NFKC", response).split())
        if re.fullmatch(pattern, spaced, re.IGNORECASE):
            best = 100.0
    score = _clamp(best / 100)
    return Grade(score, score >= 1.0)


@_grader("matching")
def grade_matching(question: dict, response: Any, *, scoring: str = "all_or_nothing") -> Grade:
    """Grade a matching response (dict left -> right): fraction of pairs right."""
    pairs = {p["left"]: p["right"] for p in question["pairs"]}
    rights = set(pairs.values())
    if (
        not isinstance(response, dict)
        or not 0 < len(response) <= len(pairs)
        or not all(k in pairs and _is_text(v) and v in rights for k, v in response.items())
    ):
        return ZERO
    wrong = tuple(f"wrong:{left}" for left in pairs if response.get(left) != pairs[left])
    score = _clamp((len(pairs) - len(wrong)) / len(pairs))
    return Grade(score, not wrong, wrong)


@_grader("ordering")
def grade_ordering(question: dict, response: Any, *, scoring: str = "all_or_nothing") -> Grade:
    """Grade an ordering response (every item once): 1 if exact, else share in place."""
    items = list(question["items"])
    given = _text_list(response)
    if given is None or sorted(given) != sorted(items):
        return ZERO
    if given == items:
        return Grade(1.0, True)
    misplaced = tuple(
        f"misplaced:{i}" for i, (a, b) in enumerate(zip(given, items, strict=True)) if a != b
    )
    return Grade(_clamp((len(items) - len(misplaced)) / len(items)), False, misplaced)


# --- sampling and shuffling ------------------------------------------------------------------


def draw_questions(
    pool: list[dict], count: int, seed: int, *, spread_topics: bool, shuffle: bool
) -> list[str]:
    """Pick `count` question ids from the pool, deterministically from the seed."""
    count = max(0, min(count, len(pool)))
    rng = random.Random(f"{seed}:draw")
    if spread_topics:
        by_topic: dict[str, list[dict]] = defaultdict(list)
        for question in pool:
            by_topic[question.get("topic", "")].append(question)
        topics = list(by_topic)
        rng.shuffle(topics)
        queues = []
        for topic in topics:
            queue = list(by_topic[topic])
            rng.shuffle(queue)
            queues.append(queue)
        picked: list[dict] = []
        while len(picked) < count:
            for queue in queues:
                if queue and len(picked) < count:
                    picked.append(queue.pop(0))
    else:
        picked = rng.sample(pool, count)
    if shuffle:
        rng.shuffle(picked)
    else:
        chosen = {id(q) for q in picked}
        picked = [q for q in pool if id(q) in chosen]
    return [q["id"] for q in picked]


def option_order(question: dict, seed: int, shuffle: bool) -> list[str]:
    """Display order: option ids (single/multiple), right texts (matching) or items (ordering).

    Matching and ordering are always shuffled (their authored order would give the answer
    away): the right texts of a matching question are never shown in the order of their left
    texts, and an ordering question with 3+ items is never shown in its correct order.
    """
    rng = random.Random(f"{seed}:{question['id']}")
    kind = question["type"]
    if kind in ("single", "multiple"):
        ids = [o["id"] for o in question["options"]]
        if shuffle:
            rng.shuffle(ids)
        return ids
    if kind == "matching":
        authored = [p["right"] for p in question["pairs"]]
        rights = authored[:]
        rng.shuffle(rights)
        if len(rights) >= 2 and rights == authored:
            rights = rights[1:] + rights[:1]
        return rights
    if kind == "ordering":
        items = list(question["items"])
        order = items[:]
        rng.shuffle(order)
        if len(items) >= 3 and order == items:
            order = order[1:] + order[:1]
        return order
    return []


# --- attempt scoring ---------------------------------------------------------------------------


def score_attempt(grades: list[tuple[float, int]]) -> float:
    """Weighted percent (0..100, 2 decimals) from (score 0..1, points) pairs."""
    total = sum(points for _, points in grades)
    if total <= 0:
        return 0.0
    return round(100 * sum(score * points for score, points in grades) / total, 2)


def passed(percent: float, pass_score: float) -> bool:
    """Whether a percent reaches the pass mark."""
    return percent >= pass_score


# --- item statistics ---------------------------------------------------------------------------

MIN_RESPONSES = 5


@dataclass(frozen=True)
class ItemStat:
    """Classical item analysis for one question over submitted attempts."""

    question_id: str
    times_served: int
    facility: float
    discrimination: float | None
    flags: tuple[str, ...]


def _flags(served: int, facility: float, discrimination: float | None) -> tuple[str, ...]:
    if served < MIN_RESPONSES:
        return ("few_responses",)
    flags = []
    if facility > 0.9:
        flags.append("too_easy")
    if facility < 0.3:
        flags.append("too_hard")
    if discrimination is not None and discrimination < 0:
        flags.append("negative_discrimination")
    elif discrimination is not None and discrimination < 0.2:
        flags.append("low_discrimination")
    return tuple(flags)


@dataclass(frozen=True)
class ItemSums:
    """Running sums for one question, as SQL aggregates them.

    x is the question's score, y the mean score of the rest of the attempt; the x/y sums
    cover only attempts with other questions (`paired` of them).
    """

    question_id: str
    served: int
    score_sum: float
    paired: int = 0
    x: float = 0.0
    y: float = 0.0
    xx: float = 0.0
    yy: float = 0.0
    xy: float = 0.0


SUM_FIELDS = ("served", "score_sum", "paired", "x", "y", "xx", "yy", "xy")


def attempt_item_sums(scores: dict[str, float]) -> list[ItemSums]:
    """What one graded attempt adds to each of its questions' running sums."""
    total, n = sum(scores.values()), len(scores)
    sums = []
    for question_id, x in scores.items():
        if n > 1:
            y = (total - x) / (n - 1)
            sums.append(ItemSums(question_id, 1, x, 1, x, y, x * x, y * y, x * y))
        else:
            sums.append(ItemSums(question_id, 1, x))
    return sums


def _pearson_from_sums(item: ItemSums) -> float | None:
    n = item.paired
    if n < 2:
        return None
    sxx = item.xx - item.x * item.x / n
    syy = item.yy - item.y * item.y / n
    if sxx < _EPS or syy < _EPS:
        return None
    sxy = item.xy - item.x * item.y / n
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def item_statistics_from_sums(sums: Iterable[ItemSums]) -> list[ItemStat]:
    """Facility, discrimination (item vs rest-of-attempt) and flags per question, by id."""
    stats = []
    for item in sorted(sums, key=lambda s: s.question_id):
        facility = item.score_sum / item.served
        disc = _pearson_from_sums(item)
        flags = _flags(item.served, facility, disc)
        stats.append(ItemStat(item.question_id, item.served, facility, disc, flags))
    return stats


def item_statistics(rows: Iterable[tuple[Any, str, float]]) -> list[ItemStat]:
    """The same statistics from (attempt id, question id, score) rows, summed here."""
    attempts: dict[Any, dict[str, float]] = defaultdict(dict)
    for attempt_id, question_id, score in rows:
        attempts[attempt_id][question_id] = float(score)
    sums: dict[str, list[float]] = {}
    for scores in attempts.values():
        for item in attempt_item_sums(scores):
            values = [getattr(item, name) for name in SUM_FIELDS]
            running = sums.setdefault(item.question_id, [0] * len(SUM_FIELDS))
            sums[item.question_id] = [a + b for a, b in zip(running, values, strict=True)]
    return item_statistics_from_sums(ItemSums(qid, *values) for qid, values in sums.items())


def score_histogram(percents: list[float], bins: int = 10) -> list[tuple[str, int]]:
    """Counts of percents per equal-width bin over 0..100, labelled "0-10" ... "90-100"."""
    width = 100 / bins
    counts = [0] * bins
    for p in percents:
        counts[min(bins - 1, max(0, int(p // width)))] += 1

    def fmt(x: float) -> str:
        return f"{x:g}"

    return [(f"{fmt(i * width)}-{fmt((i + 1) * width)}", c) for i, c in enumerate(counts)]
