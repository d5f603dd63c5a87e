"""Network failures are logged in one line with their cause; bugs keep their traceback."""

from __future__ import annotations

import logging
import sys

import pytest
from scrapy.exceptions import DownloadConnectionRefusedError

from clipper.extensions.logformatter import NetworkTracebackFilter


def record_of(error: Exception) -> logging.LogRecord:
    try:
        raise error
    except Exception:
        exc_info = sys.exc_info()
    return logging.LogRecord(
        "scrapy.core.scraper",
        logging.ERROR,
        __file__,
        1,
        "Error downloading %(request)s",
        ({"request": "<GET http://example.invalid/>"},),
        exc_info,
    )


def test_network_failure_loses_its_traceback_and_keeps_its_cause():
    record = record_of(DownloadConnectionRefusedError("Connection was refused by other side"))
    assert NetworkTracebackFilter().filter(record)
    assert record.exc_info is None
    assert record.getMessage() == (
        "Error downloading <GET http://example.invalid/>: Connection was refused by other side"
    )


@pytest.mark.parametrize("error", [ValueError("a bug"), KeyError("title")])
def test_other_errors_keep_their_traceback(error):
    record = record_of(error)
    assert NetworkTracebackFilter().filter(record)
    assert record.exc_info is not None
    assert record.exc_info[1] is error
    assert record.getMessage() == "Error downloading <GET http://example.invalid/>"
