"""Dropped pages: a transient reason is retried with backoff across runs, not skipped for good.

``attempts`` counts the runs that dropped the page (on a nightly row: the nightly runs);
``next_retry_at`` is when a run may fetch it again, NULL for a lasting reason (a placeholder,
an off-topic story) or once the retries are used up (CLIPPER_DROP_RETRY_LIMIT).

Pages older versions remembered for good though their reason was transient (a 200 answer
without a title or text, MissingTitle/MissingBody) are due at once: the next run tries them.
The downgrade forgets pages still waiting for a retry (the older code would skip them for
good); they are fetched again instead.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# The reasons older versions remembered though they may pass (see pipelines.errors).
TRANSIENT = ('MissingTitle', 'MissingBody')


def upgrade() -> None:
    op.add_column(
        'dropped_pages',
        sa.Column('attempts', sa.Integer(), server_default='1', nullable=False),
    )
    op.add_column(
        'dropped_pages', sa.Column('next_retry_at', sa.DateTime(timezone=True), nullable=True)
    )
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)  # SQLite holds naive UTC (models.base.UTCDateTime)
    op.execute(
        sa.text(
            'UPDATE dropped_pages SET next_retry_at = :now WHERE reason IN :reasons'
        ).bindparams(
            sa.bindparam('now', now, type_=sa.DateTime(timezone=True)),
            sa.bindparam('reasons', TRANSIENT, expanding=True),
        )
    )


def downgrade() -> None:
    op.execute('DELETE FROM dropped_pages WHERE next_retry_at IS NOT NULL')
    # SQLite (3.35+) drops a column in place, as 0007 does.
    op.execute('ALTER TABLE dropped_pages DROP COLUMN next_retry_at')
    op.execute('ALTER TABLE dropped_pages DROP COLUMN attempts')
