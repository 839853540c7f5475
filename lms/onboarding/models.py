"""Onboarding plans: a track assigned to a person from a start date, and ticked items."""

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import UTCDateTime, db
from lms.timeutil import utcnow


class TrackAssignment(db.Model):
    """A track of curriculum.yml assigned to a person, starting on a date."""

    __tablename__ = "track_assignment"
    __table_args__ = (
        UniqueConstraint("user_id", "track_id"),
        # Team plans, newest start first: a page read in index order, the count from the index
        Index(
            "ix_track_assignment_start_date_track_id_user_id", "start_date", "track_id", "user_id"
        ),
    )

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


class PlanProgress(db.Model):
    """A hire's plan on one weekly track as stored counts, for lists of many plans (and for the
    hire's own home page and plan, where the row tells every item's state: `own_plans`).

    What is done does not depend on the date, so it is stored: the number of items done, the
    open items (neither done nor waiting for review) as a bitmask over the track's items in
    plan order, the date the earliest open item falls due, and how many open items fall due
    by each of the track's due days. Whether an open item is due
    or overdue today is worked out when the row is read, in Python (`rules.plan_counts`) or
    in SQL (`service.plan_sorts`), so a row never goes stale with the date. `layout` is the
    fingerprint of the track layout the row was counted against (items, their days, the
    modules' sections and quizzes); a row of another layout is not trusted and the plan is
    counted afresh. Refreshed by `service.refresh_progress` whenever something that counts
    happens, and by `flask --app lms onboarding refresh`.
    """

    __tablename__ = "plan_progress"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    track_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    layout: Mapped[str] = mapped_column(String(40))
    done: Mapped[int] = mapped_column(Integer)
    open_items: Mapped[int] = mapped_column(BigInteger)  # bit i: item i (of 62 at most)
    first_due: Mapped[date | None]  # when the earliest open item falls due; None: none open
    open_tally: Mapped[str] = mapped_column(String(130))  # rules.TrackLayout.open_tally
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
