"""A run that loses a page is not an ok run, even when that is its only fault: a redirect
loop or a gzip bomb (a small response that inflates past DOWNLOAD_MAXSIZE) on one board post
makes a real nightly crawl of the mirror a failed run (``pages_lost``, exit 1), named and
counted; and a run whose PostgreSQL connections are killed still leaves its ``crawl_runs``
row, finished."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from clipper.faults import Fault, FaultPlan, FaultyMirror, check_board_store, expected_posts
from clipper.store.engine import get_engine
from models import Article, CrawlRun

pytestmark = pytest.mark.faults

REPO = Path(__file__).resolve().parents[2]
POST = sorted(expected_posts())[len(expected_posts()) // 2]
DETAIL = rf"/helper/news/{POST}(\?|$)"


@pytest.mark.parametrize(
    ("fault", "name", "word"),
    [
        (Fault("redirect_loop", DETAIL), "RedirectLoop", "redirect"),
        (Fault("gzip_bomb", DETAIL, size=64 << 20), "DecompressionBomb", "decompression"),
    ],
    ids=["redirect-loop", "gzip-bomb"],
)
def test_a_lost_page_as_the_only_fault_fails_the_run(database_url, cli, fault, name, word):
    plan = FaultPlan(fault)
    with FaultyMirror(plan) as mirror:
        result = cli.run(*cli.crawl_args(mirror.board_url), database_url=database_url)
    assert plan.total == 1
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert check_board_store(get_engine(database_url)).lost == [POST]
    assert result.returncode == 1, result.stderr[-3000:]
    assert "pages_lost" in result.stderr
    lines = [line for line in result.stderr.splitlines() if f"/helper/news/{POST}" in line]
    assert any(word in line.lower() for line in lines), result.stderr[-3000:]
    with get_engine(database_url).connect() as conn:
        run = conn.execute(select(CrawlRun)).one()
    assert (run.status, run.failure_class) == ("failed", "pages_lost")
    assert run.stats[f"clipper/download/failed/{name}"] == 1


# --- The run's row survives its PostgreSQL connections being killed --------------------------

PACED = ["-s", "DOWNLOAD_DELAY=0.05", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
KILL_WINDOW = 3.0  # seconds of killing every backend of the crawl, as fast as possible


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_run_whose_connections_are_killed_still_leaves_its_row(database_url, cli):
    app = f"clipper_kill_{uuid.uuid4().hex[:8]}"
    url = f"{database_url}&application_name={app}"
    engine = get_engine(database_url)  # migrated schema, and our view of the data
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    killed = 0
    with FaultyMirror() as mirror:
        crawl = subprocess.Popen(
            # The store gives up fast (2 attempts, a tenth of its backoff): the spider closes
            # while its connections are still being killed, so the run log must reconnect.
            [sys.executable, "-m", "clipper.faults", *cli.crawl_args(mirror.board_url, *PACED)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
            env=dict(os.environ, CLIPPER_DATABASE_URL=url, CLIPPER_FAULTS_WRITE_ATTEMPTS="2",
                     CLIPPER_FAULTS_BACKOFF="0.1"),
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and crawl.poll() is None:
            with engine.connect() as conn:
                if conn.execute(select(func.count()).select_from(Article)).scalar_one() >= 5:
                    break
            time.sleep(0.05)
        with admin.connect() as conn:
            stop = time.monotonic() + KILL_WINDOW
            while time.monotonic() < stop:
                killed += sum(
                    conn.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = :app"
                        ),
                        {"app": app},
                    ).scalars()
                )
        _out, err = crawl.communicate(timeout=120)
    admin.dispose()
    assert killed >= 2, "no crawler connection was there to kill"
    assert "Traceback" not in err, err[-3000:]
    with engine.connect() as conn:
        runs = conn.execute(select(CrawlRun).order_by(CrawlRun.id)).all()
    assert len(runs) == 1, err[-3000:]
    (run,) = runs
    # Recorded, finished, and telling the truth: the batches it could not store failed it.
    assert run.status != "running", err[-3000:]
    assert run.finished_at is not None
    lost = check_board_store(engine).lost
    if lost:
        assert (run.status, run.failure_class) == ("failed", "database"), err[-3000:]
    assert crawl.returncode == (0 if run.status == "ok" else 1), err[-3000:]
    print(f"killed {killed} backends; run {run.status} ({run.failure_class}), {len(lost)} lost")
    # The failed run makes the next nightly walk every listing page: nothing stays lost.
    with FaultyMirror() as mirror:
        rerun = cli.run(*cli.crawl_args(mirror.board_url), database_url=url)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert check_board_store(engine).lost == []
