"""Report queries: each report is a fixed number of SQL queries (aggregates where numbers
are counted) plus pure functions over the rows; the views only page and render.

Who appears is decided once, by `scope`: trainers and admins see everyone, a mentor their
mentees, a manager their reports (both, for someone who is both).
"""

from __future__ import annotations

import calendar
import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    Boolean,
    Date,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.assessment.models import AttemptStatus, QuizAttempt
from lms.assessment.rules import ItemStat
from lms.assessment.statistics import QuizReport, QuizTotals
from lms.certification import rules as cert_rules
from lms.certification.models import Certificate, CertificationPipeline, CertificationProgress
from lms.content import Catalog
from lms.content.schema import Track
from lms.extensions import db, read_rows
from lms.learning import service as learning
from lms.onboarding import service as onboarding
from lms.onboarding.models import PlanProgress, TrackAssignment
from lms.permissions import allowed
from lms.practice.models import Evidence, LabSubmission
from lms.practice.service import lab_summaries

PAGE_SIZE = 50
Manager = aliased(User, name="manager")
Mentor = aliased(User, name="mentor")


# --- who a viewer sees ---------------------------------------------------------------------------


def scope(viewer: User):
    """The SQL condition on `User` for the people this viewer's reports cover (None: all)."""
    if allowed(viewer, "view_reports"):
        return None
    return or_(User.mentor_id == viewer.id, User.manager_id == viewer.id)


def _scoped(query, viewer: User):
    condition = scope(viewer)
    query = query.where(User.active.is_(True))
    return query if condition is None else query.where(condition)


def _viewers_people(query, staff: bool):
    """`_scoped` with the viewer as a bound parameter, for statements built once."""
    query = query.where(User.active.is_(True))
    if staff:
        return query
    viewer_id = bindparam("viewer_id")
    return query.where(or_(User.mentor_id == viewer_id, User.manager_id == viewer_id))


def has_people(viewer: User) -> bool:
    """Whether the viewer mentors or manages anyone (trainers: always)."""
    return allowed(viewer, "view_reports") or bool(viewer.oversees)


@dataclass(frozen=True)
class Page:
    """One page of a longer list."""

    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one)."""
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.number - 1) * self.size


def page_of(number: int, total: int, size: int = PAGE_SIZE) -> Page:
    """A page number clamped to the pages there are."""
    pages = max(1, -(-total // size))
    return Page(min(max(1, number), pages), size, total)


# --- 1. a learner's training record --------------------------------------------------------------


@dataclass(frozen=True)
class ModuleLine:
    """A module on the record: sections read and the module quiz's best result."""

    module: Any
    sections_read: int
    sections_total: int
    best_percent: float | None
    passed: bool
    complete: bool


@dataclass(frozen=True)
class LabLine:
    """A lab the learner started: its state, submissions, reviewer and date of decision."""

    lab_id: str
    title: str
    state: str
    submissions: int
    latest_id: int
    reviewer: str | None
    decided_at: datetime | None


@dataclass(frozen=True)
class EvidenceLine:
    """A piece of evidence: kind, what, state and who verified it."""

    evidence: Evidence
    kind: str
    verifier: str | None


@dataclass(frozen=True)
class CertificationLine:
    """A certification on the record: state now, requirements met, every certificate."""

    certification_id: str
    title: str
    state: str
    met: int
    total: int
    renewing: bool  # met and total count the renewal requirements
    expires_on: date | None
    history: list[Certificate] = field(default_factory=list)


@dataclass(frozen=True)
class TrainingRecord:
    """Everything a learner has done, gathered in a fixed number of queries."""

    learner: User
    manager: User | None
    mentor: User | None
    plans: list[onboarding.Plan]
    modules: list[ModuleLine]
    attempts: list[QuizAttempt]
    labs: list[LabLine]
    evidence: list[EvidenceLine]
    certifications: list[CertificationLine]


def training_record(learner: User, catalog: Catalog, today: date) -> TrainingRecord:
    """A learner's whole record (about a dozen queries, whatever they have done)."""
    people = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(
                User.id.in_(
                    [i for i in (learner.manager_id, learner.mentor_id) if i is not None] or [0]
                )
            )
        )
    }
    plans = onboarding.plans_for(catalog, today, [learner.id])
    progress = learning.progress_for([learner.id], catalog)[learner.id]
    attempts = list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == learner.id)
            .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc())
        )
    )
    best: dict[str, float] = {}
    for attempt in attempts:
        if attempt.percent is not None:
            best[attempt.quiz_id] = max(best.get(attempt.quiz_id, 0.0), attempt.percent)
    modules = []
    for module in sorted(catalog.modules.values(), key=lambda m: m.number):
        mp = progress.modules[module.id]
        modules.append(
            ModuleLine(
                module,
                mp.sections_read,
                mp.sections_total,
                best.get(module.quiz) if module.quiz else None,
                mp.quiz_passed,
                mp.complete,
            )
        )
    return TrainingRecord(
        learner,
        people.get(learner.manager_id),
        people.get(learner.mentor_id),
        plans,
        modules,
        attempts,
        _lab_lines(learner.id, catalog),
        _evidence_lines(learner.id, catalog),
        certification_lines(learner.id, catalog),
    )


def _lab_lines(user_id: int, catalog: Catalog) -> list[LabLine]:
    summaries = lab_summaries([user_id]).get(user_id, {})
    latest_ids = [s.latest_id for s in summaries.values() if s.latest_id]
    latest = {}
    if latest_ids:
        query = (
            select(LabSubmission, User.name)
            .outerjoin(User, User.id == LabSubmission.reviewer_id)
            .where(LabSubmission.id.in_(latest_ids))
        )
        latest = {s.lab_id: (s, name) for s, name in db.session.execute(query)}
    lines = []
    for lab_id, summary in sorted(summaries.items()):
        submission, reviewer = latest[lab_id]
        lines.append(
            LabLine(
                lab_id,
                submission.lab_title,
                summary.state,
                summary.submissions,
                submission.id,
                reviewer,
                submission.decided_at,
            )
        )
    return lines


