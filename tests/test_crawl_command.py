"""``clipper crawl`` as an operator types it: spider arguments checked against the spider's
own list, ``--database-url``, and ``--dry-run`` keeping the incremental stop."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Article
from spiders.localnews import LocalNewsSpider
from spiders.smalllibrary import SmallLibrarySpider

REPO = Path(__file__).resolve().parents[1]
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]


def clipper(*args: str, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "clipper", *args],
        capture_output=True, text=True, cwd=REPO, timeout=300, env=dict(os.environ, **(env or {})),
    )  # fmt: skip


def pages(summary: str) -> int:
    return int(re.search(r"(\d+) pages", summary).group(1))


@pytest.mark.parametrize(
    ("spider", "argument", "message"),
    [
        ("smalllibrary", "max_page=2",
         "smalllibrary has no argument 'max_page' (its arguments: full, since, until, max_pages)"),
        ("smalllibrary", "ful=1",
         "smalllibrary has no argument 'ful' (its arguments: full, since, until, max_pages)"),
        ("localnews", "sites=x",
         "localnews has no argument 'sites' (its arguments: mode, site, full, since, until, "
         "max_pages)"),
    ],
)  # fmt: skip
def test_an_unknown_spider_argument_is_refused_with_the_spiders_list(
    tmp_path, spider, argument, message
):
    database = tmp_path / "never.sqlite"
    result = clipper("crawl", spider, "-a", argument, "--database-url", f"sqlite:///{database}")
    assert result.returncode == 2
    assert result.stderr == f"clipper crawl: {message}\n"
    assert not database.exists()


def test_every_spider_takes_the_common_arguments_and_scrapyds_job_id():
    assert LocalNewsSpider.arguments() == ["mode", "site", "full", "since", "until", "max_pages"]
    spider = SmallLibrarySpider(_job="3f2a", max_pages="2")
    assert spider.max_pages == 2
    with pytest.raises(ValueError, match="no argument 'name'"):
        SmallLibrarySpider(name="other")


def test_crawl_stores_into_database_url_over_the_environment(
    mirror, database_url, engine, tmp_path
):
    elsewhere = tmp_path / "elsewhere.sqlite"
    result = clipper("crawl", "smalllibrary", "-a", "max_pages=1", "--database-url", database_url,
                     "-s", f"CLIPPER_SMALLLIBRARY_BASE_URL={mirror.board_url}", *FAST,
                     env={"CLIPPER_DATABASE_URL": f"sqlite:///{elsewhere}"})  # fmt: skip
    assert result.returncode == 0, result.stderr
    with Session(engine) as session:
        assert session.scalar(select(func.count(Article.id))) > 0
    assert not elsewhere.exists()


def test_a_dry_run_stops_at_the_first_stored_listing_page(mirror, database_url, tmp_path):
    board = ["-s", f"CLIPPER_SMALLLIBRARY_BASE_URL={mirror.board_url}", *FAST]
    fresh = tmp_path / "fresh.sqlite"
    # Nothing stored anywhere: the dry run walks the board, and creates no database.
    full = clipper("crawl", "smalllibrary", "--dry-run", "--database-url", f"sqlite:///{fresh}",
                   *board)  # fmt: skip
    assert full.returncode == 0, full.stderr
    assert not fresh.exists()
    stored = clipper("crawl", "smalllibrary", "--database-url", database_url, *board)
    assert stored.returncode == 0, stored.stderr
    again = clipper("crawl", "smalllibrary", "--dry-run", "--database-url", database_url, *board)
    assert again.returncode == 0, again.stderr
    # robots.txt and list page 1, whose posts are all stored: the incremental stop holds.
    assert pages(again.stderr) <= 2 < pages(full.stderr)
