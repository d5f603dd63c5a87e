"""Benchmark story grouping: cost per article of the signature and of lookup + insert
(``StoryIndex.assign``) as the index grows, and the memory it takes.

For each size N a fresh SQLite file (in a temporary directory) is filled directly, with
bulk inserts in a child process, with N indexed articles: random signatures, their band rows
(row by row, so the index pages are as full as in use), one story each (the full path would
take hours at 1M). Then ``measure`` new synthetic articles (pairs of copies of one text, so
half of them find and join a story) go through ``assign`` in batches of ``BATCH`` inside
one transaction each, as the store does; the commit is timed apart
(in the crawl it is shared with the article upsert). The signature is timed separately on
the same articles. "total" = signature + assign + commit. Goal: ≤ 0.5 ms per article, flat
as N grows.

    .venv/bin/python benchmarks/bench_dedup.py [SIZE ...] [--measure 2000]
    .venv/bin/python benchmarks/bench_dedup.py 10000            # a quick run
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import random
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from clipper.store.engine import create_db_engine
from clipper.store.stories import StoryConfig, StoryIndex
from clipper.text.minhash import NUM_PERM, band_hashes, signature
from models import Article

DEFAULT_SIZES = [10_000, 100_000, 1_000_000]
BATCH = 50
FILL_CHUNK = 50_000
# Filler article ids start here, clear of the ids the measured articles get.
FILLER_ID_BASE = 10_000_000
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    syllables = [chr(code) for code in range(0xAC00, 0xD7A4)]
    return ["".join(rng.choices(syllables, k=rng.randint(1, 4))) for _ in range(size)]


def synthetic_articles(n: int, seed: int = 1) -> list[dict]:
    """n articles of ~500 characters as n/2 pairs: a text, and a copy with a new dateline,
    its last sentence dropped and a sentence added."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    articles = []
    for i in range(0, n, 2):
        sentences = [" ".join(rng.choices(vocab, k=12)) + "다." for _ in range(10)]
        body = "\n\n".join(sentences)
        copy = "(서울=뉴스1) 홍길동 기자 = " + "\n\n".join([*sentences[:-1], sentences[3]])
        published = NOW - timedelta(hours=rng.randint(0, 48))
        for k, text in enumerate((body, copy)[: n - i]):
            articles.append(
                {
                    "url": f"https://bench.example/{i + k}",
                    "title": f"합성 기사 {i}",
                    "body": text,
                    "published": published + timedelta(minutes=30 * k),
                    "fetched_at": NOW,
                    "extra": {},
                }
            )
    rng.shuffle(articles)
    return articles


def _sqlite_time(moment: datetime) -> str:
    # What SQLAlchemy's SQLite DateTime stores for UTCDateTime's naive UTC values.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def fill(path: Path, n: int, seed: int = 2) -> float:
    """Index n filler articles directly in the SQLite file; returns seconds taken.

    In a child process: the page cache the load uses is not this process's memory.
    """
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_fill, (path, n, seed))


def _fill(path: Path, n: int, seed: int) -> float:
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    # The band index is filled row by row in article order, as a crawl fills it: its random
    # hashes leave the b-tree pages as full as they are in use (about two thirds). Built in
    # key order instead, every page is full and nearly every measured insert splits one,
    # which made the measured cost grow with the size for the wrong reason. The pages stay
    # in memory meanwhile. The other indexes are built once after the load, by sorting.
    conn.execute("PRAGMA cache_size=-2000000")
    conn.execute("DROP INDEX ix_story_bands_article_id")
    conn.execute("DROP INDEX ix_story_members_story_time")
    now_text = _sqlite_time(NOW)
    for start in range(0, n, FILL_CHUNK):
        count = min(FILL_CHUNK, n - start)
        values = rng.integers(0, 2**32, size=(count, NUM_PERM), dtype=np.uint64).astype(np.uint32)
        hashes = band_hashes(values)
        # Spread over the last 30 days, all inside the default index window.
        offsets = rng.integers(0, 30 * 24 * 3600, size=count)
        times = [_sqlite_time(NOW - timedelta(seconds=int(s))) for s in offsets]
        seconds = (int(NOW.timestamp()) - offsets).tolist()
        ids = range(FILLER_ID_BASE + start, FILLER_ID_BASE + start + count)
        conn.executemany(
            "INSERT INTO stories (id, first_published, last_published, n_articles, created_at,"
            " updated_at) VALUES (?, ?, ?, 1, ?, ?)",
            ((i, t, t, now_text, now_text) for i, t in zip(ids, times, strict=True)),
        )
        conn.executemany(
            "INSERT INTO story_members (article_id, story_id, story_time, n_shingles, signature,"
            " joined_at) VALUES (?, ?, ?, 400, ?, ?)",
            (
                (i, i, t, values[k].astype("<u4").tobytes(), now_text)
                for k, (i, t) in enumerate(zip(ids, times, strict=True))
            ),
        )
        hash_rows = hashes.tolist()
        conn.executemany(
            "INSERT INTO story_bands (hash, article_id, time) VALUES (?, ?, ?)",
            ((h, i, seconds[k]) for k, i in enumerate(ids) for h in hash_rows[k]),
        )
        conn.commit()
    conn.execute("CREATE INDEX ix_story_bands_article_id ON story_bands (article_id)")
    conn.execute("CREATE INDEX ix_story_members_story_time ON story_members (story_time)")
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - started


