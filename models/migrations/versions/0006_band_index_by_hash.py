"""The story band index keyed by its hash: one b-tree per lookup and per inserted row.

``story_bands`` was keyed by (article_id, band) with a separate index on ``hash``. Every
article adds ``BANDS`` rows with random hashes, so each row meant an entry in the hash
index (a random page) and a row in the table; a lookup found the hash in the index and then
read the table for the time. Now the key is (hash, article_id) (on SQLite a WITHOUT ROWID
table, so the key is the table and holds ``time``), and a plain index on ``article_id``
serves deletes and the cascade from ``story_members``; article ids only grow, so that index
is written at its end. ``band`` and ``story_id`` go: the band number is mixed into the hash
and nothing read either column. Two bands of one article with the same hash (odds ~2^-64)
become one row.

SQLite rebuilds the table (it cannot change a primary key); PostgreSQL alters it in place.
The band index is bounded by the index window (``CLIPPER_STORY_INDEX_DAYS``), so both are
quick.

Downgrade restores the layout of 0004 (unchanged by 0005). The band numbers cannot be
recovered from the hashes; an article's rows are numbered 0, 1, … in hash order instead,
which keeps the old key unique (the old code never read ``band``). ``story_id`` is taken from ``story_members``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

ARTICLE_FK = 'fk_story_bands_article_id_story_members'


def _article_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(['article_id'], ['story_members.article_id'], name=ARTICLE_FK, ondelete='CASCADE')


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_table('story_bands_new',
        sa.Column('hash', sa.BigInteger(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('time', sa.BigInteger(), nullable=False),
        _article_fk(),
        sa.PrimaryKeyConstraint('hash', 'article_id', name='pk_story_bands'),
        sqlite_with_rowid=False
        )
        op.execute(
            "INSERT INTO story_bands_new (hash, article_id, time)"
            " SELECT hash, article_id, MAX(time) FROM story_bands GROUP BY hash, article_id"
        )
        op.execute("DROP TABLE story_bands")  # (its index goes with it)
        op.execute("ALTER TABLE story_bands_new RENAME TO story_bands")
    else:
        op.execute(
            "DELETE FROM story_bands a USING story_bands b"
            " WHERE a.hash = b.hash AND a.article_id = b.article_id AND a.band > b.band"
        )
        op.drop_index('ix_story_bands_hash', table_name='story_bands')
        op.drop_constraint('pk_story_bands', 'story_bands', type_='primary')
        op.drop_column('story_bands', 'band')
        op.drop_column('story_bands', 'story_id')
        op.create_primary_key('pk_story_bands', 'story_bands', ['hash', 'article_id'])
    op.create_index('ix_story_bands_article_id', 'story_bands', ['article_id'], unique=False)


# The old layout's rows from the new ones: bands numbered in hash order, the story from the membership.
_OLD_ROWS = """SELECT b.article_id,
        ROW_NUMBER() OVER (PARTITION BY b.article_id ORDER BY b.hash) - 1 AS band,
        b.hash, m.story_id, b.time
    FROM story_bands b JOIN story_members m ON m.article_id = b.article_id"""


def downgrade() -> None:
    op.drop_index('ix_story_bands_article_id', table_name='story_bands')
    if op.get_bind().dialect.name == "sqlite":
        op.create_table('story_bands_old',
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('band', sa.SmallInteger(), nullable=False),
        sa.Column('hash', sa.BigInteger(), nullable=False),
        sa.Column('story_id', sa.Integer(), nullable=False),
        sa.Column('time', sa.BigInteger(), nullable=False),
        _article_fk(),
        sa.PrimaryKeyConstraint('article_id', 'band', name='pk_story_bands'),
        sqlite_with_rowid=False
        )
        op.execute(f"INSERT INTO story_bands_old (article_id, band, hash, story_id, time) {_OLD_ROWS}")
        op.execute("DROP TABLE story_bands")
        op.execute("ALTER TABLE story_bands_old RENAME TO story_bands")
    else:
        op.add_column('story_bands', sa.Column('band', sa.SmallInteger(), nullable=True))
        op.add_column('story_bands', sa.Column('story_id', sa.Integer(), nullable=True))
        op.execute(
            f"UPDATE story_bands SET band = old.band, story_id = old.story_id FROM ({_OLD_ROWS}) old"
            " WHERE story_bands.hash = old.hash AND story_bands.article_id = old.article_id"
        )
        op.alter_column('story_bands', 'band', nullable=False)
        op.alter_column('story_bands', 'story_id', nullable=False)
        op.drop_constraint('pk_story_bands', 'story_bands', type_='primary')
        op.create_primary_key('pk_story_bands', 'story_bands', ['article_id', 'band'])
    op.create_index('ix_story_bands_hash', 'story_bands', ['hash'], unique=False)
