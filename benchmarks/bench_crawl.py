"""Crawl throughput: clipper's full path against Scrapy's own ceiling on the same pages.

Both crawls fetch the generated site (:mod:`benchmarks.site`, served from its own process)
with the same start and list requests and the same settings (clipper's, made fast:
``CONCURRENT_REQUESTS`` and ``…_PER_DOMAIN`` high, no delay, no AutoThrottle, no robots.txt,
no HTTP cache, ``LOG_LEVEL=WARNING``):

- ``ceiling``: :class:`CeilingSpider`, whose article callback does nothing — what Scrapy
  itself costs (download, response objects, scheduling) on this machine;
- ``clipper``: :class:`ClipperBenchSpider`, an ``ArticlePageSpider`` that asks the store which
  pages it knows (one query per list page), extracts each article and runs every stage in
  ``ITEM_PIPELINES``, storing into a fresh SQLite file with stories.

Each crawl runs in a fresh subprocess (the Twisted reactor starts once per process) and is
timed by Scrapy's own ``elapsed_time_seconds`` (engine start to close, the final store flush
included). Rounds alternate ceiling/clipper so a noisy neighbour hits both alike.

With ``--archive``, each round also crawls with the WARC archive on (``archive``: the clipper
crawl with ``CLIPPER_ARCHIVE_DIR`` set) and then times ``clipper reprocess`` (all stages,
:class:`clipper.ops.reprocess.Reprocessor`, in this process, no network) over what it stored:
pages reprocessed per second from the archive, and the archive's bytes per fetched page.

    .venv/bin/python -m benchmarks.bench_crawl [--pages 2000] [--rounds 3] [--archive]
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import pstats
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import scrapy

from benchmarks import site
from spiders.article import ArticlePageSpider

REPO = Path(__file__).resolve().parents[1]

# The settings both crawls share on top of clipper's own (clipper.settings).
FAST_SETTINGS = {
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "ROBOTSTXT_OBEY": False,
    "HTTPCACHE_ENABLED": False,
    "LOG_LEVEL": "WARNING",
    "CLIPPER_PROGRESS": "off",
}


class _Listing:
    """The start and list requests both spiders share."""

    base_url = ""
    pages = 0

    def list_requests(self):
        for page in range(1, site.list_count(self.pages) + 1):
            yield scrapy.Request(f"{self.base_url}/list?page={page}", callback=self.parse)

    def article_links(self, response) -> list[str]:
        return [response.urljoin(h) for h in response.css("a.article-link::attr(href)").getall()]


class CeilingSpider(_Listing, scrapy.Spider):
    """Fetches the same pages as clipper and does nothing with them."""

    name = "bench_ceiling"

    def __init__(self, base_url: str = "", pages: str = "0", **kwargs):
        super().__init__(**kwargs)
        self.base_url, self.pages = base_url, int(pages)

    async def start(self):
        for request in self.list_requests():
            yield request

    def parse(self, response):
        for url in self.article_links(response):
            yield scrapy.Request(url, callback=self.parse_nothing)

    def parse_nothing(self, response):
        return None


class ClipperBenchSpider(_Listing, ArticlePageSpider):
    """The clipper path: store lookup per list page, extraction, every pipeline stage."""

    name = "bench_clipper"
    source_kind = "outlet"

    def __init__(self, base_url: str = "", pages: str = "0", **kwargs):
        super().__init__(**kwargs)
        self.base_url, self.pages = base_url, int(pages)

    async def start(self):
        for request in self.list_requests():
            yield request

    def parse(self, response):
        urls = self.article_links(response)
        self.count_listing(len(urls))
        known = self.is_known(urls)
        for url in urls:
            request = self.article_request(url, known=known)
            if request is not None:
                yield request


SPIDERS = {"ceiling": CeilingSpider, "clipper": ClipperBenchSpider}
_RUN_IDS = itertools.count(1)


def crawl_settings(database_url: str, base_url: str) -> dict:
    # The site is on loopback, which clipper's address guard refuses unless configured.
    host = base_url.split("//", 1)[-1]
    return {
        **FAST_SETTINGS,
        "CLIPPER_DATABASE_URL": database_url,
        "CLIPPER_ALLOWED_PRIVATE_HOSTS": [host],
    }


def _child(
    mode: str, base_url: str, pages: int, database_url: str, out: Path, archive: str = ""
) -> None:
    """Run one crawl in this process and write its stats as JSON to ``out``."""
    from scrapy.crawler import CrawlerProcess

    from clipper.extensions.runlog import jsonable
    from clipper.ops.crawling import project_settings

    settings = crawl_settings(database_url, base_url)
    settings["CLIPPER_ARCHIVE_DIR"] = archive
    process = CrawlerProcess(project_settings(settings))
    crawler = process.create_crawler(SPIDERS[mode])
    process.crawl(crawler, base_url=base_url, pages=str(pages))
    process.start()
    out.write_text(json.dumps(jsonable(crawler.stats.get_stats())))


def crawl_once(
    mode: str,
    base_url: str,
    pages: int,
    workdir: Path,
    profile: Path | None = None,
    archive: Path | None = None,
) -> dict:
    """One crawl in a fresh subprocess (fresh database); returns its rate and counts. With
    ``archive``, the crawl archives its pages there and the result carries the reprocess
    rate over them (the database is reprocessed, then removed)."""
    db = workdir / f"{mode}-{next(_RUN_IDS)}.sqlite"
    out = db.with_suffix(".json")
    command = [sys.executable]
    if profile is not None:
        command += ["-m", "cProfile", "-o", str(profile)]
    command += [
        "-m",
        "benchmarks.bench_crawl",
        "--child",
        mode,
        "--base-url",
        base_url,
        "--pages",
        str(pages),
        "--database-url",
        f"sqlite:///{db}",
        "--out",
        str(out),
        "--archive",
        str(archive or ""),
    ]
    # Its stderr holds a warning per dropped item (off-topic pages): kept out of the table.
    done = subprocess.run(command, cwd=REPO, stderr=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0 or not out.exists():
        sys.stderr.write(done.stderr[-4000:])
        raise RuntimeError(f"{mode} crawl failed with exit code {done.returncode}")
    stats = json.loads(out.read_text())
    fetched = stats.get("response_received_count", 0)
    articles = fetched - site.list_count(pages)
    elapsed = stats["elapsed_time_seconds"]
    replayed = {}
    if archive and mode == "clipper":
        replayed = reprocess_rate(f"sqlite:///{db}", archive, fetched)
    elif archive:
        replayed = archive_size(archive, fetched)
    for path in workdir.glob(db.name + "*"):
        path.unlink()
    out.unlink()
    return {
        "mode": mode,
        "elapsed_s": round(elapsed, 3),
        "article_pages": articles,
        "pages_per_s": round(articles / elapsed, 1),
        "items_scraped": stats.get("item_scraped_count", 0),
        "items_dropped": stats.get("item_dropped_count", 0),
        "stored_new": stats.get("clipper/store/articles/new", 0),
        "stories_joined": stats.get("clipper/stories/articles/joined", 0),
        "finish_reason": stats.get("finish_reason"),
        "errors": stats.get("log_count/ERROR", 0),
        **replayed,
    }


def reprocess_rate(database_url: str, archive: Path, fetched: int) -> dict:
    """Time a reprocess of every stage over a crawl's database from its archive."""
    import time

    from clipper.ops.crawling import project_settings
    from clipper.ops.reprocess import Reprocessor, stages_for
    from clipper.store.engine import create_db_engine

    # The bench spider is found where the crawl found it.
    settings = project_settings({"SPIDER_MODULES": ["spiders", "benchmarks.bench_crawl"]})
    engine = create_db_engine(database_url)
    reprocessor = Reprocessor(engine, settings, archive, stages_for("all"))
    ids = reprocessor.select_ids(None, None)
    start = time.perf_counter()
    summary = reprocessor.run(ids)
    seconds = time.perf_counter() - start
    engine.dispose()
    return {
        "reprocessed": summary.reprocessed,
        "reprocess_changed": summary.changed,
        "reprocess_not_archived": len(summary.not_archived),
        "reprocess_s": round(seconds, 3),
        "reprocess_pages_per_s": round(summary.reprocessed / seconds, 1) if seconds else 0.0,
        **archive_size(archive, fetched),
    }


