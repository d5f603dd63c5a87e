"""Cheaper index upkeep: unchanged re-crawls skip the search index, and the story band
index loses a foreign key that made deleting a story scan it whole.

SQLite search: the ``articles_fts_au`` trigger (0003) fired on every upsert, since the store
sets ``title`` and ``body`` again even when the text is the same, and re-indexed the row
(delete + insert of ~2,000 trigrams). It now fires only when the title or the body really
changed (``IS NOT``: NULL-safe), so the index stays exactly in step with ``articles``.
PostgreSQL maintains its GIN trigram indexes itself: nothing to do there.

``story_bands.story_id`` (both databases): the foreign key to ``stories`` had no index, so
every deleted story (an article whose text changed leaves a story that may then be empty)
scanned all band rows (~0.1 s per story at 100,000 indexed articles), and every inserted band
row looked its story up. Band rows already go with their member (``article_id``, cascading).
The column stays. On SQLite dropping a foreign key means rebuilding the table; the band
index is bounded by the index window (``CLIPPER_STORY_INDEX_DAYS``), so it is quick.

Downgrade restores 0003's trigger and the foreign key (dropping band rows whose story no
longer exists, which the key would refuse).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_FTS_BODY = """
    INSERT INTO articles_fts(articles_fts, rowid, title, body)
    VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
"""

SQLITE_TRIGGER_CHANGED_ONLY = f"""CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, body ON articles
    WHEN old.title IS NOT new.title OR old.body IS NOT new.body
BEGIN{_FTS_BODY}END"""

# 0003's trigger, as it was.
SQLITE_TRIGGER_0003 = f"""CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, body ON articles
BEGIN{_FTS_BODY}END"""

BAND_STORY_FK = 'fk_story_bands_story_id_stories'
BAND_COLUMNS = "article_id, band, hash, story_id, time"


def _replace_trigger(statement: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS articles_fts_au")
    op.execute(statement)


def _rebuild_sqlite_bands(with_story_fk: bool) -> None:
    """SQLite cannot drop or add a foreign key: copy story_bands into a new table."""
    constraints = [
        sa.ForeignKeyConstraint(['article_id'], ['story_members.article_id'], name='fk_story_bands_article_id_story_members', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('article_id', 'band', name='pk_story_bands'),
    ]
    if with_story_fk:
        constraints.append(sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=BAND_STORY_FK, ondelete='CASCADE'))
    op.create_table('story_bands_new',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('band', sa.SmallInteger(), nullable=False),
    sa.Column('hash', sa.BigInteger(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('time', sa.BigInteger(), nullable=False),
    *constraints,
    sqlite_with_rowid=False
    )
    keep = " WHERE story_id IN (SELECT id FROM stories)" if with_story_fk else ""
    op.execute(f"INSERT INTO story_bands_new ({BAND_COLUMNS}) SELECT {BAND_COLUMNS} FROM story_bands{keep}")
    op.execute("DROP TABLE story_bands")  # (its index goes with it)
    op.execute("ALTER TABLE story_bands_new RENAME TO story_bands")
    op.create_index('ix_story_bands_hash', 'story_bands', ['hash'], unique=False)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _replace_trigger(SQLITE_TRIGGER_CHANGED_ONLY)
        _rebuild_sqlite_bands(with_story_fk=False)
    else:
        op.drop_constraint(BAND_STORY_FK, 'story_bands', type_='foreignkey')


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _replace_trigger(SQLITE_TRIGGER_0003)
        _rebuild_sqlite_bands(with_story_fk=True)
    else:
        op.execute("DELETE FROM story_bands WHERE story_id NOT IN (SELECT id FROM stories)")
        op.create_foreign_key(BAND_STORY_FK, 'story_bands', 'stories', ['story_id'], ['id'], ondelete='CASCADE')