def _evidence_lines(user_id: int, catalog: Catalog) -> list[EvidenceLine]:
    kinds = {k.id: k.label for k in catalog.curriculum.evidence_kinds}
    query = (
        select(Evidence, User.name)
        .outerjoin(User, User.id == func.coalesce(Evidence.decided_by_id, Evidence.verifier_id))
        .where(Evidence.user_id == user_id)
        .order_by(Evidence.happened_on.desc(), Evidence.id.desc())
    )
    return [
        EvidenceLine(evidence, kinds.get(evidence.kind, evidence.kind), name)
        for evidence, name in db.session.execute(query)
    ]


def certification_lines(user_id: int, catalog: Catalog) -> list[CertificationLine]:
    """Each certification the person has progress or certificates on (two queries)."""
    progress = {
        p.certification_id: p
        for p in db.session.scalars(
            select(CertificationProgress).where(CertificationProgress.user_id == user_id)
        )
    }
    history: dict[str, list[Certificate]] = defaultdict(list)
    for certificate in db.session.scalars(
        select(Certificate)
        .where(Certificate.user_id == user_id)
        .order_by(Certificate.certification_id, Certificate.cycle.desc())
    ):
        history[certificate.certification_id].append(certificate)
    lines = []
    for certification in catalog.curriculum.certifications:
        p = progress.get(certification.id)
        if p is None and not history.get(certification.id):
            continue
        lines.append(
            CertificationLine(
                certification.id,
                certification.title,
                p.state if p else cert_rules.NOT_STARTED,
                p.met if p else 0,
                p.total if p else len(certification.requires),
                bool(p and p.renewing),
                p.expires_on if p else None,
                history.get(certification.id, []),
            )
        )
    return lines


def record_csv_rows(record: TrainingRecord, catalog: Catalog):
    """The record as (section, item, state, result, date, detail) rows."""
    for plan in record.plans:
        wp = plan.week_plan
        yield (
            "plan",
            plan.track.title,
            wp.status,
            f"{wp.done} of {wp.total}",
            wp.start,
            f"week {wp.current_week} of {wp.week_count}; {len(wp.overdue)} overdue",
        )
    for line in record.modules:
        yield (
            "module",
            f"Module {line.module.number}: {line.module.title}",
            "complete" if line.complete else "open",
            f"{line.sections_read} of {line.sections_total} sections",
            None,
            "" if line.best_percent is None else f"best quiz {line.best_percent:.0f}%",
        )
    for attempt in record.attempts:
        state = (
            "open"
            if attempt.status == AttemptStatus.OPEN
            else ("passed" if attempt.passed else "failed")
        )
        yield (
            "quiz attempt",
            f"{attempt.quiz_title} #{attempt.number}",
            state,
            None if attempt.percent is None else round(attempt.percent, 1),
            attempt.submitted_at or attempt.started_at,
            f"attempt {attempt.id}",
        )
    for lab in record.labs:
        yield (
            "lab",
            lab.title,
            lab.state,
            f"{lab.submissions} submissions",
            lab.decided_at,
            f"reviewer {lab.reviewer}" if lab.reviewer else "",
        )
    for line in record.evidence:
        yield (
            "evidence",
            f"{line.kind}: {line.evidence.title}",
            str(line.evidence.status),
            line.evidence.reference,
            line.evidence.happened_on,
            f"verifier {line.verifier}" if line.verifier else "",
        )
    for line in record.certifications:
        yield (
            "certification",
            line.title,
            line.state,
            f"{line.met} of {line.total} met" + (" for renewal" if line.renewing else ""),
            line.expires_on,
            "",
        )
        for c in line.history:
            state = "revoked" if c.revoked_on else "issued"
            yield (
                "certificate",
                f"{c.title} (cycle {c.cycle})",
                state,
                c.code,
                c.issued_on,
                f"expires {c.expires_on.isoformat()}",
            )


RECORD_CSV_HEADER = ("section", "item", "state", "result", "date", "detail")


# --- 2. certification progress -------------------------------------------------------------------

STATE_ORDER = {state: rank for rank, state in enumerate(cert_rules.STATES)}
PERSON_SORTS = {
    "name": func.lower(User.name),
    "team": func.lower(func.coalesce(User.team, "")),
    "manager": func.lower(func.coalesce(Manager.name, "")),
    "start": User.start_date,
}


@dataclass(frozen=True)
class Filters:
    """What a people report is narrowed to (empty: no narrowing)."""

    team: str = ""
    manager_id: int | None = None
    mentor_id: int | None = None
    track: str = ""
    start_month: str = ""  # YYYY-MM
    state: str = ""
    certification: str = ""
    overdue_only: bool = False

    def as_args(self) -> dict[str, Any]:
        """The filters as URL query arguments (empty ones left out)."""
        args = {
            "team": self.team,
            "manager": self.manager_id,
            "mentor": self.mentor_id,
            "track": self.track,
            "start": self.start_month,
            "state": self.state,
            "cert": self.certification,
            "overdue": "1" if self.overdue_only else "",
        }
        return {k: v for k, v in args.items() if v not in ("", None)}

    @property
    def narrows_people(self) -> bool:
        """Whether the filters leave out some people (state and certification narrow rows)."""
        return bool(
            self.team or self.manager_id or self.mentor_id or self.track or self.start_month
        )


def parse_filters(args) -> Filters:
    """Filters from request arguments; anything malformed is ignored."""

    def number(name: str) -> int | None:
        value = args.get(name, "")
        return int(value) if value.isdigit() else None

    start = args.get("start", "").strip()
    if start:
        try:
            datetime.strptime(start, "%Y-%m")
        except ValueError:
            start = ""
    return Filters(
        team=args.get("team", "").strip()[:120],
        manager_id=number("manager"),
        mentor_id=number("mentor"),
        track=args.get("track", "").strip()[:100],
        start_month=start,
        state=args.get("state", "").strip()[:16],
        certification=args.get("cert", "").strip()[:100],
        overdue_only=args.get("overdue") == "1",
    )


