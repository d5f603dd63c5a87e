"""Database faults during a real crawl of the mirror (subprocess): a SQLite file locked by
another process, PostgreSQL connections killed mid-run, the crawler killed with SIGKILL.
After the store's retries and, where needed, a rerun, every article is stored exactly once,
no row is half-written, and stderr says what happened without a traceback."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text

from clipper.faults import check_board_store
from clipper.mirror import MirrorServer
from clipper.store.engine import get_engine
from models import Article, CrawlRun

pytestmark = pytest.mark.faults

# Slow enough that a fault lands while the crawl is still writing (about 3 s per crawl).
PACED = ["-s", "DOWNLOAD_DELAY=0.05", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
         "-s", "DOWNLOAD_TIMEOUT=15"]  # fmt: skip


@pytest.fixture(scope="module")
def board():
    with MirrorServer() as server:
        yield server


def wait_for_articles(count_articles, at_least: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if count_articles() >= at_least:
                return
        except Exception:  # the schema may not exist yet
            pass
        time.sleep(0.05)
    raise AssertionError(f"the crawl never stored {at_least} articles")


def sqlite_counter(path):
    def count() -> int:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        finally:
            conn.close()

    return count


def hold_write_lock(path, seconds: float, started: threading.Event) -> None:
    """Another process's long write transaction, as a nightly export or a manual fix
    would hold it: BEGIN IMMEDIATE takes the write lock without writing anything."""
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        started.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("hold", "attempts", "backoff", "outcome"),
    [
        # Attempts sleep 0.5*2**n (1 s, 2 s, …): a 1.5 s lock is outlived by the retries.
        pytest.param(1.5, "4", "1", "recovered", id="short-lock-retried"),
        # Two attempts 0.2 s apart cannot outlive a 4 s lock: the batch fails, cleanly.
        pytest.param(4.0, "2", "0.2", "batch-failed", id="long-lock-fails-cleanly"),
    ],
)
def test_locked_sqlite_file(board, tmp_path, cli, fault_figures, hold, attempts, backoff, outcome):
    path = tmp_path / "clipper.sqlite"
    url = f"sqlite:///{path}"
    env = {
        "CLIPPER_FAULTS_SQLITE_BUSY_MS": "200",
        "CLIPPER_FAULTS_WRITE_ATTEMPTS": attempts,
        "CLIPPER_FAULTS_BACKOFF": backoff,
    }
    args = cli.crawl_args(board.board_url, *PACED)
    environ = dict(os.environ, CLIPPER_DATABASE_URL=url, **env)
    crawl = subprocess.Popen(
        [sys.executable, "-m", "clipper.faults", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ, cwd=cli_repo(),
    )  # fmt: skip
    wait_for_articles(sqlite_counter(path), 5)
    started = threading.Event()
    locker = threading.Thread(target=hold_write_lock, args=(path, hold, started))
    locker.start()
    started.wait(30)
    _out, first_err = crawl.communicate(timeout=120)
    locker.join()
    rerun = cli.run(*args, database_url=url)
    check = check_board_store(get_engine(url))
    assert rerun.returncode == 0, rerun.stderr
    assert check.lost == []
    assert check.duplicates == 0
    assert check.half_written == []
    if outcome == "recovered":
        assert crawl.returncode == 0, first_err
        assert "Database write failed (attempt 1), retrying" in first_err
        assert "database is locked" in first_err
    else:
        assert crawl.returncode == 1, first_err
        assert f"after {attempts} attempts: (sqlite3.OperationalError) database is locked" in (
            first_err
        )
        assert "Nothing of this batch was written" in first_err
        assert "database" in first_err.splitlines()[-1]  # the summary line names the class
    fault_figures.add(
        f"SQLite locked {hold:.1f}s ({outcome})",
        1,
        int(not check.lost and not check.duplicates),
        len(check.lost),
        check.duplicates,
        "retries" if outcome == "recovered" else "batch failed cleanly, rerun stored it",
    )
    TRACEBACKS.append((outcome, first_err))


TRACEBACKS: list[tuple[str, str]] = []


def cli_repo():
    from pathlib import Path

    return Path(__file__).resolve().parents[2]


def test_locked_sqlite_leaves_no_traceback():
    failed = [err for outcome, err in TRACEBACKS if outcome == "batch-failed"]
    if not failed:
        pytest.skip("run with the locked-sqlite tests")
    assert all("Traceback" not in err for err in failed), failed[0][-3000:]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_postgres_connections_killed_mid_run(board, database_url, cli, fault_figures):
    app = f"clipper_fault_{uuid.uuid4().hex[:8]}"
    url = f"{database_url}&application_name={app}"
    engine = get_engine(database_url)  # migrated schema, and our view of the data
    admin = create_engine(database_url)
    args = cli.crawl_args(board.board_url, *PACED)
    environ = dict(os.environ, CLIPPER_DATABASE_URL=url)
    crawl = subprocess.Popen(
        [sys.executable, "-m", "clipper", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ, cwd=cli_repo(),
    )  # fmt: skip

    def count() -> int:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Article)).scalar_one()

    killed = 0
    wait_for_articles(count, 5)
    for _ in range(3):
        with admin.connect() as conn:
            killed += sum(
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :app"
                    ),
                    {"app": app},
                ).scalars()
            )
        time.sleep(0.5)
    _out, first_err = crawl.communicate(timeout=120)
    admin.dispose()
    assert killed >= 1, "no crawler connection was there to kill"
    assert "Traceback" not in first_err, first_err[-3000:]
    rerun = cli.run(*args, database_url=url)
    assert rerun.returncode == 0, rerun.stderr
    check = check_board_store(engine)
    assert check.lost == []
    assert check.duplicates == 0
    assert check.half_written == []
    fault_figures.add(
        "PostgreSQL backends terminated",
        killed,
        killed if check.clean or not (check.lost or check.duplicates) else 0,
        len(check.lost),
        check.duplicates,
        f"first run exit {crawl.returncode}",
    )


def test_sigkill_mid_run_then_rerun(board, tmp_path, cli, fault_figures):
    path = tmp_path / "clipper.sqlite"
    url = f"sqlite:///{path}"
    args = cli.crawl_args(board.board_url, *PACED)
    crawl = subprocess.Popen(
        [sys.executable, "-m", "clipper", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=dict(os.environ, CLIPPER_DATABASE_URL=url), cwd=cli_repo(),
    )  # fmt: skip
    wait_for_articles(sqlite_counter(path), 10)
    crawl.send_signal(signal.SIGKILL)
    crawl.wait(30)
    engine = get_engine(url)
    before = check_board_store(engine)
    assert before.lost, "the crawl finished before it was killed; nothing was tested"
    rerun = cli.run(*args, database_url=url)
    assert rerun.returncode == 0, rerun.stderr
    assert "Traceback" not in rerun.stderr
    check = check_board_store(engine)
    with engine.connect() as conn:
        statuses = conn.execute(select(CrawlRun.status).order_by(CrawlRun.id)).scalars().all()
    # The killed run stays visible as "running"; the rerun walked past the stored pages.
    assert statuses == ["running", "ok"]
    assert check.lost == []
    assert check.duplicates == 0
    assert check.half_written == []
    fault_figures.add(
        "SIGKILL mid-run, then rerun",
        1,
        int(check.clean or not (check.lost or check.duplicates)),
        len(check.lost),
        check.duplicates,
        f"{before.stored} of {before.expected} stored before the kill",
    )


def test_store_retry_after_rollback_reinserts_the_outlet(engine):
    from dataclasses import asdict
    from datetime import UTC, datetime

    from sqlalchemy.exc import OperationalError

    from clipper.items import ArticleItem
    from clipper.store.articles import ArticleStore

    item = asdict(
        ArticleItem(
            url="https://news.example.kr/article/1",
            source_url="https://board.example.kr/helper/news/1",
            spider="test",
            fetched_at=datetime(2025, 3, 2, tzinfo=UTC),
            title="작은도서관 소식",
            body="마을 작은도서관이 문을 열었다.",
            outlet="경기일보",
        )
    )
    calls = []

    def fails_once(conn, changed):
        calls.append(len(changed))
        if len(calls) == 1:  # as a deadlock or a dropped connection would, mid-batch
            raise OperationalError("INSERT …", {}, RuntimeError("deadlock detected"))

    store = ArticleStore(engine, hooks=[fails_once])
    with pytest.raises(OperationalError):
        store.write([item])
    assert store.write([item]) == (1, 0, 0)  # the store's retry of the same batch
