"""Quiz statistics for the training team: totals, score distribution, item statistics.

Read from running totals whatever the number of attempts: a row per quiz (`QuizTotal`:
attempts, passes, learners, percents, score bands) and a row per question (`QuestionStat`),
both added to as each attempt is graded (`count_graded_attempt`, `add_graded_attempt`) and
rebuilt from the attempts and answers (`rebuild_quiz_totals`, `rebuild_question_stats`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import bindparam, case, delete, func, insert, select

from lms.assessment import rules
from lms.assessment.models import (
    BAND_FIELDS,
    SCORE_BANDS,
    SUBMITTED,
    AttemptAnswer,
    QuestionStat,
    QuizAttempt,
    QuizTotal,
)
from lms.extensions import db, upsert

TOTAL_FIELDS = ("attempts", "passed", "learners", "scored", "percent_sum", *BAND_FIELDS)
BAND_LABELS = tuple(label for label, _ in rules.score_histogram([], SCORE_BANDS))


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


NO_ATTEMPTS = QuizTotals(0, 0, 0, None)


def _totals(attempts, passed, learners, scored, percent_sum) -> QuizTotals:
    mean = float(percent_sum) / scored if scored else None
    return QuizTotals(int(attempts), int(passed), int(learners), mean)


@functools.cache
def _all_totals_query():
    """Every quiz's stored totals; built once."""
    return select(
        QuizTotal.quiz_id,
        QuizTotal.attempts,
        QuizTotal.passed,
        QuizTotal.learners,
        QuizTotal.scored,
        QuizTotal.percent_sum,
    )


def quiz_totals() -> dict[str, QuizTotals]:
    """Totals of submitted attempts per quiz id (one query over the stored totals)."""
    return {row[0]: _totals(*row[1:]) for row in db.session.execute(_all_totals_query())}


@dataclass(frozen=True)
class QuizReport:
    """The training team's view of one quiz: totals, score distribution, item statistics."""

    totals: QuizTotals
    histogram: list[tuple[str, int]]
    items: list[rules.ItemStat]


@functools.cache
def _report_query():
    """A quiz's stored totals with its score bands, beside each of its questions' running sums
    (a row per question; one row without a question when none has any); built once (the quiz
    is bound)."""
    return (
        select(
            *(QuizTotal.__table__.c[name] for name in TOTAL_FIELDS),
            QuestionStat.question_id,
            *(QuestionStat.__table__.c[name] for name in rules.SUM_FIELDS),
        )
        .select_from(QuizTotal)
        .outerjoin(QuestionStat, QuestionStat.quiz_id == QuizTotal.quiz_id)
        .where(QuizTotal.quiz_id == bindparam("quiz_id"))
    )


def quiz_report(quiz_id: str) -> QuizReport:
    """A quiz's totals, score distribution and item statistics from its running totals (one
    query, whatever the number of attempts)."""
    rows = db.session.execute(_report_query(), {"quiz_id": quiz_id}).all()
    if not rows:
        return QuizReport(NO_ATTEMPTS, [(label, 0) for label in BAND_LABELS], [])
    first, width = rows[0], len(TOTAL_FIELDS)
    bands = first[5:width]
    sums = tuple(tuple(row[width:]) for row in rows if row[width] is not None)
    histogram = [(label, int(count)) for label, count in zip(BAND_LABELS, bands, strict=True)]
    return QuizReport(_totals(*first[:5]), histogram, list(_item_statistics(sums)))


@functools.lru_cache(maxsize=256)
def _item_statistics(sums: tuple[tuple, ...]) -> tuple[rules.ItemStat, ...]:
    """Item statistics from the questions' running sums, kept by those numbers (like the
    charts): a page seen again before the next attempt is graded does not recompute them."""
    return tuple(rules.item_statistics_from_sums(rules.ItemSums(*row) for row in sums))


def count_graded_attempt(
    attempt_id: int, user_id: int, quiz_id: str, percent: float | None, passed: bool | None
) -> None:
    """Add one just-graded attempt to its quiz's totals (one atomic upsert). The learner
    counts once, with their first graded attempt at the quiz."""
    table = QuizTotal.__table__
    earlier = (
        select(QuizAttempt.id)
        .where(
            QuizAttempt.user_id == user_id,
            QuizAttempt.quiz_id == quiz_id,
            QuizAttempt.status == SUBMITTED,
            QuizAttempt.id != attempt_id,
        )
        .exists()
    )
    band = None if percent is None else rules.score_band(percent, SCORE_BANDS)
    row = {
        "quiz_id": quiz_id,
        "attempts": 1,
        "passed": 1 if passed else 0,
        "learners": case((earlier, 0), else_=1),
        "scored": 0 if percent is None else 1,
        "percent_sum": percent or 0.0,
    } | {name: int(index == band) for index, name in enumerate(BAND_FIELDS)}
    statement = upsert(table).values(row)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["quiz_id"],
            set_={name: table.c[name] + statement.excluded[name] for name in TOTAL_FIELDS},
        )
    )


def rebuild_quiz_totals() -> int:
    """Recompute every quiz's totals from its submitted attempts; return the quizzes."""
    db.session.execute(delete(QuizTotal))
    width = 100 / SCORE_BANDS
    index = case(  # none without a percent: SQLAlchemy's floor() for SQLite refuses NULL
        (QuizAttempt.percent >= 100, SCORE_BANDS - 1),
        (QuizAttempt.percent.is_not(None), func.floor(QuizAttempt.percent / width)),
    )
    bands = []
    for number in range(SCORE_BANDS):
        if number == 0:
            inside = index <= 0
        elif number == SCORE_BANDS - 1:
            inside = index >= number
        else:
            inside = index == number
        bands.append(func.coalesce(func.sum(case((inside, 1), else_=0)), 0))
    query = (
        select(
            QuizAttempt.quiz_id,
            func.count(QuizAttempt.id),
            func.coalesce(func.sum(case((QuizAttempt.passed.is_(True), 1), else_=0)), 0),
            func.count(func.distinct(QuizAttempt.user_id)),
            func.count(QuizAttempt.percent),
            func.coalesce(func.sum(QuizAttempt.percent), 0.0),
            *bands,
        )
        .where(QuizAttempt.status == SUBMITTED)
        .group_by(QuizAttempt.quiz_id)
    )
    rows = [
        {"quiz_id": quiz_id} | dict(zip(TOTAL_FIELDS, values, strict=True))
        for quiz_id, *values in db.session.execute(query)
    ]
    if rows:
        db.session.execute(insert(QuizTotal), rows)
    return len(rows)


def add_graded_attempt(quiz_id: str, scores: dict[str, float]) -> None:
    """Add one graded attempt to its questions' running sums (one atomic multi-row upsert)."""
    table = QuestionStat.__table__
    rows = [
        {"quiz_id": quiz_id, "question_id": item.question_id}
        | {name: getattr(item, name) for name in rules.SUM_FIELDS}
        for item in rules.attempt_item_sums(scores)
    ]
    if not rows:
        return
    statement = upsert(table).values(rows)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["quiz_id", "question_id"],
            set_={name: table.c[name] + statement.excluded[name] for name in rules.SUM_FIELDS},
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