def _people_query(viewer: User, filters: Filters):
    query = select(User, Manager.name).outerjoin(Manager, Manager.id == User.manager_id)
    return _filtered(_scoped(query, viewer), filters)


def _filtered(query, filters: Filters):
    """The query narrowed to the people the filters leave (conditions on `User`)."""
    if filters.team:
        query = query.where(func.lower(User.team) == filters.team.lower())
    if filters.manager_id:
        query = query.where(User.manager_id == filters.manager_id)
    if filters.mentor_id:
        query = query.where(User.mentor_id == filters.mentor_id)
    if filters.track:
        query = query.where(
            exists().where(
                TrackAssignment.user_id == User.id, TrackAssignment.track_id == filters.track
            )
        )
    if filters.start_month:
        year, month = (int(part) for part in filters.start_month.split("-"))
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
        query = query.where(User.start_date.between(first, last))
    return query


CHOICE_KINDS = ("teams", "managers", "mentors")


def filter_choices(viewer: User) -> dict[str, list]:
    """Teams, managers and mentors of the people the viewer sees, for filter menus (one
    query): team names in order, and (id, name) of the managers and of the mentors."""
    staff = allowed(viewer, "view_reports")
    params = {} if staff else {"viewer_id": viewer.id}
    choices: dict[str, list] = {kind: [] for kind in CHOICE_KINDS}
    rows = read_rows(_choices_query(staff), params).all()
    for kind, person_id, name in rows:
        choices[CHOICE_KINDS[kind]].append(name if kind == 0 else (person_id, name))
    return choices


@functools.cache
def _choices_query(staff: bool):
    """The filter menus in one statement, built once (the viewer is bound): each row is
    (kind: an index into CHOICE_KINDS, the person's id or NULL for a team, the name)."""
    people = _viewers_people(select(User.id, User.team, User.manager_id, User.mentor_id), staff)
    people = people.subquery()
    teams = (
        select(
            literal(0).label("kind"),
            null().cast(Integer).label("id"),
            people.c.team.label("name"),
            people.c.team.label("sort_key"),
        )
        .where(people.c.team.is_not(None))
        .distinct()
    )

    def named(kind: int, column):
        return select(literal(kind), User.id, User.name, func.lower(User.name)).where(
            User.id.in_(select(column).where(column.is_not(None)))
        )

    everyone = union_all(
        teams, named(1, people.c.manager_id), named(2, people.c.mentor_id)
    ).subquery()
    kind, person_id, name, key = everyone.c
    return select(kind, person_id, name).order_by(kind, key, person_id)


def _progress_filter(query, filters: Filters):
    if filters.state or filters.certification:
        conditions = [CertificationProgress.user_id == User.id]
        if filters.state:
            conditions.append(CertificationProgress.state == filters.state)
        if filters.certification:
            conditions.append(CertificationProgress.certification_id == filters.certification)
        query = query.where(exists().where(*conditions))
    return query


class MatrixPerson(NamedTuple):
    """A person as the certification matrix shows them."""

    id: int
    name: str
    email: str
    team: str | None
    start_date: date | None


class MatrixCell(NamedTuple):
    """A person's progress on one certification, as the matrix shows it (a progress row)."""

    user_id: int
    certification_id: str
    state: str
    met: int
    total: int
    renewing: bool
    expires_on: date | None


@dataclass(frozen=True)
class MatrixRow:
    """A person and their progress on each certification (by id; missing: not started)."""

    person: MatrixPerson
    manager_name: str | None
    cells: dict[str, MatrixCell]

    @property
    def earliest_expiry(self) -> date | None:
        """The first date one of their certificates expires."""
        dates = [c.expires_on for c in self.cells.values() if c.expires_on]
        return min(dates) if dates else None


def _cert_sort(certification_id: str):
    """Order people by their state on one certification (most advanced last), then met."""
    rank = case(*[(CertificationProgress.state == s, r) for s, r in STATE_ORDER.items()], else_=-1)
    return (
        select(rank * 1000 + CertificationProgress.met)
        .where(
            CertificationProgress.user_id == User.id,
            CertificationProgress.certification_id == certification_id,
        )
        .scalar_subquery()
    )


def certification_matrix(
    viewer: User,
    catalog: Catalog,
    filters: Filters,
    *,
    sort: str = "name",
    descending: bool = False,
    page: int = 1,
    size: int | None = PAGE_SIZE,
) -> tuple[list[MatrixRow], Page]:
    """One page of people × certifications, filtered and sorted in SQL (three queries: the
    count, the page, the page's progress). `size=None`: everyone."""
    staff = allowed(viewer, "view_reports")
    params: dict[str, Any] = {} if staff else {"viewer_id": viewer.id}
    cert_ids = {c.id for c in catalog.curriculum.certifications}
    if not (sort.startswith("cert:") and sort[5:] in cert_ids) and sort not in MATRIX_SORTS:
        sort = "name"
    query, count, paged = _matrix_queries(staff, filters, sort, descending)
    # tuples, not objects: a page holds fifty people and their cells, the CSV everyone; read
    # as Core rows (`read_rows`), all at once (iterating a result fetches row by row)
    total = read_rows(count, params).scalar_one()
    current = page_of(page, total, size or max(total, 1))
    if size:
        window = {"size": current.size, "skip": current.offset}
        rows = read_rows(paged, {**params, **window}).all()
    else:
        rows = read_rows(query, params).all()
    cells: dict[int, dict[str, MatrixCell]] = {row[0]: {} for row in rows}
    if cells:
        if size:
            progress = read_rows(_PAGE_PROGRESS, {"ids": list(cells)}).all()
        else:  # everyone: the people's query itself, not an IN list of thousands
            people = query.with_only_columns(User.id).order_by(None).subquery()
            everyone = _PROGRESS.where(CertificationProgress.user_id.in_(select(people.c.id)))
            progress = read_rows(everyone, params).all()
        make = MatrixCell._make
        for row in progress:
            if row[0] in cells:
                cells[row[0]][row[1]] = make(row)
    return [MatrixRow(MatrixPerson(*row[:5]), row[5], cells[row[0]]) for row in rows], current


