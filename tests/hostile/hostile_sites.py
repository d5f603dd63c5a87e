"""The hostile-source suite's parts (issue 13): the server, the sites it serves, the crawl
in a subprocess with its peak RSS, what the database holds, and the figures table
(tests/hostile/conftest.py prints it). See conftest.py for how the suite fits together."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import create_engine, func, select

from clipper.mirror import board as mirror_board
from clipper.mirror.server import Reply

REPO = Path(__file__).resolve().parents[2]
# Fast, deterministic crawling; workers off (one process: its peak RSS is the crawl's).
FAST = [
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "DOWNLOAD_TIMEOUT=5",
    "-s", "RETRY_TIMES=1",
    "-s", "CLIPPER_STORE_BATCH_SIZE=5",
    "-s", "CLIPPER_EXTRACT_WORKERS=0",
]  # fmt: skip
# Peak RSS of one crawl: the crawler alone takes about 150 MB; a case that queues or holds
# what it should not (every entry of a 75,000-entry feed, a decompressed bomb) goes far over.
RSS_BOUND_MB = 400

Handler = Callable[[str, Mapping[str, str], str], "str | Reply | None"]


# --- The server --------------------------------------------------------------------------------


class HostileServer:
    """One real HTTP server; each case registers a handler under ``/<name>``."""

    def __init__(self) -> None:
        self.sites: dict[str, Handler] = {}
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def hostport(self) -> str:
        return self.url.split("://", 1)[1]

    def add(self, name: str, handler: Handler) -> str:
        """Serve ``handler`` under ``/<name>``; its base URL."""
        self.sites[name] = handler
        return f"{self.url}/{name}"

    def hit(self, key: str) -> int:
        """Count a request for ``key``; how many there were, this one included."""
        with self._lock:
            self.hits[key] = self.hits.get(key, 0) + 1
            return self.hits[key]

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                name, _, rest = parts.path.lstrip("/").partition("/")
                query = {k: v[0] for k, v in parse_qs(parts.query, True).items()}
                handler = server.sites.get(name)
                page = handler("/" + rest, query, f"{server.url}/{name}") if handler else None
                if isinstance(page, str):
                    page = Reply(200, "text/html; charset=utf-8", page.encode())
                if page is None:
                    page = Reply(404, "text/html; charset=utf-8", b"not found")
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(page.body)))
                for header, value in page.headers:
                    self.send_header(header, value)
                self.end_headers()
                # The crawler may hang up on purpose (a page over its size bound).
                with contextlib.suppress(ConnectionError):
                    self.wfile.write(page.body)

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


# --- Sites -------------------------------------------------------------------------------------


def make_post(number: int, **changes) -> mirror_board.Post:
    """Post ``number`` of a case's board: on topic, with its own outlet link and text."""
    fields = {
        "id": 30000 + number,
        "title": f"[경기] 행복마을 작은도서관 {number}호 문 열어",
        "outlet": "경기일보",
        "date": "2024.11.20",
        "link": f"https://www.kyeonggi.com/article/20241120{number:06d}",
        "layout": "new",
        "paragraphs": (
            f"행복마을 주민센터 {number}층에 작은도서관 {number}호가 문을 열었다.",
            f"도서관은 장서 {number * 37 + 1000}권과 어린이 열람실 {number % 7 + 1}곳을 갖췄다.",
            f"운영위원회는 {number}번째 독서 모임을 이달 안에 꾸릴 계획이라고 밝혔다.",
        ),
        "note": None,
        "repeat": None,
        "broken": None,
    }
    return mirror_board.Post(**{**fields, **changes})


DetailHook = Callable[[mirror_board.Post, str], "str | Reply | None"]


@dataclass
class BoardSite:
    """A board of ``posts`` (newest first); ``detail`` may answer a post's page itself
    (return None to render it as usual)."""

    posts: list[mirror_board.Post]
    detail: DetailHook | None = None
    page_size: int = 10

    def board(self) -> mirror_board.Board:
        return mirror_board.Board(posts=tuple(self.posts), page_size=self.page_size)

    def __call__(self, path: str, query: Mapping[str, str], base: str):
        board = self.board()
        try:
            page = int(query.get("currentPage") or 1)
        except ValueError:
            return None
        if path in mirror_board.LIST_PATHS:
            if page < 1 or page > board.page_count:
                return None
            return mirror_board.render_list_page(board, page, base)
        match = mirror_board.DETAIL_PATH.match(path)
        post = board.get(int(match.group(1))) if match else None
        if post is None:
            return None
        html = mirror_board.render_detail_page(board, post, max(1, page), base)
        if self.detail is not None:
            answer = self.detail(post, html)
            if answer is not None:
                return answer
        return html


