"""Quiz attempts: start, save, submit, close at the deadline, review; scores other areas ask for.

Services flush; the request or command that called them commits. Grading reads only the
attempt's snapshot, never the live quiz file. Statistics and reports are in
`lms.assessment.statistics`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlalchemy.orm.attributes import set_committed_value

from lms import events
from lms.assessment import questions, rules, statistics
from lms.assessment.models import OPEN, SUBMITTED, AttemptAnswer, QuizAttempt
from lms.content.schema import Quiz
from lms.errors import ServiceError
from lms.extensions import db
from lms.timefmt import when_hint, zone
from lms.timeutil import as_utc, utcnow

GRACE = timedelta(seconds=30)  # answers saved this long after the deadline still count


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


@cache
def _attempts_query():
    # Without the question snapshots: the position on a quiz needs none of them, and an
    # attempt's snapshot is its largest column (read on access, when a page needs it).
    return (
        select(QuizAttempt)
        .where(QuizAttempt.user_id == bindparam("user_id"),
               QuizAttempt.quiz_id == bindparam("quiz_id"))
        .order_by(QuizAttempt.number.desc())
        .options(defer(QuizAttempt.questions), defer(QuizAttempt.option_orders))
    )  # fmt: skip


def attempts_of(user_id: int, quiz_id: str) -> list[QuizAttempt]:
    """The learner's attempts at a quiz, newest first."""
    return list(db.session.scalars(_attempts_query(), {"user_id": user_id, "quiz_id": quiz_id}))


def expired(attempts: list[QuizAttempt], now: datetime | None = None) -> bool:
    """Whether any of these attempts is open past its time and grace (`close_expired` grades
    them): pages that show attempts write only when there is something to close."""
    now = now or utcnow()
    return any(a.status == OPEN and time_is_up(a, now) for a in attempts)


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
    left = attempts_left(quiz, used)
    next_opens_at, message = None, None
    if open_attempt is None:
        if left == 0:
            message = f"You have used all {quiz.max_attempts} attempts at this quiz."
        elif graded and not graded[0].passed and quiz.cooldown:
            ended = as_utc(graded[0].submitted_at or graded[0].started_at)
            opens = ended + timedelta(minutes=quiz.cooldown)
            if opens > now:
                next_opens_at = opens
                message = f"Your next attempt opens {when_hint(opens, now, zone())}."
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
        option_orders={q["id"]: questions.option_order(q, seed, quiz.shuffle) for q in served},
        quiz_title=quiz.title,
        review=quiz.review,
        pass_score=quiz.pass_score,
        multiple_scoring=quiz.multiple_scoring,
        started_at=now,
        deadline_at=now + timedelta(minutes=quiz.time_limit) if quiz.time_limit else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
            # one executemany for the empty answers, not one INSERT per question
            db.session.execute(
                insert(AttemptAnswer),
                [{"attempt_id": attempt.id, "question_id": q["id"], "position": i,
                  "points": q.get("points", 1)} for i, q in enumerate(served)],
            )  # fmt: skip
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


def past_grace(deadline: datetime | None, now: datetime | None = None) -> bool:
    """True once a deadline (None: no time limit) and its grace have passed."""
    return deadline is not None and (now or utcnow()) > as_utc(deadline) + GRACE


def time_is_up(attempt: QuizAttempt, now: datetime | None = None) -> bool:
    """True once the attempt's deadline and its grace have passed."""
    return past_grace(attempt.deadline_at, now)


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


def refused_answers(attempt: QuizAttempt, responses: dict[str, Any]) -> dict[str, str]:
    """Why each refused response may not be stored, by question id (served questions only).

    Each question type checks its own response against what was served: an option shown,
    a match from the list, every item placed once, text within its length limit.
    """
    orders = attempt.option_orders or {}
    refusals = {}
    for question in attempt.questions:
        qid = question["id"]
        if qid in responses:
            reason = questions.refusal(question, orders.get(qid, []), responses[qid])
            if reason is not None:
                refusals[qid] = reason
    return refusals


