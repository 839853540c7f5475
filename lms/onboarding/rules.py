"""Week plans: which week a hire is in, when each item is due, and its state.

Pure functions over dates (no Flask, no database). A plan's week 1 starts on the
start date; an item with a `day` (1-5) is due at the end of that day of its week,
an item without one at the end of the week's fifth day. Everything is counted in
calendar dates, so a daylight-saving change cannot move a due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import NamedTuple
from zoneinfo import ZoneInfo

DAYS_PER_WEEK = 7
WORKING_DAYS = 5
MAX_STORED_ITEMS = 62  # items of a track whose open ones fit a stored bitmask (a BIGINT)


@dataclass(frozen=True)
class PlanItem:
    """One thing to do: `key` is `doc:ID`, `module:ID`, `lab:ID` or `task:ID`."""

    key: str
    title: str
    week: int
    day: int | None = None
    note: str | None = None

    @property
    def kind(self) -> str:
        """doc, module, lab or task."""
        return self.key.split(":", 1)[0]

    @property
    def ref(self) -> str:
        """The id after the kind."""
        return self.key.split(":", 1)[1]


@dataclass(frozen=True)
class ItemState:
    """A plan item with its due date and state: done, overdue, due (this week) or upcoming."""

    item: PlanItem
    due: date
    state: str


@dataclass(frozen=True)
class WeekOfPlan:
    """One week of a plan with its items in order."""

    number: int
    title: str
    starts: date
    items: tuple[ItemState, ...]


@dataclass(frozen=True)
class WeekPlan:
    """A whole plan as of one day."""

    start: date
    week_count: int
    current_week: int  # 0 before the start, week_count + 1 after the last week
    weeks: tuple[WeekOfPlan, ...]
    next_item: ItemState | None

    # The plan is frozen, so what follows from it is worked out once (pages ask many times).

    @cached_property
    def items(self) -> tuple[ItemState, ...]:
        """Every item in plan order."""
        return tuple(state for week in self.weeks for state in week.items)

    @cached_property
    def done(self) -> int:
        """Items done."""
        return sum(1 for s in self.items if s.state == "done")

    @property
    def total(self) -> int:
        """Items in the plan."""
        return len(self.items)

    @property
    def percent(self) -> int:
        """Share of items done, rounded down."""
        return self.done * 100 // self.total if self.total else 100

    @cached_property
    def overdue(self) -> tuple[ItemState, ...]:
        """Items past their due date and not done."""
        return tuple(s for s in self.items if s.state == "overdue")

    @cached_property
    def overdue_before_this_week(self) -> tuple[ItemState, ...]:
        """Items overdue from the weeks before the current one (every overdue item before the
        start or after the end), oldest due first: the home page lists the first few."""
        this_week = self.current_week if self.week(self.current_week) else None
        earlier = [s for s in self.overdue if s.item.week != this_week]
        return tuple(sorted(earlier, key=lambda s: s.due))

    @property
    def status(self) -> str:
        """not_started, in_progress, finished (all done) or ended (past the end, items open)."""
        if self.done == self.total:
            return "finished"
        if self.current_week == 0:
            return "not_started"
        return "ended" if self.current_week > self.week_count else "in_progress"

    def week(self, number: int) -> WeekOfPlan | None:
        """The week with this number, if the plan has it."""
        return next((w for w in self.weeks if w.number == number), None)


def today_in(zone: ZoneInfo, now: datetime) -> date:
    """The calendar date at `now` in the organisation's time zone."""
    return now.astimezone(zone).date()


def week_start(start: date, week: int) -> date:
    """First day of a plan week (week 1 starts on the start date)."""
    return start + timedelta(days=DAYS_PER_WEEK * (week - 1))


def due_date(start: date, week: int, day: int | None) -> date:
    """The last date an item may be done on time."""
    return week_start(start, week) + timedelta(days=(day or WORKING_DAYS) - 1)