@dataclass
class FeedEntry:
    n: int
    title: str
    author: str = "윤들녘 기자"
    body: str = ""  # the article page's text ("" for an entry whose page is not served)
    headline_json: str | None = None  # the JSON-LD headline as written (escapes and all)


@dataclass
class FeedSite:
    """Feeds (name → entries, or raw bytes) and the article pages their entries link to."""

    feeds: dict[str, list[FeedEntry] | bytes] = field(default_factory=dict)

    def __call__(self, path: str, query: Mapping[str, str], base: str):
        name = path.strip("/").removesuffix(".xml")
        if path.endswith(".xml") and name in self.feeds:
            feed = self.feeds[name]
            body = feed if isinstance(feed, bytes) else rss(feed, base).encode()
            return Reply(200, "application/rss+xml; charset=utf-8", body)
        if path.startswith("/article/"):
            n = int(path.rsplit("/", 1)[1].removesuffix(".html"))
            for feed in self.feeds.values():
                for entry in feed if isinstance(feed, list) else []:
                    if entry.n == n and entry.body:
                        return article_page(entry, base)
        return None

    def csv(self, base: str) -> str:
        rows = ["url,outlet,home_region,domain"]
        rows += [f"{base}/{name}.xml,솔빛뉴스,충남,solbit.example" for name in self.feeds]
        return "\n".join(rows) + "\n"


