"""Throughput of clipper.text.dates: the regex fast path and the dateparser fallback.

Run: ``.venv/bin/python benchmarks/bench_dates.py``. ``run()`` returns the figures as a dict
for ``make bench``. Each figure is the best of a few timed rounds (time.perf_counter), so a
noisy neighbour on the shared cores lowers it less.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

# Runnable as a plain script from the repo root or elsewhere.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clipper.text.dates import KST, parse_date, parse_date_fast

NOW = datetime(2026, 1, 2, 9, 0, tzinfo=KST)

# A realistic mix of the numeric forms pages and feeds print, weighted towards the common
# ones (meta tags, Naver, the shared local-news CMS, RSS, search result lists).
FAST_MIX: tuple[str, ...] = (
    ("2017-12-18T17:30:45+09:00",) * 4
    + ("2025-05-15T20:00:52.000+0900", "2019-01-07T16:47+09:00", "2024-05-30T02:40:08Z")
    + ("2024-05-30 11:40:08",) * 3
    + ("입력 2024.05.30. 오전 11:40",) * 3
    + ("입력 2024.05.30. 오전 11:40 수정 2024.05.30. 오후 1:02",) * 2
    + ("기사입력 2017.04.20. 오후 3:53", "승인 2017.12.18 17:34", "입력 : 2025-06-04 02:37:08")
    + ("기사승인 2018. 02. 01. 09:28", "2023. 11. 1. 08:46", "2019/01/16 13:59")
    + ("2019.02.01 06:30", "2026.03.19", "2026.05.24.", "보도일 : 2015.10.05")
    + ("12-01 23:26", "03.20. 10:53", "3시간 전", "24분전", "어제", "A19면 1단")
    + ("Sat, 31 Dec 2005 13:47:03+0900",) * 2
    + ("Sun, 27 Sep 2026 02:32:00 GMT", "20170512140936", "2015년 10월 5일 오후 3시 20분")
)

# Strings the fast path leaves to dateparser (month names, English phrasing).
FALLBACK_MIX: tuple[str, ...] = (
    "May 30, 2024",
    "Thursday, May 30, 2024 11:40 AM",
    "30 May 2024",
    "Published: June 4, 2025 2:37 PM",
    "December 1st, 2025",
    "Jan 5 2025 10:00",
)


def _rate(
    fn: Callable[[str, datetime], object], inputs: Sequence[str], min_seconds: float
) -> float:
    """Calls per second of ``fn`` over ``inputs``, best of three rounds of ≥ min_seconds."""
    for raw in inputs:  # warm caches (dateparser's locale data, lru caches)
        fn(raw, NOW)
    best = 0.0
    for _ in range(3):
        calls = 0
        start = time.perf_counter()
        while (elapsed := time.perf_counter() - start) < min_seconds:
            for raw in inputs:
                fn(raw, NOW)
            calls += len(inputs)
        best = max(best, calls / elapsed)
    return best


def run(min_seconds: float = 0.5) -> dict[str, float | int]:
    fast_hits = sum(parse_date_fast(raw, NOW) is not None for raw in FAST_MIX)
    fallback_fast_misses = sum(parse_date_fast(raw, NOW) is None for raw in FALLBACK_MIX)
    fallback_hits = sum(parse_date(raw, NOW) is not None for raw in FALLBACK_MIX)
    return {
        "fast_dates_per_s": round(_rate(parse_date_fast, FAST_MIX, min_seconds)),
        # parse_date on the same mix: what the pipeline pays when the fast path hits.
        "parse_date_numeric_dates_per_s": round(_rate(parse_date, FAST_MIX, min_seconds)),
        "fallback_dates_per_s": round(_rate(parse_date, FALLBACK_MIX, min_seconds)),
        "fast_mix_size": len(FAST_MIX),
        "fast_mix_parsed": fast_hits,
        "fallback_mix_size": len(FALLBACK_MIX),
        "fallback_mix_left_by_fast_path": fallback_fast_misses,
        "fallback_mix_parsed": fallback_hits,
    }


if __name__ == "__main__":
    print(json.dumps({"bench_dates": run()}, indent=2))
