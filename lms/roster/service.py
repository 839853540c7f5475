"""Roster import: a CSV of people (and their onboarding tracks) checked row by row, then
written all or nothing.

It sits above accounts and onboarding: it creates and updates people through the
accounts service and starts their tracks through the onboarding service.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from lms import audit
from lms.accounts import service as accounts
from lms.accounts.models import Role, User
from lms.content import Catalog
from lms.errors import ServiceError
from lms.extensions import db
from lms.onboarding import service as onboarding
from lms.onboarding.models import TrackAssignment

ROSTER_COLUMNS = ["email", "name", "role", "team", "manager_email", "mentor_email", "start_date"]
ROSTER_OPTIONAL_COLUMNS = ["track"]
ROSTER_MAX_ROWS = 5000


@dataclass
class RosterRow:
    """One parsed row of a roster file; `number` counts the header as row 1."""

    number: int
    email: str
    name: str
    role: Role
    team: str | None
    manager_email: str | None
    mentor_email: str | None
    start_date: date | None
    track: str | None = None
    action: str = "create"  # create | update | unchanged
    errors: list[str] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)  # the values as written in the file


@dataclass
class RosterPreview:
    """What an import would do: every row, with its errors, and file-level errors."""

    rows: list[RosterRow]
    file_errors: list[str]

    @property
    def ok(self) -> bool:
        """True when the file and every row are valid."""
        return not self.file_errors and all(not row.errors for row in self.rows)

    @property
    def error_count(self) -> int:
        """Count of file-level and row errors."""
        return len(self.file_errors) + sum(len(row.errors) for row in self.rows)

    def count(self, action: str) -> int:
        """Count rows that would be created, updated or left unchanged."""
        return sum(1 for row in self.rows if row.action == action)


def _parse_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"start_date {raw!r} is not a date in the form YYYY-MM-DD") from None


def preview_roster(text: str, *, track_ids: frozenset[str] = frozenset()) -> RosterPreview:
    """Parse and validate a roster CSV without writing anything."""
    if text.startswith("\ufeff"):
        text = text[1:]
    records = _csv_records(text)
    header = next(records, [])
    if isinstance(header, csv.Error):
        return RosterPreview([], [f"Row 1 (the column names) {_unreadable(header)}."])
    header = [h.strip().lower() for h in header]
    missing = [c for c in ROSTER_COLUMNS if c not in header]
    unknown = [c for c in header if c not in ROSTER_COLUMNS + ROSTER_OPTIONAL_COLUMNS]
    file_errors = []
    if not header:
        return RosterPreview([], ["The file is empty: the first row must be the column names."])
    if missing:
        file_errors.append(f"Missing column(s): {', '.join(missing)}.")
    if unknown:
        file_errors.append(f"Unknown column(s): {', '.join(unknown)}.")
    if file_errors:
        return RosterPreview([], file_errors)

    rows: list[RosterRow] = []
    for number, values in enumerate(records, start=2):
        if isinstance(values, csv.Error):
            row = RosterRow(number, "", "", Role.LEARNER, None, None, None, None)
            rows.append(row)
            row.errors.append(_unreadable(values))
            continue
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= ROSTER_MAX_ROWS:
            file_errors.append(f"More than {ROSTER_MAX_ROWS} rows; split the file.")
            break
        shape = []
        if len(values) != len(header):
            shape.append(f"has {len(values)} values but the header has {len(header)} columns")
        cells = dict(zip(header, [v.strip() for v in values], strict=False))
        rows.append(check_person(number, cells, track_ids, errors=shape))
    if not rows and not file_errors:
        file_errors.append("The file has a header but no rows.")
    _check_roster_references(rows)
    return RosterPreview(rows, file_errors)


def preview_people(
    people: list[dict[str, str]], *, track_ids: frozenset[str] = frozenset()
) -> RosterPreview:
    """Validate people given as column -> text mappings (the API's roster), like CSV rows.

    The same rules as a CSV file, row by row and across rows (duplicates, references);
    `number` counts from 1 in the order given. Nothing is written.
    """
    if len(people) > ROSTER_MAX_ROWS:
        return RosterPreview([], [f"More than {ROSTER_MAX_ROWS} people; send fewer at once."])
    rows = [
        check_person(number, {k: (v or "").strip() for k, v in cells.items()}, track_ids)
        for number, cells in enumerate(people, start=1)
    ]
    _check_roster_references(rows)
    return RosterPreview(rows, [])


def check_person_fields(
    fields: dict[str, str], *, track_ids: frozenset[str] = frozenset()
) -> list[tuple[str | None, str]]:
    """Check one person's fields as typed in a form: the roster's rules, nothing written.

    Returns (field, message) pairs, the message without its `field: ` prefix, so a form
    shows it beside the field; an empty list when the person is valid.
    """
    [row] = preview_people([fields], track_ids=track_ids).rows
    return [(error_field(message), _message_only(message)) for message in row.errors]


def _message_only(message: str) -> str:
    field, _, rest = message.partition(": ")
    return rest if rest and error_field(message) == field else message


def error_field(message: str) -> str | None:
    """The column a row error is about (`email: ...` -> `email`), or None for the whole row."""
    head = message.split(":", 1)[0].split(" ", 1)[0]
    return head if head in ROSTER_COLUMNS + ROSTER_OPTIONAL_COLUMNS else None


def _csv_records(text: str):
    """Yield the CSV's records; one the csv module cannot read (a cell beyond its field
    limit, say) comes as its csv.Error, so it becomes that row's error, not a traceback."""
    reader = csv.reader(io.StringIO(text))
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield exc


