"""``python -m benchmarks`` (``make bench``): run every benchmark, print a table, write
``bench/results.json``.

    python -m benchmarks                 # everything, full sizes (about 10-15 minutes)
    python -m benchmarks --quick         # small sizes, a smoke run (about a minute)
    python -m benchmarks --only crawl    # one benchmark (repeatable); merged into results.json

Benchmarks: crawl (clipper vs Scrapy's ceiling), stages (µs per article per step), dedup
(story assignment at 10k/100k/1M stored), dates, store (SQLite and PostgreSQL), profile
(cProfile of the stage run and of one crawl; top entries). BENCHMARKS.md has the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import bench_crawl, bench_dates, bench_dedup, bench_stages, bench_store

OUT_DIR = Path("bench")

# Sizes: (full, quick).
SIZES = {
    "crawl": ({"pages": 2000, "rounds": 3}, {"pages": 200, "rounds": 1}),
    "stages": ({"n_articles": 300, "rounds": 3}, {"n_articles": 40, "rounds": 1}),
    "dedup": (
        {"sizes": [10_000, 100_000, 1_000_000], "n_measure": 2000},
        {"sizes": [2000], "n_measure": 200},
    ),
    "dates": ({"min_seconds": 0.5}, {"min_seconds": 0.05}),
    "store": ({"rows": 5000, "rounds": 3}, {"rows": 200, "rounds": 1}),
    "profile": ({"articles": 300, "pages": 1000}, {"articles": 30, "pages": 100}),
}


def _profile(articles: int, pages: int) -> dict:
    stages = bench_stages.run(articles, rounds=1, profile_to=OUT_DIR)
    return {
        "stages_top": stages["profile_top"],
        "crawl_top": bench_crawl.profile_crawl(pages, OUT_DIR),
        "files": [str(OUT_DIR / "profile_stages.txt"), str(OUT_DIR / "profile_crawl.txt")],
    }


BENCHMARKS: dict[str, Callable[..., dict]] = {
    "crawl": bench_crawl.run,
    "stages": bench_stages.run,
    "dedup": bench_dedup.run,
    "dates": bench_dates.run,
    "store": bench_store.run,
    "profile": _profile,
}


def machine() -> dict:
    """What the figures were measured on."""
    import scrapy

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
    except (OSError, StopIteration):
        mem_kb = 0
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "scrapy": scrapy.__version__,
        "loadavg_at_start": list(os.getloadavg()),
    }


def summary(results: dict) -> dict:
    """The headline figures of whatever ran."""
    out: dict = {}
    crawl = results.get("crawl") or {}
    for key in ("ceiling_pages_per_s", "clipper_pages_per_s", "ratio", "server_pages_per_s"):
        if key in crawl:
            out[key] = crawl[key]
    stages = results.get("stages") or {}
    if "stage_us_per_article" in stages:
        out["stage_us_per_article"] = stages["stage_us_per_article"]
    dedup = results.get("dedup") or {}
    if "sizes" in dedup:
        signature_us = 1000 * dedup["signature_ms"]
        out["dedup_us_per_article"] = {
            str(row["stored"]): round(signature_us + 1000 * (row["assign_ms"] + row["commit_ms"]))
            for row in dedup["sizes"]
        }
        out["dedup_rss_mb"] = {str(row["stored"]): round(row["rss_mb"]) for row in dedup["sizes"]}
    dates = results.get("dates") or {}
    if "fast_dates_per_s" in dates:
        out["dates_per_s"] = {
            "fast_path": dates["fast_dates_per_s"],
            "parse_date_numeric": dates["parse_date_numeric_dates_per_s"],
            "dateparser_fallback": dates["fallback_dates_per_s"],
        }
    store = results.get("store") or {}
    if "sqlite" in store:
        out["store_rows_per_s"] = {
            db: (
                {batch: figures["rows_per_s"] for batch, figures in store[db].items()}
                if "skipped" not in store[db]
                else store[db]
            )
            for db in ("sqlite", "sqlite_no_search", "postgresql")
            if db in store
        }
    return out


def table(summ: dict) -> str:
    """The summary as aligned text lines, with the goals."""
    lines = [f"{'figure':44} {'value':>14}  goal"]

    def row(name: str, value: object, goal: str = "") -> None:
        lines.append(f"{name:44} {value!s:>14}  {goal}")

    for key, goal in (
        ("server_pages_per_s", "well above the ceiling"),
        ("ceiling_pages_per_s", ""),
        ("clipper_pages_per_s", ""),
        ("ratio", ">= 0.6"),
    ):
        if key in summ:
            row(key, summ[key], goal)
    for name, value in summ.get("stage_us_per_article", {}).items():
        row(
            f"stage_us_per_article.{name}",
            value,
            "<= 500 (with 1M stored)" if name == "near_duplicate" else "",
        )
    for size, value in summ.get("dedup_us_per_article", {}).items():
        row(f"dedup_us_per_article.{size}", value, "<= 500, flat")
    for size, value in summ.get("dedup_rss_mb", {}).items():
        row(f"dedup_rss_mb.{size}", value)
    for name, value in summ.get("dates_per_s", {}).items():
        row(f"dates_per_s.{name}", value, ">= 100000" if name == "fast_path" else "")
    for db, figures in summ.get("store_rows_per_s", {}).items():
        if "skipped" in figures:
            row(f"store_rows_per_s.{db}", "skipped", figures["skipped"][:60])
            continue
        for batch, value in figures.items():
            goal = ">= 10000" if db.startswith("sqlite") else ""
            row(f"store_rows_per_s.{db}.{batch}", value, goal)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument(
        "--only", action="append", choices=sorted(BENCHMARKS), help="run only this benchmark"
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR / "results.json")
    args = parser.parse_args(argv)
    names = args.only or list(BENCHMARKS)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    previous: dict = {}
    if args.only and args.out.exists():
        previous = json.loads(args.out.read_text())
    results: dict = dict(previous.get("results", {}))
    failed = []
    for name in names:
        kwargs = SIZES[name][1 if args.quick else 0]
        print(f"== {name} {kwargs}", flush=True)
        started = time.perf_counter()
        try:
            results[name] = BENCHMARKS[name](**kwargs)
        except Exception as exc:
            traceback.print_exc()
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
            failed.append(name)
        results[name]["wall_s"] = round(time.perf_counter() - started, 1)
        results[name]["quick"] = args.quick
    document = {
        "written": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "note": "other processes shared the CPU; compare ratios measured in the same run",
        "summary": summary(results),
        "results": results,
    }
    args.out.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
    print()
    print(table(document["summary"]))
    print(f"\nwritten: {args.out}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
