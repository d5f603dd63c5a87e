"""Migrations: an empty database reaches head, matches the models exactly, and every
step downgrades cleanly, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import inspect, text

from clipper.cli import main
from clipper.store.articles import ArticleStore
from clipper.store.engine import (
    alembic_config,
    create_db_engine,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from models import Base


def test_empty_database_is_migrated_on_first_use(database_url):
    engine = create_db_engine(database_url)
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {"articles", "outlets", "sightings", "crawl_runs", "dropped_pages"} <= tables


def test_head_schema_matches_the_models(database_url):
    engine = create_db_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Views and FTS shadow tables are created by migrations but are not models.
    diff = [
        d
        for d in diff
        if d[0] != "remove_table"
        # pg_trgm search indexes are created by the search migration, not by models.
        and not (d[0] == "remove_index" and d[1].name.endswith("_trgm"))
    ]
    assert diff == []


def test_every_step_downgrades_and_upgrades_again(database_url):
    engine = create_db_engine(database_url, migrate=False)
    revisions = [s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()]
    upgrade(engine)
    for revision in revisions[1:]:  # newest first: step down one revision at a time
        downgrade(engine, revision)
        assert current_revision(engine) == revision
    downgrade(engine, "base")
    assert current_revision(engine) is None
    assert "articles" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_db_commands(database_url):
    runner = CliRunner()
    result = runner.invoke(main, ["db", "upgrade", "--database-url", database_url])
    assert result.exit_code == 0, result.output
    assert head_revision() in result.output
    result = runner.invoke(main, ["db", "current", "--database-url", database_url])
    assert f"current: {head_revision()}" in result.output
    result = runner.invoke(
        main, ["db", "downgrade", "base", "--yes", "--database-url", database_url]
    )
    assert result.exit_code == 0
    assert "at None" in result.output


def test_downgrade_asks_first(database_url, monkeypatch):
    import clipper.commands.db as db_command

    runner = CliRunner()
    args = ["db", "downgrade", "base", "--database-url", database_url]
    assert runner.invoke(main, ["db", "upgrade", "--database-url", database_url]).exit_code == 0
    # Not a terminal and no --yes: refused.
    result = runner.invoke(main, args)
    assert result.exit_code == 1
    assert "pass --yes" in result.output
    # A terminal: asked, and "no" leaves the schema alone.
    monkeypatch.setattr(db_command, "_interactive", lambda: True)
    result = runner.invoke(main, args, input="n\n")
    assert result.exit_code == 1
    assert "Aborted" in result.output
    current = runner.invoke(main, ["db", "current", "--database-url", database_url])
    assert f"current: {head_revision()}" in current.output


@pytest.mark.parametrize("args", [["upgrade", "9999"], ["downgrade", "0099-nonexistent", "--yes"]])
def test_unknown_revision_is_a_one_line_error(database_url, args):
    result = CliRunner().invoke(main, ["db", *args, "--database-url", database_url])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "cannot migrate to" in result.output


def test_unusable_url_is_a_clear_error():
    result = CliRunner().invoke(main, ["db", "current", "--database-url", "nonsense"])
    assert result.exit_code != 0
    assert "not a database URL" in result.output


def test_upgrading_to_0007_counts_earlier_rows_as_seen_by_the_nightly(database_url):
    """Rows stored before 0007 were counted by the nightly's incremental stop; after the
    upgrade they still are (the first nightly behaves as before instead of fetching every
    stored page again), while rows written from then on start as not seen."""
    engine = create_db_engine(database_url, migrate=False)
    upgrade(engine, "0006")
    when = datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO articles (url, title, body, spider, first_seen, last_seen, "
                "content_hash) VALUES ('https://a.example/1', 't', 'b', 'rss', :t, :t, 'h')"
            ),
            {"t": when},
        )
        article = conn.execute(text("SELECT id FROM articles")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO sightings (article_id, source_url, spider, first_seen, last_seen) "
                "VALUES (:a, 'https://a.example/1', 'rss', :t, :t)"
            ),
            {"a": article, "t": when},
        )
        conn.execute(
            text(
                "INSERT INTO dropped_pages (source_url, spider, reason, first_seen, last_seen) "
                "VALUES ('https://a.example/2', 'rss', 'OffTopic', :t, :t)"
            ),
            {"t": when},
        )
    upgrade(engine, "0007")
    with engine.begin() as conn:
        for table in ("sightings", "dropped_pages"):
            flags = conn.execute(text(f"SELECT seen_by_nightly FROM {table}")).scalars().all()
            assert [bool(flag) for flag in flags] == [True], table
        conn.execute(
            text(
                "INSERT INTO dropped_pages (source_url, spider, reason, first_seen, last_seen) "
                "VALUES ('https://a.example/3', 'rss', 'OffTopic', :t, :t)"
            ),
            {"t": when},
        )
        later = conn.execute(
            text("SELECT seen_by_nightly FROM dropped_pages WHERE source_url LIKE '%/3'")
        ).scalar_one()
        assert not later
    upgrade(engine)
    store = ArticleStore(engine, nightly=True)
    assert store.known_source_urls(
        ["https://a.example/1", "https://a.example/2", "https://a.example/3"]
    ) == {"https://a.example/1", "https://a.example/2"}


def test_a_downgrade_to_a_newer_revision_is_a_one_line_error(database_url):
    engine = create_db_engine(database_url, migrate=False)
    upgrade(engine, "0005")
    result = CliRunner().invoke(
        main, ["db", "downgrade", "0007", "--yes", "--database-url", database_url]
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: cannot migrate to '0007': Destination 0007 is not a valid downgrade target "
        "from current head(s)"
    ]


def test_migration_0008_adds_and_removes_the_archive_location(database_url):
    engine = create_db_engine(database_url, migrate=False)
    upgrade(engine, "0007")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO articles (url, title, body, spider, first_seen, last_seen,"
                " content_hash) VALUES ('https://a.kr/1', 't', 'b', 's', :now, :now, 'h')"
            ),
            {"now": datetime(2026, 1, 1, tzinfo=UTC)},
        )
    upgrade(engine, "0008")
    columns = {"warc_file", "warc_offset", "warc_length"}
    for table in ("articles", "sightings"):
        assert columns <= {c["name"] for c in inspect(engine).get_columns(table)}
    with engine.begin() as conn:
        # Rows from before the revision have no archived page.
        assert conn.execute(text("SELECT warc_file, warc_offset FROM articles")).one() == (
            None,
            None,
        )
        conn.execute(text("UPDATE articles SET warc_file = 'x.warc.gz', warc_offset = 5000000000"))
        assert conn.execute(text("SELECT warc_offset FROM articles")).scalar() == 5000000000
    downgrade(engine, "0007")
    for table in ("articles", "sightings"):
        assert not columns & {c["name"] for c in inspect(engine).get_columns(table)}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT url FROM articles")).scalar() == "https://a.kr/1"
    upgrade(engine)
    assert current_revision(engine) == head_revision()