def _rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def time_signatures(articles: list[dict]) -> float:
    """Milliseconds per article to compute the signature (and store it on the item)."""
    started = time.perf_counter()
    for article in articles:
        article["extra"]["minhash"] = signature(article["title"], article["body"]).to_json()
    return 1000 * (time.perf_counter() - started) / len(articles)


def measure(size: int, articles: list[dict], workdir: Path) -> dict:
    path = workdir / f"bench-{size}.sqlite"
    engine = create_db_engine(f"sqlite:///{path}")
    fill_seconds = fill(path, size)
    with engine.begin() as conn:
        conn.execute(
            insert(Article),
            [
                {
                    "url": a["url"],
                    "title": a["title"],
                    "body": a["body"],
                    "published": a["published"],
                    "spider": "bench",
                    "first_seen": NOW,
                    "last_seen": NOW,
                    "content_hash": "0" * 40,
                }
                for a in articles
            ],
        )
        ids = [row[0] for row in conn.exec_driver_sql("SELECT id FROM articles ORDER BY id")]
    pairs = list(zip(ids, articles, strict=True))
    index = StoryIndex(StoryConfig(index_days=0), now=lambda: NOW)
    gc.collect()
    rss_before = _rss_mb()
    assign_s = commit_s = 0.0
    for start in range(0, len(pairs), BATCH):
        conn = engine.connect()
        transaction = conn.begin()
        started = time.perf_counter()
        index.assign(conn, pairs[start : start + BATCH])
        middle = time.perf_counter()
        transaction.commit()
        commit_s += time.perf_counter() - middle
        assign_s += middle - started
        conn.close()
    rss_after = _rss_mb()
    # Python allocations of one more round of batches, traced separately (tracing is slow).
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM story_bands WHERE article_id < ?", (FILLER_ID_BASE,))
        conn.exec_driver_sql("DELETE FROM story_members WHERE article_id < ?", (FILLER_ID_BASE,))
    tracemalloc.start()
    for start in range(0, min(len(pairs), 10 * BATCH), BATCH):
        with engine.begin() as conn:
            index.assign(conn, pairs[start : start + BATCH])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    with engine.connect() as conn:
        stories = conn.exec_driver_sql(
            "SELECT COUNT(DISTINCT story_id) FROM story_members WHERE article_id < ?",
            (FILLER_ID_BASE,),
        ).scalar_one()
    engine.dispose()
    size_mb = path.stat().st_size / 2**20
    path.unlink()
    return {
        "stored": size,
        "fill_s": fill_seconds,
        "assign_ms": 1000 * assign_s / len(pairs),
        "commit_ms": 1000 * commit_s / len(pairs),
        "rss_mb": rss_after,
        "rss_growth_mb": rss_after - rss_before,
        "traced_peak_kb_per_batch": peak / 1024,
        "db_mb": size_mb,
        "db_bytes_per_article": size_mb * 2**20 / max(1, size),
        "check_stories": stories,
    }


def run(sizes: list[int] | None = None, n_measure: int = 2000) -> dict:
    """Signature cost and, per index size, lookup + insert cost; prints a table."""
    sizes = sizes or DEFAULT_SIZES
    articles = synthetic_articles(n_measure)
    signature_ms = time_signatures(articles)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-dedup-") as tmp:
        for size in sizes:
            rows.append(measure(size, articles, Path(tmp)))
    print(f"signature: {signature_ms:.3f} ms/article ({n_measure} articles, ~500 chars each)")
    print(
        f"{'stored':>10} {'fill s':>8} {'assign ms':>10} {'commit ms':>10} {'total ms':>9}"
        f" {'RSS MB':>8}"
        f" {'peak KB/50':>10} {'DB MB':>8} {'B/article':>10}"
    )
    for row in rows:
        print(
            f"{row['stored']:>10,} {row['fill_s']:>8.1f} {row['assign_ms']:>10.3f}"
            f" {row['commit_ms']:>10.3f}"
            f" {signature_ms + row['assign_ms'] + row['commit_ms']:>9.3f} {row['rss_mb']:>8.1f}"
            f" {row['traced_peak_kb_per_batch']:>10.0f} {row['db_mb']:>8.1f}"
            f" {row['db_bytes_per_article']:>10.0f}"
        )
    return {"signature_ms": signature_ms, "measured_articles": n_measure, "sizes": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, help=f"default: {DEFAULT_SIZES}")
    parser.add_argument("--measure", type=int, default=2000, help="new articles timed")
    args = parser.parse_args()
    run(args.sizes or None, args.measure)


if __name__ == "__main__":
    main()
