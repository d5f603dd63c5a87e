"""Analyst views and Korean full-text search.

Views (same names and columns on SQLite and PostgreSQL): ``clippings`` (one row per article,
with its outlet, KST day, story and sighting count) and ``daily_counts`` (articles per KST
day, region and outlet). ``story_summary`` (stories with article, outlet and region counts)
comes from 0002 unchanged.

Search: on SQLite an external-content FTS5 table ``articles_fts`` with the ``trigram``
tokenizer (substring matches, so 작은도서관 is found inside 마을작은도서관), kept in step with
``articles`` by triggers; on PostgreSQL GIN ``pg_trgm`` indexes on title and body, which
accelerate ``ILIKE '%…%'``. Downgrade removes the views, the FTS table, its triggers and the
indexes; the ``pg_trgm`` extension stays, since other schemas may use it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# SQLite stores timestamps as naive UTC text, so KST is "+9 hours" (Korea has no DST).
KST_SQL = {
    "sqlite": {
        "kst": "datetime(a.published, '+9 hours')",
        "day": "date(a.published, '+9 hours')",
    },
    "postgresql": {
        "kst": "(a.published AT TIME ZONE 'Asia/Seoul')",
        "day": "(a.published AT TIME ZONE 'Asia/Seoul')::date",
    },
}

SQLITE_FTS = [
    # External content: the text lives once, in articles; the FTS table holds only the index.
    """CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, body, content='articles', content_rowid='id', tokenize='trigram'
    )""",
    """CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    """CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END""",
    """CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, body ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    # Index the articles stored before this migration.
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
]

TRGM_INDEXES = {"ix_articles_title_trgm": "title", "ix_articles_body_trgm": "body"}


def _views(dialect: str) -> dict[str, str]:
    kst = KST_SQL[dialect]
    return {
        "clippings": f"""
            SELECT a.id AS id,
                   a.published AS published,
                   {kst['kst']} AS published_kst,
                   {kst['day']} AS published_day,
                   a.region AS region,
                   o.name AS outlet,
                   a.title AS title,
                   a.url AS url,
                   m.story_id AS story_id,
                   COALESCE(s.n, 0) AS sightings,
                   a.spider AS spider
            FROM articles a
            LEFT JOIN outlets o ON o.id = a.outlet_id
            LEFT JOIN story_members m ON m.article_id = a.id
            LEFT JOIN (
                SELECT article_id, COUNT(*) AS n FROM sightings GROUP BY article_id
            ) s ON s.article_id = a.id
        """,
        "daily_counts": f"""
            SELECT {kst['day']} AS day,
                   a.region AS region,
                   o.name AS outlet,
                   COUNT(*) AS n
            FROM articles a
            LEFT JOIN outlets o ON o.id = a.outlet_id
            WHERE a.published IS NOT NULL
            GROUP BY {kst['day']}, a.region, o.name
        """,
    }


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    for name, body in _views(dialect).items():
        op.execute(f"CREATE VIEW {name} AS {body}")
    if dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        # The operator class lives in the extension's schema, which need not be on the
        # search_path (an extension installed once per database, tables in another schema).
        schema = bind.execute(sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'pg_trgm'"
        )).scalar_one()
        opclass = f'"{schema}".gin_trgm_ops'
        for index, column in TRGM_INDEXES.items():
            op.execute(f"CREATE INDEX {index} ON articles USING gin ({column} {opclass})")


def downgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    if dialect == "sqlite":
        for trigger in ("articles_fts_ai", "articles_fts_ad", "articles_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    elif dialect == "postgresql":
        for index in TRGM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {index}")
    op.execute("DROP VIEW IF EXISTS daily_counts")
    op.execute("DROP VIEW IF EXISTS clippings")
