"""Stories: syndicated copies grouped as one story; the near-duplicate band index.

Adds ``stories``, ``story_members``, ``story_bands`` and the ``story_summary`` view. Only
new tables: ``articles`` is not altered, so SQLite never has to rebuild it (a rebuild drops
the old table, which with foreign keys on would cascade-delete its sightings).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


STORY_SUMMARY = """
CREATE VIEW story_summary AS
SELECT s.id AS story_id,
       c.title AS canonical_title,
       c.url AS canonical_url,
       COUNT(m.article_id) AS n_articles,
       COUNT(DISTINCT a.outlet_id) AS n_outlets,
       COUNT(DISTINCT a.region) AS n_regions,
       MIN(m.story_time) AS first_published,
       MAX(m.story_time) AS last_published
FROM stories s
JOIN story_members m ON m.story_id = s.id
JOIN articles a ON a.id = m.article_id
LEFT JOIN articles c ON c.id = s.canonical_article_id
GROUP BY s.id, c.title, c.url
"""


def upgrade() -> None:

    op.create_table('stories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('canonical_article_id', sa.Integer(), nullable=True),
    sa.Column('first_published', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_published', sa.DateTime(timezone=True), nullable=False),
    sa.Column('n_articles', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['canonical_article_id'], ['articles.id'], name=op.f('fk_stories_canonical_article_id_articles'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stories'))
    )
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stories_canonical_article_id'), ['canonical_article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stories_first_published'), ['first_published'], unique=False)

    op.create_table('story_members',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('similarity', sa.Float(), nullable=True),
    sa.Column('story_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('n_shingles', sa.Integer(), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=True),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_story_members_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_story_members_story_id_stories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', name=op.f('pk_story_members'))
    )
    with op.batch_alter_table('story_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_story_members_story_id'), ['story_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_story_members_story_time'), ['story_time'], unique=False)

    op.create_table('story_bands',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('band', sa.SmallInteger(), nullable=False),
    sa.Column('hash', sa.BigInteger(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('time', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['story_members.article_id'], name=op.f('fk_story_bands_article_id_story_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_story_bands_story_id_stories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'band', name=op.f('pk_story_bands')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('story_bands', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_story_bands_hash'), ['hash'], unique=False)

    # Plain SQL that both SQLite and PostgreSQL accept.
    op.execute(STORY_SUMMARY)


def downgrade() -> None:

    op.execute("DROP VIEW IF EXISTS story_summary")
    with op.batch_alter_table('story_bands', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_story_bands_hash'))

    op.drop_table('story_bands')
    with op.batch_alter_table('story_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_story_members_story_time'))
        batch_op.drop_index(batch_op.f('ix_story_members_story_id'))

    op.drop_table('story_members')
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stories_first_published'))
        batch_op.drop_index(batch_op.f('ix_stories_canonical_article_id'))

    op.drop_table('stories')
