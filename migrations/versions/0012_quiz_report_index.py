"""quiz reports read an index, not the attempts: (quiz_id, status) grows to cover the columns
the reports aggregate (passed, percent, user_id)

An attempt row carries its served questions (about 20 KB of JSON), so a report that scanned
the attempts of a quiz read every one of them; with the columns in the index it reads the
index alone. The index on (quiz_id, status) it replaces was its prefix.

Revision ID: 0012
Revises: 0011_api
"""

from alembic import op

revision = "0012"
down_revision = "0011_api"
branch_labels = None
depends_on = None

COVERING = ["quiz_id", "status", "passed", "percent", "user_id"]


def upgrade():
    op.create_index("ix_quiz_attempt_quiz_id_status_passed_percent_user_id", "quiz_attempt",
                    COVERING)  # fmt: skip
    op.drop_index("ix_quiz_attempt_quiz_id_status", table_name="quiz_attempt")


def downgrade():
    op.create_index("ix_quiz_attempt_quiz_id_status", "quiz_attempt", ["quiz_id", "status"])
    op.drop_index("ix_quiz_attempt_quiz_id_status_passed_percent_user_id", table_name="quiz_attempt")
