"""Account writes and queries, shared by the web pages and the CLI.

Services flush; the request or command that called them commits.
"""

import csv
import io
import secrets
from dataclasses import dataclass, field
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased
from werkzeug.security import check_password_hash, generate_password_hash

from lms import audit, catalog
from lms.accounts.models import Role, User
from lms.errors import ServiceError
from lms.extensions import db
from lms.onboarding import service as onboarding
from lms.onboarding.models import TrackAssignment
from lms.timeutil import utcnow

PASSWORD_MIN = 12
PASSWORD_MAX = 256
NAME_MAX = 120
TEAM_MAX = 120
ROSTER_COLUMNS = ["email", "name", "role", "team", "manager_email", "mentor_email", "start_date"]
ROSTER_OPTIONAL_COLUMNS = ["track"]
ROSTER_MAX_ROWS = 5000
# A real hash of a random value, so an unknown email costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


def normalize_email(raw: str) -> str:
    """Return the address in the form it is stored and compared in (lowercase, trimmed)."""
    return (raw or "").strip().lower()


def check_email(raw: str) -> str:
    """Return the normalized address or raise ServiceError saying what is wrong with it."""
    email = normalize_email(raw)
    if not email:
        raise ServiceError("Enter an email address.", "email")
    if len(email) > 254:
        raise ServiceError("Email address is longer than 254 characters.", "email")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ServiceError(f"Not a valid email address: {exc}", "email") from exc
    return email


def check_password(password: str) -> None:
    """Raise ServiceError unless the password is long enough (and not absurdly long)."""
    if len(password or "") < PASSWORD_MIN:
        raise ServiceError(f"Password must be at least {PASSWORD_MIN} characters.", "password")
    if len(password) > PASSWORD_MAX:
        raise ServiceError(f"Password must be at most {PASSWORD_MAX} characters.", "password")


def hash_password(password: str) -> str:
    """Hash a password for storage (scrypt unless the config names a cheaper method)."""
    method = (
        current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    )
    return generate_password_hash(password, method=method)


def get_user(user_id: int) -> User | None:
    """Return the user with this id, or None."""
    return db.session.get(User, user_id)


