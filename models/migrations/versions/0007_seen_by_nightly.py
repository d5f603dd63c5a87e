"""Sightings and dropped pages remember whether a nightly run saw them.

The nightly's incremental stop ("every entry on this listing page is stored") counted pages
stored by any run, so an ad hoc run (``-a max_pages=1``, a Ctrl-C'd run, other relevance
terms) cut the next nightly short. ``seen_by_nightly`` on ``sightings`` and
``dropped_pages`` lets a nightly run count only what nightly runs stored or dropped.

Rows from before this revision count as seen by a nightly run, as the old code treated
them: the first nightly after the upgrade then behaves as before instead of fetching every
stored page again. New rows default to false; the store sets the flag explicitly.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TABLES = ('sightings', 'dropped_pages')


def upgrade() -> None:
    for table in TABLES:
        op.add_column(
            table,
            sa.Column('seen_by_nightly', sa.Boolean(), server_default=sa.false(), nullable=False),
        )
        op.execute(sa.text(f'UPDATE {table} SET seen_by_nightly = :yes').bindparams(yes=True))


def downgrade() -> None:
    # SQLite (3.35+) drops a column in place; a batch rebuild would break the views on
    # ``sightings``.
    for table in TABLES:
        op.execute(f'ALTER TABLE {table} DROP COLUMN seen_by_nightly')
