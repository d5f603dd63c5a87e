"""Analysts read while the nightly run writes: a writer stores batches through the store
continuously while a reader loops over search, export and the report. On SQLite (WAL, busy
timeout) no reader sees "database is locked"; on PostgreSQL no reader blocks. Every read
query must answer within a second."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from clipper.analysis.query import Filters, iter_articles
from clipper.analysis.report import build_report
from clipper.analysis.search import search
from clipper.items import ArticleItem
from clipper.store.articles import ArticleStore
from models import Article

pytestmark = pytest.mark.faults

DURATION = 2.5  # seconds of concurrent reading and writing
MAX_QUERY_SECONDS = 1.0
DAY = date(2025, 3, 1)
REGIONS = ["경기", "서울", "부산", "전북"]


def item(n: int) -> dict:
    published = datetime(2025, 3, 1, 9, tzinfo=UTC) - timedelta(hours=n % 48)
    return asdict(
        ArticleItem(
            url=f"https://news.example.kr/article/{n}",
            source_url=f"https://board.example.kr/helper/news/{n}",
            spider="test",
            fetched_at=published,
            title=f"{REGIONS[n % 4]} 작은도서관 소식 {n}",
            body=f"마을 작은도서관이 문을 열었다. 주민 독서 모임 {n}번째 소식.\n\n둘째 문단 {n}.",
            published=published,
            outlet=f"신문{n % 7}",
            region=REGIONS[n % 4],
        )
    )


def test_readers_never_wait_on_the_writer(engine):
    store = ArticleStore(engine)
    store.write([item(n) for n in range(50)])  # something to read from the start
    stop = threading.Event()
    errors: list[BaseException] = []
    written = [50]

    def writer() -> None:
        n = written[0]
        try:
            while not stop.is_set():
                store.write([item(k) for k in range(n, n + 20)])
                n += 20
                written[0] = n
        except BaseException as exc:
            errors.append(exc)

    reads = {
        "search": lambda: search(engine, "작은도서관 소식"),
        "search+filter": lambda: search(engine, "독서", Filters(region="경기")),
        "export": lambda: sum(1 for _ in iter_articles(engine, Filters(since=DAY))),
        "report": lambda: build_report(engine, DAY, days=2),
    }
    timings: dict[str, list[float]] = {name: [] for name in reads}
    thread = threading.Thread(target=writer)
    thread.start()
    deadline = time.monotonic() + DURATION
    try:
        while time.monotonic() < deadline and not errors:
            for name, read in reads.items():
                started = time.monotonic()
                read()
                timings[name].append(time.monotonic() - started)
    finally:
        stop.set()
        thread.join(30)
    assert not errors, errors
    assert written[0] > 50 + 20, "the writer never got going"
    slowest = {name: max(values) for name, values in timings.items()}
    assert all(len(values) >= 2 for values in timings.values()), timings
    assert max(slowest.values()) < MAX_QUERY_SECONDS, slowest
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Article)).scalar_one() == written[0]
