"""Ctrl-C (SIGINT) and SIGTERM end a crawl or a nightly run cleanly: one line saying so, exit
code 130 or 143 (128 + the signal, as a shell reports it), the interrupted spider recorded as
failed in crawl_runs (so the next nightly walks every page), the spiders that did not run
named, and never a traceback (``ReactorNotRunning`` was logged as critical, twice).

Each case is a real ``clipper`` process crawling the offline mirror, whose board posts are
served slowly so the signal arrives mid-crawl.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from clipper.faults import FaultyMirror
from clipper.mirror.rss import feeds_csv
from clipper.store.engine import get_engine
from models import Article, CrawlRun, Sighting

REPO = Path(__file__).resolve().parents[1]
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CLIPPER_PROGRESS=off"]
POST = re.compile(r"/helper/news/\d+")


class SlowPosts:
    """A fault plan for the mirror's hook that answers nothing itself: it holds every board
    post for ``delay`` seconds, then lets the mirror serve it, and counts the posts asked."""

    def __init__(self, delay: float):
        self.delay = delay
        self.asked = 0
        self._lock = threading.Lock()

    def intercept(self, handler) -> bool:
        if POST.search(handler.path):
            with self._lock:
                self.asked += 1
            time.sleep(self.delay)
        return False


@pytest.fixture
def slow_mirror():
    plan = SlowPosts(delay=1.5)
    with FaultyMirror(plan) as server:  # type: ignore[arg-type]  (duck-typed plan)
        yield server, plan


def start(*args: str, database_url: str, env: dict | None = None) -> subprocess.Popen:
    environment = dict(os.environ, CLIPPER_DATABASE_URL=database_url, **(env or {}))
    return subprocess.Popen(
        [sys.executable, "-m", "clipper", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment, cwd=REPO,
    )  # fmt: skip


def wait_until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def interrupt(process: subprocess.Popen, plan: SlowPosts, signum: int) -> tuple[str, str]:
    """Send ``signum`` once the crawl has asked for a board post; the process's output."""
    wait_until(lambda: plan.asked > 0 or process.poll() is not None)
    assert process.poll() is None, process.communicate()
    process.send_signal(signum)
    return process.communicate(timeout=60)


def runs(engine) -> list[CrawlRun]:
    with Session(engine) as session:
        return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_ends_a_crawl_with_one_line_and_a_failed_run(
    slow_mirror, database_url, engine, signum, code
):
    server, plan = slow_mirror
    crawl = start("crawl", "smalllibrary", "-s", f"CLIPPER_SMALLLIBRARY_BASE_URL={server.board_url}",
                  *FAST, "-s", "LOG_LEVEL=ERROR", database_url=database_url)  # fmt: skip
    stdout, stderr = interrupt(crawl, plan, signum)
    assert crawl.returncode == code, stderr
    name = signal.Signals(signum).name
    # One line, the whole of what the operator sees: no traceback, no critical log.
    assert stderr.splitlines() == [stderr.strip()], stderr
    assert stderr.startswith(f"clipper crawl: interrupted by {name}: smalllibrary: interrupted")
    assert stdout == ""
    (run,) = runs(engine)
    assert run.status == "failed"
    assert run.finish_reason == "shutdown"


def test_a_signal_during_the_nightly_names_the_spiders_that_did_not_run(
    slow_mirror, database_url, engine, tmp_path
):
    server, plan = slow_mirror
    feeds = tmp_path / "feeds.csv"
    feeds.write_text(feeds_csv(server.url), encoding="utf-8")
    # The spider list from the environment, as a crontab or a systemd unit sets it.
    nightly = start("nightly", "-s", f"CLIPPER_SMALLLIBRARY_BASE_URL={server.board_url}",
                    "-s", f"CLIPPER_RSS_FEEDS={feeds}", "-s", "LOG_LEVEL=ERROR", *FAST,
                    database_url=database_url,
                    env={"CLIPPER_NIGHTLY_SPIDERS": "smalllibrary, rss,daum_news"})  # fmt: skip
    stdout, stderr = interrupt(nightly, plan, signal.SIGTERM)
    assert nightly.returncode == 143, stderr
    assert "Traceback" not in stderr
    assert stderr.strip() == (
        "clipper nightly: 0 of 3 spiders healthy; failed: smalllibrary; "
        "interrupted by SIGTERM; not run: rss, daum_news (see `clipper runs`)"
    )
    lines = stdout.splitlines()
    assert len(lines) == 4
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00 smalllibrary: interrupted \(recorded as failed\): "
        r"\d+ pages, \d+ items, \d+ new, \d+ updated, \d+ dropped, \d+\.\ds",
        lines[0],
    ), lines[0]
    assert lines[1].endswith(" rss: not run")
    assert lines[2].endswith(" daum_news: not run")
    assert "interrupted by SIGTERM; not run: rss, daum_news, " in lines[3]
    (run,) = runs(engine)
    assert (run.spider, run.status) == ("smalllibrary", "failed")