def _write_responses(attempt: QuizAttempt, responses: dict[str, Any], now: datetime) -> int:
    """Store the served questions' responses in one statement; refuse any not allowed."""
    refusals = refused_answers(attempt, responses)
    if refusals:
        raise ServiceError(
            "Not saved: " + " ".join(sorted(set(refusals.values()))), field="answers"
        )
    served = {q["id"] for q in attempt.questions}
    rows = [
        {"attempt": attempt.id, "question": qid, "new_response": value, "now": now}
        for qid, value in responses.items()
        if qid in served
    ]
    if rows:
        table = AttemptAnswer.__table__
        db.session.execute(
            table.update()
            .where(
                table.c.attempt_id == bindparam("attempt"),
                table.c.question_id == bindparam("question"),
            )
            .values(
                response=bindparam("new_response", type_=table.c.response.type),
                saved_at=bindparam("now", type_=table.c.saved_at.type),
            ),
            rows,
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
        questions.grade(by_id[row.question_id], row.response, attempt.multiple_scoring).score
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
    passed = rules.passed(percent, attempt.pass_score)
    result = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == OPEN)
        .values(
            status=SUBMITTED,
            submitted_at=ended_at,
            ended_by=ended_by,
            percent=percent,
            passed=passed,
        )
        .execution_options(synchronize_session=False)
    )
    graded = result.rowcount == 1
    if graded and answers:
        # one executemany for the scores, not one UPDATE per answer
        table = AttemptAnswer.__table__
        db.session.execute(
            table.update()
            .where(table.c.id == bindparam("answer"))
            .values(score=bindparam("new_score", type_=table.c.score.type)),
            [
                {"answer": row.id, "new_score": score}
                for row, score in zip(answers, scores, strict=True)
            ],
        )
        for row, score in zip(answers, scores, strict=True):
            set_committed_value(row, "score", score)
    if graded:
        statistics.count_graded_attempt(
            attempt.id, attempt.user_id, attempt.quiz_id, percent, passed
        )
        statistics.add_graded_attempt(
            attempt.quiz_id, {r.question_id: s for r, s in zip(answers, scores, strict=True)}
        )
    db.session.flush()
    if graded:
        # what the UPDATE wrote, without reading the attempt (and its snapshot) back
        written = {"status": SUBMITTED, "submitted_at": ended_at, "ended_by": ended_by}
        for name, value in (written | {"percent": percent, "passed": passed}).items():
            set_committed_value(attempt, name, value)
        events.quiz_graded.send(user_id=attempt.user_id, attempt=attempt)
    else:
        db.session.refresh(attempt)  # graded meanwhile by another request: read its result
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

KEY_AFTER_PASS = (
    "The right answers and explanations are shown once you pass this quiz, so that a "
    "practice attempt teaches the material rather than the answer key. Study your weak "
    "topics below and try again."
)
KEY_AFTER_LAST = "The answers and explanations are shown once you have used your last attempt."
KEY_NEVER = "This quiz does not show its answers."


@dataclass(frozen=True)
class ReviewPolicy:
    """What a viewer may see of a graded attempt beyond its score and topic scores."""

    answers: bool  # each question with the learner's answer and right/wrong
    key: bool  # the right answers and explanations
    message: str | None  # why the key is not shown (None when it is)


def review_policy(
    attempt: QuizAttempt, quiz: Quiz | None, state: QuizState, owner: bool
) -> ReviewPolicy:
    """Decide how much of a graded attempt its viewer sees.

    The training team sees everything. A learner sees what the quiz's review setting allows:
    `immediately` shows their answers marked right or wrong at once but the key and the
    explanations only once they have passed the quiz (a blank attempt must not harvest the
    pool's answers); `after_last_attempt` shows everything once every attempt is used;
    `never` shows the score and the topic scores only.
    """
    if attempt.status != SUBMITTED:
        return ReviewPolicy(False, False, None)
    if not owner:
        return ReviewPolicy(True, True, None)
    policy = quiz.review if quiz is not None else attempt.review
    if policy == "immediately":
        return ReviewPolicy(True, state.passed, None if state.passed else KEY_AFTER_PASS)
    if policy == "after_last_attempt":
        max_attempts = quiz.max_attempts if quiz is not None else None
        done = max_attempts is not None and state.attempts_used >= max_attempts
        return ReviewPolicy(done, done, None if done else KEY_AFTER_LAST)
    return ReviewPolicy(False, False, KEY_NEVER)


