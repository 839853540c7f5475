"""Onboarding plans: a track assigned to a person from a start date, and ticked items."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import UTCDateTime, db
from lms.timeutil import utcnow


class TrackAssignment(db.Model):
    """A track of curriculum.yml assigned to a person, starting on a date."""

    __tablename__ = "track_assignment"
    __table_args__ = (UniqueConstraint("user_id", "track_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    track_id: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[date]
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlanItemDone(db.Model):
    """A plan item the learner ticks themself: a task (or, until labs are reviewed, a lab)."""

    __tablename__ = "plan_item_done"
    __table_args__ = (UniqueConstraint("user_id", "track_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    track_id: Mapped[str] = mapped_column(String(100))
    item_key: Mapped[str] = mapped_column(String(200))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
