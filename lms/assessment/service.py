"""Quiz attempts: start, save, submit, close at the deadline; scores other areas can ask for.

Services flush; the request or command that called them commits. Grading reads only the
attempt's snapshot, never the live quiz file.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from lms import events
from lms.assessment import rules
from lms.assessment.models import OPEN, SUBMITTED, AttemptAnswer, QuestionStat, QuizAttempt
from lms.content.schema import Quiz
from lms.errors import ServiceError
from lms.extensions import db, upsert
from lms.timeutil import as_utc, utcnow

GRACE = timedelta(seconds=30)  # answers saved this long after the deadline still count
TIME_FORMAT = "%Y-%m-%d %H:%M UTC"


def question_dict(question: Any) -> dict:
    """The plain dict of a question as served and stored in a snapshot."""
    return question.model_dump(mode="json", exclude_none=True)


# --- state of a learner on a quiz --------------------------------------------------------------


@dataclass(frozen=True)
class QuizState:
    """What a learner may do on a quiz now: resume, start, or wait (and until when)."""

    attempts: list[QuizAttempt]  # newest first
    open_attempt: QuizAttempt | None
    attempts_used: int
    attempts_left: int | None  # None: unlimited
    best_percent: float | None
    passed: bool
    can_start: bool
    next_opens_at: datetime | None
    message: str | None  # why a new attempt cannot start now


def attempts_of(user_id: int, quiz_id: str) -> list[QuizAttempt]:
    """The learner's attempts at a quiz, newest first."""
    return list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz_id)
            .order_by(QuizAttempt.number.desc())
        )
    )


def quiz_state(quiz: Quiz, attempts: list[QuizAttempt], now: datetime | None = None) -> QuizState:
    """Work out the learner's position on a quiz from their attempts (newest first).

    `passed` is read from the graded attempts, never recomputed from the quiz's current
    pass mark.
    """
    now = now or utcnow()
    open_attempt = next((a for a in attempts if a.status == OPEN), None)
    graded = [a for a in attempts if a.status == SUBMITTED]
    best = max((a.percent or 0.0 for a in graded), default=None)
    used = len(attempts)
    left = None if quiz.max_attempts is None else max(quiz.max_attempts - used, 0)
    next_opens_at, message = None, None
    if open_attempt is None:
        if left == 0:
            message = f"You have used all {quiz.max_attempts} attempts at this quiz."
        elif graded and not graded[0].passed and quiz.cooldown:
            ended = as_utc(graded[0].submitted_at or graded[0].started_at)
            opens = ended + timedelta(minutes=quiz.cooldown)
            if opens > now:
                next_opens_at = opens
                message = f"Your next attempt opens at {opens.strftime(TIME_FORMAT)}."
    return QuizState(
        attempts=attempts,
        open_attempt=open_attempt,
        attempts_used=used,
        attempts_left=left,
        best_percent=best,
        passed=any(a.passed for a in graded),
        can_start=open_attempt is None and message is None,
        next_opens_at=next_opens_at,
        message=message,
    )


# --- starting ----------------------------------------------------------------------------------


