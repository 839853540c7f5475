"""Onboarding plans: assign a track, tick tasks, and lay out plans for one or many hires.

Plans for any number of hires cost a fixed number of queries: assignments with their
users, then reading progress (lms.learning.service) and ticked items for all at once.
"""

import hashlib
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    Date,
    Integer,
    Row,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.accounts import service as accounts
from lms.accounts.models import User
from lms.content import Catalog
from lms.content.schema import Track
from lms.errors import ServiceError
from lms.extensions import PeopleStatement, db, read_rows, set_row, upsert
from lms.learning import service as learning
from lms.onboarding.models import PlanItemDone, PlanProgress, TrackAssignment
from lms.onboarding.rules import (
    DAYS_PER_WEEK,
    PlanCounts,
    PlanItem,
    TrackLayout,
    WeekPlan,
    build_week_plan,
    current_week,
    due_date,
    late_counts,
    open_mask,
    plan_counts,
    track_layout,
)
from lms.practice import service as practice
from lms.practice.models import SubmissionStatus
from lms.timeutil import today as today_here
from lms.timeutil import utcnow

SELF_TICKED_KINDS = ("task",)  # labs are done when passed (lms.practice)


@dataclass(frozen=True)
class Plan:
    """A hire's assignment laid out as a week plan."""

    user: User
    assignment: TrackAssignment | Row  # what is read of it: track_id and start_date
    track: Track
    week_plan: WeekPlan


def weekly_tracks(catalog: Catalog) -> list[Track]:
    """Tracks made of weeks (the ones a hire can be assigned)."""
    return [track for track in catalog.curriculum.tracks if track.weeks]


def recurring_tracks(catalog: Catalog) -> list[Track]:
    """Tracks of recurring items (ongoing learning), shown to everyone."""
    return [track for track in catalog.curriculum.tracks if track.recurring]


def plan_items(track: Track, catalog: Catalog) -> list[tuple[int, str, list[PlanItem]]]:
    """A track's weeks as plain data for the week-plan rule, with item titles."""
    weeks = []
    for week in track.weeks or []:
        items = []
        for item in week.items:
            if item.doc:
                key, title = f"doc:{item.doc}", catalog.documents[item.doc].title
            elif item.module:
                module = catalog.modules[item.module]
                key, title = f"module:{item.module}", f"Module {module.number}: {module.title}"
            elif item.lab:
                lab = catalog.labs[item.lab]
                key, title = f"lab:{item.lab}", f"{lab.number} {lab.title}"
            else:
                key, title = f"task:{item.task}", item.title or item.task
            items.append(PlanItem(key, title, week.number, item.day, item.note))
        weeks.append((week.number, week.title, items))
    return weeks


def assign_track(
    user: User, track_id: str, start: date, catalog: Catalog, *, actor: User | None = None,
    recount: bool = True,
) -> TrackAssignment:  # fmt: skip
    """Assign a weekly track to a person from a start date (or move the start date). With
    `recount=False` the caller counts the plan (`refresh_progress`) itself: an import, for
    many people at once."""
    track = next((t for t in weekly_tracks(catalog) if t.id == track_id), None)
    if track is None:
        ids = ", ".join(t.id for t in weekly_tracks(catalog))
        raise ServiceError(f"No weekly track {track_id!r}; choose one of {ids}.", "track")
    assignment = _assignment(user, track_id)
    if assignment is not None and assignment.start_date == start:
        return assignment
    if assignment is None:
        try:
            with db.session.begin_nested():  # another request may assign the same track now
                assignment = TrackAssignment(user_id=user.id, track_id=track_id, start_date=start)
                db.session.add(assignment)
                db.session.flush()
        except IntegrityError:
            # It did, and has committed: carry on as a sequential duplicate would.
            assignment = _assignment(user, track_id)
            if assignment is None:
                raise
            if assignment.start_date == start:
                return assignment
    assignment.start_date = start
    assignment.assigned_by_id = actor.id if actor else None
    assignment.assigned_at = utcnow()
    db.session.flush()
    audit.record(
        "onboarding.assign",
        actor=actor,
        target=user,
        obj=assignment,
        detail=f"{track_id} from {start}",
        payload={"track": track_id, "start_date": start.isoformat()},
    )
    if recount:
        refresh_progress([user.id], catalog)
    return assignment


