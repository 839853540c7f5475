"""queues and reports: indexes for the ready queue, the pipeline summary and expiry counts

The trainers' ready queue reads the few progress rows that are due, longest waiting
first. The index on (due, updated_at) held every row and told SQLite's planner that half
of them were due, so it scanned the people instead (3 ms at 1,000 learners); a partial
index holds only the due rows in queue order, and the queue stops after a page.

The certification report's pipeline counts progress rows per certification and state,
with how many are due and renewing: the index on (certification_id, state) grows to
cover those columns and the person, so the count reads the index in group order.

The expiry counts on the reports index read the certificates of a 180-day range and ask
of each whether a later cycle replaced it: the index on expires_on grows to carry
revoked_at, user_id, certification_id and cycle (13 ms to 7.5 ms at 10,000 learners).

Revision ID: 0014_queues
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_queues"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_certification_progress_state", table_name="certification_progress")
    op.create_index(
        "ix_certification_progress_pipeline",
        "certification_progress",
        ["certification_id", "state", "due", "renewing", "user_id"],
    )
    op.drop_index("ix_certificate_expires_on", table_name="certificate")
    op.create_index(
        "ix_certificate_expiring",
        "certificate",
        ["expires_on", "revoked_at", "user_id", "certification_id", "cycle"],
    )
    op.drop_index("ix_certification_progress_due", table_name="certification_progress")
    op.create_index(
        "ix_certification_progress_ready",
        "certification_progress",
        ["updated_at", "user_id"],
        sqlite_where=sa.text("due IS 1"),
        postgresql_where=sa.text("due IS true"),
    )


def downgrade():
    op.drop_index("ix_certificate_expiring", table_name="certificate")
    op.create_index("ix_certificate_expires_on", "certificate", ["expires_on"])
    op.drop_index("ix_certification_progress_ready", table_name="certification_progress")
    op.create_index(
        "ix_certification_progress_due", "certification_progress", ["due", "updated_at"]
    )
    op.drop_index("ix_certification_progress_pipeline", table_name="certification_progress")
    op.create_index(
        "ix_certification_progress_state", "certification_progress", ["certification_id", "state"]
    )
