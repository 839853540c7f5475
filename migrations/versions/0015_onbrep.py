"""team plans: an index on track_assignment (start_date, track_id, user_id)

Team plans lists plans newest start first, fifty to a page: with the index the page reads
the assignments in start order and stops after the page (a sort of every plan before), and
counts them from the index alone.

Revision ID: 0015_onbrep
Revises: 0014_onboarding
"""

from alembic import op

revision = "0015_onbrep"
down_revision = "0014_onboarding"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_track_assignment_start_date_track_id_user_id",
        "track_assignment",
        ["start_date", "track_id", "user_id"],
    )


def downgrade():
    op.drop_index("ix_track_assignment_start_date_track_id_user_id", table_name="track_assignment")