def _assignment_of(user: User, track_id: str) -> TrackAssignment:
    assignment = db.session.scalar(
        select(TrackAssignment).where(
            TrackAssignment.user_id == user.id, TrackAssignment.track_id == track_id
        )
    )
    if assignment is None:
        raise ServiceError(f"{user.name} has no {track_id} plan.")
    return assignment


def remove_track(user: User, track_id: str, *, actor: User | None = None) -> None:
    """Take a track off a person's plans (what they read and ticked stays recorded)."""
    assignment = _assignment_of(user, track_id)
    audit.record(
        "onboarding.remove",
        actor=actor,
        target=user,
        obj=assignment,
        detail=f"{track_id} (started {assignment.start_date})",
        payload={"track": track_id, "start_date": assignment.start_date.isoformat()},
    )
    db.session.delete(assignment)
    db.session.execute(
        delete(PlanProgress).where(
            PlanProgress.user_id == user.id, PlanProgress.track_id == track_id
        )
    )
    db.session.flush()


def replace_track(
    user: User, track_id: str, new_track_id: str, start: date, catalog: Catalog, *,
    actor: User | None = None,
) -> TrackAssignment:  # fmt: skip
    """Put another weekly track (from a start date) in place of one of a person's tracks."""
    assignment = _assignment_of(user, track_id)
    if new_track_id not in {t.id for t in weekly_tracks(catalog)}:
        ids = ", ".join(t.id for t in weekly_tracks(catalog))
        raise ServiceError(f"No weekly track {new_track_id!r}; choose one of {ids}.", "track")
    if new_track_id != track_id and db.session.scalar(
        select(TrackAssignment.id).where(
            TrackAssignment.user_id == user.id, TrackAssignment.track_id == new_track_id
        )
    ):
        raise ServiceError(f"{user.name} already follows {new_track_id}; remove one of them.")
    before = {"track": track_id, "start_date": assignment.start_date.isoformat()}
    db.session.execute(
        delete(PlanProgress).where(
            PlanProgress.user_id == user.id, PlanProgress.track_id == track_id
        )
    )
    assignment.track_id, assignment.start_date = new_track_id, start
    assignment.assigned_by_id = actor.id if actor else None
    assignment.assigned_at = utcnow()
    db.session.flush()
    audit.record(
        "onboarding.replace",
        actor=actor,
        target=user,
        obj=assignment,
        detail=f"{track_id} replaced by {new_track_id} from {start}",
        payload={"from": before, "to": {"track": new_track_id, "start_date": start.isoformat()}},
    )
    refresh_progress([user.id], catalog)
    return assignment


def assign_track_by_email(
    email: str, track_id: str, start: date, catalog: Catalog, *, actor: User | None = None
) -> User:
    """Assign a weekly track to the person with this email; return the person."""
    person = accounts.get_by_email(email)
    if person is None:
        raise ServiceError(f"No user with the email {email}.", "email")
    assign_track(person, track_id, start, catalog, actor=actor)
    return person


def _assignment(user: User, track_id: str) -> TrackAssignment | None:
    return db.session.scalar(
        select(TrackAssignment).where(
            TrackAssignment.user_id == user.id, TrackAssignment.track_id == track_id
        )
    )


def set_item_done(user: User, track_id: str, item_key: str, catalog: Catalog, done: bool) -> None:
    """Tick (or untick) a task or lab of the learner's own plan."""
    assignment = db.session.scalar(
        select(TrackAssignment).where(
            TrackAssignment.user_id == user.id, TrackAssignment.track_id == track_id
        )
    )
    track = next((t for t in weekly_tracks(catalog) if t.id == track_id), None)
    keys = {i.key for _, _, items in plan_items(track, catalog) for i in items} if track else set()
    if assignment is None or item_key not in keys:
        raise ServiceError("That item is not in your plan.")
    if item_key.split(":", 1)[0] not in SELF_TICKED_KINDS:
        raise ServiceError(
            "Documents, modules and labs tick themselves when you finish them "
            "(a lab when a trainer passes it)."
        )
    key = {"user_id": user.id, "track_id": track_id, "item_key": item_key}
    set_row(PlanItemDone, done, key, done_at=utcnow())
    refresh_progress([user.id], catalog)