def start_attempt(user_id: int, quiz: Quiz, now: datetime | None = None) -> QuizAttempt:
    """Start an attempt, or return the open one; ServiceError when none may start now."""
    now = now or utcnow()
    close_expired(user_id=user_id, quiz_id=quiz.id, now=now)
    attempts = attempts_of(user_id, quiz.id)
    state = quiz_state(quiz, attempts, now)
    if state.open_attempt is not None:
        return state.open_attempt
    if not state.can_start:
        raise ServiceError(state.message or "You cannot start this quiz now.")
    seed = secrets.randbelow(2**53)
    pool = [question_dict(q) for q in quiz.questions]
    by_id = {q["id"]: q for q in pool}
    drawn = rules.draw_questions(
        pool,
        quiz.questions_per_attempt,
        seed,
        spread_topics=quiz.spread_topics,
        shuffle=quiz.shuffle,
    )
    served = [by_id[qid] for qid in drawn]
    attempt = QuizAttempt(
        user_id=user_id,
        quiz_id=quiz.id,
        number=max((a.number for a in attempts), default=0) + 1,
        status=OPEN,
        seed=seed,
        content_hash=quiz.content_hash,
        questions=served,
        option_orders={q["id"]: rules.option_order(q, seed, quiz.shuffle) for q in served},
        quiz_title=quiz.title,
        review=quiz.review,
        pass_score=quiz.pass_score,
        multiple_scoring=quiz.multiple_scoring,
        started_at=now,
        deadline_at=now + timedelta(minutes=quiz.time_limit) if quiz.time_limit else None,
    )
    attempt.answers = [
        AttemptAnswer(question_id=q["id"], position=i, points=q.get("points", 1))
        for i, q in enumerate(served)
    ]
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        # Another request started the same attempt number first: resume that one.
        concurrent = db.session.scalar(
            select(QuizAttempt).where(
                QuizAttempt.user_id == user_id,
                QuizAttempt.quiz_id == quiz.id,
                QuizAttempt.status == OPEN,
            )
        )
        if concurrent is None:
            raise ServiceError("The quiz could not start just now. Try again.") from None
        return concurrent
    return attempt


# --- saving and submitting ---------------------------------------------------------------------


def get_attempt(attempt_id: int) -> QuizAttempt | None:
    """The attempt with this id, or None."""
    return db.session.get(QuizAttempt, attempt_id)


def answers_of(attempt: QuizAttempt) -> list[AttemptAnswer]:
    """The attempt's answer rows in served order."""
    return list(
        db.session.scalars(
            select(AttemptAnswer)
            .where(AttemptAnswer.attempt_id == attempt.id)
            .order_by(AttemptAnswer.position)
            .execution_options(populate_existing=True)
        )
    )


def time_is_up(attempt: QuizAttempt, now: datetime | None = None) -> bool:
    """True once the deadline and its grace have passed."""
    if attempt.deadline_at is None:
        return False
    return (now or utcnow()) > as_utc(attempt.deadline_at) + GRACE


def _claim(attempt: QuizAttempt) -> bool:
    """Lock the attempt row while it is open (a no-op UPDATE); False when it is closed.

    Every write to an attempt starts here, so concurrent saves and submits of one attempt
    run one after the other and none writes to an attempt another request has graded.
    """
    result = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == OPEN)
        .values(status=QuizAttempt.status)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _write_responses(attempt: QuizAttempt, responses: dict[str, Any], now: datetime) -> int:
    served = {q["id"] for q in attempt.questions}
    rows = [
        {"question_id": qid, "response": value} for qid, value in responses.items() if qid in served
    ]
    for row in rows:
        db.session.execute(
            update(AttemptAnswer)
            .where(
                AttemptAnswer.attempt_id == attempt.id,
                AttemptAnswer.question_id == row["question_id"],
            )
            .values(response=row["response"], saved_at=now)
            .execution_options(synchronize_session=False)
        )
    return len(rows)


@dataclass(frozen=True)
class SaveOutcome:
    """What happened to a save: how many answers were written, or why none were."""

    saved: int
    closed: bool  # the attempt is (now) graded: the learner should see the result
    late: bool  # the deadline had passed: nothing sent was counted


def _refuse_write(attempt: QuizAttempt, now: datetime) -> SaveOutcome | None:
    """Lock an open attempt for writing; say why not when it is closed or its time is up."""
    if not _claim(attempt):
        db.session.refresh(attempt)
        return SaveOutcome(0, closed=True, late=False)
    if time_is_up(attempt, now):
        _grade_and_close(attempt, now, ended_by="deadline")
        return SaveOutcome(0, closed=True, late=True)
    return None


