"""``clipper reprocess`` and ``clipper crawl --replay`` over the WARC archive of a real crawl
of the mirror (a real HTTP server on 127.0.0.1), on SQLite and PostgreSQL.

The changed extraction rule (tests/reprocess_rule.py) alters the board spider's title and
body rules; a fresh crawl with it is what reprocess must reproduce."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from reprocess_rule import MARK
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from test_end_to_end import FAST, REPO, clipper, crawl_board

from models import Article, Base, CrawlRun, Outlet, Sighting, StoryMember

COLUMNS = (
    "title", "body", "author", "published", "published_raw", "region", "region_evidence",
    "outlet_raw", "matched_terms", "content_hash", "html_hash",
)  # fmt: skip


# A story posted twice is one article: the post stored last gives its row, and with many
# requests in flight which one that is depends on the network's timing, which neither a
# second crawl nor a replay can repeat. Crawls compared row for row fetch one page at a time.
ORDERED = ("-s", "CONCURRENT_REQUESTS=1")


def snapshot(engine, *, locations: bool = False) -> dict:
    """What a crawl stored, comparable across runs (ids and times aside)."""
    with Session(engine) as session:
        articles = session.execute(
            select(Article, Outlet.name).outerjoin(Outlet, Article.outlet_id == Outlet.id)
        ).all()
        urls = {a.id: a.url for a, _name in articles}
        rows = {
            a.url: (
                *(getattr(a, c) for c in COLUMNS),
                name,
                *((a.warc_file, a.warc_offset, a.warc_length) if locations else ()),
            )
            for a, name in articles
        }
        sightings = {
            s.source_url: (urls[s.article_id], *((s.warc_file, s.warc_offset) if locations else ()))
            for s in session.scalars(select(Sighting))
        }
        groups: dict[int, set[str]] = {}
        for member in session.scalars(select(StoryMember)):
            groups.setdefault(member.story_id, set()).add(urls[member.article_id])
    return {
        "articles": rows,
        "sightings": sightings,
        "stories": sorted(sorted(g) for g in groups.values()),
    }


def wipe(engine) -> None:
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(delete(table))


def changed_rule_clipper(*args: str, database_url: str, kill_after: int | None = None):
    """``clipper ARGS`` in a process where the board's rules are changed."""
    hook = ["--kill-after", str(kill_after)] if kill_after else []
    env = dict(os.environ, CLIPPER_DATABASE_URL=database_url, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, str(REPO / "tests" / "reprocess_rule.py"), *hook, *args],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=300,
    )  # fmt: skip