TEAM_PAGE_SIZE = 50


def _team_statements(search: bool) -> tuple[Select, Select]:
    """Team plans' count and page, built once (the tracks, search and page are bound): the
    page is a window of the plans newest start first, with how many there are in all."""
    # `+ 0`: the join cannot look assignments up by person, so the database reads them in
    # start order from their index and stops after the page instead of sorting every plan
    plans = (
        select(TrackAssignment.user_id)
        .join(User, User.id == TrackAssignment.user_id + 0)
        .where(
            TrackAssignment.track_id.in_(bindparam("tracks", expanding=True)),
            User.active.is_(True),
        )
    )
    if search:
        like = bindparam("like")
        plans = plans.where(
            or_(func.lower(User.name).like(like), func.lower(User.email).like(like))
        )
        count = plans.with_only_columns(func.count())
    else:
        # every assignment's person exists (a foreign key), so the plans of active people are
        # those of nobody inactive: counted from the index, without a lookup per plan
        inactive = select(User.id).where(User.active.is_not(True))
        count = select(func.count()).where(
            TrackAssignment.track_id.in_(bindparam("tracks", expanding=True)),
            TrackAssignment.user_id.not_in(inactive),
        )
    page = (
        plans.with_only_columns(
            User.id,
            User.name,
            User.email,
            TrackAssignment.track_id,
            TrackAssignment.start_date,
            PlanProgress.layout,
            PlanProgress.done,
            PlanProgress.open_items,
            count.scalar_subquery().label("total"),
        )
        .outerjoin(
            PlanProgress,
            and_(
                PlanProgress.user_id == TrackAssignment.user_id,
                PlanProgress.track_id == TrackAssignment.track_id,
            ),
        )
        .order_by(TrackAssignment.start_date.desc(), func.lower(User.name), User.id)
        .limit(bindparam("size"))
        .offset(bindparam("skip"))
    )
    return count, page


_TEAM = {search: _team_statements(search) for search in (False, True)}