def current_week(start: date, today: date, week_count: int) -> int:
    """Week number containing `today`: 0 before the start, week_count + 1 after the end."""
    if today < start:
        return 0
    return min((today - start).days // DAYS_PER_WEEK + 1, week_count + 1)


def item_state(
    due: date, done: bool, today: date, week: int, this_week: int, in_review: bool = False
) -> str:
    """done, in_review (a lab waiting for its trainer), overdue (past due), due (in the
    current week or earlier) or upcoming."""
    if done:
        return "done"
    if in_review:
        return "in_review"
    if today > due:
        return "overdue"
    return "due" if week <= this_week else "upcoming"


def build_week_plan(
    weeks: list[tuple[int, str, list[PlanItem]]],
    start: date,
    today: date,
    done: set[str],
    in_review: set[str] = frozenset(),
) -> WeekPlan:
    """Lay a track's weeks out from `start` as of `today`, given the keys of done items
    (and of labs submitted and waiting for review)."""
    week_count = max((number for number, _, _ in weeks), default=0)
    this_week = current_week(start, today, week_count)
    laid_out = []
    for number, title, items in sorted(weeks, key=lambda week: week[0]):
        starts = week_start(start, number)
        states = []
        for item in items:
            due = starts + timedelta(days=(item.day or WORKING_DAYS) - 1)  # due_date(...)
            key = item.key
            state = item_state(due, key in done, today, number, this_week, key in in_review)
            states.append(ItemState(item, due, state))
        laid_out.append(WeekOfPlan(number, title, starts, tuple(states)))
    open_items = [
        s for week in laid_out for s in week.items if s.state not in ("done", "in_review")
    ]
    pressing = [s for s in open_items if s.state in ("overdue", "due")]
    next_item = min(pressing, key=lambda s: s.due) if pressing else None
    if next_item is None and open_items:
        next_item = open_items[0]
    return WeekPlan(start, week_count, this_week, tuple(laid_out), next_item)


# --- a plan as stored counts: what lists of many plans read instead of laying each out ---------


@dataclass(frozen=True)
class TrackLayout:
    """A weekly track's items in plan order with when each opens and falls due, in days from
    the plan's start date. A plan's open items are a bitmask over this order (bit i: item i),
    so a list of plans counts what is due or overdue on any day with a few integer operations."""

    keys: tuple[str, ...]
    titles: tuple[str, ...]
    due_days: tuple[int, ...]  # item i is due at the end of start + due_days[i]
    opens_days: tuple[int, ...]  # its week begins on start + opens_days[i]
    week_count: int
    fingerprint: str  # changes whenever what a stored plan row means changes

    @cached_property
    def _late(self) -> tuple[int, ...]:
        # _late[d]: items overdue on day d of the plan (due before it)
        last = max(self.due_days, default=0) + 1
        return tuple(
            sum(1 << i for i, due in enumerate(self.due_days) if due < day)
            for day in range(last + 1)
        )

    @cached_property
    def _pending(self) -> tuple[int, ...]:
        # _pending[d]: items whose week has begun and that are not yet late on day d
        last = max(self.due_days, default=0) + 1
        return tuple(
            sum(
                1 << i
                for i, (due, opens) in enumerate(zip(self.due_days, self.opens_days, strict=True))
                if opens <= day <= due
            )
            for day in range(last + 1)
        )

    @cached_property
    def _by_due(self) -> tuple[tuple[int, int], ...]:
        # (due day, bitmask of the items due that day), earliest first
        days = sorted(set(self.due_days))
        return tuple(
            (day, sum(1 << i for i, due in enumerate(self.due_days) if due == day)) for day in days
        )

    @cached_property
    def due_in_order(self) -> bool:
        """Whether no item falls due before an item listed ahead of it (then the first open
        item in plan order is also the earliest due)."""
        return list(self.due_days) == sorted(self.due_days)

    @property
    def storable(self) -> bool:
        """Whether a plan's open items fit a stored bitmask."""
        return len(self.keys) <= MAX_STORED_ITEMS

    @property
    def due_steps(self) -> tuple[int, ...]:
        """The track's distinct due days, earliest first."""
        return tuple(day for day, _ in self._by_due)

    def open_tally(self, items: int) -> str:
        """How many of these items (a bitmask) fall due by each of `due_steps`, two digits
        each: what SQL reads the overdue count from with one substring (`service.plan_sorts`)."""
        tally, total = [], 0
        for _, due in self._by_due:
            total += (items & due).bit_count()
            tally.append(f"{total:02d}")
        return "".join(tally)

    def first_due(self, items: int) -> int | None:
        """The earliest due day among these items (a bitmask), or None for none."""
        for day, due in self._by_due:
            if items & due:
                return day
        return None

    def late(self, day: int) -> int:
        """Bitmask of the items past due on day `day` of a plan (day 0: the start date)."""
        if day <= 0:
            return 0
        return self._late[min(day, len(self._late) - 1)]

    def pending(self, day: int) -> int:
        """Bitmask of the items open for work and not yet past due on day `day`."""
        if day < 0:
            return 0
        return self._pending[min(day, len(self._pending) - 1)]


def track_layout(weeks: list[tuple[int, str, list[PlanItem]]], fingerprint: str) -> TrackLayout:
    """The layout of a track's weeks (as `build_week_plan` takes them)."""
    keys, titles, due_days, opens_days = [], [], [], []
    for number, _, items in sorted(weeks, key=lambda week: week[0]):
        for item in items:
            keys.append(item.key)
            titles.append(item.title)
            opens_days.append(DAYS_PER_WEEK * (number - 1))
            due_days.append(DAYS_PER_WEEK * (number - 1) + (item.day or WORKING_DAYS) - 1)
    week_count = max((number for number, _, _ in weeks), default=0)
    return TrackLayout(
        tuple(keys), tuple(titles), tuple(due_days), tuple(opens_days), week_count, fingerprint
    )


def open_mask(week_plan: WeekPlan) -> int:
    """The plan's open items (neither done nor waiting for review) as a bitmask in plan order."""
    return sum(
        1 << i for i, s in enumerate(week_plan.items) if s.state not in ("done", "in_review")
    )


class PlanCounts(NamedTuple):
    """A plan as of one day, from its stored done count and open items: what lists show (a
    named tuple: a page of plans builds fifty, and a frozen dataclass costs several times more)."""

    start: date
    week_count: int
    current_week: int  # as WeekPlan.current_week: 0 before the start, week_count + 1 after
    done: int
    total: int
    due: int
    overdue: int
    days_behind: int  # since the oldest overdue item's due date
    overdue_titles: tuple[str, ...]
    next_title: str | None

    @property
    def percent(self) -> int:
        """Share of items done, rounded down."""
        return self.done * 100 // self.total if self.total else 100


def plan_counts(
    layout: TrackLayout, start: date, today: date, done: int, open_items: int, *, titles=False
) -> PlanCounts:
    """Count a stored plan as of `today` (the same states as `build_week_plan`); with `titles`,
    also name the overdue items and the next one."""
    day = (today - start).days
    late = open_items & layout.late(day)
    pending = open_items & layout.pending(day)
    behind = day - layout.first_due(late) if late else 0
    overdue_titles: tuple[str, ...] = ()
    next_title = None
    if titles:
        overdue_titles = tuple(layout.titles[i] for i in _bits(late)) if late else ()
        pressing = late | pending
        if pressing:
            # the earliest due of the pressing items, the first in plan order on a tie
            if layout.due_in_order:
                index = (pressing & -pressing).bit_length() - 1
            else:
                index = min(_bits(pressing), key=lambda i: layout.due_days[i])
            next_title = layout.titles[index]
        elif open_items:
            next_title = layout.titles[(open_items & -open_items).bit_length() - 1]
    week = 0 if day < 0 else min(day // DAYS_PER_WEEK + 1, layout.week_count + 1)  # current_week
    return PlanCounts(
        start, layout.week_count, week, done, len(layout.keys), pending.bit_count(),
        late.bit_count(), behind, overdue_titles, next_title,
    )  # fmt: skip


def late_counts(layout: TrackLayout, day: int, open_items: int) -> tuple[int, int, int]:
    """(due, overdue, days behind) of a plan's open items on day `day` of the plan (day 0: the
    start date): what a report counts for thousands of plans, so integer operations only."""
    late = open_items & layout.late(day)
    if not late:
        return (open_items & layout.pending(day)).bit_count(), 0, 0
    behind = day - layout.first_due(late)
    return (open_items & layout.pending(day)).bit_count(), late.bit_count(), behind


def _bits(mask: int):
    """Indexes of the set bits, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low
