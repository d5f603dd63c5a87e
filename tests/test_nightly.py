"""The nightly run: incremental (a second run over an unchanged source fetches no article
page again), loud when a source breaks (failure class, non-zero exit), never two at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipper.ops.locking import nightly_lock
from models import Article, CrawlRun

REPO = Path(__file__).resolve().parents[1]
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]


def clipper(*args: str, database_url: str):
    env = dict(os.environ, CLIPPER_DATABASE_URL=database_url)
    return subprocess.run(
        [sys.executable, "-m", "clipper", *args],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=300,
    )  # fmt: skip


def nightly(base_url: str, database_url: str):
    return clipper("nightly", "--spider", "smalllibrary", "-s",
                   f"CLIPPER_SMALLLIBRARY_BASE_URL={base_url}", *FAST,
                   database_url=database_url)  # fmt: skip


def runs(engine) -> list[CrawlRun]:
    with Session(engine) as session:
        return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))


def test_second_nightly_fetches_no_article_page_and_stores_nothing_new(
    mirror, database_url, engine
):
    first = nightly(mirror.board_url, database_url)
    assert first.returncode == 0, first.stderr
    assert "1 of 1 spiders healthy" in first.stdout
    with Session(engine) as session:
        stored = len(session.scalars(select(Article.id)).all())
    second = nightly(mirror.board_url, database_url)
    assert second.returncode == 0, second.stderr
    one, two = runs(engine)
    assert (one.kind, two.kind) == ("nightly", "nightly")
    assert one.articles_new == stored > 0
    assert two.articles_new == 0
    assert two.articles_updated == 0
    # robots.txt and list page 1, whose posts are all stored or known drops: nothing else.
    assert two.stats["response_received_count"] <= 2
    assert two.stats.get("item_scraped_count", 0) == 0


def test_adhoc_dry_run_stores_nothing_and_leaves_no_run(mirror, database_url, engine):
    result = clipper("crawl", "smalllibrary", "--dry-run", "-s",
                     f"CLIPPER_SMALLLIBRARY_BASE_URL={mirror.board_url}", *FAST,
                     database_url=database_url)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "items" in result.stderr
    with Session(engine) as session:
        assert session.scalars(select(Article.id)).all() == []
    assert runs(engine) == []


class RedesignedBoard(BaseHTTPRequestHandler):
    """The board after a redesign: list pages render, but no post link looks like before."""

    def do_GET(self):
        body = (
            "<html><body><ul class='news-cards'>"
            + "".join(
                f"<li><a href='/news/view?seq={n}'>작은도서관 소식 {n}</a></li>" for n in range(10)
            )
            + "</ul></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_changed_layout_is_a_failed_run_with_its_class_and_exit_code(database_url, engine):
    server = ThreadingHTTPServer(("127.0.0.1", 0), RedesignedBoard)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = nightly(f"http://127.0.0.1:{server.server_address[1]}", database_url)
    finally:
        server.shutdown()
    assert result.returncode == 1
    assert "failed (empty_results)" in result.stdout
    assert "0 of 1 spiders healthy; failed: smalllibrary" in result.stdout
    assert "Traceback" not in result.stderr
    (run,) = runs(engine)
    assert (run.status, run.failure_class) == ("failed", "empty_results")
    listed = clipper("runs", "--json", database_url=database_url)
    assert listed.returncode == 0, listed.stderr
    (record,) = json.loads(listed.stdout)
    assert record["status"] == "failed"
    assert record["failure_class"] == "empty_results"
    for key in (
        "spider",
        "started_at",
        "finished_at",
        "pages_fetched",
        "articles_new",
        "articles_updated",
    ):
        assert key in record


def test_a_second_nightly_while_one_runs_exits_with_a_clear_message(mirror, database_url, engine):
    # This process holds the lock as a running nightly would; the command is the second run.
    with nightly_lock(engine):
        result = nightly(mirror.board_url, database_url)
    assert result.returncode == 75
    assert "not started: another clipper nightly run" in result.stderr
    assert "Traceback" not in result.stderr
    assert runs(engine) == []