_PROGRESS = select(
    CertificationProgress.user_id, CertificationProgress.certification_id,
    CertificationProgress.state, CertificationProgress.met, CertificationProgress.total,
    CertificationProgress.renewing, CertificationProgress.expires_on,
)  # fmt: skip
_PAGE_PROGRESS = _PROGRESS.where(
    CertificationProgress.user_id.in_(bindparam("ids", expanding=True))
)


MATRIX_SORTS = (*PERSON_SORTS, "expiry")


@functools.lru_cache(maxsize=256)
def _matrix_queries(staff: bool, filters: Filters, sort: str, descending: bool):
    """The matrix's people in order (tuples), the statement that counts them, and a page of
    them, built once per filters and order (the viewer, the page's size and offset bound).
    `sort` is a person column, "expiry" or "cert:<id>" of a certification the catalogue has."""
    query = select(User.id, User.name, User.email, User.team, User.start_date, Manager.name)
    query = query.outerjoin(Manager, Manager.id == User.manager_id)
    query = _progress_filter(_filtered(_viewers_people(query, staff), filters), filters)
    count = select(func.count()).select_from(query.subquery())
    if sort.startswith("cert:"):
        key = func.coalesce(_cert_sort(sort[5:]), -1000)
    elif sort == "expiry":
        key = (
            select(func.min(CertificationProgress.expires_on))
            .where(CertificationProgress.user_id == User.id)
            .scalar_subquery()
        )
    else:
        key = PERSON_SORTS[sort]
    ordered = (key.desc() if descending else key.asc(), func.lower(User.name), User.id)
    if sort == "name":  # the name twice would keep SQLite from reading ix_user_name_lower
        ordered = (ordered[0], User.id)
    query = query.order_by(*ordered)
    # the count stays a statement of its own: as a column beside the page, SQLite built an
    # index of the active people for it on every request
    paged = query.limit(bindparam("size", type_=Integer)).offset(bindparam("skip", type_=Integer))
    return query, count, paged


@dataclass(frozen=True)
class Pipeline:
    """Counts for the pipeline summary, per certification and in all."""

    states: dict[str, dict[str, int]]  # certification id -> state -> people
    ready: dict[str, int]  # due for a trainer (or the engine) to issue
    renewing: dict[str, int]
    held_by_level: list[tuple[int | None, int]]  # people with a valid certificate, per level


def pipeline(viewer: User, filters: Filters, today: date) -> Pipeline:
    """The pipeline summary in two queries: the counts per certification and state (stored,
    when the report covers everyone), and the people holding a valid certificate by level."""
    staff = allowed(viewer, "view_reports")
    params: dict[str, Any] = {"today": today}
    if not staff:
        params["viewer_id"] = viewer.id
    everyone = staff and not filters.narrows_people
    by_state, held = _pipeline_queries(staff, Filters() if everyone else filters, everyone)
    tallies: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for cert_id, state, count, due, renew in read_rows(by_state, params).all():
        tally = tallies[(cert_id, state)]
        tally[0] += count
        tally[1] += int(due or 0)
        tally[2] += int(renew or 0)
    states: dict[str, dict[str, int]] = defaultdict(dict)
    ready: dict[str, int] = defaultdict(int)
    renewing: dict[str, int] = defaultdict(int)
    for (cert_id, state), (count, due, renew) in tallies.items():
        if count:
            states[cert_id][state] = count
            ready[cert_id] += due
            renewing[cert_id] += renew
    holders: dict[int | None, int] = defaultdict(int)
    for level, count in read_rows(held, params).all():
        holders[level] += count
    levels = sorted(
        ((level, n) for level, n in holders.items() if n),
        key=lambda row: (row[0] is None, row[0] or 0),
    )
    return Pipeline(dict(states), dict(ready), dict(renewing), levels)


def _by_state(narrow, *, negated: bool = False):
    """Progress rows counted per certification and state, with how many are due and renewing,
    of the rows `narrow` leaves (negated: counts to take away)."""
    progress = CertificationProgress
    counts = [
        func.count(),
        func.sum(case((progress.due.is_(True), 1), else_=0)),
        func.sum(case((progress.renewing.is_(True), 1), else_=0)),
    ]
    if negated:
        counts = [-count for count in counts]
    query = narrow(select(progress.certification_id, progress.state, *counts))
    return query.group_by(progress.certification_id, progress.state)


@functools.lru_cache(maxsize=256)
def _pipeline_queries(staff: bool, filters: Filters, everyone: bool):
    """The pipeline's two statements for these filters, built once (viewer and day bound).

    Everyone's counts are stored (`CertificationPipeline`, all people's rows), less those of
    the deactivated people, counted here: both in one statement, added up by the caller.
    Otherwise the progress counts join the people rather than ask `user_id IN (the people)`:
    SQLite then reads the rows in (certification, state) order from the covering
    ix_certification_progress_pipeline instead of seeking each person's rows and sorting
    them to group (66 ms to 37 ms at 10,000 learners). The certificates alive on the day are
    read from the covering ix_certificate_held; the people holding them are counted per
    level for everyone less the deactivated (a person is one or the other, so the distinct
    counts subtract), else joined to the people the report covers."""
    people = _filtered(_viewers_people(select(User.id), staff), filters).subquery()
    inactive = select(User.id).where(User.active.is_(False))  # read from ix_user_inactive
    if everyone:
        stored = CertificationPipeline
        by_state = select(
            stored.certification_id, stored.state, stored.people, stored.due, stored.renewing
        ).union_all(
            _by_state(
                lambda query: query.where(CertificationProgress.user_id.in_(inactive)),
                negated=True,
            )
        )
    else:
        by_state = _by_state(
            lambda query: query.join(people, people.c.id == CertificationProgress.user_id)
        )
    today = bindparam("today", type_=Date)
    alive = (
        Certificate.issued_on <= today,
        Certificate.expires_on > today,
        or_(Certificate.revoked_on.is_(None), Certificate.revoked_on > today),
    )
    holders = func.count(func.distinct(Certificate.user_id))
    if everyone:  # everyone's certificates, less the deactivated people's (as above)
        held = union_all(
            select(Certificate.level, holders).where(*alive).group_by(Certificate.level),
            select(Certificate.level, -holders)
            .where(Certificate.user_id.in_(inactive), *alive)
            .group_by(Certificate.level),
        )
    else:
        held = (
            select(Certificate.level, holders)
            .join(people, people.c.id == Certificate.user_id)
            .where(*alive)
            .group_by(Certificate.level)
        )
    return by_state, held


