"""End to end: the real `clipper` command crawls the mirror (a real HTTP server on
127.0.0.1) into a real database, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipper.analysis.query import EXPORT_FIELDS
from models import Article, CrawlRun, Sighting

REPO = Path(__file__).resolve().parents[1]
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING"]


def clipper(*args: str, database_url: str, cwd: Path | None = None, check: bool = True):
    env = dict(os.environ, CLIPPER_DATABASE_URL=database_url)
    result = subprocess.run(
        [sys.executable, "-m", "clipper", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or REPO,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"clipper {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def crawl_board(mirror, database_url, *extra):
    return clipper(
        "crawl",
        "smalllibrary",
        "-s",
        f"CLIPPER_SMALLLIBRARY_BASE_URL={mirror.board_url}",
        *FAST,
        *extra,
        database_url=database_url,
    )


def test_crawl_into_database_twice_is_idempotent(mirror, database_url, engine):
    first = crawl_board(mirror, database_url)
    with Session(engine) as session:
        articles = session.scalars(select(Article)).all()
        sightings = session.scalars(select(Sighting)).all()
    assert len(articles) >= 30
    assert "new" in first.stderr
    for article in articles:
        assert article.title, article.url
        assert article.body, article.url
        assert "※" not in article.body, article.url
        assert "전문은" not in article.body, article.url
        paragraphs = [p for p in article.body.split("\n\n") if p.strip()]
        assert len(paragraphs) == len(set(paragraphs)), f"repeated paragraph in {article.url}"
    dated = [a for a in articles if a.published is not None]
    assert len(dated) >= len(articles) - 1  # the mirror has one garbage date
    assert all(a.published.tzinfo is not None for a in dated)
    assert sum(a.region is not None for a in articles) >= 0.9 * len(articles)
    assert all(a.outlet_id is not None for a in articles)
    # A story posted twice on the board is one article seen on two board pages.
    assert len(sightings) > len(articles)

    second = crawl_board(mirror, database_url)
    with Session(engine) as session:
        assert len(session.scalars(select(Article.id)).all()) == len(articles)
        runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
    assert [r.status for r in runs] == ["ok", "ok"]
    assert runs[0].articles_new == len(articles)
    assert runs[1].articles_new == 0
    # Incremental: the second run stopped at page 1 and fetched (almost) no article page.
    assert runs[1].pages_fetched < runs[0].pages_fetched / 3, second.stderr


def test_broken_pages_are_counted_drops_not_tracebacks(mirror, database_url, engine):
    result = crawl_board(mirror, database_url, "-a", "full=1")
    assert "Traceback" not in result.stderr
    with Session(engine) as session:
        run = session.scalars(select(CrawlRun)).one()
    drops = {
        k.split("/", 1)[1]: v
        for k, v in run.stats.items()
        if k.startswith("item_dropped_reasons_count/")
    }
    # The mirror's placeholder post, its page without a title and its truncated page.
    assert drops == {"InvalidEntry": 1, "MissingTitle": 1, "MissingBody": 1}
    assert result.stderr.count("Dropped (") == 3  # each logged once, with its reason
    assert run.status == "ok"


def test_export_jsonl_has_the_promised_keys(mirror, database_url, engine):
    crawl_board(mirror, database_url)
    out = clipper("export", "--format", "jsonl", database_url=database_url).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    with engine.connect() as conn:
        assert len(rows) == len(conn.execute(select(Article.id)).all())
    assert all(list(row) == list(EXPORT_FIELDS) for row in rows)
    published = [datetime.fromisoformat(r["published"]) for r in rows if r["published"]]
    assert published
    assert all(p.utcoffset() is not None for p in published)
    assert published == sorted(published, reverse=True)


def test_demo_twice_leaves_the_same_articles(tmp_path):
    db = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    first = clipper("demo", database_url=db, cwd=tmp_path)
    second = clipper("demo", database_url=db, cwd=tmp_path)
    total = [line for line in first.stdout.splitlines() if "articles stored" in line]
    assert total
    assert total == [line for line in second.stdout.splitlines() if "articles stored" in line]
    assert "By region:" in first.stdout
    assert "By outlet:" in first.stdout


def test_bad_arguments_are_clear_errors(mirror, tmp_path):
    db = f"sqlite:///{tmp_path / 'x.sqlite'}"
    bad_since = clipper(
        "crawl", "smalllibrary", "-a", "since=yesterday", database_url=db, check=False
    )
    assert bad_since.returncode != 0
    assert "since" in bad_since.stderr
    assert "Traceback" not in bad_since.stderr
    unknown = clipper("crawl", "nosuchspider", database_url=db, check=False)
    assert unknown.returncode != 0
    assert "no spider named" in unknown.stderr
    bad_url = clipper("export", database_url="notadb://", check=False)
    assert bad_url.returncode != 0
    assert "Traceback" not in bad_url.stderr


def test_dead_server_is_a_failed_run_without_a_traceback(tmp_path):
    import socket

    # A port nobody listens on: every request, robots.txt first, is refused.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = clipper(
        "crawl",
        "smalllibrary",
        "-s",
        f"CLIPPER_SMALLLIBRARY_BASE_URL=http://127.0.0.1:{port}",
        "-s",
        "RETRY_TIMES=0",
        *FAST,
        database_url=f"sqlite:///{tmp_path / 'dead.sqlite'}",
        check=False,
    )
    assert result.returncode != 0
    assert "smalllibrary: failed (http_errors)" in result.stderr + result.stdout
    assert "refused" in result.stderr  # the operator is told why, in one line
    assert "Traceback" not in result.stderr, result.stderr[-3000:]


def test_a_page_past_the_extraction_deadline_is_a_named_drop_retried_next_run(
    mirror, database_url, engine, tmp_path
):
    # A real crawl with a worker whose extraction of one page hangs (the test-only fault
    # hook, clipper.middlewares.workers.FAULT_ENV): the crawl ends on time, the page is a
    # named drop, the other pages are stored, and the next run stores the page. Two workers
    # take up to 16 pages (8 each) before the spider extracts one itself: all 13 go to them.
    from clipper.mirror.localnews import sites_csv

    sites = tmp_path / "sites.csv"
    sites.write_text(sites_csv(mirror.url), encoding="utf-8")
    host = mirror.url.split("://", 1)[1]
    args = ["crawl", "localnews", "-s", f"CLIPPER_LOCALNEWS_SITES={sites}", "-s",
            f"CLIPPER_ALLOWED_PRIVATE_HOSTS={host}", "-s", "CLIPPER_EXTRACT_WORKERS=2",
            "-s", "CLIPPER_EXTRACT_TIMEOUT=5", "-s", "CLIPPER_DROP_RETRY_BACKOFF=0",
            *FAST]  # fmt: skip
    slow = "hanbit/news/articleView.html?idxno=1195"
    os.environ["CLIPPER_TEST_WORKER_FAULT"] = f"hang:{slow}"
    try:
        first = clipper(*args, database_url=database_url)
    finally:
        del os.environ["CLIPPER_TEST_WORKER_FAULT"]
    assert "Traceback" not in first.stderr
    assert "(ExtractTimeout)" in first.stderr
    with Session(engine) as session:
        run = session.scalars(select(CrawlRun)).one()
        urls = set(session.scalars(select(Article.url)))
    assert "clipper/workers/pages/busy" not in run.stats  # every page went to a worker
    assert run.stats["item_dropped_reasons_count/ExtractTimeout"] == 1
    assert run.stats["clipper/workers/pool/replaced"] == 1
    assert run.status == "ok"
    assert urls
    assert not any(url.endswith("idxno=1195") for url in urls)

    # No fault: the page is tried again (ExtractTimeout is transient; with no backoff, the
    # drop's retry is due at the next run).
    clipper(*args, database_url=database_url)
    with Session(engine) as session:
        urls_after = set(session.scalars(select(Article.url)))
    assert set(urls_after - urls) == {url for url in urls_after if url.endswith("idxno=1195")}
    assert any(url.endswith("idxno=1195") for url in urls_after)
