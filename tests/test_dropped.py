"""clipper.extensions.dropped: pages whose item was dropped are remembered, in batches, and all
of them once the spider closes; a lasting reason skips the page for good, a transient one
until its retry is due (backoff doubling per attempt, given up after the limit), and an ad hoc
run never changes what the nightly skips. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scrapy import signals
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from clipper.extensions import dropped
from clipper.items import ArticleItem
from clipper.store.engine import get_engine
from clipper.store.retries import pending_retries
from models import DroppedPage
from pipelines.errors import MissingBody, MissingTitle, OffTopic, UnmatchedSighting


class Spider:
    name = "test"


def drop(log, url: str, exception: Exception) -> None:
    item = ArticleItem(url=url, source_url=url, spider="test", fetched_at=datetime.now(UTC))
    log.item_dropped(item, None, exception, Spider())


def stored(database_url: str) -> dict[str, str]:
    with get_engine(database_url).connect() as conn:
        return dict(conn.execute(select(DroppedPage.source_url, DroppedPage.reason)).all())


def test_dropped_pages_are_written_per_batch_and_when_the_spider_closes(database_url, monkeypatch):
    monkeypatch.setattr(dropped, "BATCH", 3)
    crawler = get_crawler(settings_dict={"CLIPPER_DATABASE_URL": database_url})
    log = dropped.DroppedPageLog.from_crawler(crawler)
    drop(log, "https://a.example/1", MissingTitle("x"))
    drop(log, "https://a.example/1", OffTopic("x"))  # dropped again: the last reason counts
    drop(log, "https://a.example/2", UnmatchedSighting("x"))  # not lasting: not remembered
    drop(log, "https://a.example/2", OffTopic("x"))
    assert stored(database_url) == {}
    drop(log, "https://a.example/3", OffTopic("x"))  # the third page: a batch
    assert stored(database_url) == {f"https://a.example/{n}": "OffTopic" for n in (1, 2, 3)}
    drop(log, "https://a.example/4", MissingTitle("x"))
    crawler.signals.send_catch_log(signals.spider_closed, spider=Spider(), reason="finished")
    assert stored(database_url)["https://a.example/4"] == "MissingTitle"


# --- Transient drops: retried with backoff across runs ----------------------------------------


def run_drop(database_url, url, exception, *, nightly=False, backoff=3600, limit=3):
    """One run's drop of ``url``, written when the spider closes."""
    crawler = get_crawler(
        settings_dict={
            "CLIPPER_DATABASE_URL": database_url,
            "CLIPPER_RUN_KIND": "nightly" if nightly else "adhoc",
            "CLIPPER_DROP_RETRY_BACKOFF": backoff,
            "CLIPPER_DROP_RETRY_LIMIT": limit,
        }
    )
    log = dropped.DroppedPageLog.from_crawler(crawler)
    drop(log, url, exception)
    crawler.signals.send_catch_log(signals.spider_closed, spider=Spider(), reason="finished")
    return crawler.stats.get_stats()


def row(database_url, url):
    with get_engine(database_url).connect() as conn:
        return conn.execute(select(DroppedPage).where(DroppedPage.source_url == url)).one()


def known(database_url, url, *, nightly=False) -> bool:
    from clipper.store.articles import ArticleStore

    return url in ArticleStore(get_engine(database_url), nightly=nightly).known_source_urls([url])


URL = "https://a.example/post/1"


def test_a_transient_drop_waits_for_its_backoff_then_is_fetched_again(database_url):
    before = datetime.now(UTC)
    stats = run_drop(database_url, URL, MissingTitle("x"), backoff=3600)
    first = row(database_url, URL)
    assert (first.reason, first.attempts) == ("MissingTitle", 1)
    assert before + timedelta(seconds=3590) < first.next_retry_at < before + timedelta(hours=2)
    assert stats["clipper/dropped/retry_scheduled"] == 1
    assert known(database_url, URL)  # skipped while the backoff runs
    with get_engine(database_url).connect() as conn:
        assert pending_retries(conn) == 1
        assert pending_retries(conn, due_by=datetime.now(UTC)) == 0
    # Due (the backoff is 0 here): the next run fetches it, as a page it does not have.
    run_drop(database_url, URL, MissingBody("x"), backoff=0)
    assert not known(database_url, URL)
    with get_engine(database_url).connect() as conn:
        assert pending_retries(conn, due_by=datetime.now(UTC)) == 1
    assert row(database_url, URL).attempts == 2