def get_by_email(email: str) -> User | None:
    """Return the user with this email (case-insensitive), or None."""
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None; record the login time."""
    user = get_by_email(email)
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    user.last_login_at = utcnow()
    return user


def _resolve_person(email: str | None, label: str, field_name: str) -> User | None:
    if not email:
        return None
    person = get_by_email(email)
    if person is None:
        raise ServiceError(f"No user with the {label} email {normalize_email(email)}.", field_name)
    return person


def _id_of(user: User | None) -> int | None:
    return user.id if user is not None else None


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError("Enter a name.", "name")
    if len(name) > NAME_MAX:
        raise ServiceError(f"Name is longer than {NAME_MAX} characters.", "name")
    return name


def _check_team(team: str | None) -> str | None:
    team = (team or "").strip() or None
    if team and len(team) > TEAM_MAX:
        raise ServiceError(f"Team is longer than {TEAM_MAX} characters.", "team")
    return team


def create_user(
    *,
    email: str,
    name: str,
    password: str | None,
    role: Role | str = Role.LEARNER,
    team: str | None = None,
    manager_email: str | None = None,
    mentor_email: str | None = None,
    start_date: date | None = None,
    actor: User | None = None,
) -> User:
    """Create a user; without a password the account cannot sign in until one is set."""
    email = check_email(email)
    if get_by_email(email) is not None:
        raise ServiceError(f"A user with the email {email} already exists.", "email")
    if password is not None:
        check_password(password)
    user = User(
        email=email,
        name=_check_name(name),
        password_hash=hash_password(password or secrets.token_urlsafe(32)),
        role=Role(role),
        team=_check_team(team),
        manager_id=_id_of(_resolve_person(manager_email, "manager", "manager_email")),
        mentor_id=_id_of(_resolve_person(mentor_email, "mentor", "mentor_email")),
        start_date=start_date,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", actor=actor, target=user, detail=f"role={user.role.value}")
    return user


def update_user(
    user: User,
    *,
    email: str,
    name: str,
    role: Role | str,
    team: str | None,
    manager_email: str | None,
    mentor_email: str | None,
    start_date: date | None,
    actor: User | None = None,
) -> list[str]:
    """Apply an edit to a user; return the names of the fields that changed."""
    email = check_email(email)
    other = get_by_email(email)
    if other is not None and other.id != user.id:
        raise ServiceError(f"A user with the email {email} already exists.", "email")
    manager = _resolve_person(manager_email, "manager", "manager_email")
    mentor = _resolve_person(mentor_email, "mentor", "mentor_email")
    if manager is not None and manager.id == user.id:
        raise ServiceError("A user cannot be their own manager.", "manager_email")
    if mentor is not None and mentor.id == user.id:
        raise ServiceError("A user cannot be their own mentor.", "mentor_email")
    wanted = {
        "email": email,
        "name": _check_name(name),
        "team": _check_team(team),
        "manager_id": manager.id if manager else None,
        "mentor_id": mentor.id if mentor else None,
        "start_date": start_date,
    }
    changed = [key for key, value in wanted.items() if getattr(user, key) != value]
    for key in changed:
        setattr(user, key, wanted[key])
    if Role(role) != user.role:
        set_role(user, role, actor=actor)
        changed.append("role")
    if changed:
        audit.record("user.update", actor=actor, target=user, detail=", ".join(changed))
    db.session.flush()
    return changed


def set_role(user: User, role: Role | str, *, actor: User | None = None) -> None:
    """Change a user's role and record it."""
    try:
        new_role = Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise ServiceError(f"Unknown role {role!r}; choose one of {choices}.", "role") from None
    if new_role == user.role:
        return
    if actor is not None and actor.id == user.id and new_role != Role.ADMIN:
        raise ServiceError("You cannot take away your own admin role.", "role")
    audit.record(
        "user.set_role", actor=actor, target=user, detail=f"{user.role.value} -> {new_role.value}"
    )
    user.role = new_role
    db.session.flush()


def set_active(user: User, active: bool, *, actor: User | None = None) -> None:
    """Deactivate or reactivate a user and record it."""
    if user.active == active:
        return
    if not active and actor is not None and actor.id == user.id:
        raise ServiceError("You cannot deactivate your own account.")
    user.active = active
    audit.record("user.activate" if active else "user.deactivate", actor=actor, target=user)
    db.session.flush()


def set_password(user: User, password: str, *, actor: User | None = None) -> None:
    """Set a new password; recorded as a reset when someone else does it."""
    check_password(password)
    user.password_hash = hash_password(password)
    if actor is not None and actor.id != user.id:
        audit.record("user.password_reset", actor=actor, target=user)
    db.session.flush()


def change_own_password(user: User, current: str, new: str) -> None:
    """Change a user's own password after checking the current one."""
    if not check_password_hash(user.password_hash, current or ""):
        raise ServiceError("Current password is not right.", "current_password")
    if current == new:
        raise ServiceError("The new password must differ from the current one.", "new_password")
    try:
        check_password(new)
    except ServiceError as exc:
        raise ServiceError(exc.message, "new_password") from None
    set_password(user, new, actor=user)


