"""Quiz attempts and the answers given in them.

An attempt stores a snapshot of what was served (the full question dicts, their option
order, the seed and the quiz's content hash), so grading and review never read the live
quiz file: editing a quiz never changes a past result.
"""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import UTCDateTime, db, status_type
from lms.timeutil import utcnow


class AttemptStatus(enum.StrEnum):
    """An attempt is open while the learner answers, then submitted (and graded)."""

    OPEN = "open"
    SUBMITTED = "submitted"


OPEN = AttemptStatus.OPEN
SUBMITTED = AttemptStatus.SUBMITTED


class QuizAttempt(db.Model):
    """One learner's attempt at a quiz: open while answering, then submitted and graded."""

    __tablename__ = "quiz_attempt"
    # (user, quiz, number) is unique: two concurrent starts cannot both create attempt n+1;
    # and a learner has at most one open attempt per quiz.
    __table_args__ = (
        UniqueConstraint("user_id", "quiz_id", "number"),
        # covers what the quiz reports aggregate, so they never read the attempts' big rows
        Index(
            "ix_quiz_attempt_quiz_id_status_passed_percent_user_id",
            "quiz_id",
            "status",
            "passed",
            "percent",
            "user_id",
        ),
        # the quiz report's attempts newest first: with the id, PostgreSQL reads a page off
        # the index instead of sorting every attempt of the quiz (SQLite's indexes end in it)
        Index("ix_quiz_attempt_quiz_id_submitted_at_id", "quiz_id", "submitted_at", "id"),
        Index(
            "uq_quiz_attempt_one_open",
            "user_id",
            "quiz_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # An attempt is a training record: it is never deleted with its learner.
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    quiz_id: Mapped[str] = mapped_column(String(100))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[AttemptStatus] = mapped_column(
        status_type(AttemptStatus, "status"), default=AttemptStatus.OPEN
    )
    seed: Mapped[int] = mapped_column(BigInteger)
    content_hash: Mapped[str] = mapped_column(String(64))
    # Snapshot: the served questions (full dicts, in served order) and display orders.
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    option_orders: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    # Settings that decide the grade, as they were when the attempt started.
    quiz_title: Mapped[str] = mapped_column(String(300))
    review: Mapped[str] = mapped_column(String(32))
    # The pass mark the attempt is graded against; `passed` keeps the outcome, so raising a
    # quiz's pass mark later never un-passes anyone.
    pass_score: Mapped[int] = mapped_column(Integer)
    multiple_scoring: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(16))  # "learner" or "deadline"
    percent: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None]

    answers: Mapped[list["AttemptAnswer"]] = relationship(
        back_populates="attempt",
        order_by="AttemptAnswer.position",
        cascade="all, delete-orphan",
        lazy="raise",
    )

    @property
    def is_open(self) -> bool:
        """True while the learner may still answer."""
        return self.status == OPEN


class AttemptAnswer(db.Model):
    """One served question of an attempt: the learner's response and, once graded, its score."""

    __tablename__ = "attempt_answer"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer, default=1)
    response: Mapped[Any | None] = mapped_column(JSON(none_as_null=True))
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float | None] = mapped_column(Float)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers", lazy="raise")


class QuestionStat(db.Model):
    """Running sums for one question's item statistics, added to as each attempt is graded.

    x is the question's score and y the mean score of the rest of its attempt; the x/y
    sums cover the attempts that had other questions (`paired`). The report reads these
    few rows instead of every answer; `flask --app lms quiz rebuild-stats` recomputes them
    from the answers.
    """

    __tablename__ = "question_stat"

    quiz_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    served: Mapped[int] = mapped_column(Integer, default=0)
    score_sum: Mapped[float] = mapped_column(Float, default=0.0)
    paired: Mapped[int] = mapped_column(Integer, default=0)
    x: Mapped[float] = mapped_column(Float, default=0.0)
    y: Mapped[float] = mapped_column(Float, default=0.0)
    xx: Mapped[float] = mapped_column(Float, default=0.0)
    yy: Mapped[float] = mapped_column(Float, default=0.0)
    xy: Mapped[float] = mapped_column(Float, default=0.0)


class QuizTotal(db.Model):
    """Running totals of one quiz's submitted attempts, added to as each attempt is graded.

    The quiz reports read this row instead of every attempt: how many were graded, passed,
    by how many learners, the percents' sum (over `scored`, the attempts with a percent) and
    the score distribution in ten bands of ten points (`band_0` is 0-10, `band_9` 90-100).
    `flask --app lms quiz rebuild-stats` recomputes them from the attempts.
    """

    __tablename__ = "quiz_total"

    quiz_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[int] = mapped_column(Integer, default=0)
    learners: Mapped[int] = mapped_column(Integer, default=0)
    scored: Mapped[int] = mapped_column(Integer, default=0)
    percent_sum: Mapped[float] = mapped_column(Float, default=0.0)
    band_0: Mapped[int] = mapped_column(Integer, default=0)
    band_1: Mapped[int] = mapped_column(Integer, default=0)
    band_2: Mapped[int] = mapped_column(Integer, default=0)
    band_3: Mapped[int] = mapped_column(Integer, default=0)
    band_4: Mapped[int] = mapped_column(Integer, default=0)
    band_5: Mapped[int] = mapped_column(Integer, default=0)
    band_6: Mapped[int] = mapped_column(Integer, default=0)
    band_7: Mapped[int] = mapped_column(Integer, default=0)
    band_8: Mapped[int] = mapped_column(Integer, default=0)
    band_9: Mapped[int] = mapped_column(Integer, default=0)


SCORE_BANDS = 10
BAND_FIELDS = tuple(f"band_{index}" for index in range(SCORE_BANDS))
