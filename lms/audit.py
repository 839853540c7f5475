"""The audit log: who did what privileged action to whom, and when."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, aliased, mapped_column

from lms.extensions import UTCDateTime, db
from lms.timeutil import utcnow


class AuditEvent(db.Model):
    """One privileged action, kept for the record."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")


def record(action: str, *, actor=None, target=None, detail: str = "") -> AuditEvent:
    """Add an audit event to the session (the caller's transaction commits it)."""
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        target_id=getattr(target, "id", None),
        detail=detail,
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
