"""Store throughput: rows per second through ``ArticleStore.write`` on SQLite and PostgreSQL.

The rows are the generated site's articles (:mod:`benchmarks.site`) as the pipeline leaves
them (cleaned text, parsed date, outlet, region, matched terms), written in batches of the
default ``CLIPPER_STORE_BATCH_SIZE`` and of a larger size, into a fresh database each time
(a SQLite file in a temporary directory; a fresh PostgreSQL schema, dropped afterwards). The
store runs without the story hook here (``bench_stages`` times that as ``assign``). The
second pass writes the same rows again: the re-crawl case, where every row is unchanged.
``cpu_rows_per_s`` divides the first pass's rows by this process's CPU time instead: on a
shared machine it moves less with other processes' load than the wall-clock rate (on SQLite
it is all the work but waiting for the disk; on PostgreSQL only the client's share).

``sqlite_no_search`` is SQLite with the search index's triggers dropped after migrating: what
storing costs without keeping ``articles_fts`` (FTS5 trigram indexing) in step, to show how
much of a row's time that is. clipper itself always keeps the index.

PostgreSQL comes from ``CLIPPER_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); without a server it is skipped with
the reason.

    .venv/bin/python -m benchmarks.bench_store [--rows 5000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from benchmarks import site
from clipper import settings as clipper_settings
from clipper.store.articles import ArticleStore
from clipper.store.engine import create_db_engine

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LARGE_BATCH = 500
FETCHED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def item(idxno: int, base: str = "https://bench.example") -> dict:
    """Article ``idxno`` as the store receives it (what the pipeline stages leave)."""
    rec = site.record(idxno)
    url = f"{base}{rec.url_path}"
    return {
        "url": url,
        "source_url": url,
        "spider": "bench",
        "fetched_at": FETCHED,
        "title": rec.title,
        "body": "\n\n".join(rec.paragraphs),
        "published_raw": rec.published.strftime("입력 %Y.%m.%d %H:%M"),
        "published": rec.published,
        "outlet_raw": rec.outlet[1],
        "outlet": rec.outlet[1],
        "author": f"{rec.reporter} 기자",
        "region": rec.outlet[2],
        "region_evidence": f"place:{rec.city}",
        "matched_terms": ["작은도서관"] if rec.topic == "library" else [],
        "html_hash": hashlib.sha1(url.encode()).hexdigest(),
        "extra": {"outlet_kind": "regional_daily", "outlet_home_region": rec.outlet[2]},
    }


def postgres_url() -> str:
    return os.environ.get("CLIPPER_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A URL to a fresh PostgreSQL schema, dropped afterwards; raises when unreachable."""
    base = postgres_url()
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, connect_args={"connect_timeout": 3})
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in base else "?"
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        try:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            admin.dispose()


SEARCH_TRIGGERS = ("articles_fts_ai", "articles_fts_au", "articles_fts_ad")


def write_rate(url: str, items: list[dict], batch_size: int, search_index: bool = True) -> dict:
    """Rows per second writing ``items`` in batches into a fresh database, then again;
    ``search_index=False`` (SQLite) first drops the triggers that keep it in step."""
    engine = create_db_engine(url)
    try:
        if not search_index:
            with engine.begin() as conn:
                for trigger in SEARCH_TRIGGERS:
                    conn.execute(text(f"DROP TRIGGER {trigger}"))
        store = ArticleStore(engine)
        rates = {}
        for pass_name in ("insert", "rewrite"):
            started, cpu_started = time.perf_counter(), time.process_time()
            counts = [0, 0, 0]
            for start in range(0, len(items), batch_size):
                for k, n in enumerate(store.write(items[start : start + batch_size])):
                    counts[k] += n
            rates[pass_name] = (
                len(items) / (time.perf_counter() - started),
                len(items) / (time.process_time() - cpu_started),
                counts,
            )
    finally:
        engine.dispose()
    insert_rate, insert_cpu, inserted = rates["insert"]
    rewrite_rate, _, rewritten = rates["rewrite"]
    if inserted[0] != len(items) or rewritten[2] != len(items):
        raise RuntimeError(f"store counts off: insert {inserted}, rewrite {rewritten}")
    return {
        "rows_per_s": round(insert_rate),
        "cpu_rows_per_s": round(insert_cpu),
        "rewrite_rows_per_s": round(rewrite_rate),
    }


def run(rows: int = 5000, rounds: int = 3) -> dict:
    """Median rows/s of ``rounds`` per database and batch size."""
    items = [item(i) for i in range(1, rows + 1)]
    default_batch = int(clipper_settings.CLIPPER_STORE_BATCH_SIZE)
    results: dict = {"rows": rows, "rounds": rounds}
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        counter = iter(range(10**6))

        @contextmanager
        def sqlite_url() -> Iterator[str]:
            yield f"sqlite:///{Path(tmp) / f'store-{next(counter)}.sqlite'}"

        databases = {
            "sqlite": (sqlite_url, True),
            "sqlite_no_search": (sqlite_url, False),
            "postgresql": (postgres_schema, True),
        }
        for name, (make_url, search_index) in databases.items():
            figures: dict = {}
            try:
                for batch in (default_batch, LARGE_BATCH):
                    measured = []
                    for _ in range(rounds):
                        with make_url() as url:
                            measured.append(write_rate(url, items, batch, search_index))
                    figures[f"batch_{batch}"] = {
                        key: round(statistics.median(m[key] for m in measured))
                        for key in measured[0]
                    }
            except Exception as exc:
                if name.startswith("sqlite"):
                    raise
                figures = {"skipped": f"{postgres_url()}: {str(exc).splitlines()[0]}"}
            results[name] = figures
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(run(args.rows, args.rounds), indent=2))


if __name__ == "__main__":
    main()
