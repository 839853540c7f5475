"""plan progress: each hire's weekly plan as stored counts (done, the open items as a bitmask
in plan order, when the earliest open item falls due), for Team plans and the onboarding
report; filled from the plans as they stand (`flask --app lms onboarding refresh` recounts)

Revision ID: 0014_onboarding
Revises: 0014_queues
"""

import sqlalchemy as sa
from alembic import op


revision = "0014_onboarding"
down_revision = "0014_queues"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "plan_progress",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.String(length=100), nullable=False),
        sa.Column("layout", sa.String(length=40), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("open_items", sa.BigInteger(), nullable=False),
        sa.Column("first_due", sa.Date(), nullable=True),
        sa.Column("open_tally", sa.String(length=130), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_plan_progress_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "track_id", name=op.f("pk_plan_progress")),
    )  # fmt: skip
    _backfill()


def _backfill():
    """Count every plan with the content the app has loaded. Without it (no app, or content
    that does not load) the table stays empty, which is still correct: a plan without a row
    is counted afresh when read, until `flask --app lms onboarding refresh` stores it."""
    from flask import has_app_context

    if not has_app_context():
        return
    from lms.catalog import current_catalog
    from lms.extensions import db
    from lms.onboarding import service

    try:
        catalog = current_catalog()
    except Exception:  # content that does not load must not stop the schema change
        return
    if catalog is None:
        return
    # the service works through the app's session: for the time of the backfill, make it a
    # session on the migration's own connection, which sees the tables this run created
    from sqlalchemy.orm import Session

    registry = db.session.registry
    previous = registry() if registry.has() else None
    session = Session(bind=op.get_bind())
    registry.set(session)
    try:
        service.refresh_all_progress(catalog)
        session.flush()
    finally:
        session.close()  # leaves the migration's transaction to the migration
        if previous is None:
            registry.clear()
        else:
            registry.set(previous)


def downgrade():
    op.drop_table("plan_progress")
