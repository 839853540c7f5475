"""Who may see or change what: the one place that decides.

Views and templates ask `allowed(user, action, learner)`; nothing else looks at
roles. Role decides the staff actions; relationship decides the rest (a mentor
sees their mentees, a manager their reports, trainers and admins everyone).
"""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from lms.accounts.models import Role, User


def _is_admin(user: User, learner: User | None = None) -> bool:
    return user.role == Role.ADMIN


def _is_staff(user: User, learner: User | None = None) -> bool:
    return user.role in (Role.TRAINER, Role.ADMIN)


def _is_mentor_or_staff(user: User, learner: User | None = None) -> bool:
    return user.role in (Role.MENTOR, Role.TRAINER, Role.ADMIN)


def _oversees(user: User, learner: User | None) -> bool:
    """True for the learner themself, their mentor, their manager, and staff."""
    if learner is None:
        return False
    return (
        user.id == learner.id
        or _is_staff(user)
        or learner.mentor_id == user.id
        or learner.manager_id == user.id
    )


def _supervises(user: User, learner: User | None) -> bool:
    """True for the learner's mentor or manager, and staff; never the learner themself."""
    return learner is not None and user.id != learner.id and _oversees(user, learner)


def _takes_or_trains(user: User, learner: User | None) -> bool:
    """True for the learner themself and for the training team (trainers, admins).

    Not a learner's mentor or manager: a graded attempt's review can show the answer key,
    and mentors and managers take the same quizzes. They follow results through the
    learner's records, not the attempt pages.
    """
    return learner is not None and (user.id == learner.id or _is_staff(user))


def _is_not_staff(user: User, learner: User | None = None) -> bool:
    return not _is_staff(user)


RULES: dict[str, Callable[[User, User | None], bool]] = {
    "follow_own_plan": _is_not_staff,
    "manage_users": _is_admin,
    "view_audit_log": _is_admin,
    "import_roster": _is_admin,
    "view_roster": _is_staff,
    "assign_tracks": _is_staff,
    "review_labs": _is_staff,
    "issue_certificates": _is_staff,
    "view_reports": _is_staff,
    "import_questions": _is_staff,
    "view_mentees": _is_mentor_or_staff,
    "view_learner": _oversees,
    "view_attempt": _takes_or_trains,
    "verify_evidence": _supervises,
}


def allowed(user, action: str, learner: User | None = None) -> bool:
    """Return whether `user` may do `action` (on `learner`, where it concerns one)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return RULES[action](user, learner)


def require(action: str) -> Callable:
    """Decorate a view so that only users allowed `action` reach it (else 403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not allowed(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require_learner_access(viewer, learner: User | None, action: str = "view_learner") -> User:
    """Return the learner if the viewer may see them; 404 otherwise, so ids leak nothing."""
    if learner is None or not allowed(viewer, action, learner):
        abort(404)
    return learner