def month_ends(today: date, months: int = 12) -> list[date]:
    """The last day of each of the past `months` months, the current month last (as today)."""
    ends, year, month = [], today.year, today.month
    for _ in range(months):
        last = date(year, month, calendar.monthrange(year, month)[1])
        ends.append(min(last, today))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(ends))


def held_by_month(
    spans: Sequence[tuple[int | None, date, date, date | None, int]], ends: Sequence[date]
) -> dict[int | None, list[int]]:
    """Certificates held on each date, per level, from (level, issued, expires, revoked, n)."""
    result: dict[int | None, list[int]] = defaultdict(lambda: [0] * len(ends))
    for level, issued, expires, revoked, count in spans:
        for i, end in enumerate(ends):
            if issued <= end < expires and (revoked is None or revoked > end):
                result[level][i] += count
    return dict(result)


def certificate_spans(viewer: User, filters: Filters, since: date):
    """Certificates alive at some point since `since`, grouped by level and dates (one query)."""
    staff = allowed(viewer, "view_reports")
    params: dict[str, Any] = {"since": since}
    if not staff:
        params["viewer_id"] = viewer.id
    return db.session.execute(_spans_query(staff, filters), params).all()


@functools.lru_cache(maxsize=256)
def _spans_query(staff: bool, filters: Filters):
    """The held chart's statement for these filters, built once (viewer and date bound)."""
    people = _filtered(_viewers_people(select(User.id), staff), filters).subquery()
    spans = (
        Certificate.level,
        Certificate.issued_on,
        Certificate.expires_on,
        Certificate.revoked_on,
    )
    return (
        select(*spans, func.count())
        .where(
            Certificate.user_id.in_(select(people.c.id)),
            Certificate.expires_on > bindparam("since", type_=Date),
        )
        .group_by(*spans)
    )


# --- 3. onboarding status ------------------------------------------------------------------------


class OnboardingPerson(NamedTuple):
    """A person as the onboarding report shows them."""

    id: int
    name: str
    email: str
    team: str | None


class OnboardingRow(NamedTuple):
    """One hire on a weekly track: where they are and how far behind (a named tuple: the
    report builds one per hire, and a frozen dataclass costs several times more)."""

    person: OnboardingPerson
    track: Track
    mentor_name: str | None
    start: date
    week: int
    weeks: int
    done: int
    total: int
    due: int
    overdue: int
    days_behind: int


ONBOARDING_SORTS = {
    "behind": lambda r: (-r.days_behind, -r.overdue, r.person.name.lower()),
    "overdue": lambda r: (-r.overdue, -r.days_behind, r.person.name.lower()),
    "name": lambda r: (r.person.name.lower(), r.person.id),
    "team": lambda r: ((r.person.team or "").lower(), r.person.name.lower()),
    "track": lambda r: (r.track.title.lower(), r.person.name.lower()),
    "mentor": lambda r: ((r.mentor_name or "").lower(), r.person.name.lower()),
    "week": lambda r: (r.week, r.person.name.lower()),
    "done": lambda r: (r.done, r.person.name.lower()),
    "start": lambda r: (r.start, r.person.name.lower()),
}


def onboarding_status(
    viewer: User,
    catalog: Catalog,
    today: date,
    filters: Filters,
    *,
    sort: str = "behind",
    descending: bool = False,
) -> list[OnboardingRow]:
    """Everyone on a weekly track the viewer sees, sorted (who is behind first by default).

    Plans are read from their stored counts (`onboarding.stored_summaries`) and joined here
    with the people's names and mentors in one query: light rows at any number of people.
    """
    people = _people_query(viewer, filters).outerjoin(Mentor, Mentor.id == User.mentor_id)
    columns = (User.id, User.name, User.email, User.team, Mentor.name.label("mentor"))
    plans = onboarding.stored_summaries(
        catalog, today, people, filters.track or None, person_columns=columns
    )
    tracks = {t.id: t for t in onboarding.weekly_tracks(catalog)}
    overdue_only = filters.overdue_only
    rows = [
        OnboardingRow(OnboardingPerson(person.id, person.name, person.email, person.team),
                      tracks[s.track_id], person.mentor, s.start, s.week, s.weeks, s.done,
                      s.total, s.due, s.overdue, s.days_behind)
        for s, person in plans
        if s.overdue or not overdue_only
    ]  # fmt: skip
    rows.sort(key=ONBOARDING_SORTS.get(sort, ONBOARDING_SORTS["behind"]), reverse=descending)
    return rows


@dataclass(frozen=True)
class OnboardingPage:
    """One page of the onboarding report, with who is furthest behind."""

    rows: list[OnboardingRow]
    page: Page
    behind: list[OnboardingRow]  # the five furthest behind
    behind_count: int  # people with overdue items


