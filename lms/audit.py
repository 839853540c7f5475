"""The audit log: who did what privileged action, to which object and person, and when.

An event names its object by type and id (any model: a user, a lab submission, a
certificate...), the person concerned (`target`, kept so a person's history can be
found), a one-line `detail` for people, and a JSON `payload` of what changed.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, aliased, mapped_column

from lms.extensions import UTCDateTime, db
from lms.timeutil import utcnow


class AuditEvent(db.Model):
    """One privileged action, kept for the record."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    target_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


def record(
    action: str,
    *,
    actor=None,
    target=None,
    obj=None,
    detail: str = "",
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session (the caller's transaction commits it).

    `obj` is the object acted on (any model with an `id`; it must be flushed); without
    one, the object is the target user.
    """
    subject = obj if obj is not None else target
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        target_id=getattr(target, "id", None),
        object_type=getattr(subject, "__tablename__", None),
        object_id=None if getattr(subject, "id", None) is None else str(subject.id),
        detail=detail,
        payload=payload,
    )
    db.session.add(event)
    return event


def recent_events(limit: int = 200, action: str | None = None) -> list:
    """Return recent events with actor and target emails, newest first, in one query."""
    from lms.accounts.models import User

    actor, target = aliased(User), aliased(User)
    query = (
        select(AuditEvent, actor.email, target.email)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .outerjoin(target, target.id == AuditEvent.target_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.execute(query).all()