@dataclass(frozen=True)
class ReviewItem:
    """One question of a graded attempt as the review shows it."""

    number: int
    prompt: str
    topic: str
    response: list[str]
    key: list[str] | None  # None: not shown to this viewer
    explanation: str | None
    score: float
    points: int
    source: rules.Source | None


@dataclass(frozen=True)
class AttemptReview:
    """Everything the result page of a graded attempt shows to one viewer."""

    attempt: QuizAttempt
    owner: bool
    learner_name: str | None  # set when the viewer is not the learner
    policy: ReviewPolicy
    topics: list[rules.TopicScore]
    items: list[ReviewItem]
    attempts_used: int


def review_attempt(
    attempt: QuizAttempt, quiz: Quiz | None, viewer_id: int, learner_name: str | None = None
) -> AttemptReview:
    """Assemble the result page of a graded attempt: score per topic, and the review allowed."""
    owner = attempt.user_id == viewer_id
    attempts = attempts_of(attempt.user_id, attempt.quiz_id)
    state = quiz_state(quiz, attempts) if quiz is not None else _state_without_quiz(attempts)
    policy = review_policy(attempt, quiz, state, owner)
    answers = answers_of(attempt)
    by_id = {q["id"]: q for q in attempt.questions}
    served = [(by_id[row.question_id], row) for row in answers if row.question_id in by_id]
    fallback = rules.Source("module", quiz.module, None) if quiz and quiz.module else None
    topics = rules.topic_scores(
        [
            (q.get("topic", ""), row.score or 0.0, row.points, rules.parse_source(q.get("source")))
            for q, row in served
        ],
        attempt.pass_score,
        fallback,
    )
    items = []
    if policy.answers:
        for number, (question, row) in enumerate(served, start=1):
            items.append(
                ReviewItem(
                    number=number,
                    prompt=question["prompt"],
                    topic=question.get("topic", ""),
                    response=questions.describe_response(question, row.response),
                    key=questions.describe_key(question) if policy.key else None,
                    explanation=question.get("explanation") if policy.key else None,
                    score=row.score or 0.0,
                    points=row.points,
                    source=rules.parse_source(question.get("source")),
                )
            )
    return AttemptReview(
        attempt, owner, None if owner else learner_name, policy, topics, items, len(attempts)
    )


def _state_without_quiz(attempts: list[QuizAttempt]) -> QuizState:
    """A learner's standing on a quiz whose file is gone (only `passed` and counts matter)."""
    graded = [a for a in attempts if a.status == SUBMITTED]
    return QuizState(
        attempts=attempts,
        open_attempt=None,
        attempts_used=len(attempts),
        attempts_left=None,
        best_percent=max((a.percent or 0.0 for a in graded), default=None),
        passed=any(a.passed for a in graded),
        can_start=False,
        next_opens_at=None,
        message=None,
    )


@dataclass(frozen=True)
class OpenAttempt:
    """What the pages of an open attempt may show: its header and the public questions.

    The attempt row itself (whose snapshot holds the key) never reaches those templates.
    """

    id: int
    quiz_id: str
    quiz_title: str
    number: int
    pass_score: float
    started_at: datetime
    deadline_at: datetime | None
    questions: list[dict]  # public views, in served order


def open_attempt_view(attempt: QuizAttempt) -> OpenAttempt:
    """The public view of an open attempt: each served question's public view, no key."""
    orders = attempt.option_orders or {}
    return OpenAttempt(
        id=attempt.id,
        quiz_id=attempt.quiz_id,
        quiz_title=attempt.quiz_title,
        number=attempt.number,
        pass_score=attempt.pass_score,
        started_at=attempt.started_at,
        deadline_at=attempt.deadline_at,
        questions=[questions.public_view(q, orders.get(q["id"], [])) for q in attempt.questions],
    )


def unanswered_numbers(attempt: QuizAttempt, responses: dict[str, Any]) -> list[int]:
    """The numbers (1-based, in served order) of the questions left blank in `responses`."""
    return [
        number
        for number, question in enumerate(attempt.questions, start=1)
        if questions.is_blank(responses.get(question["id"]))
    ]


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


