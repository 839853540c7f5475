"""Item analysis and the score histogram (lms.assessment.rules)."""

import pytest

from lms.assessment.rules import ItemStat, item_statistics, score_band, score_histogram

# Five submitted attempts, each served q1, q2 and q3:
#
#   attempt   q1  q2  q3
#   A1         1   1   0
#   A2         1   1   1
#   A3         1   0   1
#   A4         1   0   0
#   A5         0   0   1
#
# q2: x = item scores = [1, 1, 0, 0, 0]              mean 0.4
#     y = rest (mean of q1, q3) = [.5, 1, 1, .5, .5]  mean 0.7
#     dx = [.6, .6, -.4, -.4, -.4]   dy = [-.2, .3, .3, -.2, -.2]
#     Sxy = -.12 + .18 - .12 + .08 + .08 = 0.10
#     Sxx = 2(.36) + 3(.16) = 1.20     Syy = 3(.04) + 2(.09) = 0.30
#     r = 0.10 / sqrt(1.20 * 0.30) = 0.10 / 0.60 = 0.1667  -> low_discrimination
# q3: x = [0, 1, 1, 0, 1]                           mean 0.6
#     y = rest (mean of q1, q2) = [1, 1, .5, .5, 0]   mean 0.6
#     dx = [-.6, .4, .4, -.6, .4]   dy = [.4, .4, -.1, -.1, -.6]
#     Sxy = -.24 + .16 - .04 + .06 - .24 = -0.30
#     Sxx = 2(.36) + 3(.16) = 1.20     Syy = 2(.16) + 2(.01) + .36 = 0.70
#     r = -0.30 / sqrt(0.84) = -0.30 / 0.9165 = -0.3273  -> negative_discrimination
# q1: x = [1, 1, 1, 1, 0]                           mean 0.8
#     y = rest (mean of q2, q3) = [.5, 1, .5, 0, .5]  mean 0.5
#     dx = [.2, .2, .2, .2, -.8]    dy = [0, .5, 0, -.5, 0]
#     Sxy = 0 + .1 + 0 - .1 + 0 = 0    -> r = 0.000, low_discrimination (0 <= r < 0.2)
TABLE = {
    "A1": (1, 1, 0),
    "A2": (1, 1, 1),
    "A3": (1, 0, 1),
    "A4": (1, 0, 0),
    "A5": (0, 0, 1),
}
ROWS = [
    (attempt, f"q{i + 1}", score)
    for attempt, scores in TABLE.items()
    for i, score in enumerate(scores)
]


def by_id(rows) -> dict[str, ItemStat]:
    return {stat.question_id: stat for stat in item_statistics(rows)}


def test_hand_computed_example():
    stats = by_id(ROWS)
    assert [s.question_id for s in item_statistics(ROWS)] == ["q1", "q2", "q3"]
    assert {s.times_served for s in stats.values()} == {5}
    assert round(stats["q1"].facility, 3) == 0.8
    assert round(stats["q2"].facility, 3) == 0.4
    assert round(stats["q3"].facility, 3) == 0.6
    assert round(stats["q1"].discrimination, 3) == 0.0
    assert round(stats["q2"].discrimination, 3) == 0.167
    assert round(stats["q3"].discrimination, 3) == -0.327
    assert stats["q1"].flags == ("low_discrimination",)
    assert stats["q2"].flags == ("low_discrimination",)
    assert stats["q3"].flags == ("negative_discrimination",)


def test_rows_may_be_any_iterable_and_stat_is_frozen():
    stats = item_statistics(iter(ROWS))
    assert len(stats) == 3
    with pytest.raises(AttributeError):
        stats[0].facility = 1.0  # type: ignore[misc]


def test_few_responses_and_undefined_discrimination():
    rows = [("A1", "q1", 1.0), ("A1", "q2", 0.0), ("A2", "q1", 1.0), ("A2", "q2", 1.0)]
    stats = by_id(rows)
    assert stats["q1"].times_served == 2
    assert stats["q1"].discrimination is None  # q1 has zero variance
    assert stats["q1"].flags == stats["q2"].flags == ("few_responses",)
    assert by_id([("A1", "q1", 1.0)])["q1"].discrimination is None  # one attempt only
    assert by_id([("A1", "q1", 1.0), ("A2", "q1", 0.0)])["q1"].discrimination is None  # no rest


def test_easy_hard_and_discriminating_items():
    # q-easy: everyone right but A6; q-hard: only the strongest attempt right;
    # q-good follows the rest score closely.
    rows = []
    for n, attempt in enumerate(["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "A10"]):
        strong = n < 5
        rows += [
            (attempt, "q-easy", 0.0 if attempt == "A6" else 1.0),
            (attempt, "q-hard", 1.0 if attempt == "A1" else 0.0),
            (attempt, "q-good", 1.0 if strong else 0.0),
            (attempt, "q-anchor", 1.0 if strong else 0.2),
        ]
    stats = by_id(rows)
    assert stats["q-easy"].facility == pytest.approx(0.9)
    assert "too_easy" not in stats["q-easy"].flags  # facility must exceed 0.9
    assert stats["q-hard"].facility == pytest.approx(0.1)
    assert "too_hard" in stats["q-hard"].flags
    assert stats["q-good"].discrimination > 0.8
    assert stats["q-good"].flags == ()
    rows += [(f"B{i}", "q-easy", 1.0) for i in range(10)]
    assert "too_easy" in by_id(rows)["q-easy"].flags


def test_score_histogram():
    hist = score_histogram([0, 5, 9.99, 10, 55, 89.5, 90, 99, 100])
    assert [label for label, _ in hist] == [
        "0-10",
        "10-20",
        "20-30",
        "30-40",
        "40-50",
        "50-60",
        "60-70",
        "70-80",
        "80-90",
        "90-100",
    ]
    assert [count for _, count in hist] == [3, 1, 0, 0, 0, 1, 0, 0, 1, 3]
    assert score_histogram([], bins=4) == [("0-25", 0), ("25-50", 0), ("50-75", 0), ("75-100", 0)]


def test_score_band_puts_a_percent_where_the_histogram_counts_it():
    """The band a graded attempt adds to is the histogram's bin for its percent."""
    percents = [0, 5, 9.99, 10, 19.99, 55, 66.67, 79.99, 80, 89.5, 90, 99, 99.99, 100, -1, 101]
    for bins in (4, 10):
        counts = [0] * bins
        for p in percents:
            counts[score_band(p, bins)] += 1
        assert counts == [count for _, count in score_histogram(percents, bins)]
    assert (score_band(100), score_band(99.99), score_band(0), score_band(10)) == (9, 9, 0, 1)