def save_answers(
    attempt: QuizAttempt, responses: dict[str, Any], now: datetime | None = None
) -> SaveOutcome:
    """Save the learner's responses while the attempt is open and within its time."""
    now = now or utcnow()
    refused = _refuse_write(attempt, now)
    if refused is not None:
        return refused
    saved = _write_responses(attempt, responses, now)
    return SaveOutcome(saved, closed=False, late=False)


def submit_attempt(
    attempt: QuizAttempt, responses: dict[str, Any] | None = None, now: datetime | None = None
) -> SaveOutcome:
    """Save the last responses and grade the attempt, once: a repeat changes nothing."""
    now = now or utcnow()
    refused = _refuse_write(attempt, now)
    if refused is not None:
        return refused
    saved = _write_responses(attempt, responses or {}, now)
    _grade_and_close(attempt, now, ended_by="learner")
    return SaveOutcome(saved, closed=True, late=False)


def grade_answers(attempt: QuizAttempt, answers: list[AttemptAnswer]) -> list[float]:
    """Score each answer row against the attempt's snapshot (0..1 per question)."""
    by_id = {q["id"]: q for q in attempt.questions}
    return [
        rules.grade(by_id[row.question_id], row.response, attempt.multiple_scoring).score
        for row in answers
    ]


def _grade_and_close(attempt: QuizAttempt, now: datetime, ended_by: str) -> bool:
    """Grade from the saved answers and mark the attempt submitted if it is still open."""
    answers = answers_of(attempt)
    scores = grade_answers(attempt, answers)
    percent = rules.score_attempt(
        [(score, row.points) for score, row in zip(scores, answers, strict=True)]
    )
    ended_at = now
    if ended_by == "deadline" and attempt.deadline_at is not None:
        ended_at = min(now, as_utc(attempt.deadline_at))
    result = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == OPEN)
        .values(
            status=SUBMITTED,
            submitted_at=ended_at,
            ended_by=ended_by,
            percent=percent,
            passed=rules.passed(percent, attempt.pass_score),
        )
        .execution_options(synchronize_session=False)
    )
    graded = result.rowcount == 1
    if graded:
        for row, score in zip(answers, scores, strict=True):
            row.score = score
        _add_to_question_stats(
            attempt.quiz_id, {r.question_id: s for r, s in zip(answers, scores, strict=True)}
        )
    db.session.flush()
    db.session.refresh(attempt)
    if graded:
        events.quiz_graded.send(user_id=attempt.user_id, attempt=attempt)
    return graded


def close_expired(
    *, user_id: int | None = None, quiz_id: str | None = None, now: datetime | None = None
) -> int:
    """Grade every open attempt whose time (and grace) is up; return how many were closed."""
    now = now or utcnow()
    query = select(QuizAttempt).where(
        QuizAttempt.status == OPEN,
        QuizAttempt.deadline_at.is_not(None),
        QuizAttempt.deadline_at < now - GRACE,
    )
    if user_id is not None:
        query = query.where(QuizAttempt.user_id == user_id)
    if quiz_id is not None:
        query = query.where(QuizAttempt.quiz_id == quiz_id)
    closed = 0
    for attempt in db.session.scalars(query).all():
        if _claim(attempt) and _grade_and_close(attempt, now, ended_by="deadline"):
            closed += 1
    return closed


# --- review ------------------------------------------------------------------------------------


def review_visible(attempt: QuizAttempt, quiz: Quiz | None, attempts_used: int) -> bool:
    """Whether the learner may see answers and explanations of a graded attempt."""
    if attempt.status != SUBMITTED:
        return False
    policy = quiz.review if quiz is not None else attempt.review
    if policy == "immediately":
        return True
    if policy == "after_last_attempt":
        max_attempts = quiz.max_attempts if quiz is not None else None
        return max_attempts is not None and attempts_used >= max_attempts
    return False


# --- for other areas ---------------------------------------------------------------------------


