"""Retry state of dropped pages: when a page dropped for a transient reason may be fetched
again, and how many such pages wait.

A lasting drop (``next_retry_at`` NULL) is skipped for good; a transient one is skipped
until ``next_retry_at``, ``backoff * 2 ** (attempts - 1)`` after the run that dropped it,
and then fetched like a new page. A page stored since (a sighting with its URL) no longer
waits. For a nightly run only nightly rows count, as in ``ArticleStore.known_source_urls``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, exists, func, or_, select

from models import DroppedPage, Sighting

# However many attempts: never wait longer than this between two.
MAX_DELAY = timedelta(days=30)


def retry_delay(attempts: int, backoff: timedelta) -> timedelta:
    """How long after its ``attempts``-th drop a page waits for the next try."""
    return min(backoff * 2 ** max(0, min(attempts - 1, 30)), MAX_DELAY)


def skipped(now: datetime):
    """The dropped pages a run skips at ``now``: lasting, or waiting for their retry."""
    return or_(DroppedPage.next_retry_at.is_(None), DroppedPage.next_retry_at > now)


def waiting(*, spider: str | None = None, nightly: bool = False):
    """The condition on ``dropped_pages`` of pages waiting for a retry (not stored since)."""
    stored = select(Sighting.id).where(Sighting.source_url == DroppedPage.source_url)
    if nightly:
        stored = stored.where(Sighting.seen_by_nightly.is_(True))
    condition = and_(DroppedPage.next_retry_at.is_not(None), ~exists(stored))
    if nightly:
        condition = and_(condition, DroppedPage.seen_by_nightly.is_(True))
    if spider is not None:
        condition = and_(condition, DroppedPage.spider == spider)
    return condition


def pending_retries(
    conn: Connection,
    *,
    spider: str | None = None,
    nightly: bool = False,
    due_by: datetime | None = None,
) -> int:
    """How many dropped pages wait for a retry (due by ``due_by`` when given)."""
    condition = waiting(spider=spider, nightly=nightly)
    if due_by is not None:
        condition = and_(condition, DroppedPage.next_retry_at <= due_by)
    return int(conn.execute(select(func.count()).where(condition)).scalar_one())
