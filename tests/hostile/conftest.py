"""The hostile-source suite (issue 13, ``pytest -m hostile``): a real HTTP server on 127.0.0.1
serving each hostile case as a small site, crawled by the real ``clipper crawl`` in a
subprocess into SQLite and PostgreSQL, and a table of the figures at the end.

A case is a site under its own path prefix (``/<case>``): a small-library board (rendered by
the mirror's own board code from the case's posts, the spider ``smalllibrary`` crawls it with
``CLIPPER_SMALLLIBRARY_BASE_URL`` pointed at it), or feeds and article pages (the spider
``rss``). A test asserts, for each case: everything that could be stored is, once; no
traceback; the child's peak RSS under a bound; the run's ``crawl_runs`` row and exit code
tell the truth. Each crawl adds a row to the table printed after the session (and written to
``$CLIPPER_HOSTILE_REPORT``, else ``hostile-report.txt`` in pytest's temporary directory).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hostile_sites import ROWS, RSS_BOUND_MB, HostileServer, Report, table


@pytest.fixture(scope="session")
def hostile_server():
    with HostileServer() as server:
        yield server


@pytest.fixture(scope="session")
def hostile_report() -> Report:
    return Report()


@pytest.fixture
def db_kind(request) -> str:
    return request.node.callspec.params.get("database_url", "sqlite")


def pytest_terminal_summary(terminalreporter, config):
    if not ROWS:
        return
    lines = table()
    path = os.environ.get("CLIPPER_HOSTILE_REPORT")
    if not path:
        factory = getattr(config, "_tmp_path_factory", None)
        base = factory.getbasetemp() if factory is not None else Path(tempfile.gettempdir())
        path = str(Path(base) / "hostile-report.txt")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    terminalreporter.section("hostile sources (issue 13)")
    for line in lines:
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"(table written to {path}; RSS bound {RSS_BOUND_MB} MB)")