def archive_size(archive: Path, fetched: int) -> dict:
    """The archive's bytes (per fetched page), removing its files for the next crawl."""
    size = sum(p.stat().st_size for p in archive.glob("*.warc.gz"))
    for path in archive.glob("*.warc.gz"):
        path.unlink()
    return {
        "archive_bytes": size,
        "archive_bytes_per_page": round(size / fetched) if fetched else 0,
    }


def run(
    pages: int = 2000, rounds: int = 3, server_check: bool = True, archive: bool = False
) -> dict:
    """Ceiling and clipper crawls, ``rounds`` of each alternating; medians and the ratio.
    With ``archive``, a clipper crawl with the archive on and its reprocess each round too."""
    rounds_out: list[dict] = []
    archived: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp, site.SiteProcess(pages) as base:
        # The client loop also fills the server's cache, so no crawl pays for page generation.
        server = site.client_rate(base, pages) if server_check else {}
        for _ in range(rounds):
            for mode in ("ceiling", "clipper"):
                result = crawl_once(mode, base, pages, Path(tmp))
                rounds_out.append(result)
                print(
                    f"  {mode:8} {result['article_pages']:5} pages in {result['elapsed_s']:7.2f}"
                    f" s = {result['pages_per_s']:8.1f} pages/s"
                    f" (stored {result['stored_new']}, dropped {result['items_dropped']})",
                    flush=True,
                )
            if archive:
                result = crawl_once("ceiling", base, pages, Path(tmp), archive=Path(tmp) / "warc")
                result["mode"] = "ceiling_archive"
                archived.append(result)
                print(
                    f"  ceiling+archive {result['article_pages']:5} pages in"
                    f" {result['elapsed_s']:7.2f} s = {result['pages_per_s']:8.1f} pages/s",
                    flush=True,
                )
                result = crawl_once("clipper", base, pages, Path(tmp), archive=Path(tmp) / "warc")
                result["mode"] = "archive"
                archived.append(result)
                print(
                    f"  archive  {result['article_pages']:5} pages in {result['elapsed_s']:7.2f}"
                    f" s = {result['pages_per_s']:8.1f} pages/s;"
                    f" reprocess {result['reprocessed']} in {result['reprocess_s']:.2f} s ="
                    f" {result['reprocess_pages_per_s']:.1f} pages/s;"
                    f" {result['archive_bytes_per_page']} archive bytes/page",
                    flush=True,
                )
    ceiling = statistics.median(r["pages_per_s"] for r in rounds_out if r["mode"] == "ceiling")
    clipper = statistics.median(r["pages_per_s"] for r in rounds_out if r["mode"] == "clipper")
    ratios = [
        c["pages_per_s"] / e["pages_per_s"]
        for e, c in zip(rounds_out[::2], rounds_out[1::2], strict=True)
    ]
    return {
        "pages": pages,
        "rounds": rounds,
        **server,
        "ceiling_pages_per_s": ceiling,
        "clipper_pages_per_s": clipper,
        "ratio": round(clipper / ceiling, 3),
        "ratio_per_round": [round(r, 3) for r in ratios],
        "settings": FAST_SETTINGS,
        "crawls": rounds_out,
        **(
            {
                "ceiling_archive_pages_per_s": statistics.median(
                    r["pages_per_s"] for r in archived if r["mode"] == "ceiling_archive"
                ),
                "archive_pages_per_s": statistics.median(
                    r["pages_per_s"] for r in archived if r["mode"] == "archive"
                ),
                "reprocess_pages_per_s": statistics.median(
                    r["reprocess_pages_per_s"] for r in archived if r["mode"] == "archive"
                ),
                "archive_bytes_per_page": statistics.median(
                    r["archive_bytes_per_page"] for r in archived if r["mode"] == "archive"
                ),
                "archived_crawls": archived,
            }
            if archived
            else {}
        ),
    }


