"""session version: a per-user counter in the session and the remember cookie, bumped to revoke

Revision ID: 0006_session_version
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_session_version"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch copy of "user" on SQLite): existing rows start at 1.
    op.add_column(
        "user", sa.Column("session_version", sa.Integer(), server_default="1", nullable=False)
    )


def downgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("session_version")
