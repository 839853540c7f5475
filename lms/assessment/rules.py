"""Grading helpers, seeded question sampling, attempt scoring and item statistics.

Everything here is pure: questions arrive as plain dicts shaped like the quiz YAML of the
content contract (already validated), responses arrive as whatever the browser sent.
A malformed response always grades 0; it never raises. Each question type's own grading
is its class in `lms.assessment.questions`.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
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


def clamp(value: float) -> float:
    """Round a score into 0..1."""
    return round(min(1.0, max(0.0, value)), 6)


def is_text(value: Any) -> bool:
    """True for a non-empty string of a sane length."""
    return isinstance(value, str) and 0 < len(value) <= MAX_TEXT


def text_list(value: Any) -> list[str] | None:
    """Return the response as a list of strings, or None when it is malformed."""
    if not isinstance(value, (list, tuple)) or not 0 < len(value) <= MAX_ITEMS:
        return None
    return list(value) if all(is_text(v) for v in value) else None


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


def within(x: float, spec: dict) -> bool:
    """Whether a number meets a numeric spec (`range`, or `value`/`answer` with `tolerance`)."""
    if spec.get("range") is not None:
        low, high = spec["range"]
        return low - _EPS <= x <= high + _EPS
    target = float(spec.get("value", spec.get("answer")))
    return abs(x - target) <= float(spec.get("tolerance") or 0) + _EPS * max(1.0, abs(target))


def normalize_text(text: str) -> str:
    """NFKC-normalize, case-fold and collapse whitespace, for comparing short answers."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


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


def score_band(percent: float, bins: int = 10) -> int:
    """The equal-width band over 0..100 a percent falls in (100 in the last; clamped)."""
    if percent >= 100:
        return bins - 1
    return min(bins - 1, max(0, math.floor(percent / (100 / bins))))


def score_histogram(percents: list[float], bins: int = 10) -> list[tuple[str, int]]:
    """Counts of percents per equal-width bin over 0..100, labelled "0-10" ... "90-100"."""
    width = 100 / bins
    counts = [0] * bins
    for p in percents:
        counts[min(bins - 1, max(0, int(p // width)))] += 1

    def fmt(x: float) -> str:
        return f"{x:g}"

    return [(f"{fmt(i * width)}-{fmt((i + 1) * width)}", c) for i, c in enumerate(counts)]


# --- feedback by topic -------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a question's material is taught: a document or module, and optionally a section."""

    kind: str  # "doc" or "module"
    item_id: str
    section: str | None


def parse_source(value: Any) -> Source | None:
    """Read a question's `source` ("doc:ID#section" or "module:ID#section"); None if absent."""
    if isinstance(value, dict):
        value = value.get("ref") or value.get("source")
    if not isinstance(value, str) or ":" not in value:
        return None
    kind, _, rest = value.partition(":")
    item_id, _, section = rest.partition("#")
    if kind not in ("doc", "module") or not item_id:
        return None
    return Source(kind, item_id, section or None)


@dataclass(frozen=True)
class TopicScore:
    """A learner's score on one topic of an attempt ("incident response 2 of 6")."""

    topic: str
    earned: float  # points
    possible: int  # points
    weak: bool  # below the pass mark: worth studying before the next attempt
    sources: tuple[Source, ...]  # where to study it (only for weak topics)

    @property
    def earned_text(self) -> str:
        """The points earned, without a trailing .0 ("2", "2.5")."""
        return f"{round(self.earned, 1):g}"


def topic_scores(
    rows: Iterable[tuple[str, float, int, Source | None]],
    pass_score: float,
    fallback: Source | None = None,
) -> list[TopicScore]:
    """Points earned of possible per topic, from (topic, score 0..1, points, source) rows.

    A topic scored below the pass mark is weak; it lists where its questions are taught
    (their sources), or `fallback` (the quiz's module) when none of them says. Topics come
    weakest first, then by name.
    """
    earned: dict[str, float] = defaultdict(float)
    possible: dict[str, int] = defaultdict(int)
    sources: dict[str, dict[Source, None]] = defaultdict(dict)
    for topic, score, points, source in rows:
        earned[topic] += score * points
        possible[topic] += points
        if source is not None:
            sources[topic][source] = None
    result = []
    for topic in possible:
        weak = possible[topic] > 0 and 100 * earned[topic] / possible[topic] < pass_score
        where = tuple(sources[topic]) or ((fallback,) if fallback else ())
        result.append(
            TopicScore(topic, earned[topic], possible[topic], weak, where if weak else ())
        )
    return sorted(result, key=lambda t: (t.earned / t.possible if t.possible else 1, t.topic))
