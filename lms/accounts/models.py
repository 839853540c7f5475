"""The user account."""

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, Index, String, exists, func, or_, text
from sqlalchemy.orm import Mapped, aliased, column_property, mapped_column, relationship

from lms.extensions import UTCDateTime, db
from lms.timeutil import utcnow


class Role(enum.StrEnum):
    """What a user is allowed to do, from least to most."""

    LEARNER = "learner"
    MENTOR = "mentor"
    TRAINER = "trainer"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    """A person who signs in: learner, mentor, trainer or admin."""

    __tablename__ = "user"
    __table_args__ = (
        Index("uq_user_email_lower", func.lower("email"), unique=True),
        # who mentors or manages whom: asked by every home page (attention, "your people")
        Index("ix_user_mentor_id", "mentor_id"),
        Index("ix_user_manager_id", "manager_id"),
        # people reports list people by name a page at a time: read in order, not sorted
        Index("ix_user_name_lower", func.lower("name"), "id"),
        # the deactivated people, whose certification progress the stored pipeline leaves out
        Index(
            "ix_user_inactive",
            "id",
            sqlite_where=text("active IS 0"),
            postgresql_where=text("active IS false"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=Role.LEARNER,
    )
    team: Mapped[str | None] = mapped_column(String(120))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    start_date: Mapped[date | None]
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the id in the session and the remember cookie: bumping it signs out every device.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    manager: Mapped["User | None"] = relationship(
        remote_side=[id], foreign_keys=[manager_id], lazy="raise"
    )
    mentor: Mapped["User | None"] = relationship(
        remote_side=[id], foreign_keys=[mentor_id], lazy="raise"
    )

    def get_id(self) -> str:
        """Return the session id Flask-Login stores: the user id and the session version."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        """Deactivated users cannot sign in (Flask-Login reads this)."""
        return self.active

    @property
    def is_staff(self) -> bool:
        """Trainers and admins see everyone."""
        return self.role in (Role.TRAINER, Role.ADMIN)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


# Whether the person is anyone's mentor or manager: what the home page asks to decide whether
# to show "Your people" and to ask the sources about one's people. Deferred (a list of users
# does not need it); the signed-in user's row comes with it (`accounts.service`) and the
# digest's batches load it with `undefer`, so the question costs no query of its own.
_report = aliased(User)
OVERSEES = (
    exists()
    .where(or_(_report.mentor_id == User.id, _report.manager_id == User.id))
    .correlate_except(_report)
)
User.oversees = column_property(OVERSEES, deferred=True)
