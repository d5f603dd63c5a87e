"""Ad hoc runs never move the nightly's incremental state: the nightly stops paging only at
pages nightly runs stored, so whatever ad hoc runs did before it (one listing page, half a
run, other relevance terms, a dry run), the nightly ends up with every post, as if they had
never happened.

The crawls run in one worker process (tests/crawl_worker.py) against a board that grows
between runs (tests/growing_board.py).
"""

from __future__ import annotations

import uuid

import pytest
from crawl_worker import CrawlWorker
from growing_board import GrowingBoard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from clipper.mirror.localnews import sites_csv
from clipper.store.engine import get_engine
from models import Article, Sighting

OTHER_TERMS = "우주정거장"  # a term no post has: an ad hoc run with it drops every post


@pytest.fixture(scope="module")
def board():
    with GrowingBoard() as server:
        yield server


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    crawler = CrawlWorker(tmp_path_factory.mktemp("worker") / "crawl.log")
    yield crawler
    crawler.close()


def run(worker, board, database_url, kind="adhoc", args=None, **settings):
    answer = worker.crawl(
        "smalllibrary",
        args=args,
        settings={
            "CLIPPER_DATABASE_URL": database_url,
            "CLIPPER_SMALLLIBRARY_BASE_URL": board.url,
            "CLIPPER_RUN_KIND": kind,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "CLIPPER_PROGRESS": "off",
            **settings,
        },
    )
    return answer["stats"]


def nightly_articles(database_url) -> set[str]:
    """The articles on pages a nightly run stored."""
    with get_engine(database_url).connect() as conn:
        return set(
            conn.execute(
                select(Article.url)
                .join(Sighting, Sighting.article_id == Article.id)
                .where(Sighting.seen_by_nightly.is_(True))
            ).scalars()
        )


def stored_articles(database_url) -> set[str]:
    with get_engine(database_url).connect() as conn:
        return set(conn.execute(select(Article.url)).scalars())


@pytest.fixture
def fresh(board, worker, database_url):
    """``database_url`` with an empty board; the worker lets go of the database after."""
    board.reset(page_size=10)
    yield database_url
    worker.dispose(database_url)


def test_an_adhoc_run_of_one_page_does_not_cut_the_nightly_short(board, worker, fresh):
    board.publish(15)
    run(worker, board, fresh, "nightly")
    board.publish(30)
    run(worker, board, fresh, args={"max_pages": "1"})  # clipper crawl -a max_pages=1
    stats = run(worker, board, fresh, "nightly")
    # It walked past the page the ad hoc run stored, to the page the last nightly stored.
    assert stats.get("clipper/health/failure_class") is None
    assert stats["clipper/listing/pages"] == 4
    assert nightly_articles(fresh) == stored_articles(fresh) == board.expected_urls()
    assert len(board.expected_urls()) == 45


def localnews(worker, mirror, sites, database_url, kind="adhoc", **settings):
    """The local-news spider on one mirrored site's keyword search (not curated: an
    off-topic story is dropped and remembered as a dropped page)."""
    return worker.crawl(
        "localnews",
        args={"site": "hanbit.example", "mode": "search"},
        settings={
            "CLIPPER_DATABASE_URL": database_url,
            "CLIPPER_LOCALNEWS_SITES": str(sites),
            "CLIPPER_ALLOWED_PRIVATE_HOSTS": mirror.url.split("://")[1],
            "CLIPPER_KEYWORDS": "작은도서관",
            "CLIPPER_RUN_KIND": kind,
            "CLIPPER_EXTRACT_WORKERS": 0,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            **settings,
        },
    )["stats"]


def test_an_adhoc_run_with_other_relevance_terms_hides_nothing_from_the_nightly(
    mirror, worker, fresh, tmp_path
):
    sites = tmp_path / "sites.csv"
    sites.write_text(sites_csv(mirror.url), encoding="utf-8")
    alone = f"sqlite:///{tmp_path / 'nightly-alone.sqlite'}"
    try:
        localnews(worker, mirror, sites, alone, "nightly")
        expected = nightly_articles(alone)
    finally:
        worker.dispose(alone)
    adhoc = localnews(worker, mirror, sites, fresh, CLIPPER_RELEVANCE_TERMS=OTHER_TERMS)
    dropped = adhoc.get("item_dropped_reasons_count/OffTopic", 0)
    assert dropped >= len(expected) > 0  # every story, remembered as a dropped page
    stats = localnews(worker, mirror, sites, fresh, "nightly")
    assert stats.get("clipper/health/failure_class") is None
    assert nightly_articles(fresh) == stored_articles(fresh) == expected


def test_a_partial_nightly_makes_the_next_one_walk_every_page(board, worker, fresh):
    board.publish(30)
    # clipper crawl --as-nightly -a max_pages=1: a nightly run that stopped on purpose.
    run(worker, board, fresh, "nightly", args={"max_pages": "1"})
    stats = run(worker, board, fresh, "nightly")
    assert stats["clipper/listing/pages"] == 3
    assert nightly_articles(fresh) == board.expected_urls()


# --- The property: any sequence of ad hoc runs leaves the nightly's result unchanged -------

ADHOC = {
    "max_pages": lambda k: {"args": {"max_pages": str(k)}},
    "interrupted": lambda k: {"settings": {"CLOSESPIDER_ITEMCOUNT": k}},
    "other_terms": lambda k: {"settings": {"CLIPPER_RELEVANCE_TERMS": OTHER_TERMS}},
    "dry_run": lambda k: {"settings": {"CLIPPER_DRY_RUN": True}},
}
NIGHTLY = {
    "nightly": lambda k: {},
    # Interrupted (Ctrl-C, a crash): it must not count pages behind the ones it stored.
    "nightly_interrupted": lambda k: {"settings": {"CLOSESPIDER_ITEMCOUNT": k}},
    # --as-nightly -a max_pages=K: stopped paging on purpose.
    "nightly_partial": lambda k: {"args": {"max_pages": str(k)}},
}
step = st.tuples(
    st.integers(0, 8),  # posts published before the run
    st.sampled_from(sorted(ADHOC) + sorted(NIGHTLY)),
    st.integers(1, 3),  # its max_pages / the item count it is interrupted at
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=st.integers(1, 8), steps=st.lists(step, max_size=3))
def test_adhoc_runs_leave_the_nightly_result_unchanged(board, worker, tmp_path, first, steps):
    """After every complete nightly run, the nightly has every post on the board: what a
    sequence of nightly runs alone ends up with (the board only grows, newest first)."""
    database_url = f"sqlite:///{tmp_path / uuid.uuid4().hex}.sqlite"
    board.reset(page_size=4)
    board.publish(first)
    plan = [*steps, (0, "nightly", 1)]  # it ends with a complete nightly
    try:
        for published, name, k in plan:
            board.publish(published)
            kind = "nightly" if name in NIGHTLY else "adhoc"
            options = (NIGHTLY.get(name) or ADHOC[name])(k)
            stats = run(
                worker,
                board,
                database_url,
                kind,
                options.get("args"),
                **options.get("settings", {}),
            )
            if name == "nightly":
                assert stats["finish_reason"] == "finished"
                assert nightly_articles(database_url) == board.expected_urls(), plan
        assert stored_articles(database_url) == board.expected_urls()
    finally:
        worker.dispose(database_url)
