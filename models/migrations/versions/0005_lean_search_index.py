"""A leaner SQLite search index: trigrams without positions, no per-row sizes.

``articles_fts`` (0003) kept, for every trigram of every article, the positions where it
occurs (``detail=full``) and a row of column sizes per article (``columnsize=1``). Search
needs neither: ``clipper.analysis.search`` now asks FTS5 for the articles that contain all the
trigrams of a term and checks the substring itself on those few candidates (as PostgreSQL
rechecks ``pg_trgm`` matches), and it never ranks with ``bm25``. Without the positions the
index is about a seventh of its former size (3.8 instead of 26.5 MB for 3,000 articles of
~2,100 characters) and indexing an article takes ~40 % less CPU (~400 → ~230 µs; it was
most of what storing an article costs on SQLite, see BENCHMARKS.md). Phrase queries
(``MATCH '"작은도서관"'``) need positions, so SQL written against the table uses ``LIKE``
instead, which FTS5 answers from the same trigram index:
``SELECT rowid FROM articles_fts WHERE body LIKE '%작은도서관%'``.

The table is re-created with the new options and rebuilt from ``articles``; the triggers
(0003, 0004) name it only, so they stay. The rebuild reads every stored article once
(~0.2 ms each: about a minute per 300,000), inside the migration's transaction.
PostgreSQL: nothing changes (its GIN trigram indexes hold no positions already).

Downgrade re-creates 0003's table and rebuilds it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_FTS_TABLE = """CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, body, content='articles', content_rowid='id', tokenize='trigram'{options}
    )"""


def _recreate_fts(options: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE articles_fts")
    op.execute(_FTS_TABLE.format(options=options))
    op.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")


def upgrade() -> None:
    _recreate_fts(", detail='none', columnsize=0")


def downgrade() -> None:
    _recreate_fts("")
