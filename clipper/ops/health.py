"""Run health: why a run failed, from its stats and its recent history.

A crawler that silently returns nothing is the commonest failure of news crawlers; every
run therefore gets a failure class or ``None`` (healthy), decided from its own stats
(``classify``) and from the runs before it (``monitor``). Thresholds are settings:

- ``CLIPPER_MONITOR_ZERO_RUNS`` (3): zero listed entries this many runs in a row.
- ``CLIPPER_MONITOR_MIN_COVERAGE`` (0.5): share of stored items with a published time,
  body, region and outlet under which the run is flagged.
- ``CLIPPER_MONITOR_MEDIAN_RATIO`` (0.2) over ``CLIPPER_MONITOR_HISTORY`` (7) runs: listed
  entries below this share of the recent median.
"""

from __future__ import annotations

from statistics import median

FAILURE_CLASSES = (
    "database",
    "blocked",
    "timeout",
    "http_errors",
    "empty_results",
    "pages_lost",
    "parse_failures",
    "zero_items",
    "coverage_low",
    "below_median",
    "errors",
    "cancelled",
)

COVERAGE_FIELDS = ("published", "body", "region", "outlet")
# Pages the server will never let the crawler have, however often it asks: a redirect loop,
# a response that inflates past DOWNLOAD_MAXSIZE (a gzip bomb). Each is a lost page, so the
# run is unhealthy even when it is the only fault (a 404 is a page that is gone, not lost).
LOST_PAGE_FAILURES = ("RedirectLoop", "DecompressionBomb")


def lost_pages(stats: dict) -> int:
    """Pages lost to a server that would not hand them over (see LOST_PAGE_FAILURES)."""
    return sum(int(stats.get(f"clipper/download/failed/{name}", 0)) for name in LOST_PAGE_FAILURES)


def listed(stats: dict) -> int:
    """Entries a spider saw on its listing pages (new or already stored)."""
    return int(stats.get("clipper/listing/entries", 0))


def coverage(stats: dict) -> dict[str, float | None]:
    """Share of validated items that had each field (None when no item was validated)."""
    result: dict[str, float | None] = {}
    for field in COVERAGE_FIELDS:
        present = stats.get(f"clipper/validate/{field}/present", 0)
        absent = stats.get(f"clipper/validate/{field}/absent", 0)
        result[field] = present / (present + absent) if present + absent else None
    return result


def classify(stats: dict, reason: str) -> str | None:
    """The failure class of a run from its own stats, or None when nothing is wrong."""
    if reason == "database_error" or stats.get("clipper/store/error"):
        return "database"
    if reason == "shutdown":
        # Ctrl-C or SIGTERM: the requests it dropped count as download errors, but the run
        # was stopped, not failing (docs/operations.md).
        return "cancelled"
    # robots.txt answers are counted with the pages but are not pages: a site without one
    # answers 404, which must not make a small run (robots.txt, a listing, one new post)
    # look like one whose pages fail.
    robots = {
        int(key.rsplit("/", 1)[1]): value
        for key, value in stats.items()
        if key.startswith("robotstxt/response_status_count/")
    }
    responses = stats.get("response_received_count", 0) - sum(robots.values())
    statuses = {
        status: value - robots.get(status, 0)
        for status, value in (
            (int(key.rsplit("/", 1)[1]), value)
            for key, value in stats.items()
            if key.startswith("downloader/response_status_count/")
        )
    }
    blocked = statuses.get(403, 0) + statuses.get(429, 0) + stats.get("robotstxt/forbidden", 0)
    errors = sum(v for s, v in statuses.items() if s >= 400)
    timeouts = sum(
        v
        for k, v in stats.items()
        if k.startswith("downloader/exception_type_count/") and "Timeout" in k
    )
    exceptions = stats.get("downloader/exception_count", 0)
    if blocked and blocked >= max(1, responses // 2):
        return "blocked"
    if timeouts and timeouts >= max(1, (responses + exceptions) // 2):
        return "timeout"
    if (errors + exceptions) and (errors + exceptions) >= max(1, (responses + exceptions) // 2):
        return "http_errors"
    if responses and not listed(stats) and stats.get("clipper/listing/pages", 0):
        return "empty_results"
    if lost_pages(stats):
        return "pages_lost"
    dropped = sum(
        v
        for k, v in stats.items()
        if k.startswith("item_dropped_reasons_count/Missing") or "/dropped/" in k
    )
    scraped = stats.get("item_scraped_count", 0)
    if dropped and dropped > scraped:
        return "parse_failures"
    if reason not in ("finished",):
        return reason if reason in FAILURE_CLASSES else "cancelled"
    if stats.get("log_count/ERROR", 0):
        return "errors"
    return None


def monitor(stats: dict, history: list[dict], settings) -> str | None:
    """Flags from the run's history (older runs' stats, newest first), or None."""
    zero_runs = settings.getint("CLIPPER_MONITOR_ZERO_RUNS", 3)
    min_coverage = settings.getfloat("CLIPPER_MONITOR_MIN_COVERAGE", 0.5)
    ratio = settings.getfloat("CLIPPER_MONITOR_MEDIAN_RATIO", 0.2)
    window = settings.getint("CLIPPER_MONITOR_HISTORY", 7)
    recent = [listed(s) for s in history[: max(0, zero_runs - 1)]]
    if listed(stats) == 0 and len(recent) == zero_runs - 1 and not any(recent):
        return "zero_items"
    low = [f for f, share in coverage(stats).items() if share is not None and share < min_coverage]
    if low:
        return "coverage_low"
    past = [listed(s) for s in history[:window] if listed(s)]
    if len(past) >= 3 and listed(stats) < ratio * median(past):
        return "below_median"
    return None