# built once (every home page runs it): the tracks and people are bound parameters
_PLANS_OF = (
    select(TrackAssignment, User)
    .join(User, User.id == TrackAssignment.user_id)
    .where(
        TrackAssignment.track_id.in_(bindparam("tracks", expanding=True)),
        User.active.is_(True),
        TrackAssignment.user_id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(TrackAssignment.start_date.desc(), func.lower(User.name), User.id)
)
# a plan as `stored_plans` and `own_plans` read it: its assignment and stored row, if any
_STORED_PLAN_COLUMNS = (
    TrackAssignment.track_id, TrackAssignment.start_date, PlanProgress.layout,
    PlanProgress.done, PlanProgress.open_items,
)  # fmt: skip
_STORED_ROW = and_(
    PlanProgress.user_id == TrackAssignment.user_id,
    PlanProgress.track_id == TrackAssignment.track_id,
)
# the signed-in person's own assignments (home, My plan): the person is loaded already
# (no IN list: an expanding parameter is rendered into the SQL on every run); with their
# stored rows, outer-joined (a plan may have none yet)
_OWN_ASSIGNMENTS = (
    select(*_STORED_PLAN_COLUMNS)
    .outerjoin(PlanProgress, _STORED_ROW)
    .where(TrackAssignment.user_id == bindparam("id"))
    .order_by(TrackAssignment.start_date.desc(), TrackAssignment.id)
)  # fmt: skip
_TICKED = PeopleStatement(
    lambda who: select(PlanItemDone.user_id, PlanItemDone.track_id, PlanItemDone.item_key).where(
        who(PlanItemDone.user_id)
    )
)

# plans a view has just laid out, for the code it calls next (see `plans_known`)
_known: ContextVar[tuple | None] = ContextVar("known_plans", default=None)


def plans_for(catalog: Catalog, today: date, user_ids: list[int]) -> list[Plan]:
    """Plans of the given users, newest first."""
    known = _known.get()
    if known and known[0] is catalog and known[1] == today and known[2] == frozenset(user_ids):
        return list(known[3])
    tracks = [t.id for t in weekly_tracks(catalog)]
    rows = db.session.execute(_PLANS_OF, {"tracks": tracks, "ids": list(user_ids)}).all()
    return _lay_out(rows, catalog, today)


def own_plans(catalog: Catalog, today: date, person: User) -> list[Plan]:
    """`plans_for` the signed-in person (home, My plan), who is loaded already: their
    assignments are read, as columns, with their stored rows. Where every plan's stored row
    tells each item's state, the plans are laid out from those rows (one query in all);
    otherwise from the person's reading, labs and ticks, as `plans_for` does."""
    if not person.active:
        return []
    laid_out = _track_items(catalog)  # the weekly tracks: an assignment to another is not shown
    rows = [r for r in read_rows(_OWN_ASSIGNMENTS, {"id": person.id}) if r.track_id in laid_out]
    stored = [_stored_plan(row, person, laid_out[row.track_id], today) for row in rows]
    if all(stored):
        return stored
    return _lay_out([(row, person) for row in rows], catalog, today)


def _stored_plan(row, person: User, parts: tuple, today: date) -> Plan | None:
    """A plan laid out from its stored row, or None when the row cannot tell every item's
    state: none yet, counted against another layout of the track, or with an item neither
    open nor done (a lab waiting for review: the row's bits say open or not, its count done)."""
    track, weeks, _, layout = parts
    if row.layout != layout.fingerprint:  # None too: no row
        return None
    mask = row.open_items
    if len(layout.keys) - mask.bit_count() != row.done:
        return None
    done = {key for i, key in enumerate(layout.keys) if not mask >> i & 1}
    return Plan(person, row, track, build_week_plan(weeks, row.start_date, today, done))


@contextmanager
def plans_known(catalog: Catalog, today: date, user_ids: list[int], plans: list[Plan]):
    """Inside the block, `plans_for` these very users answers `plans` without asking again
    (the home page lays out the person's plans, then its "needs your attention" sources
    want the same ones). Only for reads: nothing inside may change what a plan shows."""
    token = _known.set((catalog, today, frozenset(user_ids), tuple(plans)))
    try:
        yield
    finally:
        _known.reset(token)


def next_item_for(catalog: Catalog, today: date, user_id: int) -> PlanItem | None:
    """The next thing to do across the person's plans: the earliest due of the pressing ones."""
    candidates = [p.week_plan.next_item for p in plans_for(catalog, today, [user_id])]
    candidates = [c for c in candidates if c is not None]
    if not candidates:
        return None
    pressing = [c for c in candidates if c.state in ("overdue", "due")] or candidates
    return min(pressing, key=lambda c: c.due).item


class PlanLine(NamedTuple):
    """A hire's plan as one line of a list: counts as of a day, not a laid-out plan (a named
    tuple: a page builds fifty)."""

    user: Row  # id, name, email
    track: Track
    counts: PlanCounts


def team_plans(
    catalog: Catalog, today: date, *, search: str = "", page: int = 1
) -> tuple[list[PlanLine], int]:
    """One page of everyone's plans (newest start first) and how many plans match.

    Read from the stored counts (`PlanProgress`) in light rows, the page and the count in one
    query; a plan without a current row is laid out item by item."""
    laid_out = _track_items(catalog)
    count, window = _TEAM[bool(search)]
    params: dict[str, Any] = {"tracks": list(laid_out)}
    if search:
        params["like"] = f"%{search.lower()}%"
    rows = read_rows(
        window, {**params, "size": TEAM_PAGE_SIZE, "skip": (page - 1) * TEAM_PAGE_SIZE}
    ).all()
    # past the last page there is no row to carry the count: ask for it (the view answers 404)
    total = rows[0].total if rows else (db.session.scalar(count, params) if page > 1 else 0)
    # a row has what laying a plan out reads of the assignment and of the user
    stale = [(row, row) for row in rows if row.layout != laid_out[row.track_id][3].fingerprint]
    fresh = {
        (plan.user.id, plan.track.id): (plan.week_plan.done, open_mask(plan.week_plan))
        for plan in (_lay_out(stale, catalog, today) if stale else [])
    }
    lines = []
    for row in rows:
        track, _, _, layout = laid_out[row.track_id]
        done, mask = fresh.get((row.id, row.track_id), (row.done, row.open_items))
        counts = plan_counts(layout, row.start_date, today, done, mask, titles=True)
        lines.append(PlanLine(row, track, counts))
    return lines, total


_laid_out_tracks: tuple[Catalog | None, dict] = (None, {})


def _fingerprint(track: Track, weeks: list, catalog: Catalog) -> str:
    """What a stored plan row was counted against: the items, their days, and what completes
    each module (its sections and quiz). Titles are left out: rows do not store them."""
    parts = [track.id]
    for number, _, items in weeks:
        for item in items:
            parts.append(f"{item.key}@{number}.{item.day or ''}")
            if item.kind == "module":
                module = catalog.modules[item.ref]
                parts.append(" ".join(sorted(module.section_slugs)) + f"?{module.quiz or ''}")
    return hashlib.sha1("\n".join(parts).encode(), usedforsecurity=False).hexdigest()


def _track_items(catalog: Catalog) -> dict[str, tuple[Track, list, frozenset[str], TrackLayout]]:
    """Each weekly track, its items, the modules they name and its layout; once per load."""
    global _laid_out_tracks
    loaded, tracks = _laid_out_tracks
    if loaded is not catalog:
        tracks = {}
        for track in weekly_tracks(catalog):
            weeks = plan_items(track, catalog)
            modules = frozenset(
                item.key.removeprefix("module:")
                for _, _, items in weeks
                for item in items
                if item.key.startswith("module:")
            )
            layout = track_layout(weeks, _fingerprint(track, weeks, catalog))
            if not layout.storable:
                layout = track_layout(weeks, "")  # no stored row ever matches it
            tracks[track.id] = (track, weeks, modules, layout)
        _laid_out_tracks = (catalog, tracks)
    return tracks


def track_layouts(catalog: Catalog) -> dict[str, TrackLayout]:
    """Each weekly track's layout (items in plan order with their days), by track id."""
    return {track_id: parts[3] for track_id, parts in _track_items(catalog).items()}


# --- stored counts (PlanProgress), kept in step with what counts ------------------------------

REFRESH_CHUNK = 500  # people per batch: keeps every IN list short on both databases
_ASSIGNED_TO = (
    select(TrackAssignment, User)
    .join(User, User.id == TrackAssignment.user_id)
    .where(
        TrackAssignment.track_id.in_(bindparam("tracks", expanding=True)),
        TrackAssignment.user_id.in_(bindparam("ids", expanding=True)),
    )
)


def refresh_progress(user_ids, catalog: Catalog) -> int:
    """Count again and store every weekly plan of these people; return the number of plans
    stored. Idempotent: listeners call it whenever something that counts may have changed
    (one query for a person without a plan). Taking a track off a plan drops its row."""
    execute = db.session.execute
    ids = sorted(set(user_ids))
    laid_out = _track_items(catalog)
    stored = 0
    for first in range(0, len(ids), REFRESH_CHUNK):
        chunk = ids[first : first + REFRESH_CHUNK]
        rows = db.session.execute(_ASSIGNED_TO, {"tracks": list(laid_out), "ids": chunk}).all()
        plans = _lay_out(rows, catalog, today_here()) if rows else []
        values = []
        for plan in plans:
            layout = laid_out[plan.track.id][3]
            if not layout.storable:
                continue  # too many items for the bitmask: always counted afresh
            mask = open_mask(plan.week_plan)
            first = layout.first_due(mask)
            values.append(
                {
                    "user_id": plan.user.id,
                    "track_id": plan.track.id,
                    "layout": layout.fingerprint,
                    "done": plan.week_plan.done,
                    "open_items": mask,
                    "first_due": None if first is None else plan.week_plan.start + timedelta(first),
                    "open_tally": layout.open_tally(mask),
                    "updated_at": utcnow(),
                }
            )
        if values:
            statement = upsert(PlanProgress).values(values)
            changing = ("layout", "done", "open_items", "first_due", "open_tally", "updated_at")
            execute(
                statement.on_conflict_do_update(
                    index_elements=["user_id", "track_id"],
                    set_={name: statement.excluded[name] for name in changing},
                )
            )
        stored += len(values)
    return stored


def refresh_all_progress(catalog: Catalog) -> int:
    """Count again and store the plans of everyone on a weekly track (and drop the rows of
    plans nobody follows any more)."""
    followed = exists().where(
        TrackAssignment.user_id == PlanProgress.user_id,
        TrackAssignment.track_id == PlanProgress.track_id,
    )
    db.session.execute(delete(PlanProgress).where(~followed))
    ids = db.session.scalars(select(TrackAssignment.user_id).distinct()).all()
    return refresh_progress(ids, catalog)


def _lay_out(rows, catalog: Catalog, today: date) -> list[Plan]:
    """Week plans for (assignment, user) rows: reading progress and ticks in fixed queries.

    Module progress is worked out for the plans' modules only, not the whole catalogue.
    """
    laid_out = _track_items(catalog)
    tracks = {track_id: parts[0] for track_id, parts in laid_out.items()}
    items = {track_id: parts[1] for track_id, parts in laid_out.items()}
    ids = {user.id for _, user in rows}
    shown = {assignment.track_id for assignment, _ in rows}
    modules = frozenset().union(*(laid_out[t][2] for t in shown if t in laid_out))
    progress = learning.progress_for(ids, catalog, modules)
    labs = practice.lab_progress_for(ids)
    ticked: dict[tuple[int, str], set[str]] = {}
    if ids:
        for user_id, track_id, key in _TICKED.rows(ids):
            ticked.setdefault((user_id, track_id), set()).add(key)
    plans = []
    for assignment, user in rows:
        track = tracks[assignment.track_id]
        mine = progress[user.id]
        passed, waiting = labs.get(user.id, (set(), set()))
        done = (
            {f"doc:{d}" for d in mine.documents_read}
            | {f"module:{m}" for m in mine.modules_complete}
            | {f"lab:{lab}" for lab in passed}
            | {k for k in ticked.get((user.id, track.id), set()) if k.startswith("task:")}
        )
        week_plan = build_week_plan(
            items[track.id], assignment.start_date, today, done, {f"lab:{lab}" for lab in waiting}
        )
        plans.append(Plan(user, assignment, track, week_plan))
    return plans


# --- plans summed up in SQL, for reports over everyone ----------------------------------------


class PlanSummary(NamedTuple):
    """One hire's plan as counts: what a report lists for thousands of people at once (a
    named tuple: reports build thousands, and a frozen dataclass costs several times more)."""

    user_id: int
    track_id: str
    start: date
    week: int  # 0 before the start; never past the last week
    weeks: int
    done: int
    total: int
    due: int
    overdue: int
    days_behind: int  # since the oldest overdue item's due date


def _item_table(catalog: Catalog, today: date, track_id: str | None):
    """Every item of the weekly tracks as rows of literals (a track's items: tens of rows), with
    the start dates that make it overdue or due today, so SQL compares dates without date
    arithmetic (which SQLite and PostgreSQL spell differently)."""
    rows = []
    for track in weekly_tracks(catalog):
        if track_id and track.id != track_id:
            continue
        for number, _, items in plan_items(track, catalog):
            for item in items:
                offset = (due_date(today, number, item.day) - today).days
                rows.append(
                    select(
                        literal(track.id, String).label("track_id"),
                        literal(item.key, String).label("key"),
                        literal(offset, Integer).label("offset"),
                        # overdue when the plan started before this date (today > start + offset)
                        literal(today - timedelta(days=offset), Date).label("late_if_before"),
                        # in the current week or earlier when the plan started on or before this
                        literal(today - timedelta(days=DAYS_PER_WEEK * (number - 1)), Date).label(
                            "open_if_by"
                        ),
                    )
                )
    return union_all(*rows).subquery("item") if rows else None


def plan_summaries(
    catalog: Catalog, today: date, people, track_id: str | None = None
) -> list[PlanSummary]:
    """Counts of every weekly plan of active people whose ids `people` selects: done, due,
    overdue, days behind. Two queries whatever the number of people; the counting happens in
    SQL (the same states as `build_week_plan`, which lays one plan out item by item)."""
    item = _item_table(catalog, today, track_id)
    if item is None:
        return []
    modules = [
        item.ref
        for track in weekly_tracks(catalog)
        for _, _, items in plan_items(track, catalog)
        for item in items
        if item.kind == "module"
    ]
    read = learning.finished_keys(catalog, modules, people).subquery()
    no_track = literal(None, String).label("track")
    finished = union_all(
        select(read.c.user_id, read.c.key, no_track),
        practice.lab_keys(SubmissionStatus.PASSED, people).add_columns(no_track),
        select(PlanItemDone.user_id, PlanItemDone.item_key, PlanItemDone.track_id).where(
            PlanItemDone.user_id.in_(people), PlanItemDone.item_key.like("task:%")
        ),
    ).subquery("finished")
    waiting = practice.lab_keys(SubmissionStatus.SUBMITTED, people).subquery("waiting")
    assignment = TrackAssignment
    is_open = and_(finished.c.key.is_(None), waiting.c.key.is_(None))
    late = and_(is_open, assignment.start_date < item.c.late_if_before)
    pending = and_(
        is_open,
        assignment.start_date >= item.c.late_if_before,
        assignment.start_date <= item.c.open_if_by,
    )
    query = (
        select(
            assignment.user_id,
            assignment.track_id,
            assignment.start_date,
            func.count(finished.c.key),
            func.count(),
            func.sum(case((pending, 1), else_=0)),
            func.sum(case((late, 1), else_=0)),
            func.min(case((late, item.c.offset))),
        )
        .join(User, User.id == assignment.user_id)
        .join(item, item.c.track_id == assignment.track_id)
        .outerjoin(
            finished,
            and_(
                finished.c.user_id == assignment.user_id,
                finished.c.key == item.c.key,
                or_(finished.c.track.is_(None), finished.c.track == assignment.track_id),
            ),
        )
        .outerjoin(
            waiting,
            and_(waiting.c.user_id == assignment.user_id, waiting.c.key == item.c.key),
        )
        .where(User.active.is_(True), assignment.user_id.in_(people))
        .group_by(assignment.user_id, assignment.track_id, assignment.start_date)
    )
    weeks = {t.id: max((w.number for w in t.weeks), default=0) for t in weekly_tracks(catalog)}
    summaries = []
    for user_id, track, start, done, total, due, overdue, oldest in db.session.execute(query):
        week = min(current_week(start, today, weeks[track]), weeks[track])
        behind = (today - start).days - oldest if overdue else 0
        summaries.append(
            PlanSummary(user_id, track, start, week, weeks[track], done, total, due or 0,
                        overdue or 0, behind)
        )  # fmt: skip
    return summaries


def stored_summaries(
    catalog: Catalog, today: date, people: Select, track_id: str | None = None, *,
    person_columns=(User.id,),
) -> list[tuple[PlanSummary, Row]]:  # fmt: skip
    """The same counts as `plan_summaries`, read from the stored rows, for the active people
    `people` (a query of `User`, with its joins and conditions) selects: each with a row of
    `person_columns` (which must hold `User.id`). One query, then a few integer operations a
    plan. Plans without a row of the current layout (never counted, or counted before the
    content changed) are counted by `plan_summaries` instead (two more queries)."""
    layouts = track_layouts(catalog)
    query = stored_plans(catalog, people, track_id).add_columns(*person_columns)
    found = []
    stale = set()
    for person in db.session.execute(query):  # the plan's columns, then the person's
        layout = layouts[person.track_id]
        if person.layout != layout.fingerprint:
            stale.add(person.id)
            continue
        found.append((summary_of(layout, today, person), person))
    if stale:
        ids = sorted(stale)
        named = {
            person.id: person
            for person in db.session.execute(
                people.with_only_columns(*person_columns).where(User.id.in_(ids))
            )
        }
        counted = {(s.user_id, s.track_id) for s, _ in found}
        for summary in plan_summaries(catalog, today, ids, track_id):
            if (summary.user_id, summary.track_id) not in counted:
                found.append((summary, named[summary.user_id]))
    return found


# --- stored plans counted and sorted in SQL, for a report that pages thousands of them --------


def stored_plans(catalog: Catalog, people: Select, track_id: str | None = None) -> Select:
    """The weekly plans of the active people `people` (a query of `User`) selects, with their
    stored rows (outer-joined: a plan may have none yet): add the person's columns, conditions
    and an order (`plan_sorts`) to it, and turn each row into counts with `summary_of`."""
    tracks = [track_id] if track_id else list(track_layouts(catalog))
    return (
        people.with_only_columns(*_STORED_PLAN_COLUMNS)
        .join(TrackAssignment, TrackAssignment.user_id == User.id)
        .outerjoin(PlanProgress, _STORED_ROW)
        .where(User.active.is_(True), TrackAssignment.track_id.in_(tracks))
    )


@dataclass(frozen=True)
class PlanSorts:
    """SQL expressions over `stored_plans` rows as of one day: what to filter and sort by."""

    stale: Any  # true for a plan without a stored row of its track's current layout
    overdue: Any  # the number of overdue items
    is_behind: Any  # true when any item is overdue
    behind: Any  # sorts the furthest behind first (ascending): when they fell behind
    week: Any  # week N of the plan (0 before the start, never past the last week)
    track_title: Any  # the track's title, lower case


_sorts: tuple = (None, None, None, None)  # catalog, today, dialect name, PlanSorts


def plan_sorts(catalog: Catalog, today: date) -> PlanSorts:
    """The SQL that counts and sorts stored plans as of `today` with the same states as
    `build_week_plan`: an item is overdue when the plan started before (today - its due day)
    and it is open. Literal dates only, so SQLite and PostgreSQL read it alike; its size
    grows with the weekly tracks' items (tens), never with the people. Built and compiled
    once a day (per content load): the per-item terms are many, and building them, or
    keying a statement made of them, would cost more than running it."""
    global _sorts
    dialect = db.session.get_bind().dialect
    if _sorts[:3] == (catalog, today, dialect.name):
        return _sorts[3]
    layouts = track_layouts(catalog)
    start, track = TrackAssignment.start_date, TrackAssignment.track_id
    tally = PlanProgress.open_tally
    overdue, week, title = {}, {}, {}
    for track_id, layout in layouts.items():
        # overdue: the open items due by the last due day the plan is past (start + day <
        # today), read from the stored tally; that day found by halves (a report sorts every
        # plan by it: five comparisons a plan, not twenty)
        past = [start < today - timedelta(due) for due in layout.due_steps]
        tallies = [cast(func.substr(tally, 2 * n + 1, 2), Integer) for n in range(len(past))]
        overdue[track_id] = _last_past(past, tallies, 0, len(past))
        steps = [(start > today, 0)] + [
            (start > today - timedelta(DAYS_PER_WEEK * n), n) for n in range(1, layout.week_count)
        ]
        week[track_id] = case(*steps, else_=layout.week_count)
        title[track_id] = literal(_track_items(catalog)[track_id][0].title.lower())

    def compiled(expression, type_):
        sql = expression.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        return literal_column(f"({sql})", type_)

    fingerprints = [layout.fingerprint for layout in layouts.values()]
    is_behind = PlanProgress.first_due < today
    sorts = PlanSorts(
        stale=or_(PlanProgress.layout.is_(None), PlanProgress.layout.not_in(fingerprints)),
        overdue=compiled(case(overdue, value=track, else_=0), Integer),
        is_behind=is_behind,
        behind=case((is_behind, PlanProgress.first_due), else_=today),
        week=compiled(case(week, value=track, else_=0), Integer),
        track_title=compiled(case(title, value=track, else_=""), String),
    )
    _sorts = (catalog, today, dialect.name, sorts)
    return sorts


def _last_past(past: list, tallies: list, low: int, high: int):
    """The tally of the last due day in past[low:high] the plan is past (each true only if
    the ones before it are), or of the one before `low` (0 when none)."""
    if low == high:
        return tallies[low - 1] if low else literal(0)
    middle = (low + high) // 2
    return case(
        (past[middle], _last_past(past, tallies, middle + 1, high)),
        else_=_last_past(past, tallies, low, middle),
    )


def summary_of(layout: TrackLayout, today: date, row) -> PlanSummary:
    """Counts of one `stored_plans` row (with `User.id` among its columns) as of `today`."""
    day = (today - row.start_date).days
    weeks = layout.week_count
    week = 0 if day < 0 else min(day // DAYS_PER_WEEK + 1, weeks)  # as current_week
    due, overdue, behind = late_counts(layout, day, row.open_items)
    return PlanSummary(row.id, row.track_id, row.start_date, week, weeks, row.done,
                       len(layout.keys), due, overdue, behind)  # fmt: skip