def _onboarding_order(sort: str, descending: bool, sorts) -> list:
    """ORDER BY terms for a sort of `ONBOARDING_SORTS` (the same keys, in SQL)."""
    name = func.lower(User.name)
    keys = {  # (expression, descending when the sort is ascending)
        "behind": [(sorts.behind, False), (sorts.overdue, True), (name, False)],
        "overdue": [(sorts.overdue, True), (sorts.behind, False), (name, False)],
        "name": [(name, False), (User.id, False)],
        "team": [(func.lower(func.coalesce(User.team, "")), False), (name, False)],
        "track": [(sorts.track_title, False), (name, False)],
        "mentor": [(func.lower(func.coalesce(Mentor.name, "")), False), (name, False)],
        "week": [(sorts.week, False), (name, False)],
        "done": [(PlanProgress.done, False), (name, False)],
        "start": [(TrackAssignment.start_date, False), (name, False)],
    }
    chosen = keys.get(sort, keys["behind"])
    terms = [expr.desc() if desc != descending else expr.asc() for expr, desc in chosen]
    return [*terms, User.id, TrackAssignment.track_id]


def onboarding_page(
    viewer: User,
    catalog: Catalog,
    today: date,
    filters: Filters,
    number: int,
    *,
    sort: str = "behind",
    descending: bool = False,
) -> OnboardingPage:
    """One page of `onboarding_status`, counted, sorted and paged in SQL from the stored plan
    rows: one query whatever the number of people (a second for the people furthest behind
    when the page does not start with them). Plans without a current stored row (content
    changed since they were counted) are counted afresh, every plan in Python."""
    staff = allowed(viewer, "view_reports")
    sorts = onboarding.plan_sorts(catalog, today)
    page_query, furthest = _onboarding_queries(sorts, catalog, staff, filters, sort, descending)
    params: dict[str, Any] = {} if staff else {"viewer_id": viewer.id}

    def lines(query, skip: int, size: int) -> list:
        return read_rows(query, {**params, "skip": skip, "size": size}).all()

    found = lines(page_query, (max(number, 1) - 1) * PAGE_SIZE, PAGE_SIZE)
    # each row carries the totals: plans, plans without a current stored row, plans behind
    total, stale, behind_count = found[0][-3:] if found else (0, 0, 0)
    if stale:
        rows = onboarding_status(viewer, catalog, today, filters, sort=sort, descending=descending)
        page = page_of(number, len(rows), PAGE_SIZE)
        behind = sorted((r for r in rows if r.overdue), key=ONBOARDING_SORTS["behind"])
        return OnboardingPage(
            rows[page.offset : page.offset + page.size], page, behind[:5], len(behind)
        )
    page = page_of(number, total, PAGE_SIZE)
    rows = _onboarding_rows(catalog, today, found)
    behind = []
    if sort == "behind" and not descending and page.number == 1 and page.size >= 5:
        behind = [r for r in rows[:5] if r.overdue]  # the same order: no need to ask again
    elif behind_count:
        behind = _onboarding_rows(catalog, today, lines(furthest, 0, 5))
    return OnboardingPage(rows, page, behind, behind_count)


def _onboarding_rows(catalog: Catalog, today: date, found) -> list[OnboardingRow]:
    """Report rows from `stored_plans` rows with the person's columns."""
    layouts = onboarding.track_layouts(catalog)
    tracks = {t.id: t for t in onboarding.weekly_tracks(catalog)}
    rows = []
    for person in found:
        s = onboarding.summary_of(layouts[person.track_id], today, person)
        rows.append(
            OnboardingRow(OnboardingPerson(person.id, person.name, person.email, person.team),
                          tracks[s.track_id], person.mentor, s.start, s.week, s.weeks, s.done,
                          s.total, s.due, s.overdue, s.days_behind)
        )  # fmt: skip
    return rows


# the report's statements by what shapes them, for the day and content they were built for
_onboarding_built: tuple = (None, {})  # onboarding.PlanSorts, {key: statements}


def _onboarding_queries(
    sorts, catalog: Catalog, staff: bool, filters: Filters, sort: str, descending: bool
) -> tuple[Select, Select]:
    """The onboarding report's page and its five furthest behind, built once per filters and
    order for the day's `sorts` (the viewer, the page's size and offset bound)."""
    global _onboarding_built
    if _onboarding_built[0] is not sorts:
        _onboarding_built = (sorts, {})
    built = _onboarding_built[1]
    key = (staff, filters, sort, descending)
    if key not in built:
        if len(built) >= 256:
            built.clear()
        built[key] = _build_onboarding_queries(sorts, catalog, staff, filters, sort, descending)
    return built[key]


def _build_onboarding_queries(sorts, catalog, staff, filters, sort, descending):
    people = _filtered(_viewers_people(select(User).select_from(User), staff), filters)
    plans = onboarding.stored_plans(catalog, people, filters.track or None)
    if filters.overdue_only:
        plans = plans.where(sorts.is_behind)
    flags = plans.add_columns(
        case((sorts.stale, 1), else_=0).label("stale"),
        case((sorts.is_behind, 1), else_=0).label("late"),
    ).subquery()
    totals = select(
        func.count().label("plans"),
        func.coalesce(func.sum(flags.c.stale), 0).label("stale"),
        func.coalesce(func.sum(flags.c.late), 0).label("behind"),
    ).cte("totals")
    listed = plans.outerjoin(Mentor, Mentor.id == User.mentor_id).add_columns(
        User.id, User.name, User.email, User.team, Mentor.name.label("mentor")
    )
    size, skip = bindparam("size", type_=Integer), bindparam("skip", type_=Integer)
    # past the last page, the last (as `page_of`): no second query to count first
    last = (totals.c.plans - 1) // size * size
    page = (
        listed.add_columns(totals.c.plans, totals.c.stale, totals.c.behind)
        .join(totals, true())
        .order_by(*_onboarding_order(sort, descending, sorts))
        .limit(size)
        .offset(select(case((skip < totals.c.plans, skip), else_=last)).scalar_subquery())
    )
    furthest = (
        listed.where(sorts.is_behind)
        .order_by(*_onboarding_order("behind", False, sorts))
        .limit(size)
        .offset(skip)
    )
    return page, furthest


