"""Fault-injection suite helpers: the ``clipper`` command in a subprocess, and the figures
table (faults injected, faults survived, articles lost, duplicates) printed at the end."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Fast, deterministic crawling of the mirror; timeouts short enough for a timeout fault to
# cost seconds, long enough that the first items' pipeline warm-up (which blocks the
# reactor for about a second) is not mistaken for a slow server.
FAST = [
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "DOWNLOAD_TIMEOUT=2",
    "-s", "CLIPPER_STORE_BATCH_SIZE=5",
]  # fmt: skip


@dataclass
class FaultFigures:
    scenario: str
    injected: int
    survived: int
    lost: int
    duplicates: int
    note: str = ""


class FigureTable(list):
    def add(
        self,
        scenario: str,
        injected: int,
        survived: int,
        lost: int,
        duplicates: int,
        note: str = "",
    ) -> None:
        self.append(FaultFigures(scenario, injected, survived, lost, duplicates, note))


_FIGURES = FigureTable()


@pytest.fixture(scope="session")
def fault_figures() -> FigureTable:
    """Rows for the summary table; a scenario adds one row when it has run."""
    return _FIGURES


def pytest_terminal_summary(terminalreporter):
    if not _FIGURES:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fault injection figures")
    write(f"{'scenario':<34} {'injected':>8} {'survived':>8} {'lost':>5} {'dupes':>5}  note")
    for row in _FIGURES:
        write(
            f"{row.scenario:<34} {row.injected:>8} {row.survived:>8} {row.lost:>5} "
            f"{row.duplicates:>5}  {row.note}"
        )
    write(
        f"{'total':<34} {sum(r.injected for r in _FIGURES):>8} "
        f"{sum(r.survived for r in _FIGURES):>8} {sum(r.lost for r in _FIGURES):>5} "
        f"{sum(r.duplicates for r in _FIGURES):>5}"
    )


def run_clipper(
    *args: str,
    database_url: str,
    env: dict[str, str] | None = None,
    module: str = "clipper",
    timeout: float = 120,
) -> subprocess.CompletedProcess:
    """``python -m clipper ARGS`` (or ``-m clipper.faults`` for the database knobs)."""
    environ = dict(os.environ, CLIPPER_DATABASE_URL=database_url, **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True, text=True, env=environ, cwd=REPO, timeout=timeout,
    )  # fmt: skip


def crawl_args(board_url: str, *extra: str) -> list[str]:
    return [
        "crawl", "smalllibrary", "--as-nightly",
        "-s", f"CLIPPER_SMALLLIBRARY_BASE_URL={board_url}",
        *FAST, *extra,
    ]  # fmt: skip


class Cli:
    """The helpers above as a fixture (test modules cannot import a conftest)."""

    FAST = FAST
    run = staticmethod(run_clipper)
    crawl_args = staticmethod(crawl_args)


@pytest.fixture(scope="session")
def cli() -> type[Cli]:
    return Cli
