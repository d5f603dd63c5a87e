"""A transient soft error is not a permanent loss: a board post that once answers 200 with
no title is dropped (MissingTitle) and remembered as waiting for a retry, not skipped for
good; a run after the backoff fetches it again and stores it. Real nightly crawls of the
mirror, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from clipper.faults import Fault, FaultPlan, FaultyMirror, check_board_store, expected_posts
from clipper.store.engine import get_engine
from models import CrawlRun, DroppedPage

pytestmark = pytest.mark.faults

# The oldest post: on the board's last listing page, behind pages a later nightly has wholly.
POST = min(expected_posts())
SOURCE = expected_posts()[POST][0]
EMPTY = "<html><head><title></title></head><body><div class='board_view'></div></body></html>"


def test_a_page_without_title_once_is_stored_by_a_later_run(database_url, cli, fault_figures):
    plan = FaultPlan(Fault("serve", rf"/helper/news/{POST}(\?|$)", times=1, body=EMPTY))
    engine = get_engine(database_url)
    with FaultyMirror(plan) as mirror:
        args = cli.crawl_args(mirror.board_url, "-s", "CLIPPER_DROP_RETRY_BACKOFF=3600")
        first = cli.run(*args, database_url=database_url)
        assert "Traceback" not in first.stderr, first.stderr[-3000:]
        assert plan.faults[0].injected == 1
        assert check_board_store(engine).lost == [POST]
        with engine.connect() as conn:
            rows = {r.source_url: r for r in conn.execute(select(DroppedPage))}
        # (The mirror's placeholder and its two broken posts are dropped too; the broken
        # ones wait for a retry as well, the placeholder is skipped for good.)
        row = rows[SOURCE]
        waiting = sum(1 for r in rows.values() if r.next_retry_at is not None)
        assert waiting == 3
        assert row.reason == "MissingTitle"
        assert row.attempts == 1
        assert row.seen_by_nightly
        assert row.next_retry_at - datetime.now(UTC) > timedelta(minutes=55)

        # Before the backoff has passed the page waits (not fetched), and says so.
        second = cli.run(*args, database_url=database_url)
        assert second.returncode == 0, second.stderr[-3000:]
        assert check_board_store(engine).lost == [POST]
        runs = cli.run("runs", database_url=database_url)
        assert f"pending retries: {waiting}" in runs.stdout, runs.stdout

        # The backoff has passed: the next nightly fetches it (walking every listing page to
        # reach it) and stores it.
        with engine.begin() as conn:
            conn.execute(
                update(DroppedPage)
                .where(DroppedPage.source_url == SOURCE)
                .values(next_retry_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        third = cli.run(*args, database_url=database_url)
    assert third.returncode == 0, third.stderr[-3000:]
    check = check_board_store(engine)
    assert check.lost == []
    assert check.duplicates == 0
    with engine.connect() as conn:
        stats = conn.execute(select(CrawlRun.stats).order_by(CrawlRun.id)).scalars().all()
    assert stats[0]["clipper/dropped/retry_scheduled"] == waiting
    assert stats[2]["clipper/dropped/retries_due"] == 1
    runs = cli.run("runs", database_url=database_url)
    assert f"pending retries: {waiting - 1}" in runs.stdout, runs.stdout
    fault_figures.add("200 without a title, once (3 runs)", 1, 1, len(check.lost), 0)