def passes(*columns):
    """A statement of `columns` (default: user_id, quiz_id) over every passed graded attempt."""
    return select(*(columns or (QuizAttempt.user_id, QuizAttempt.quiz_id))).where(
        QuizAttempt.status == SUBMITTED, QuizAttempt.passed.is_(True)
    )


def passers(quiz_id: str):
    """A statement of the ids of everyone who has passed this quiz, to narrow another by."""
    return passes(QuizAttempt.user_id).where(QuizAttempt.quiz_id == quiz_id)


@cache
def _passed_query():
    """Built once (progress on every plan and module page runs it): the people are bound."""
    return passes().where(QuizAttempt.user_id.in_(bindparam("ids", expanding=True))).distinct()


def passed_quiz_ids(user_ids: list[int]) -> dict[int, set[str]]:
    """The quizzes each learner has passed, as graded: an attempt's stored `passed` decides.

    A pass mark raised after an attempt was graded never un-passes it (one query).
    """
    passed: dict[int, set[str]] = {user_id: set() for user_id in user_ids}
    if not user_ids:
        return passed
    rows = db.session.execute(_passed_query(), {"ids": list(set(user_ids))})
    for user_id, quiz_id in rows:
        passed[user_id].add(quiz_id)
    return passed


@dataclass(frozen=True)
class QuizSummary:
    """A learner's standing on one quiz, for the quiz list."""

    attempts_used: int
    best_percent: float | None
    has_open: bool
    passed: bool = False
    open_deadline: datetime | None = None  # the earliest deadline of an open attempt


@cache
def _summaries_query():
    return (
        select(
            QuizAttempt.quiz_id,
            func.count(QuizAttempt.id),
            func.max(case((QuizAttempt.status == SUBMITTED, QuizAttempt.percent))),
            func.sum(case((QuizAttempt.status == OPEN, 1), else_=0)),
            func.sum(case((QuizAttempt.passed.is_(True), 1), else_=0)),
            func.min(case((QuizAttempt.status == OPEN, QuizAttempt.deadline_at))),
        )
        .where(QuizAttempt.user_id == bindparam("user_id"))
        .group_by(QuizAttempt.quiz_id)
    )


def summaries_for(user_id: int) -> dict[str, QuizSummary]:
    """Attempts used, best score and whether one is open, per quiz, for one learner."""
    rows = db.session.execute(_summaries_query(), {"user_id": user_id})
    return {
        quiz_id: QuizSummary(
            int(count),
            None if best is None else float(best),
            bool(n_open),
            bool(n_passed),
            deadline,
        )
        for quiz_id, count, best, n_open, n_passed, deadline in rows
    }


@dataclass(frozen=True)
class QuizRow:
    """One line of a learner's quiz list."""

    quiz: Quiz
    module: Any  # the module the quiz belongs to, or None for an exam
    best: float | None
    passed: bool  # as graded: never recomputed from the current pass mark
    used: int
    left: int | None  # None: unlimited
    open: bool
    time_is_up: bool = False  # an open attempt is past its deadline and grace


def quiz_rows(catalog: Any, user_id: int) -> tuple[list[QuizRow], list[QuizRow]]:
    """The learner's quiz list: module quizzes by module number, then exams by title."""
    summaries = summaries_for(user_id)
    now = utcnow()
    module_quizzes, exams = [], []
    for quiz in catalog.quizzes.values():
        module = catalog.modules.get(quiz.module) if quiz.module else None
        summary = summaries.get(quiz.id) or QuizSummary(0, None, False)
        row = QuizRow(
            quiz=quiz,
            module=module,
            best=summary.best_percent,
            passed=summary.passed,
            used=summary.attempts_used,
            left=attempts_left(quiz, summary.attempts_used),
            open=summary.has_open,
            time_is_up=past_grace(summary.open_deadline, now),
        )
        (module_quizzes if module else exams).append(row)
    module_quizzes.sort(key=lambda r: (r.module.number, r.quiz.id))
    exams.sort(key=lambda r: r.quiz.title)
    return module_quizzes, exams


def attempts_left(quiz: Quiz, used: int) -> int | None:
    """Attempts a learner still has at a quiz (None: unlimited)."""
    return None if quiz.max_attempts is None else max(quiz.max_attempts - used, 0)