# --- 4. expirations ------------------------------------------------------------------------------

EXPIRY_WINDOWS = (30, 60, 90)
RECENTLY_EXPIRED_DAYS = 90


class ExpiringCertificate(NamedTuple):
    """What the expirations report shows of a certificate."""

    id: int
    certification_id: str
    title: str
    level: int | None
    code: str
    issued_on: date
    expires_on: date


class Person(NamedTuple):
    """A person as a report row shows them (a certificate's holder, an attempt's learner)."""

    id: int
    name: str
    email: str


@dataclass(frozen=True)
class ExpiryRow:
    """A certificate about to expire (or recently expired) with its holder and manager."""

    certificate: ExpiringCertificate
    holder: Person
    manager_name: str | None
    days_left: int


def expirations(
    viewer: User,
    today: date,
    *,
    within: int = 90,
    expired: bool = False,
    page: int = 1,
    size: int | None = PAGE_SIZE,
    counts: dict[str, int] | None = None,
) -> tuple[list[ExpiryRow], Page]:
    """One page (`size` None: all) of the current certificates expiring within `within` days,
    or expired in the last 90 days, soonest (or latest expired) first.

    Only each person's latest certificate of a certification counts: a renewed one no
    longer expires. Two queries: the count and the page; one when `counts` (this viewer's
    `expiry_counts` today) already holds the window's count.
    """
    staff = allowed(viewer, "view_reports")
    if expired:
        bounds = {"after": today - timedelta(days=RECENTLY_EXPIRED_DAYS), "until": today}
    else:
        bounds = {"after": today, "until": today + timedelta(days=within)}
    if not staff:
        bounds["viewer_id"] = viewer.id
    query, count = _expirations_query(staff)
    key = "expired" if expired else str(within)
    if counts is not None and key in counts:
        total = counts[key]
    else:
        total = db.session.scalar(count, bounds)
    current = page_of(page, total, size or max(total, 1))
    query = query.order_by(
        Certificate.expires_on.desc() if expired else Certificate.expires_on, User.id
    )
    if size:
        query = query.limit(current.size).offset(current.offset)
    rows = []
    for row in db.session.execute(query, bounds):  # tuples: a page holds fifty, the CSV thousands
        certificate = ExpiringCertificate(*row[:7])
        days_left = (certificate.expires_on - today).days
        rows.append(ExpiryRow(certificate, Person(*row[7:10]), row[10], days_left))
    return rows, current


def _renewed():
    """Whether a later certificate of the same certification replaced this one."""
    newer = aliased(Certificate)
    return exists().where(
        newer.user_id == Certificate.user_id,
        newer.certification_id == Certificate.certification_id,
        newer.cycle > Certificate.cycle,
    )


@functools.cache
def _expirations_query(staff: bool):
    """Current certificates expiring after `after` until `until` (bound parameters), with
    holder and manager, and the statement that counts them; built once."""
    expires_on = Certificate.expires_on
    query = (
        select(
            Certificate.id,
            Certificate.certification_id,
            Certificate.title,
            Certificate.level,
            Certificate.code,
            Certificate.issued_on,
            expires_on,
            User.id,
            User.name,
            User.email,
            Manager.name,
        )  # fmt: skip
        .join(User, User.id == Certificate.user_id)
        .outerjoin(Manager, Manager.id == User.manager_id)
        .where(
            expires_on > bindparam("after"),
            expires_on <= bindparam("until"),
            Certificate.revoked_at.is_(None),
            ~_renewed(),
        )
    )
    query = _viewers_people(query, staff)
    return query, select(func.count()).select_from(query.subquery())


def expiry_counts(viewer: User, today: date) -> dict[str, int]:
    """How many certificates expire within 30, 60 and 90 days and expired recently (one query)."""
    staff = allowed(viewer, "view_reports")
    bounds = {
        "today": today,
        "expired_since": today - timedelta(days=RECENTLY_EXPIRED_DAYS),
        **{f"within_{n}": today + timedelta(days=n) for n in EXPIRY_WINDOWS},
    }
    if not staff:
        bounds["viewer_id"] = viewer.id
    values = db.session.execute(_expiry_counts_query(staff), bounds).one()
    keys = [str(n) for n in EXPIRY_WINDOWS] + ["expired"]
    return {k: int(v or 0) for k, v in zip(keys, values, strict=True)}


@functools.cache
def _expiry_counts_query(staff: bool):
    """The counts statement, built once (the dates and the viewer are bound parameters): the
    reports index runs it on every visit."""
    days, today = Certificate.expires_on, bindparam("today")
    columns = [
        func.sum(case((and_(days > today, days <= bindparam(f"within_{n}")), 1), else_=0))
        for n in EXPIRY_WINDOWS
    ]
    since = bindparam("expired_since")
    columns.append(func.sum(case((and_(days <= today, days > since), 1), else_=0)))
    # only the rows some window counts, so the index on expires_on bounds the work
    counted = and_(days > since, days <= bindparam(f"within_{max(EXPIRY_WINDOWS)}"))
    query = (
        select(*columns)
        .join(User, User.id == Certificate.user_id)
        .where(counted, Certificate.revoked_at.is_(None), ~_renewed())
    )
    return _viewers_people(query, staff)


# --- 5. quiz reports: items, attempts and topics ------------------------------------------------

FLAG_LABELS = {
    "too_easy": "too easy",
    "too_hard": "too hard",
    "negative_discrimination": "negative discrimination",
    "low_discrimination": "low discrimination",
    "few_responses": "too few responses",
}
ITEMS_CSV_HEADER = (
    "question_id", "topic", "type", "times_served", "facility", "discrimination", "flags",
)  # fmt: skip


@dataclass(frozen=True)
class ItemRow:
    """One question's statistics with its (current) definition and readable flags."""

    stat: ItemStat
    question: Any  # the question in the quiz file now, or None if it was removed
    flags: list[str]


