"""quiz totals: running totals per quiz (attempts, passes, learners, percents, ten score
bands) for the quiz reports, filled from the attempts graded so far; the attempts' index for
the report's list (quiz, submitted) ends in the id, so PostgreSQL reads a page without sorting

Revision ID: 0015_quizrep
Revises: 0015_onbrep
"""

import sqlalchemy as sa
from alembic import op


revision = "0015_quizrep"
down_revision = "0015_onbrep"
branch_labels = None
depends_on = None

BANDS = 10


def upgrade():
    op.create_table(
        "quiz_total",
        sa.Column("quiz_id", sa.String(length=100), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("learners", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("percent_sum", sa.Float(), nullable=False),
        *(sa.Column(f"band_{n}", sa.Integer(), nullable=False) for n in range(BANDS)),
        sa.PrimaryKeyConstraint("quiz_id", name=op.f("pk_quiz_total")),
    )
    op.execute(_backfill())
    op.create_index(
        "ix_quiz_attempt_quiz_id_submitted_at_id", "quiz_attempt", ["quiz_id", "submitted_at", "id"]
    )
    op.drop_index("ix_quiz_attempt_quiz_id_submitted_at", table_name="quiz_attempt")


def _backfill() -> str:
    """The totals of every quiz's submitted attempts; a percent falls in band
    floor(percent / 10), 100 in the last one (as the report counted them), none without a
    percent (SQLAlchemy's FLOOR for SQLite refuses NULL)."""
    index = "CASE WHEN percent >= 100 THEN 9 WHEN percent IS NOT NULL THEN FLOOR(percent / 10.0) END"
    bands = [f"SUM(CASE WHEN {index} <= 0 THEN 1 ELSE 0 END)"]
    bands += [f"SUM(CASE WHEN {index} = {n} THEN 1 ELSE 0 END)" for n in range(1, BANDS - 1)]
    bands += [f"SUM(CASE WHEN {index} >= {BANDS - 1} THEN 1 ELSE 0 END)"]
    names = ", ".join(f"band_{n}" for n in range(BANDS))
    return f"""
INSERT INTO quiz_total (quiz_id, attempts, passed, learners, scored, percent_sum, {names})
SELECT quiz_id, COUNT(*), SUM(CASE WHEN passed THEN 1 ELSE 0 END), COUNT(DISTINCT user_id),
       COUNT(percent), COALESCE(SUM(percent), 0.0), {", ".join(bands)}
FROM quiz_attempt
WHERE status = 'submitted'
GROUP BY quiz_id
"""


def downgrade():
    op.create_index(
        "ix_quiz_attempt_quiz_id_submitted_at", "quiz_attempt", ["quiz_id", "submitted_at"]
    )
    op.drop_index("ix_quiz_attempt_quiz_id_submitted_at_id", table_name="quiz_attempt")
    op.drop_table("quiz_total")
