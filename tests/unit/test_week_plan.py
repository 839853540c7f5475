"""Week and due-date computation: boundaries, before the start, after the end, DST."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lms.onboarding.rules import (
    PlanItem,
    build_week_plan,
    current_week,
    due_date,
    open_mask,
    plan_counts,
    today_in,
    track_layout,
)

MONDAY = date(2026, 3, 2)
WEEKS = [
    (1, "First", [PlanItem("doc:a", "A", 1), PlanItem("task:b", "B", 1, day=1)]),
    (2, "Second", [PlanItem("module:c", "C", 2, day=3), PlanItem("lab:d", "D", 2)]),
]


@pytest.mark.parametrize(
    "today, week",
    [
        (date(2026, 3, 1), 0),  # the day before the start
        (MONDAY, 1),  # the start date itself
        (date(2026, 3, 8), 1),  # the last day of week 1
        (date(2026, 3, 9), 2),  # the first day of week 2
        (date(2026, 3, 15), 2),  # the last day of the last week
        (date(2026, 3, 16), 3),  # the day after the plan ends: week_count + 1
        (date(2027, 1, 1), 3),  # long after: still week_count + 1
    ],
)
def test_current_week_at_boundaries(today, week):
    assert current_week(MONDAY, today, 2) == week


def test_due_dates_by_day_and_end_of_working_week():
    assert due_date(MONDAY, 1, 1) == MONDAY
    assert due_date(MONDAY, 1, None) == date(2026, 3, 6)  # Friday of week 1
    assert due_date(MONDAY, 2, 3) == date(2026, 3, 11)  # Wednesday of week 2


def test_states_before_the_start_are_upcoming_or_due_in_week_1():
    plan = build_week_plan(WEEKS, MONDAY, date(2026, 2, 27), set())
    assert plan.current_week == 0
    assert plan.status == "not_started"
    # nothing is overdue before the start; week 1 items are not yet "this week"
    assert [s.state for s in plan.items] == ["upcoming"] * 4
    assert plan.next_item.item.key == "doc:a"


def test_states_mid_plan():
    plan = build_week_plan(WEEKS, MONDAY, date(2026, 3, 3), {"doc:a"})
    assert plan.current_week == 1
    states = {s.item.key: s.state for s in plan.items}
    assert states == {
        "doc:a": "done",
        "task:b": "overdue",
        "module:c": "upcoming",
        "lab:d": "upcoming",
    }
    assert plan.next_item.item.key == "task:b"  # overdue items come first
    assert plan.done == 1 and plan.total == 4 and plan.percent == 25
    assert [s.item.key for s in plan.overdue] == ["task:b"]


def test_due_on_its_last_day_is_not_overdue():
    plan = build_week_plan(WEEKS, MONDAY, date(2026, 3, 6), set())
    assert {s.item.key: s.state for s in plan.week(1).items} == {
        "doc:a": "due",
        "task:b": "overdue",
    }


def test_after_the_plan_ends():
    plan = build_week_plan(WEEKS, MONDAY, date(2026, 4, 1), {"doc:a"})
    assert plan.current_week == 3
    assert plan.status == "ended"
    assert {s.state for s in plan.items if s.item.key != "doc:a"} == {"overdue"}
    finished = build_week_plan(
        WEEKS, MONDAY, date(2026, 4, 1), {"doc:a", "task:b", "module:c", "lab:d"}
    )
    assert finished.status == "finished" and finished.percent == 100 and finished.next_item is None


def test_across_a_daylight_saving_change():
    """Europe/London moves its clocks on 29 March 2026; weeks still start on Mondays."""
    london = ZoneInfo("Europe/London")
    start = date(2026, 3, 23)
    # 23:30 UTC on Sunday 29 March is 00:30 BST on Monday 30 March: week 2 in London
    now = datetime(2026, 3, 29, 23, 30, tzinfo=UTC)
    assert today_in(london, now) == date(2026, 3, 30)
    assert current_week(start, today_in(london, now), 4) == 2
    # one minute before midnight local time on Sunday is still week 1
    assert current_week(start, today_in(london, datetime(2026, 3, 29, 22, 59, tzinfo=UTC)), 4) == 1
    assert due_date(start, 2, 1) == date(2026, 3, 30)
    # and the US change (8 March 2026) does the same in New York
    new_york = ZoneInfo("America/New_York")
    assert today_in(new_york, datetime(2026, 3, 9, 3, 59, tzinfo=UTC)) == date(2026, 3, 8)
    assert today_in(new_york, datetime(2026, 3, 9, 4, 0, tzinfo=UTC)) == date(2026, 3, 9)


def test_empty_plan():
    plan = build_week_plan([], MONDAY, MONDAY, set())
    assert plan.total == 0 and plan.percent == 100 and plan.next_item is None


def test_overdue_before_this_week_leaves_this_weeks_out_and_lists_the_oldest_first():
    weeks = [
        (1, "First", [PlanItem("doc:a", "A", 1, day=5), PlanItem("task:b", "B", 1, day=1)]),
        (2, "Second", [PlanItem("module:c", "C", 2, day=1), PlanItem("lab:d", "D", 2)]),
    ]
    in_week_two = build_week_plan(weeks, MONDAY, date(2026, 3, 13), {"doc:a"})
    assert [s.item.key for s in in_week_two.overdue] == ["task:b", "module:c"]
    assert [s.item.key for s in in_week_two.overdue_before_this_week] == ["task:b"]
    after_the_end = build_week_plan(weeks, MONDAY, date(2026, 4, 1), set())
    assert [s.item.key for s in after_the_end.overdue_before_this_week] == [
        "task:b", "doc:a", "module:c", "lab:d"
    ]  # fmt: skip


IN_ORDER = [
    (1, "First", [PlanItem("task:b", "B", 1, day=1), PlanItem("doc:a", "A", 1)]),
    (2, "Second", [PlanItem("module:c", "C", 2, day=3), PlanItem("lab:d", "D", 2)]),
]


@pytest.mark.parametrize("weeks", [WEEKS, IN_ORDER], ids=["due-out-of-order", "due-in-order"])
def test_counts_from_a_bitmask_match_the_plan_laid_out(weeks):
    """A stored plan's counts (done, open items as a bitmask) name the same overdue items and
    next item as the plan laid out, whether or not items are listed in the order they fall due
    (in order, the next item is read from the lowest open bit)."""
    layout = track_layout(weeks, "fingerprint")
    assert layout.due_in_order == (weeks is IN_ORDER)
    keys = [item.key for _, _, items in weeks for item in items]
    for done_bits in range(1 << len(keys)):
        done = {key for i, key in enumerate(keys) if done_bits >> i & 1}
        for offset in range(-2, 20):
            today = MONDAY + timedelta(days=offset)
            plan = build_week_plan(weeks, MONDAY, today, done)
            counts = plan_counts(layout, MONDAY, today, plan.done, open_mask(plan), titles=True)
            assert counts.overdue_titles == tuple(s.item.title for s in plan.overdue)
            assert counts.next_title == (plan.next_item.item.title if plan.next_item else None)
            assert (counts.current_week, counts.week_count, counts.percent) == (
                plan.current_week, plan.week_count, plan.percent
            )  # fmt: skip
            due = sum(1 for s in plan.items if s.state == "due")
            assert (counts.overdue, counts.due) == (len(plan.overdue), due)