def search_users(query: str = "", role: str | None = None, *, page: int = 1, per_page: int = 50):
    """Return a page of users matching the text and role, with manager and mentor emails."""
    manager, mentor = aliased(User), aliased(User)
    statement = (
        select(User, manager.email, mentor.email)
        .outerjoin(manager, manager.id == User.manager_id)
        .outerjoin(mentor, mentor.id == User.mentor_id)
        .order_by(func.lower(User.name), User.id)
    )
    if query:
        like = f"%{query.strip().lower()}%"
        statement = statement.where(
            or_(
                func.lower(User.email).like(like),
                func.lower(User.name).like(like),
                func.lower(func.coalesce(User.team, "")).like(like),
            )
        )
    if role:
        statement = statement.where(User.role == Role(role))
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = db.session.execute(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return rows, total


# --- roster import ----------------------------------------------------------------------


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
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
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
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= ROSTER_MAX_ROWS:
            file_errors.append(f"More than {ROSTER_MAX_ROWS} rows; split the file.")
            break
        rows.append(_parse_roster_row(number, header, values, track_ids))
    if not rows and not file_errors:
        file_errors.append("The file has a header but no rows.")
    _check_roster_references(rows)
    return RosterPreview(rows, file_errors)


def _parse_roster_row(
    number: int, header: list[str], values: list[str], track_ids: frozenset[str]
) -> RosterRow:
    errors = []
    if len(values) != len(header):
        errors.append(f"has {len(values)} values but the header has {len(header)} columns")
    cells = dict(zip(header, [v.strip() for v in values], strict=False))
    row = RosterRow(number, "", "", Role.LEARNER, None, None, None, None, errors=errors)
    try:
        row.email = check_email(cells.get("email", ""))
    except ServiceError as exc:
        errors.append(f"email: {exc.message}")
        row.email = normalize_email(cells.get("email", ""))
    try:
        row.name = _check_name(cells.get("name", ""))
    except ServiceError as exc:
        errors.append(f"name: {exc.message}")
    role = (cells.get("role") or "learner").lower()
    if role in {r.value for r in Role}:
        row.role = Role(role)
    else:
        errors.append(f"role: {role!r} is not one of {', '.join(r.value for r in Role)}")
    try:
        row.team = _check_team(cells.get("team"))
    except ServiceError as exc:
        errors.append(f"team: {exc.message}")
    for column in ("manager_email", "mentor_email"):
        raw = cells.get(column, "")
        if raw:
            try:
                setattr(row, column, check_email(raw))
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
                row.errors.append(f"{column}: no user with the email {email} here or in the file")
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


def apply_roster(preview: RosterPreview, *, actor: User | None = None) -> dict[str, int]:
    """Write a valid roster: create new users, update changed ones; all or nothing."""
    if not preview.ok:
        raise ServiceError(f"The roster has {preview.error_count} error(s); nothing was imported.")
    users: dict[str, User] = {}
    for row in preview.rows:
        user = get_by_email(row.email)
        if user is None:
            user = create_user(
                email=row.email, name=row.name, password=None, role=row.role,
                team=row.team, start_date=row.start_date, actor=actor,
            )  # fmt: skip
        users[row.email] = user
    for row in preview.rows:
        if row.action == "unchanged":
            continue
        user = users[row.email]
        update_user(
            user, email=row.email, name=row.name, role=row.role, team=row.team,
            manager_email=row.manager_email, mentor_email=row.mentor_email,
            start_date=row.start_date, actor=actor,
        )  # fmt: skip
    tracked = [row for row in preview.rows if row.track and row.start_date]
    for row in tracked:
        onboarding.assign_track(
            users[row.email], row.track, row.start_date, catalog.catalog(), actor=actor
        )
    counts = {action: preview.count(action) for action in ("create", "update", "unchanged")}
    if counts["create"] or counts["update"]:
        audit.record(
            "roster.import",
            actor=actor,
            detail=f"{counts['create']} created, {counts['update']} updated, "
            f"{counts['unchanged']} unchanged",
        )
    return counts


def users_by_id(ids) -> list[User]:
    """Return the users with these ids (Nones ignored), in one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return []
    return list(db.session.scalars(select(User).where(User.id.in_(wanted))))


def people_overseen_by(viewer: User) -> list[User]:
    """Return the people a user mentors or manages; everyone for trainers and admins."""
    statement = select(User).order_by(func.lower(User.name), User.id)
    if not viewer.is_staff:
        statement = statement.where(or_(User.mentor_id == viewer.id, User.manager_id == viewer.id))
    return list(db.session.scalars(statement.where(User.active.is_(True))))
