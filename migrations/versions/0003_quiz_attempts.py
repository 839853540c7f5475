"""quiz attempts: the attempt (with its snapshot of the served questions) and its answers

Revision ID: 0003
Revises: 0002


"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "quiz_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.String(length=100), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("option_orders", sa.JSON(), nullable=False),
        sa.Column("quiz_title", sa.String(length=300), nullable=False),
        sa.Column("review", sa.String(length=32), nullable=False),
        sa.Column("pass_score", sa.Integer(), nullable=False),
        sa.Column("multiple_scoring", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=16), nullable=True),
        sa.Column("percent", sa.Float(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_quiz_attempt_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempt")),
        sa.UniqueConstraint("user_id", "quiz_id", "number", name=op.f("uq_quiz_attempt_user_id")),
    )
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_quiz_attempt_quiz_id_status", ["quiz_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_quiz_attempt_user_id"), ["user_id"], unique=False)

    op.create_table(
        "attempt_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["quiz_attempt.id"],
            name=op.f("fk_attempt_answer_attempt_id_quiz_attempt"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt_answer")),
        sa.UniqueConstraint("attempt_id", "question_id", name=op.f("uq_attempt_answer_attempt_id")),
    )
    with op.batch_alter_table("attempt_answer", schema=None) as batch_op:
        batch_op.create_index("ix_attempt_answer_question_id", ["question_id"], unique=False)


def downgrade():
    with op.batch_alter_table("attempt_answer", schema=None) as batch_op:
        batch_op.drop_index("ix_attempt_answer_question_id")

    op.drop_table("attempt_answer")
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_attempt_user_id"))
        batch_op.drop_index("ix_quiz_attempt_quiz_id_status")

    op.drop_table("quiz_attempt")
