"""practice: lab submissions with their hints and artifacts, and practical evidence

Revision ID: 0007
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op


revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "verified",
                "rejected",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=8,
            ),
            nullable=False,
        ),
        sa.Column("verifier_id", sa.Integer(), nullable=True),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user.id"],
            name=op.f("fk_evidence_decided_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_evidence_user_id_user"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["verifier_id"],
            ["user.id"],
            name=op.f("fk_evidence_verifier_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint(
            "user_id", "kind", "reference", name=op.f("uq_evidence_user_id_kind_reference")
        ),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(
            "ix_evidence_status_verifier_id", ["status", "verifier_id"], unique=False
        )

    op.create_table(
        "lab_hint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lab_id", sa.String(length=100), nullable=False),
        sa.Column("hint_number", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_lab_hint_user_id_user"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lab_hint")),
        sa.UniqueConstraint(
            "user_id", "lab_id", "hint_number", name=op.f("uq_lab_hint_user_id_lab_id_hint_number")
        ),
    )
    op.create_table(
        "lab_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lab_id", sa.String(length=100), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "returned",
                "passed",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=9,
            ),
            nullable=False,
        ),
        sa.Column("lab_title", sa.String(length=300), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("time_limit", sa.Integer(), nullable=False),
        sa.Column("checkpoints", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("results", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("scores", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["user.id"],
            name=op.f("fk_lab_submission_reviewer_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_lab_submission_user_id_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lab_submission")),
        sa.UniqueConstraint(
            "user_id", "lab_id", "number", name=op.f("uq_lab_submission_user_id_lab_id_number")
        ),
    )
    with op.batch_alter_table("lab_submission", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lab_submission_status_submitted_at", ["status", "submitted_at"], unique=False
        )
        batch_op.create_index(
            "uq_lab_submission_one_open",
            ["user_id", "lab_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('draft', 'submitted')"),
            postgresql_where=sa.text("status IN ('draft', 'submitted')"),
        )

    op.create_table(
        "artifact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("checkpoint_id", sa.String(length=100), nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=100), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_artifact_evidence_id_evidence"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["lab_submission.id"],
            name=op.f("fk_artifact_submission_id_lab_submission"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_artifact_user_id_user"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifact")),
    )
    with op.batch_alter_table("artifact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_artifact_evidence_id"), ["evidence_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_artifact_submission_id"), ["submission_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("artifact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_artifact_submission_id"))
        batch_op.drop_index(batch_op.f("ix_artifact_evidence_id"))

    op.drop_table("artifact")
    with op.batch_alter_table("lab_submission", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_lab_submission_one_open",
            sqlite_where=sa.text("status IN ('draft', 'submitted')"),
            postgresql_where=sa.text("status IN ('draft', 'submitted')"),
        )
        batch_op.drop_index("ix_lab_submission_status_submitted_at")

    op.drop_table("lab_submission")
    op.drop_table("lab_hint")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_status_verifier_id")

    op.drop_table("evidence")
