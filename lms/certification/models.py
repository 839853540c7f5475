"""Certificates (one row per cycle, never overwritten), progress kept per person and
certification, approvals by managers and mentors, and trainers' declines."""

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import UTCDateTime, db, status_type
from lms.timeutil import utcnow


class Certificate(db.Model):
    """One issued certificate: a cycle of a person's certification (first issue or renewal).

    It records what it was issued under (the curriculum version and the certification's
    definition hash) and what counted for each requirement, so it can be audited years
    later. Revoking sets the revocation fields; nothing else ever changes.
    """

    __tablename__ = "certificate"
    # One certificate per person, certification and cycle: two events that arrive together
    # cannot both issue cycle n+1.
    __table_args__ = (
        UniqueConstraint("user_id", "certification_id", "cycle"),
        # expiry reports read certificates by date and ask whether a later cycle replaced
        # each: the index carries what they test, so they never read the rows themselves
        Index(
            "ix_certificate_expiring",
            "expires_on",
            "revoked_at",
            "user_id",
            "certification_id",
            "cycle",
        ),
        # "people holding a valid certificate, by level" reads certificates alive on a date
        # from this index alone (the rows carry each certificate's counted JSON)
        Index(
            "ix_certificate_held",
            "expires_on",
            "issued_on",
            "revoked_on",
            "level",
            "user_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    certification_id: Mapped[str] = mapped_column(String(100), index=True)
    cycle: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    issued_on: Mapped[date]
    expires_on: Mapped[date]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(String(300))
    level: Mapped[int | None]
    curriculum_version: Mapped[str] = mapped_column(String(64))
    definition_hash: Mapped[str] = mapped_column(String(64))
    counted: Mapped[dict[str, Any]] = mapped_column(JSON)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_on: Mapped[date | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def automatic(self) -> bool:
        """Issued by the platform itself rather than by a trainer."""
        return self.issued_by_id is None


class CertificationProgress(db.Model):
    """A person's last evaluated state on a certification, kept for queues and reports.

    Refreshed whenever something that counts happens (a graded quiz, a reviewed lab,
    verified evidence, an approval, an issued certificate) and by
    `flask --app lms certifications recompute`; the learner's own pages always evaluate live.
    """

    __tablename__ = "certification_progress"
    __table_args__ = (
        Index(  # covers the pipeline's counts per certification and state
            "ix_certification_progress_pipeline",
            "certification_id",
            "state",
            "due",
            "renewing",
            "user_id",
        ),
        Index(  # the ready queue, longest waiting first: only the rows due for issue
            "ix_certification_progress_ready",
            "updated_at",
            "user_id",
            sqlite_where=text("due IS 1"),
            postgresql_where=text("due IS true"),
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    certification_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    met: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    due: Mapped[bool]
    renewing: Mapped[bool]
    expires_on: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CertificationPipeline(db.Model):
    """How many progress rows stand in each state of a certification, and how many of those
    are due for issue or renewing: the certification report's pipeline, stored so that the
    page does not count every person's progress on each visit.

    Kept in step with `CertificationProgress` by the service that writes progress (it adds
    what a row leaves and enters) and when a person is deleted; `flask --app lms
    certifications recompute` counts it afresh. It counts everyone's rows: the report takes
    the deactivated people's rows out when it reads it.
    """

    __tablename__ = "certification_pipeline"

    certification_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), primary_key=True)
    people: Mapped[int] = mapped_column(Integer)
    due: Mapped[int] = mapped_column(Integer)
    renewing: Mapped[int] = mapped_column(Integer)


class ApprovalStatus(enum.StrEnum):
    """An approval is asked for, then given or declined."""

    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"


class Approval(db.Model):
    """A learner's request for their manager's or mentor's approval toward a certification."""

    __tablename__ = "approval"
    __table_args__ = (
        Index(
            "uq_approval_one_open",
            "user_id",
            "certification_id",
            "by",
            unique=True,
            sqlite_where=text("status = 'requested'"),
            postgresql_where=text("status = 'requested'"),
        ),
        Index("ix_approval_approver_id_status", "approver_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    certification_id: Mapped[str] = mapped_column(String(100))
    by: Mapped[str] = mapped_column(String(8))  # "manager" or "mentor"
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[ApprovalStatus] = mapped_column(
        status_type(ApprovalStatus, "status"), default=ApprovalStatus.REQUESTED
    )
    comment: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class CertificationDecline(db.Model):
    """A trainer's decision not to issue yet, with the reason the learner sees.

    While it stands the person is out of the ready queue; the learner asks again (which
    closes it) once they have dealt with the reason.
    """

    __tablename__ = "certification_decline"
    __table_args__ = (
        Index(
            "uq_certification_decline_one_open",
            "user_id",
            "certification_id",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    certification_id: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    declined_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    declined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