def crawl_with_changed_rule(mirror, database_url):
    result = changed_rule_clipper(
        "crawl", "smalllibrary", "-s", f"CLIPPER_SMALLLIBRARY_BASE_URL={mirror.board_url}",
        *FAST, *ORDERED, database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_reprocess_stores_what_a_fresh_crawl_with_the_changed_rule_stores(
    mirror, database_url, engine, tmp_path
):
    crawl_with_changed_rule(mirror, database_url)
    expected = snapshot(engine)
    wipe(engine)
    archive = tmp_path / "warc"
    crawl_board(mirror, database_url, "-s", f"CLIPPER_ARCHIVE_DIR={archive}", *ORDERED)
    before = snapshot(engine)
    assert set(before["articles"]) == set(expected["articles"])
    assert before["articles"] != expected["articles"]  # the rule matters

    args = ["reprocess", "--archive-dir", str(archive)]
    dry = changed_rule_clipper(*args, "--dry-run", database_url=database_url)
    assert dry.returncode == 0, dry.stderr
    n = len(expected["articles"])
    assert f"{n} articles selected, {n} read from the archive, 0 not in the archive" in dry.stdout
    assert f"Would change {n} articles: title {n}" in dry.stdout
    assert MARK in dry.stdout  # an example of a changed title
    assert snapshot(engine) == before  # a dry run writes nothing
    # Tags alone work on the stored text: the changed text rule changes nothing there.
    tags = changed_rule_clipper(*args, "--stage", "tags", "--dry-run", database_url=database_url)
    assert "Would change 0 articles" in tags.stdout, tags.stdout
    text = changed_rule_clipper(*args, "--stage", "text", "--dry-run", database_url=database_url)
    assert f"Would change {n} articles: title {n}" in text.stdout, text.stdout

    done = changed_rule_clipper(*args, database_url=database_url)
    assert done.returncode == 0, done.stderr
    assert f"Changed {n} articles: title {n}" in done.stdout
    assert snapshot(engine) == expected
    # Again: nothing left to change.
    again = changed_rule_clipper(*args, database_url=database_url)
    assert "Changed 0 articles" in again.stdout
    assert snapshot(engine) == expected


def test_articles_without_an_archived_page_are_named(mirror, database_url, engine, tmp_path):
    archive = tmp_path / "warc"
    crawl_board(mirror, database_url, "-s", f"CLIPPER_ARCHIVE_DIR={archive}")
    with engine.begin() as conn:
        some = conn.execute(select(Article.id, Article.url).limit(2)).all()
        conn.execute(
            Article.__table__.update().where(Article.id == some[0].id).values(warc_file=None)
        )
        conn.execute(
            Article.__table__.update()
            .where(Article.id == some[1].id)
            .values(warc_file="gone.warc.gz")
        )
    result = clipper(
        "reprocess", "--stage", "tags", "--archive-dir", str(archive), database_url=database_url
    )
    assert "2 not in the archive" in result.stdout
    assert f"  {some[0].url}: no archived page recorded" in result.stdout
    assert f"  {some[1].url}: archive file missing: gone.warc.gz" in result.stdout
    assert "Changed 0 articles" in result.stdout


def test_replayed_crawl_stores_the_same_rows_as_the_live_one(
    mirror, database_url, engine, tmp_path
):
    archive = tmp_path / "warc"
    crawl_board(mirror, database_url, "-s", f"CLIPPER_ARCHIVE_DIR={archive}", *ORDERED)
    live = snapshot(engine, locations=True)
    with Session(engine) as session:
        live_run = session.scalars(select(CrawlRun)).one()
    wipe(engine)
    crawl_board(mirror, database_url, "--replay", str(archive), *ORDERED)
    assert snapshot(engine, locations=True) == live
    with Session(engine) as session:
        run = session.scalars(select(CrawlRun)).one()
    # Every response came from the archive, none from the network, and nothing new archived.
    assert run.stats["clipper/replay/answered"] == run.pages_fetched == live_run.pages_fetched
    assert "clipper/replay/missing" not in run.stats
    assert "clipper/archive/bytes" not in run.stats


def test_a_page_not_in_the_replayed_archive_is_counted_not_fetched(
    mirror, database_url, engine, tmp_path
):
    archive = tmp_path / "warc"
    crawl_board(mirror, database_url, "-s", f"CLIPPER_ARCHIVE_DIR={archive}", "-a", "max_pages=1")
    wipe(engine)
    bogus = tmp_path / "bogus.warc.gz"
    bogus.write_bytes(b"not a WARC file")
    # Page 2 of the listing was never fetched: the replay names it and goes on (and so past
    # a file it cannot read).
    result = crawl_board(
        mirror, database_url, "--replay", str(archive), "--replay", str(bogus), "-a", "max_pages=2"
    )
    assert f"Cannot read the WARC file {bogus}" in result.stderr
    assert "Not in the replayed archive, not fetched: " in result.stderr
    assert "currentPage=2" in result.stderr
    runs = json.loads(clipper("runs", "--json", database_url=database_url).stdout)
    with Session(engine) as session:
        run = session.scalars(select(CrawlRun)).one()
    assert run.stats["clipper/replay/missing"] >= 1
    assert run.stats["clipper/replay/unreadable_files"] == 1
    assert runs[0]["status"] == "ok"


def test_a_killed_reprocess_rerun_loses_and_duplicates_nothing(
    mirror, database_url, engine, tmp_path
):
    archive = tmp_path / "warc"
    crawl_board(mirror, database_url, "-s", f"CLIPPER_ARCHIVE_DIR={archive}")
    with Session(engine) as session:
        counts = {
            t: session.scalar(select(func.count()).select_from(t))
            for t in (Article, Sighting, StoryMember)
        }
    args = ["reprocess", "--archive-dir", str(archive), "--batch-size", "5"]
    killed = changed_rule_clipper(*args, database_url=database_url, kill_after=3)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    with Session(engine) as session:
        titles = session.scalars(select(Article.title)).all()
    changed = sum(t.endswith(MARK) for t in titles)
    assert changed == 15  # three committed batches of five, and not one more
    rerun = changed_rule_clipper(*args, database_url=database_url)
    assert rerun.returncode == 0, rerun.stderr
    assert f"Changed {len(titles) - 15} articles" in rerun.stdout
    with Session(engine) as session:
        titles = session.scalars(select(Article.title)).all()
        after = {
            t: session.scalar(select(func.count()).select_from(t))
            for t in (Article, Sighting, StoryMember)
        }
        stories = session.scalars(select(StoryMember.article_id)).all()
    assert after == counts  # nothing lost, nothing duplicated
    assert len(stories) == len(set(stories))  # each article in one story
    assert all(t.endswith(MARK) and not t.endswith(MARK * 2) for t in titles)


def test_portal_crawl_replays_and_reprocesses_to_the_same_rows(
    mirror, database_url, engine, tmp_path
):
    # A portal's article pages are fetched with the listing's hints (outlet, title, date) as
    # the callback's arguments: the archive keeps them, so replay and reprocess see them too.
    archive = tmp_path / "warc"
    portal = [
        "crawl", "naver_news", *FAST, "-s", f"CLIPPER_PORTAL_MIRROR_URL={mirror.url}/portals",
        "-s", "CLIPPER_KEYWORDS=작은도서관", *ORDERED,
    ]  # fmt: skip
    clipper(*portal, "-s", f"CLIPPER_ARCHIVE_DIR={archive}", database_url=database_url)
    live = snapshot(engine, locations=True)
    assert live["articles"]
    done = clipper("reprocess", "--archive-dir", str(archive), database_url=database_url)
    n = len(live["articles"])
    assert f"{n} articles selected, {n} read from the archive, 0 not in the archive" in done.stdout
    assert "Changed 0 articles" in done.stdout, done.stdout
    assert snapshot(engine, locations=True) == live
    wipe(engine)
    clipper(*portal, "--replay", str(archive), database_url=database_url)
    assert snapshot(engine, locations=True) == live
