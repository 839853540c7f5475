"""Account writes and queries, shared by the web pages and the CLI.

Services flush; the request or command that called them commits.
"""

import secrets
from contextlib import contextmanager
from datetime import date
from functools import cache

from flask import current_app, has_app_context
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from lms import audit, events
from lms.accounts import rules
from lms.accounts.models import OVERSEES, Role, User
from lms.errors import ServiceError
from lms.extensions import db
from lms.timeutil import utcnow

PASSWORD_MIN = rules.PASSWORD_MIN
PASSWORD_MAX = rules.PASSWORD_MAX
NAME_MAX = 120
TEAM_MAX = 120


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
    # Imported here: its tables are 20 ms of a worker's start, for the few pages that
    # take an address.
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ServiceError(f"Not a valid email address: {exc}", "email") from exc
    return email


def check_password(password: str, *, email: str | None = None, name: str | None = None) -> None:
    """Raise ServiceError unless the password meets the policy (length, not common, not
    containing the owner's name or email address)."""
    problem = rules.password_problem(password, email=email, name=name)
    if problem:
        raise ServiceError(problem, "password")


def _hash_method() -> str:
    """scrypt unless the configuration names a cheaper method (tests do)."""
    return (
        current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    )


def hash_password(password: str) -> str:
    """Hash a password for storage with the configured method."""
    return generate_password_hash(password, method=_hash_method())


@cache
def _dummy_hash(method: str) -> str:
    """A real hash of a random value, so an unknown email costs as much as a wrong password."""
    return generate_password_hash(secrets.token_hex(16), method=method)


def revoke_sessions(user: User) -> None:
    """Sign the user out everywhere: every session and remember cookie so far stops working."""
    user.session_version = (user.session_version or 1) + 1


# Every signed-in request runs it: built once, with the "oversees anyone" flag in the same row
# (selected as a column and set on the user: an `undefer` option costs more than the query).
_SESSION_USER = select(User, OVERSEES.label("oversees")).where(User.id == bindparam("id"))


def user_for_session(session_id: str) -> User | None:
    """Return the active user a session id ("id:version") names, or None when it is stale."""
    user_id, _, version = (session_id or "").partition(":")
    if not (user_id.isdigit() and version.isdigit()) or len(user_id) > 10 or len(version) > 10:
        return None
    row = db.session.execute(_SESSION_USER, {"id": int(user_id)}).first()
    if row is None or not row.User.active or row.User.session_version != int(version):
        return None
    set_committed_value(row.User, "oversees", row.oversees)
    return row.User


def sign_out_other_sessions(user: User) -> None:
    """Revoke every session of the user; the caller signs the current one in again."""
    revoke_sessions(user)
    audit.record("user.sign_out_everywhere", actor=user, target=user)
    db.session.flush()


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
        check_password_hash(_dummy_hash(_hash_method()), password or "")
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


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError("Enter a name.", "name")
    if len(name) > NAME_MAX:
        raise ServiceError(f"Name is longer than {NAME_MAX} characters.", "name")
    return name


def check_team(team: str | None) -> str | None:
    team = (team or "").strip() or None
    if team and len(team) > TEAM_MAX:
        raise ServiceError(f"Team is longer than {TEAM_MAX} characters.", "team")
    return team


@contextmanager
def _unique_email(email: str):
    """Flush in a savepoint; another request taking the address first gets the same message
    as a duplicate found by the check (a race between two admins, or two imports)."""
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError as exc:
        if get_by_email(email) is None:  # some other constraint: not ours to explain
            raise
        raise ServiceError(f"A user with the email {email} already exists.", "email") from exc


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
        check_password(password, email=email, name=name)
    user = User(
        email=email,
        name=check_name(name),
        password_hash=hash_password(password or secrets.token_urlsafe(32)),
        role=Role(role),
        team=check_team(team),
        manager_id=_id_of(_resolve_person(manager_email, "manager", "manager_email")),
        mentor_id=_id_of(_resolve_person(mentor_email, "mentor", "mentor_email")),
        start_date=start_date,
    )
    with _unique_email(email):
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
        "name": check_name(name),
        "team": check_team(team),
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
    with _unique_email(email):
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
    revoke_sessions(user)
    db.session.flush()


def set_active(user: User, active: bool, *, actor: User | None = None) -> None:
    """Deactivate or reactivate a user and record it."""
    if user.active == active:
        return
    if not active and actor is not None and actor.id == user.id:
        raise ServiceError("You cannot deactivate your own account.")
    user.active = active
    revoke_sessions(user)
    audit.record("user.activate" if active else "user.deactivate", actor=actor, target=user)
    db.session.flush()


def delete_user(user: User, *, actor: User | None = None) -> None:
    """Delete an account, unless it holds training records: those people are deactivated.

    Attempts, lab submissions, evidence and certificates are the record of someone's
    training; the database refuses to delete them with their learner, and this says so.
    """
    if actor is not None and actor.id == user.id:
        raise ServiceError("You cannot delete your own account.")
    email = user.email
    try:
        with db.session.begin_nested():
            # what other areas keep of the person goes first, undone with the delete if the
            # database refuses it
            events.user_deleting.send(user_id=user.id)
            db.session.delete(user)
    except IntegrityError:
        raise ServiceError(
            f"{email} has training records (attempts, labs, evidence or certificates), which "
            "are kept: deactivate the account instead."
        ) from None
    audit.record("user.delete", actor=actor, detail=email, payload={"email": email})


def set_password(user: User, password: str, *, actor: User | None = None) -> None:
    """Set a new password; recorded as a reset when someone else does it."""
    check_password(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    revoke_sessions(user)
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
        check_password(new, email=user.email, name=user.name)
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