def item_rows(quiz: Any, report: QuizReport) -> list[ItemRow]:
    """The report's item statistics beside the quiz's questions, flags in words."""
    by_id = {q.id: q for q in quiz.questions}
    return [
        ItemRow(stat, by_id.get(stat.question_id), [FLAG_LABELS.get(f, f) for f in stat.flags])
        for stat in report.items
    ]


def items_csv_rows(rows: Sequence[ItemRow]):
    """The per-question statistics as CSV rows."""
    for row in rows:
        stat, question = row.stat, row.question
        yield (
            stat.question_id, question.topic if question else "",
            question.type if question else "", stat.times_served, round(stat.facility, 3),
            None if stat.discrimination is None else round(stat.discrimination, 3),
            " ".join(stat.flags),
        )  # fmt: skip


ATTEMPTS_CSV_HEADER = ("learner", "email", "attempt", "submitted_at", "percent", "passed", "id")


class AttemptLine(NamedTuple):
    """What the quiz report lists of a graded attempt."""

    id: int
    number: int
    submitted_at: datetime | None
    percent: float | None
    passed: bool | None


def quiz_attempts(
    quiz_id: str,
    totals: QuizTotals | None = None,
    *,
    page: int = 1,
    size: int | None = PAGE_SIZE,
    passed: bool | None = None,
) -> tuple[list[tuple[AttemptLine, Person]], Page]:
    """Every graded attempt of a quiz (all, passed or not passed), newest first, with its
    learner (one query). Quiz reports are the training team's, and the list holds the
    attempts the quiz's totals count, so a page's count is read from `totals`; `size` None
    lists them all (no totals needed)."""
    query = _attempts_query(passed is not None)
    params: dict[str, Any] = {"quiz_id": quiz_id}
    if passed is not None:
        params["passed"] = passed
    if size is None:
        rows = db.session.execute(query, params).all()
        current = Page(1, max(len(rows), 1), len(rows))
    else:
        total = _attempts_in(totals, passed) if totals else 0
        current = page_of(page, total, size)
        params |= {"limit": size, "offset": current.offset}
        rows = db.session.execute(_attempts_page_query(passed is not None), params).all()
    return [(AttemptLine(*row[:5]), Person(*row[5:])) for row in rows], current


def _attempts_in(totals: QuizTotals, passed: bool | None) -> int:
    """How many attempts the list has: all, passed, or not passed."""
    if passed is None:
        return totals.attempts
    return totals.passed if passed else totals.attempts - totals.passed


@functools.cache
def _attempts_query(by_result: bool):
    """A quiz's graded attempts newest first with their learners; built once (the quiz and
    the result are bound). Not passed includes an attempt without a result, as its row
    shows it (failed)."""
    query = (
        select(
            QuizAttempt.id,
            QuizAttempt.number,
            QuizAttempt.submitted_at,
            QuizAttempt.percent,
            QuizAttempt.passed,
            User.id,
            User.name,
            User.email,
        )  # fmt: skip
        .join(User, User.id == QuizAttempt.user_id)
        .where(
            QuizAttempt.quiz_id == bindparam("quiz_id"),
            QuizAttempt.status == AttemptStatus.SUBMITTED,
        )
    )
    if by_result:
        query = query.where(
            func.coalesce(QuizAttempt.passed, False) == bindparam("passed", type_=Boolean)
        )
    return query.order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc())


@functools.cache
def _attempts_page_query(by_result: bool):
    """`_attempts_query` one page at a time; built once (the page's size and offset are bound
    too, so a page is not a new statement to build and look up)."""
    return (
        _attempts_query(by_result)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


@dataclass(frozen=True)
class TopicResult:
    """How the attempts did on one topic of a quiz."""

    topic: str
    answers: int
    mean: float  # 0 to 1


def topic_results(quiz: Any, report: QuizReport) -> list[TopicResult]:
    """Mean score per topic, from the report's per-question running sums (no query).

    Questions map to the quiz's current topics; removed questions are grouped apart.
    """
    sums = [(s.question_id, s.times_served, s.facility * s.times_served) for s in report.items]
    return topics_from_sums({q.id: q.topic for q in quiz.questions}, sums)


def topics_from_sums(topic_of: dict[str, str], sums) -> list[TopicResult]:
    """Per-topic means from per-question (question id, answers, score sum) rows."""
    counts: dict[str, int] = defaultdict(int)
    totals: dict[str, float] = defaultdict(float)
    for question_id, count, score in sums:
        topic = topic_of.get(question_id, "(removed questions)")
        counts[topic] += count
        totals[topic] += float(score or 0)
    return sorted(
        (TopicResult(t, counts[t], totals[t] / counts[t]) for t in counts if counts[t]),
        key=lambda r: r.mean,
    )


# --- 6. home: a manager's and mentor's people ----------------------------------------------------


@dataclass(frozen=True)
class PeopleOverview:
    """What a mentor's or manager's home shows about their people."""

    onboarding: list[OnboardingRow]
    certifications: dict[str, int]  # state -> people-certification pairs
    evidence_waiting: int
    approvals_waiting: int


def people_overview(viewer: User, catalog: Catalog, today: date) -> PeopleOverview | None:
    """The viewer's mentees and reports at a glance; None when they have none (or are staff)."""
    if allowed(viewer, "view_reports") or not has_people(viewer):
        return None
    from lms.certification.service import approvals_waiting_for
    from lms.practice.service import waiting_count

    rows = onboarding_status(viewer, catalog, today, Filters())
    people = _people_query(viewer, Filters()).with_only_columns(User.id).subquery()
    states = dict(
        db.session.execute(
            select(CertificationProgress.state, func.count())
            .where(CertificationProgress.user_id.in_(select(people.c.id)))
            .group_by(CertificationProgress.state)
        ).all()
    )
    return PeopleOverview(
        rows[:10], states, waiting_count(viewer), len(approvals_waiting_for(viewer))
    )