def test_a_signal_during_the_nightlys_last_spider_is_one_line(
    slow_mirror, database_url, engine, tmp_path
):
    server, plan = slow_mirror
    feeds = tmp_path / "feeds.csv"
    feeds.write_text(feeds_csv(server.url), encoding="utf-8")
    nightly = start("nightly", "--spider", "rss", "--spider", "smalllibrary",
                    "-s", f"CLIPPER_SMALLLIBRARY_BASE_URL={server.board_url}",
                    "-s", f"CLIPPER_RSS_FEEDS={feeds}",
                    "-s", f"CLIPPER_ALLOWED_PRIVATE_HOSTS={server.url.split('://')[1]}",
                    "-s", "LOG_LEVEL=ERROR", *FAST, database_url=database_url)  # fmt: skip
    stdout, stderr = interrupt(nightly, plan, signal.SIGINT)
    assert nightly.returncode == 130, stderr
    assert "ReactorNotRunning" not in stderr
    assert stderr.strip() == (
        "clipper nightly: 1 of 2 spiders healthy; failed: smalllibrary; "
        "interrupted by SIGINT (see `clipper runs`)"
    )
    assert " rss: ok: " in stdout
    assert [(r.spider, r.status) for r in runs(engine)] == [
        ("rss", "ok"),
        ("smalllibrary", "failed"),
    ]


def test_a_second_signal_stops_at_once(slow_mirror, database_url, engine):
    server, plan = slow_mirror
    plan.delay = 30  # the posts on the wire would hold a graceful stop for 30 s
    crawl = start("crawl", "smalllibrary", "-s", f"CLIPPER_SMALLLIBRARY_BASE_URL={server.board_url}",
                  *FAST, "-s", "LOG_LEVEL=ERROR", "-s", "DOWNLOAD_TIMEOUT=60",
                  database_url=database_url)  # fmt: skip
    wait_until(lambda: plan.asked > 0)
    began = time.monotonic()
    crawl.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    crawl.send_signal(signal.SIGTERM)
    _stdout, stderr = crawl.communicate(timeout=60)
    assert time.monotonic() - began < 15
    assert crawl.returncode == 143
    assert stderr.startswith(
        "clipper crawl: interrupted by SIGTERM: smalllibrary: stopped at once (its run stays "
        "'running'): "
    ), stderr
    assert "Traceback" not in stderr
    # Never closed: the row says so, and the next nightly treats it like a crash.
    assert [r.status for r in runs(engine)] == ["running"]


def stored(database_url: str) -> tuple[set[str], set[str]]:
    """The articles and the pages they were seen on."""
    with get_engine(database_url).connect() as conn:
        articles = set(conn.execute(select(Article.url)).scalars())
        pages = set(conn.execute(select(Sighting.source_url)).scalars())
    return articles, pages


@pytest.mark.hostile
def test_ctrl_c_during_the_nightly_loses_nothing_the_next_nightly_does_not_fetch(
    database_url, engine, tmp_path
):
    plan = SlowPosts(delay=0.4)
    with FaultyMirror(plan) as server:  # type: ignore[arg-type]
        board = ["--spider", "smalllibrary", "-s", f"CLIPPER_SMALLLIBRARY_BASE_URL={server.board_url}",
                 "-s", "CLIPPER_STORE_BATCH_SIZE=5", "-s", "LOG_LEVEL=ERROR", *FAST]  # fmt: skip
        first = start("nightly", *board, database_url=database_url)
        # Ctrl-C once the first batches are written, with most of the board still to fetch.
        wait_until(lambda: len(stored(database_url)[0]) >= 5 or first.poll() is not None)
        first.send_signal(signal.SIGINT)
        _out, err = first.communicate(timeout=60)
        assert first.returncode == 130, err
        interrupted = stored(database_url)
        plan.delay = 0
        second = start("nightly", *board, database_url=database_url)
        _out, err = second.communicate(timeout=300)
        assert second.returncode == 0, err
        # The same board crawled by one uninterrupted nightly, into a database of its own.
        reference_url = f"sqlite:///{tmp_path / 'reference.sqlite'}"
        reference = start("nightly", *board, database_url=reference_url)
        _out, err = reference.communicate(timeout=300)
        assert reference.returncode == 0, err
    expected = stored(reference_url)
    assert 5 <= len(interrupted[0]) < len(expected[0])
    assert stored(database_url) == expected
    assert [(r.status, r.finish_reason) for r in runs(engine)] == [
        ("failed", "shutdown"),
        ("ok", "finished"),
    ]