def _unreadable(error: csv.Error) -> str:
    limit = csv.field_size_limit()
    return f"cannot be read ({error}): no cell may be longer than {limit} characters"


def check_person(
    number: int,
    cells: dict[str, str],
    track_ids: frozenset[str],
    *,
    errors: list[str] | None = None,
) -> RosterRow:
    """Check one person's fields (a CSV row, an API item): the one rule set for both.

    Every problem is added to the row's errors as `column: message`; references to other
    people are checked afterwards, across all rows (`_check_roster_references`).
    """
    errors = errors if errors is not None else []
    row = RosterRow(
        number, "", "", Role.LEARNER, None, None, None, None, errors=errors, cells=cells
    )
    try:
        row.email = accounts.check_email(cells.get("email", ""))
    except ServiceError as exc:
        errors.append(f"email: {exc.message}")
        row.email = accounts.normalize_email(cells.get("email", ""))
    try:
        row.name = accounts.check_name(cells.get("name", ""))
    except ServiceError as exc:
        errors.append(f"name: {exc.message}")
    role = (cells.get("role") or "learner").lower()
    if role in {r.value for r in Role}:
        row.role = Role(role)
    else:
        errors.append(f"role: {role!r} is not one of {', '.join(r.value for r in Role)}")
    try:
        row.team = accounts.check_team(cells.get("team"))
    except ServiceError as exc:
        errors.append(f"team: {exc.message}")
    for column in ("manager_email", "mentor_email"):
        raw = cells.get(column, "")
        if raw:
            try:
                setattr(row, column, accounts.check_email(raw))
            except ServiceError as exc:
                errors.append(f"{column}: {exc.message}")
    if cells.get("start_date"):
        try:
            row.start_date = _parse_date(cells["start_date"])
        except ValueError as exc:
            errors.append(str(exc))
    track = cells.get("track") or None
    if track and track not in track_ids:
        errors.append(f"track: no onboarding track with the id {track!r}")
    elif track and row.start_date is None:
        errors.append("start_date: a start date is needed to start the track")
    row.track = track
    return row


