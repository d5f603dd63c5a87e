"""First use never bricks the database: the first setup (every migration from an empty
database to head) is one transaction, so killing it at any point leaves an empty database
that the next command sets up; a half-made schema left by an older version is repaired when
it holds nothing, and reported with what to do when it holds data. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from clipper.cli import main
from clipper.store.engine import (
    DatabaseError,
    create_db_engine,
    current_revision,
    head_revision,
)

REPO = Path(__file__).resolve().parents[1]
KILLS = 24

SETUP = """
import sys, time
from clipper.store.engine import create_db_engine
print("start", flush=True)
started = time.monotonic()
create_db_engine(sys.argv[1]).dispose()
print(f"done {time.monotonic() - started:.4f}", flush=True)
"""


def _setup_process(url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", SETUP, url], cwd=REPO, stdout=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )  # fmt: skip


def _fresh(database_url: str, n: int) -> str:
    """A new empty database per try: another SQLite file, or the schema emptied."""
    if database_url.startswith("sqlite"):
        return database_url.replace("clipper.sqlite", f"clipper-{n}.sqlite")
    engine = create_engine(database_url)
    with engine.begin() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar()
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return database_url


def _state(url: str) -> tuple[set[str], str | None]:
    """The tables (other than alembic's) and the recorded revision, read without clipper."""
    engine = create_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        version = None
        if "alembic_version" in tables:
            with engine.connect() as conn:
                version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return tables - {"alembic_version"}, version
    finally:
        engine.dispose()


def test_killing_the_first_setup_anywhere_leaves_a_usable_database(database_url):
    # How long the setup itself takes here, to spread the kills over it.
    probe = _setup_process(_fresh(database_url, 0))
    out, _ = probe.communicate(timeout=60)
    duration = float(out.split("done ")[1])
    outcomes = {"empty": 0, "complete": 0, "half-made": 0}
    for n in range(1, KILLS + 1):
        url = _fresh(database_url, n)
        process = _setup_process(url)
        assert process.stdout.readline().strip() == "start"
        time.sleep(duration * 1.5 * n / KILLS)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        tables, version = _state(url)
        if not tables:
            outcomes["empty"] += 1
        elif version == head_revision():
            outcomes["complete"] += 1
        else:
            outcomes["half-made"] += 1
        # The next command works on whatever the kill left.
        result = CliRunner().invoke(main, ["db", "current", "--database-url", url])
        assert result.exit_code == 0, (n, result.output)
        assert "Traceback" not in result.output
        engine = create_db_engine(url)
        assert current_revision(engine) == head_revision()
        engine.dispose()
    print(f"first setup killed {KILLS} times over {duration:.2f} s: {outcomes}")
    assert outcomes["half-made"] == 0, outcomes
    assert outcomes["empty"] > 0  # some kills landed before the commit


def _half_made(url: str, *, with_data: bool) -> None:
    """What an older version left when killed during its first setup: the tables, but no
    recorded revision (SQLite committed each CREATE on its own)."""
    engine = create_db_engine(url)
    with engine.begin() as conn:
        if with_data:
            conn.execute(
                text(
                    "INSERT INTO crawl_runs (spider, kind, started_at, status, pages_fetched, "
                    "items_scraped, items_dropped, articles_new, articles_updated, errors) "
                    "VALUES ('x', 'adhoc', '2026-01-01 00:00:00', 'ok', 0, 0, 0, 0, 0, 0)"
                )
            )
        conn.execute(text("DROP TABLE alembic_version"))
    engine.dispose()
    from clipper.store import engine as db

    for key in [k for k in db._engines if k == url]:
        db._engines.pop(key).dispose()


def test_a_half_made_empty_schema_is_rebuilt(database_url):
    _half_made(database_url, with_data=False)
    result = CliRunner().invoke(main, ["runs", "--database-url", database_url])
    assert result.exit_code == 0, result.output
    engine = create_db_engine(database_url)
    assert current_revision(engine) == head_revision()


def test_a_half_made_schema_with_data_is_reported_not_touched(database_url):
    _half_made(database_url, with_data=True)
    with pytest.raises(DatabaseError, match="no schema version") as error:
        create_db_engine(database_url)
    assert "alembic_version" in str(error.value)
    tables, version = _state(database_url)
    assert "crawl_runs" in tables
    assert version is None
    result = CliRunner().invoke(main, ["db", "upgrade", "--database-url", database_url])
    assert result.exit_code != 0
    assert "no schema version" in result.output
    assert "Traceback" not in result.output


def test_first_setups_at_once_on_one_sqlite_file_all_succeed(tmp_path):
    """The second process waits for the first one's transaction (BEGIN IMMEDIATE), then finds
    the schema made: it neither fails on existing tables nor takes them for leftovers."""
    url = f"sqlite:///{tmp_path / 'clipper.sqlite'}"
    processes = [_setup_process(url) for _ in range(3)]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    tables, version = _state(url)
    assert version == head_revision()
    assert {"articles", "crawl_runs", "dropped_pages"} <= tables
