"""Run health: failure classes from a run's stats and monitors over its history."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from clipper.ops.health import classify, coverage, monitor

SETTINGS = Settings(
    {
        "CLIPPER_MONITOR_ZERO_RUNS": 3,
        "CLIPPER_MONITOR_MIN_COVERAGE": 0.5,
        "CLIPPER_MONITOR_MEDIAN_RATIO": 0.2,
        "CLIPPER_MONITOR_HISTORY": 7,
    }
)
EXCEPTION = "downloader/exception_type_count/twisted.internet.error."
HEALTHY = {
    "response_received_count": 12,
    "downloader/response_status_count/200": 12,
    "clipper/listing/pages": 2,
    "clipper/listing/entries": 20,
    "item_scraped_count": 10,
}


@pytest.mark.parametrize(
    ("stats", "reason", "expected"),
    [
        pytest.param(HEALTHY, "finished", None, id="healthy"),
        pytest.param(
            {**HEALTHY, "clipper/store/error": "locked"},
            "finished",
            "database",
            id="database-error",
        ),
        pytest.param({}, "database_error", "database", id="database-close-reason"),
        pytest.param(
            {"response_received_count": 4, "downloader/response_status_count/403": 4},
            "finished",
            "blocked",
            id="403-blocked",
        ),
        pytest.param(
            {"response_received_count": 1, "robotstxt/forbidden": 3},
            "finished",
            "blocked",
            id="robots-forbidden",
        ),
        pytest.param(
            {
                "downloader/exception_count": 5,
                "downloader/exception_type_count/twisted.internet.error.TimeoutError": 5,
            },
            "finished",
            "timeout",
            id="timeouts",
        ),
        pytest.param(
            {"response_received_count": 4, "downloader/response_status_count/503": 4},
            "finished",
            "http_errors",
            id="5xx",
        ),
        pytest.param(
            {"response_received_count": 3, "clipper/listing/pages": 3},
            "finished",
            "empty_results",
            id="layout-changed-listing-empty",
        ),
        pytest.param(
            {**HEALTHY, "item_scraped_count": 1, "item_dropped_reasons_count/MissingTitle": 9},
            "finished",
            "parse_failures",
            id="detail-layout-changed",
        ),
        pytest.param(
            {**HEALTHY, "clipper/download/failed/RedirectLoop": 1},
            "finished",
            "pages_lost",
            id="one-redirect-loop",
        ),
        pytest.param(
            {**HEALTHY, "clipper/download/failed/DecompressionBomb": 1, "log_count/ERROR": 1},
            "finished",
            "pages_lost",
            id="one-gzip-bomb",
        ),
        pytest.param(
            {**HEALTHY, "clipper/download/failed/HttpError404": 1},
            "finished",
            None,
            id="a-404-is-a-page-gone",
        ),
        pytest.param({**HEALTHY, "log_count/ERROR": 2}, "finished", "errors", id="logged-errors"),
        pytest.param(HEALTHY, "shutdown", "cancelled", id="killed"),
        pytest.param(
            {
                "response_received_count": 3,
                "downloader/response_status_count/200": 2,
                "downloader/response_status_count/404": 1,
                "robotstxt/response_status_count/404": 1,
                "clipper/listing/pages": 1,
                "clipper/listing/entries": 10,
                "item_scraped_count": 1,
            },
            "finished",
            None,
            id="a-small-run-on-a-site-without-robots-txt",
        ),
        pytest.param(
            {**HEALTHY, "downloader/exception_count": 40, f"{EXCEPTION}ConnectionLost": 40},
            "shutdown",
            "cancelled",
            id="interrupted-with-its-requests-dropped",
        ),
    ],
)
def test_classify(stats, reason, expected):
    assert classify(stats, reason) == expected


def listing(n: int) -> dict:
    return {"clipper/listing/entries": n}


@pytest.mark.parametrize(
    ("stats", "history", "expected"),
    [
        pytest.param(listing(10), [listing(10)] * 5, None, id="steady"),
        pytest.param(listing(0), [listing(0), listing(0)], "zero_items", id="zero-three-times"),
        pytest.param(listing(0), [listing(0), listing(5)], None, id="zero-twice-only"),
        pytest.param(listing(1), [listing(20)] * 5, "below_median", id="far-below-median"),
        pytest.param(listing(1), [listing(20)] * 2, None, id="too-little-history"),
        pytest.param(
            {
                **listing(10),
                "clipper/validate/region/present": 1,
                "clipper/validate/region/absent": 9,
            },
            [],
            "coverage_low",
            id="region-coverage-low",
        ),
    ],
)
def test_monitor(stats, history, expected):
    assert monitor(stats, history, SETTINGS) == expected


def test_coverage_shares():
    stats = {"clipper/validate/body/present": 3, "clipper/validate/body/absent": 1}
    assert coverage(stats) == {"published": None, "body": 0.75, "region": None, "outlet": None}