def best_scores(user_ids: list[int]) -> dict[int, dict[str, float]]:
    """Best percent per learner per quiz over submitted attempts (one query)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(QuizAttempt.user_id, QuizAttempt.quiz_id, func.max(QuizAttempt.percent))
        .where(QuizAttempt.user_id.in_(set(user_ids)), QuizAttempt.status == SUBMITTED)
        .group_by(QuizAttempt.user_id, QuizAttempt.quiz_id)
    )
    scores: dict[int, dict[str, float]] = {uid: {} for uid in user_ids}
    for user_id, quiz_id, best in rows:
        scores[user_id][quiz_id] = float(best or 0.0)
    return scores


def passed_quiz_ids(user_ids: list[int]) -> dict[int, set[str]]:
    """The quizzes each learner has passed, as graded: an attempt's stored `passed` decides.

    A pass mark raised after an attempt was graded never un-passes it (one query).
    """
    passed: dict[int, set[str]] = {user_id: set() for user_id in user_ids}
    if not user_ids:
        return passed
    rows = db.session.execute(
        select(QuizAttempt.user_id, QuizAttempt.quiz_id)
        .where(
            QuizAttempt.user_id.in_(set(user_ids)),
            QuizAttempt.status == SUBMITTED,
            QuizAttempt.passed.is_(True),
        )
        .distinct()
    )
    for user_id, quiz_id in rows:
        passed[user_id].add(quiz_id)
    return passed


@dataclass(frozen=True)
class QuizSummary:
    """A learner's standing on one quiz, for the quiz list."""

    attempts_used: int
    best_percent: float | None
    has_open: bool


def summaries_for(user_id: int) -> dict[str, QuizSummary]:
    """Attempts used, best score and whether one is open, per quiz, for one learner."""
    rows = db.session.execute(
        select(
            QuizAttempt.quiz_id,
            func.count(QuizAttempt.id),
            func.max(case((QuizAttempt.status == SUBMITTED, QuizAttempt.percent))),
            func.sum(case((QuizAttempt.status == OPEN, 1), else_=0)),
        )
        .where(QuizAttempt.user_id == user_id)
        .group_by(QuizAttempt.quiz_id)
    )
    return {
        quiz_id: QuizSummary(int(count), None if best is None else float(best), bool(n_open))
        for quiz_id, count, best, n_open in rows
    }


# --- reports -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizTotals:
    """Submitted attempts of a quiz, how many passed, and the mean percent."""

    attempts: int
    passed: int
    learners: int
    mean_percent: float | None

    @property
    def pass_rate(self) -> float | None:
        """Share of attempts that passed, 0..1 (None with no attempts)."""
        return self.passed / self.attempts if self.attempts else None


def _totals_query():
    return select(
        QuizAttempt.quiz_id,
        func.count(QuizAttempt.id),
        func.sum(case((QuizAttempt.passed.is_(True), 1), else_=0)),
        func.count(func.distinct(QuizAttempt.user_id)),
        func.avg(QuizAttempt.percent),
    ).where(QuizAttempt.status == SUBMITTED)


def _totals(row) -> QuizTotals:
    _, attempts, n_passed, learners, mean = row
    return QuizTotals(
        int(attempts), int(n_passed or 0), int(learners), None if mean is None else float(mean)
    )


def quiz_totals() -> dict[str, QuizTotals]:
    """Totals of submitted attempts per quiz id (one query)."""
    rows = db.session.execute(_totals_query().group_by(QuizAttempt.quiz_id))
    return {row[0]: _totals(row) for row in rows}


@dataclass(frozen=True)
class QuizReport:
    """The training team's view of one quiz: totals, score distribution, item statistics."""

    totals: QuizTotals
    histogram: list[tuple[str, int]]
    items: list[rules.ItemStat]


