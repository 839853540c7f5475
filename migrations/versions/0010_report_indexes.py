"""report indexes: a quiz's graded attempts newest first (the quiz report's attempts list)

Revision ID: 0010
Revises: 0008
"""

from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_quiz_attempt_quiz_id_submitted_at", "quiz_attempt", ["quiz_id", "submitted_at"]
    )


def downgrade():
    op.drop_index("ix_quiz_attempt_quiz_id_submitted_at", table_name="quiz_attempt")