def rss(entries: list[FeedEntry], base: str) -> str:
    items = "".join(
        f"<item><title>{escape(e.title)}</title><link>{base}/article/{e.n}.html</link>"
        f"<author>{escape(e.author[:200])}</author>"
        f"<pubDate>Fri, 20 Nov 2026 10:00:00 +0900</pubDate></item>\n"
        for e in entries
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>{items}</channel></rss>'


def article_page(entry: FeedEntry, base: str) -> str:
    headline = entry.headline_json or json.dumps(entry.title)
    ld = (
        '{"@context": "https://schema.org", "@type": "NewsArticle", '
        f'"headline": {headline}, "datePublished": "2026-11-20T10:00:00+09:00", '
        f'"author": {{"@type": "Person", "name": {json.dumps(entry.author)}}}, '
        '"publisher": {"@type": "Organization", "name": "솔빛뉴스"}}'
    )
    paragraphs = "".join(f"<p>{escape(p)}</p>\n" for p in entry.body.split("\n\n"))
    return (
        '<!DOCTYPE html>\n<html lang="ko"><head><meta charset="utf-8">'
        f"<title>{escape(entry.title)} - 솔빛뉴스</title>"
        f'<link rel="canonical" href="https://www.solbit.example/news/{entry.n}">'
        f'<meta property="og:site_name" content="솔빛뉴스">'
        f'<script type="application/ld+json">{ld}</script></head><body>'
        f'<div class="news-view"><h1>{escape(entry.title)}</h1>'
        f'<p class="byline">{escape(entry.author)}</p>'
        f'<div class="news-text">{paragraphs}</div></div>'
        '<div id="foot">Copyright ⓒ 솔빛뉴스 All rights reserved.</div></body></html>'
    )


def article_text(n: int) -> str:
    return (
        f"충남 솔빛마을에 작은도서관 {n}호가 문을 열었다. 주민들이 함께 책을 고르고 읽는다.\n\n"
        f"도서관은 장서 {n * 13 + 500}권을 갖추고 평일 저녁에도 문을 연다.\n\n"
        "운영위원회는 어린이 독서 모임과 어르신 글쓰기 교실을 열 계획이다."
    )


# --- Crawling ----------------------------------------------------------------------------------


@dataclass
class Run:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float
    seconds: float


class PeakRss:
    """The peak RSS of a child process, polled from ``/proc/<pid>/status`` (``VmHWM``, which
    only grows) every 50 ms until it exits. Not ``wait4``'s ``ru_maxrss``: Linux carries the
    forking parent's high-water mark into the child, so that would show pytest's size."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval, self.peak_kb = pid, interval, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            # Before its exec the child is a copy of pytest: only the crawler's own counts.
            if b"clipper" not in Path(f"/proc/{self.pid}/cmdline").read_bytes():
                return
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_kb = max(self.peak_kb, int(line.split()[1]))
        except (OSError, ValueError):
            pass  # gone, or not yet there

    def _poll(self) -> None:
        while not self._done.is_set():
            self._read()
            self._done.wait(self.interval)

    def stop(self) -> float:
        """Stop polling; the peak in MB."""
        self._done.set()
        self._thread.join()
        return self.peak_kb / 1024


def run_clipper(*args: str, database_url: str, timeout: float = 90, env=None) -> Run:
    """``python -m clipper ARGS`` in a subprocess (killed after ``timeout`` seconds), with its
    peak RSS; stdout and stderr through files, so a chatty crawl cannot block on a pipe."""
    environ = dict(os.environ, CLIPPER_DATABASE_URL=database_url, **(env or {}))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "clipper", *args],
            stdout=out, stderr=err, env=environ, cwd=REPO, start_new_session=True,
        )  # fmt: skip
        rss = PeakRss(proc.pid)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        peak = rss.stop()
        elapsed = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if proc.returncode == -signal.SIGKILL:
        stderr += f"\n[hostile suite: killed after {timeout} s]"
    return Run(args, proc.returncode, stdout, stderr, peak, elapsed)


def board_crawl(base_url: str, *extra: str) -> list[str]:
    return [
        "crawl", "smalllibrary",
        "-s", f"CLIPPER_SMALLLIBRARY_BASE_URL={base_url}",
        *FAST, *extra,
    ]  # fmt: skip


def feed_crawl(csv_path: Path, server: HostileServer, *extra: str) -> list[str]:
    return [
        "crawl", "rss",
        "-s", f"CLIPPER_RSS_FEEDS={csv_path}",
        "-s", f"CLIPPER_ALLOWED_PRIVATE_HOSTS={server.hostport}",
        *FAST, *extra,
    ]  # fmt: skip


# --- What the database holds -------------------------------------------------------------------


@dataclass
class Stored:
    articles: list[tuple[str, str]]  # (url, title)
    sightings: list[str]  # source_url of each sighting
    runs: list[dict]  # crawl_runs rows, oldest first: status, failure (class), stats

    @property
    def urls(self) -> set[str]:
        return {url for url, _ in self.articles}

    @property
    def last_run(self) -> dict:
        return self.runs[-1] if self.runs else {}


def read_store(database_url: str) -> Stored:
    from models import Article, CrawlRun, Sighting

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            articles = [tuple(row) for row in conn.execute(select(Article.url, Article.title))]
            sightings = list(conn.execute(select(Sighting.source_url)).scalars())
            runs = [
                {"status": status, "failure": failure, "stats": stats or {}}
                for status, failure, stats in conn.execute(
                    select(CrawlRun.status, CrawlRun.failure_class, CrawlRun.stats).order_by(
                        CrawlRun.id
                    )
                )
            ]
            assert conn.execute(select(func.count()).select_from(Article)).scalar_one() == len(
                articles
            )
    finally:
        engine.dispose()
    return Stored(articles, sightings, runs)


# --- The table ---------------------------------------------------------------------------------


@dataclass
class Row:
    case: str
    database: str
    stored: int
    expected: int
    status: str
    exit_code: int
    peak_rss_mb: float
    seconds: float


ROWS: list[Row] = []


class Report:
    def add(self, case: str, database: str, stored: int, expected: int, status: str, run: Run):
        ROWS.append(
            Row(case, database, stored, expected, status, run.returncode, run.peak_rss_mb,
                run.seconds)
        )  # fmt: skip


def table() -> list[str]:
    lines = [
        f"{'case':<44} {'database':<9} {'stored/expected':>15} {'status':<8} {'exit':>4} "
        f"{'peak RSS MB':>11} {'s':>5}"
    ]
    for row in ROWS:
        lines.append(
            f"{row.case:<44} {row.database:<9} {f'{row.stored}/{row.expected}':>15} "
            f"{row.status:<8} {row.exit_code:>4} {row.peak_rss_mb:>11.0f} {row.seconds:>5.1f}"
        )
    return lines