def quiz_report(quiz_id: str, bins: int = 10) -> QuizReport:
    """Aggregate a quiz's submitted attempts in SQL (three queries, whatever their number)."""
    row = db.session.execute(
        _totals_query().where(QuizAttempt.quiz_id == quiz_id).group_by(QuizAttempt.quiz_id)
    ).first()
    totals = _totals(row) if row is not None else QuizTotals(0, 0, 0, None)
    width = 100 / bins
    bin_expr = case(
        (QuizAttempt.percent >= 100, bins - 1),
        else_=func.floor(QuizAttempt.percent / width),
    )
    counts = [0] * bins
    for index, count in db.session.execute(
        select(bin_expr, func.count())
        .where(QuizAttempt.quiz_id == quiz_id, QuizAttempt.status == SUBMITTED)
        .group_by(bin_expr)
    ):
        counts[min(bins - 1, max(0, int(index)))] += int(count)
    labels = [label for label, _ in rules.score_histogram([], bins)]
    stats = db.session.scalars(select(QuestionStat).where(QuestionStat.quiz_id == quiz_id))
    items = rules.item_statistics_from_sums(
        rules.ItemSums(s.question_id, *(getattr(s, name) for name in rules.SUM_FIELDS))
        for s in stats
    )
    return QuizReport(totals, list(zip(labels, counts, strict=True)), items)


def _add_to_question_stats(quiz_id: str, scores: dict[str, float]) -> None:
    """Add one graded attempt to its questions' running sums (an atomic upsert per question)."""
    table = QuestionStat.__table__
    for item in rules.attempt_item_sums(scores):
        values = {name: getattr(item, name) for name in rules.SUM_FIELDS}
        statement = upsert(table).values(quiz_id=quiz_id, question_id=item.question_id, **values)
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=["quiz_id", "question_id"],
                set_={name: table.c[name] + statement.excluded[name] for name in values},
            )
        )


def rebuild_question_stats() -> int:
    """Recompute every question's running sums from the graded answers; return the rows."""
    db.session.execute(delete(QuestionStat))
    quiz_ids = db.session.scalars(
        select(QuizAttempt.quiz_id).where(QuizAttempt.status == SUBMITTED).distinct()
    ).all()
    rows = [
        {"quiz_id": quiz_id, "question_id": item.question_id}
        | {name: getattr(item, name) for name in rules.SUM_FIELDS}
        for quiz_id in quiz_ids
        for item in _item_sums(quiz_id)
    ]
    if rows:
        db.session.execute(insert(QuestionStat), rows)
    return len(rows)


def _item_sums(quiz_id: str) -> list[rules.ItemSums]:
    """Per-question sums for item statistics, aggregated in SQL from the answers."""
    graded = (
        select(AttemptAnswer.attempt_id, AttemptAnswer.question_id, AttemptAnswer.score)
        .join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
        .where(QuizAttempt.quiz_id == quiz_id, QuizAttempt.status == SUBMITTED)
        .where(AttemptAnswer.score.is_not(None))
        .subquery()
    )
    totals = (
        select(
            graded.c.attempt_id,
            func.sum(graded.c.score).label("total"),
            func.count().label("n"),
        )
        .group_by(graded.c.attempt_id)
        .subquery()
    )
    x = graded.c.score
    paired = totals.c.n > 1
    rest = case((paired, (totals.c.total - x) / (totals.c.n - 1.0)))

    def paired_sum(value):
        return func.coalesce(func.sum(case((paired, value))), 0.0)

    query = (
        select(
            graded.c.question_id,
            func.count(),
            func.sum(x),
            func.coalesce(func.sum(case((paired, 1))), 0),
            paired_sum(x),
            paired_sum(rest),
            paired_sum(x * x),
            paired_sum(rest * rest),
            paired_sum(x * rest),
        )
        .join(totals, totals.c.attempt_id == graded.c.attempt_id)
        .group_by(graded.c.question_id)
    )
    return [
        rules.ItemSums(qid, int(served), float(score_sum), int(n), *map(float, sums))
        for qid, served, score_sum, n, *sums in db.session.execute(query)
    ]