def test_the_backoff_doubles_and_the_last_attempt_gives_up_by_name(database_url, caplog):
    delays = []
    for attempt in (1, 2):
        started = datetime.now(UTC)
        run_drop(database_url, URL, MissingTitle("x"), backoff=60, limit=3)
        delays.append((row(database_url, URL).next_retry_at - started).total_seconds())
        assert row(database_url, URL).attempts == attempt
    assert 59 < delays[0] < 61
    assert 119 < delays[1] < 121
    stats = run_drop(database_url, URL, MissingTitle("x"), backoff=60, limit=3)
    given_up = row(database_url, URL)
    assert (given_up.attempts, given_up.next_retry_at) == (3, None)
    assert stats["clipper/dropped/gave_up"] == 1
    assert f"Giving up on {URL}: dropped 3 times (MissingTitle)" in caplog.text
    assert known(database_url, URL)  # skipped for good now
    with get_engine(database_url).connect() as conn:
        assert pending_retries(conn) == 0


def test_a_lasting_reason_is_skipped_for_good(database_url):
    stats = run_drop(database_url, URL, OffTopic("x"), backoff=0)
    assert row(database_url, URL).next_retry_at is None
    assert stats["clipper/dropped/lasting"] == 1
    assert known(database_url, URL)


def test_an_adhoc_drop_never_changes_what_the_nightly_skips(database_url):
    # The nightly dropped the page once (transient, due again at once) ...
    run_drop(database_url, URL, MissingTitle("x"), nightly=True, backoff=0)
    assert not known(database_url, URL, nightly=True)
    # ... an ad hoc run with other relevance terms drops it as off-topic, several times:
    for _ in range(3):
        stats = run_drop(database_url, URL, OffTopic("x"), backoff=0)
        assert stats["clipper/dropped/left_to_nightly"] == 1
    # the nightly still fetches it, and counts its own attempts only.
    assert not known(database_url, URL, nightly=True)
    assert (row(database_url, URL).reason, row(database_url, URL).attempts) == ("MissingTitle", 1)


def test_a_nightly_counts_only_its_own_attempts(database_url):
    for _ in range(2):  # two ad hoc runs: one attempt short of giving up
        run_drop(database_url, URL, MissingTitle("x"), backoff=0, limit=3)
    assert row(database_url, URL).attempts == 2
    assert not known(database_url, URL, nightly=True)  # not the nightly's row
    run_drop(database_url, URL, MissingTitle("x"), nightly=True, backoff=0, limit=3)
    nightly_row = row(database_url, URL)
    assert (nightly_row.attempts, nightly_row.seen_by_nightly) == (1, True)
    assert nightly_row.next_retry_at is not None  # not given up on the nightly's first try


def test_a_sighting_waits_for_its_article_unrecorded(database_url):
    run_drop(database_url, URL, UnmatchedSighting("x"))
    assert stored(database_url) == {}


def test_the_migration_makes_pages_older_versions_skipped_for_good_due(database_url):
    """Pages an older version remembered for a transient reason are due for a retry after
    the upgrade; lasting ones stay skipped. Down again, waiting pages are forgotten (the
    older code would skip them for good), so they are fetched again."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from clipper.store.engine import (
        alembic_config,
        create_db_engine,
        current_revision,
        downgrade,
        head_revision,
        upgrade,
    )

    before = ScriptDirectory.from_config(alembic_config()).get_revision("0009").down_revision
    engine = create_db_engine(database_url)
    downgrade(engine, before)
    with engine.begin() as conn:
        for n, reason in enumerate(("MissingTitle", "MissingBody", "OffTopic", "InvalidEntry")):
            conn.execute(
                text(
                    "INSERT INTO dropped_pages (source_url, spider, reason, first_seen, "
                    "last_seen, seen_by_nightly) VALUES (:url, 'x', :reason, :t, :t, :yes)"
                ),
                {"url": f"https://a.example/{n}", "reason": reason, "yes": True,
                 "t": "2026-01-01 00:00:00"},
            )  # fmt: skip
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        rows = {
            r.reason: (r.attempts, r.next_retry_at is not None)
            for r in conn.execute(select(DroppedPage))
        }
        assert pending_retries(conn, nightly=True, due_by=datetime.now(UTC)) == 2
    assert rows == {
        "MissingTitle": (1, True),
        "MissingBody": (1, True),
        "OffTopic": (1, False),
        "InvalidEntry": (1, False),
    }
    downgrade(engine, before)
    with engine.connect() as conn:
        reasons = set(conn.execute(text("SELECT reason FROM dropped_pages")).scalars())
    assert reasons == {"OffTopic", "InvalidEntry"}
    upgrade(engine)
