"""groundwork: constraints named from all their columns, statuses checked, one open attempt,
training records kept when a user is deleted, fewer redundant indexes, audit log of any object

Revision ID: 0005
Revises: 0004
"""

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# table -> (old unique constraint name, columns, index on user_id made redundant by it)
UNIQUES = {
    "quiz_attempt": ("uq_quiz_attempt_user_id", ["user_id", "quiz_id", "number"]),
    "attempt_answer": ("uq_attempt_answer_attempt_id", ["attempt_id", "question_id"]),
    "section_read": ("uq_section_read_user_id", ["user_id", "module_id", "section_slug"]),
    "document_read": ("uq_document_read_user_id", ["user_id", "doc_id"]),
    "track_assignment": ("uq_track_assignment_user_id", ["user_id", "track_id"]),
    "plan_item_done": ("uq_plan_item_done_user_id", ["user_id", "track_id", "item_key"]),
}
REDUNDANT_INDEXES = {
    "quiz_attempt": ("ix_quiz_attempt_user_id", ["user_id"]),
    "attempt_answer": ("ix_attempt_answer_question_id", ["question_id"]),
    "section_read": ("ix_section_read_user_id", ["user_id"]),
    "document_read": ("ix_document_read_user_id", ["user_id"]),
    "track_assignment": ("ix_track_assignment_user_id", ["user_id"]),
    "plan_item_done": ("ix_plan_item_done_user_id", ["user_id"]),
}
OPEN_ONLY = sa.text("status = 'open'")


def _new_name(table: str, columns: list[str]) -> str:
    return f"uq_{table}_{'_'.join(columns)}"


def upgrade():
    with warnings.catch_warnings():
        # Batch mode reflects "user", whose lower(email) index it cannot reflect (or needs).
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        _upgrade()


def _upgrade():
    for table, (old, columns) in UNIQUES.items():
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(REDUNDANT_INDEXES[table][0])
            batch_op.drop_constraint(old, type_="unique")
            batch_op.create_unique_constraint(_new_name(table, columns), columns)

    with op.batch_alter_table("quiz_attempt") as batch_op:
        batch_op.drop_constraint("fk_quiz_attempt_user_id_user", type_="foreignkey")
        batch_op.create_foreign_key(
            "fk_quiz_attempt_user_id_user", "user", ["user_id"], ["id"], ondelete="RESTRICT"
        )
        batch_op.create_check_constraint("status", "status IN ('open', 'submitted')")
        batch_op.alter_column("status", type_=sa.String(length=9), existing_nullable=False)
        batch_op.create_index(
            "uq_quiz_attempt_one_open",
            ["user_id", "quiz_id"],
            unique=True,
            sqlite_where=OPEN_ONLY,
            postgresql_where=OPEN_ONLY,
        )

    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.add_column(sa.Column("object_type", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("object_id", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("payload", sa.JSON(none_as_null=True), nullable=True))
        batch_op.create_index("ix_audit_event_target_id", ["target_id"], unique=False)
    # Events written before objects were recorded were all about a user.
    op.execute(
        "UPDATE audit_event SET object_type = 'user', object_id = CAST(target_id AS VARCHAR(100)) "
        "WHERE target_id IS NOT NULL"
    )


def downgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        _downgrade()


def _downgrade():
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.drop_index("ix_audit_event_target_id")
        batch_op.drop_column("payload")
        batch_op.drop_column("object_id")
        batch_op.drop_column("object_type")

    with op.batch_alter_table("quiz_attempt") as batch_op:
        batch_op.drop_index("uq_quiz_attempt_one_open")
        batch_op.alter_column("status", type_=sa.String(length=16), existing_nullable=False)
        batch_op.drop_constraint("ck_quiz_attempt_status", type_="check")
        batch_op.drop_constraint("fk_quiz_attempt_user_id_user", type_="foreignkey")
        batch_op.create_foreign_key(
            "fk_quiz_attempt_user_id_user", "user", ["user_id"], ["id"], ondelete="CASCADE"
        )

    for table, (old, columns) in UNIQUES.items():
        index, index_columns = REDUNDANT_INDEXES[table]
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(_new_name(table, columns), type_="unique")
            batch_op.create_unique_constraint(old, columns)
            batch_op.create_index(index, index_columns, unique=False)
