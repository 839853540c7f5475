"""Quiz statistics for the training team: totals, score distribution, item statistics.

Aggregated in SQL whatever the number of attempts; the per-question running sums are
kept up to date as each attempt is graded (`add_graded_attempt`) and can be rebuilt
from the answers (`rebuild_question_stats`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, delete, func, insert, select

from lms.assessment import rules
from lms.assessment.models import SUBMITTED, AttemptAnswer, QuestionStat, QuizAttempt
from lms.extensions import db, upsert


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