def _check_roster_references(rows: list[RosterRow]) -> None:
    """Check duplicates and manager/mentor references; decide create/update/unchanged."""
    in_file: dict[str, int] = {}
    for row in rows:
        if row.email and row.email in in_file:
            row.errors.append(f"email: {row.email} already appears in row {in_file[row.email]}")
        in_file.setdefault(row.email, row.number)
    referenced = {r.manager_email for r in rows} | {r.mentor_email for r in rows} | set(in_file)
    referenced.discard(None)
    existing = {
        user.email: user
        for user in db.session.scalars(select(User).where(User.email.in_(referenced)))
    }
    plans = _assigned_plans([user.id for user in existing.values()])
    for row in rows:
        for column, label in (("manager_email", "manager"), ("mentor_email", "mentor")):
            email = getattr(row, column)
            if email is None:
                continue
            if email == row.email:
                row.errors.append(f"{column}: a user cannot be their own {label}")
            elif email not in existing and email not in in_file:
                row.errors.append(
                    f"{column}: No user with the {label} email {email}, "
                    "registered or in the same roster."
                )
        user = existing.get(row.email)
        if user is not None:
            same_plan = row.track is None or plans.get((user.id, row.track)) == row.start_date
            unchanged = same_plan and _row_matches(row, user, existing)
            row.action = "unchanged" if unchanged else "update"


def _assigned_plans(user_ids: list[int]) -> dict[tuple[int, str], date]:
    """Start date of each (user, track) assignment, for the given users, in one query."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(TrackAssignment.user_id, TrackAssignment.track_id, TrackAssignment.start_date).where(
            TrackAssignment.user_id.in_(user_ids)
        )
    )
    return {(user_id, track_id): start for user_id, track_id, start in rows}


def _row_matches(row: RosterRow, user: User, existing: dict[str, User]) -> bool:
    by_id = {u.id: u.email for u in existing.values()}
    return (
        user.name == row.name
        and user.role == row.role
        and user.team == row.team
        and by_id.get(user.manager_id) == row.manager_email
        and by_id.get(user.mentor_id) == row.mentor_email
        and user.start_date == row.start_date
    )


def apply_roster(
    preview: RosterPreview, catalog: Catalog, *, actor: User | None = None, source: str = "csv"
) -> dict[str, int]:
    """Write a valid roster: create new users, update changed ones; all or nothing.

    `source` (csv or api) is kept in the audit event, so an import is traced to its channel.
    """
    if not preview.ok:
        raise ServiceError(f"The roster has {preview.error_count} error(s); nothing was imported.")
    users: dict[str, User] = {}
    for row in preview.rows:
        user = accounts.get_by_email(row.email)
        if user is None:
            user = accounts.create_user(
                email=row.email, name=row.name, password=None, role=row.role,
                team=row.team, start_date=row.start_date, actor=actor,
            )  # fmt: skip
        users[row.email] = user
    for row in preview.rows:
        if row.action == "unchanged":
            continue
        user = users[row.email]
        accounts.update_user(
            user, email=row.email, name=row.name, role=row.role, team=row.team,
            manager_email=row.manager_email, mentor_email=row.mentor_email,
            start_date=row.start_date, actor=actor,
        )  # fmt: skip
    tracked = [row for row in preview.rows if row.track and row.start_date]
    for row in tracked:
        onboarding.assign_track(
            users[row.email], row.track, row.start_date, catalog, actor=actor, recount=False
        )
    onboarding.refresh_progress([users[row.email].id for row in tracked], catalog)  # at once
    counts = {action: preview.count(action) for action in ("create", "update", "unchanged")}
    if counts["create"] or counts["update"]:
        audit.record(
            "roster.import",
            actor=actor,
            detail=f"{counts['create']} created, {counts['update']} updated, "
            f"{counts['unchanged']} unchanged",
            payload={"source": source, **counts},
        )
    return counts


def invite_new_people(preview: RosterPreview, *, actor: User | None = None) -> list[int]:
    """Invite the people this import creates (after apply_roster); return the outbox ids."""
    from lms.notifications import service as notifications

    created = [accounts.get_by_email(row.email) for row in preview.rows if row.action == "create"]
    return [notifications.invite(user, actor=actor).id for user in created if user is not None]
