"""Articles and sightings remember where their page lies in the WARC archive.

With ``CLIPPER_ARCHIVE_DIR`` set, every fetched response is written to a gzip WARC file
(``clipper.extensions.archive``). ``warc_file`` (the file's name relative to the archive
directory), ``warc_offset`` (where the page's request/response pair starts in it) and
``warc_length`` (its bytes) on ``articles`` and ``sightings`` find the page again without
reading the archive: ``clipper reprocess`` re-runs extraction from it. NULL when the page
was not archived (the archive off, rows from before this revision).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

TABLES = ('articles', 'sightings')
COLUMNS = ('warc_file', 'warc_offset', 'warc_length')


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column('warc_file', sa.String(300), nullable=True))
        op.add_column(table, sa.Column('warc_offset', sa.BigInteger(), nullable=True))
        op.add_column(table, sa.Column('warc_length', sa.Integer(), nullable=True))


def downgrade() -> None:
    # SQLite (3.35+) drops a column in place; a batch rebuild would break the views on
    # ``articles`` and ``sightings``.
    for table in TABLES:
        for column in COLUMNS:
            op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