def profile_crawl(pages: int, out_dir: Path, top: int = 25) -> list[dict]:
    """cProfile one clipper crawl subprocess; the top entries by own time."""
    out_dir.mkdir(parents=True, exist_ok=True)
    prof = (out_dir / "profile_crawl.prof").resolve()
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp, site.SiteProcess(pages) as base:
        site.client_rate(base, pages, rounds=0)
        crawl_once("clipper", base, pages, Path(tmp), profile=prof)
    return top_entries(prof, out_dir / "profile_crawl.txt", top)


def top_entries(prof: Path | cProfile.Profile, text_out: Path, top: int = 25) -> list[dict]:
    """The ``top`` functions by own (tottime) time, also written as pstats text."""
    with text_out.open("w") as handle:
        stats = pstats.Stats(
            prof if isinstance(prof, cProfile.Profile) else str(prof), stream=handle
        )
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]  # type: ignore[attr-defined]
    entries = []
    for (filename, line, func), (_cc, calls, tottime, cumtime, _callers) in rows:
        entries.append(
            {
                "function": f"{_short(filename)}:{line}({func})",
                "calls": calls,
                "tottime_s": round(tottime, 3),
                "cumtime_s": round(cumtime, 3),
                "share": round(tottime / total, 3) if total else 0.0,
            }
        )
    return entries


def _short(filename: str) -> str:
    for marker in ("site-packages/", str(REPO) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--archive",
        nargs="?",
        const="on",
        default="",
        help="Also crawl with the archive on and time the reprocess from it.",
    )
    parser.add_argument("--child", choices=sorted(SPIDERS), help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.base_url, args.pages, args.database_url, args.out, args.archive)
        return
    print(json.dumps(run(args.pages, args.rounds, archive=bool(args.archive)), indent=2))


if __name__ == "__main__":
    main()
