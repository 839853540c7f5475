"""Lab submissions, their artifacts and hints, and practical evidence.

A submission keeps a snapshot of the lab's checkpoints as served (with the lab's content
hash), so grading and review never read the live lab file: editing a lab never changes a
past result. Submissions and evidence are training records: they are never deleted with
their learner.
"""

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import UTCDateTime, db, status_type
from lms.timeutil import utcnow


class SubmissionStatus(enum.StrEnum):
    """draft (being answered), submitted (waiting for a trainer), returned or passed."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    PASSED = "passed"


class EvidenceStatus(enum.StrEnum):
    """pending (waiting for the verifier), verified or rejected."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


OPEN_STATUSES = (SubmissionStatus.DRAFT, SubmissionStatus.SUBMITTED)
_OPEN_ONLY = text("status IN ('draft', 'submitted')")


class LabSubmission(db.Model):
    """One attempt at a lab: a draft while answered, then immutable once submitted."""

    __tablename__ = "lab_submission"
    # (user, lab, number) is unique, and a learner has at most one draft or waiting
    # submission per lab: two concurrent starts cannot both open one.
    __table_args__ = (
        UniqueConstraint("user_id", "lab_id", "number"),
        Index("ix_lab_submission_status_submitted_at", "status", "submitted_at"),
        Index(
            "uq_lab_submission_one_open",
            "user_id",
            "lab_id",
            unique=True,
            sqlite_where=_OPEN_ONLY,
            postgresql_where=_OPEN_ONLY,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    lab_id: Mapped[str] = mapped_column(String(100))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[SubmissionStatus] = mapped_column(
        status_type(SubmissionStatus, "status"), default=SubmissionStatus.DRAFT
    )
    # Snapshot of what was served: the lab's title, time limit, hash and checkpoints.
    lab_title: Mapped[str] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    time_limit: Mapped[int] = mapped_column(Integer)  # minutes; advisory for labs
    checkpoints: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # checkpoint id -> True/False for machine-checked checkpoints, set at submission.
    results: Mapped[dict[str, bool] | None] = mapped_column(JSON(none_as_null=True))
    # checkpoint id -> [{"points": n, "comment": "..."} per rubric criterion], by the trainer.
    scores: Mapped[dict[str, list[dict[str, Any]]] | None] = mapped_column(JSON(none_as_null=True))
    feedback: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    @property
    def is_draft(self) -> bool:
        """True while the learner may still change the answers."""
        return self.status == SubmissionStatus.DRAFT

    @property
    def is_decided(self) -> bool:
        """True once passed or returned."""
        return self.status in (SubmissionStatus.PASSED, SubmissionStatus.RETURNED)


class LabHint(db.Model):
    """A hint of a lab that a learner asked to see (hints are shown one at a time)."""

    __tablename__ = "lab_hint"
    __table_args__ = (UniqueConstraint("user_id", "lab_id", "hint_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    lab_id: Mapped[str] = mapped_column(String(100))
    hint_number: Mapped[int] = mapped_column(Integer)  # 1-based
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Evidence(db.Model):
    """A piece of practical evidence a learner logged, verified by their mentor or manager."""

    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "reference"),
        Index("ix_evidence_status_verifier_id", "status", "verifier_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(64))
    happened_on: Mapped[date]
    title: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[EvidenceStatus] = mapped_column(
        status_type(EvidenceStatus, "status"), default=EvidenceStatus.PENDING
    )
    # Who should verify: the mentor, else the manager; None sends it to the trainers.
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decision_comment: Mapped[str | None] = mapped_column(Text)


class Artifact(db.Model):
    """An uploaded file: part of a lab submission's answer, or attached to evidence.

    The bytes live in the storage (`lms.practice.storage`) under `storage_key`, a random
    name; a resubmission's copy of an artifact points at the same stored file.
    """

    __tablename__ = "artifact"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("lab_submission.id", ondelete="CASCADE"), index=True
    )
    checkpoint_id: Mapped[str | None] = mapped_column(String(100))
    evidence_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
