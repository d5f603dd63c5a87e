"""One story, three ways: the outlet's own site (localnews), a Naver copy (naver_news) and a
Google News link (google_news) crawled into one database give ONE article with THREE
sightings, because the portal spiders use the publisher's original as the item's ``url``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from clipper.mirror.localnews import load_stories, sites_csv
from clipper.mirror.portal_entries import load_entries
from clipper.text.urls import canonical_url
from models import Article, Sighting

REPO = Path(__file__).resolve().parents[1]
STORY = "night-library"


def crawl(spider: str, db: str, *settings: str, args: tuple[str, ...] = ()) -> str:
    result = subprocess.run(
        [
            sys.executable, "-m", "clipper", "crawl", spider,
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO",
            "-s", "CLIPPER_KEYWORDS=작은도서관",  # one search per site is enough here
            *[arg for setting in settings for arg in ("-s", setting)],
            *[arg for value in args for arg in ("-a", value)],
        ],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env=dict(os.environ, CLIPPER_DATABASE_URL=db),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result.stderr


def test_one_story_three_sightings(mirror, tmp_path):
    db = f"sqlite:///{tmp_path / 'clipper.sqlite'}"
    sites = tmp_path / "sites.csv"
    sites.write_text(sites_csv(mirror.url), encoding="utf-8")
    portals = f"CLIPPER_PORTAL_MIRROR_URL={mirror.url}/portals"
    # The sites CSV is no *_URL setting: the mirror's private host must be allowed by name.
    host = f"CLIPPER_ALLOWED_PRIVATE_HOSTS={mirror.url.split('://')[1]}"
    crawl(
        "localnews", db, f"CLIPPER_LOCALNEWS_SITES={sites}", host,
        args=("site=hanbit.example", "mode=search"),
    )  # fmt: skip
    crawl("naver_news", db, portals)
    crawl("google_news", db, portals)

    story = load_stories()[STORY]
    entry = next(e for e in load_entries() if e.id == STORY)
    # The article is the URL the outlet's pages declare; the outlet's sighting is the page as
    # the mirror served it.
    original = canonical_url(story["original"]["url"])
    outlet_page = canonical_url(mirror.url + story["original"]["path"])
    naver_copy = canonical_url(entry.naver_link())
    google_link = f"https://news.google.com/rss/articles/{entry.google}?oc=5"

    engine = create_engine(db)
    with Session(engine) as session:
        articles = list(session.scalars(select(Article).where(Article.title == story["title"])))
        sightings = list(session.scalars(select(Sighting)))
        by_source = {s.source_url: (s.article.url, s.spider) for s in sightings}
        article = session.scalars(select(Article).where(Article.url == original)).one()
        seen = sorted((s.spider, s.source_url) for s in article.sightings)
    engine.dispose()

    assert seen == sorted(
        [("google_news", google_link), ("localnews", outlet_page), ("naver_news", naver_copy)]
    )
    # No portal page became an article of its own; the only other article with the story's
    # title is a syndicated copy on another outlet's site (its own URL, a story member).
    copies = {canonical_url(c["url"]) for c in story["copies"]}
    assert {a.url for a in articles} - {original} <= copies
    assert by_source[naver_copy] == (original, "naver_news")
    assert by_source[google_link] == (original, "google_news")


def test_an_unfollowed_google_link_becomes_a_sighting_of_the_stored_article(mirror, tmp_path):
    db = f"sqlite:///{tmp_path / 'clipper.sqlite'}"
    sites = tmp_path / "sites.csv"
    sites.write_text(sites_csv(mirror.url), encoding="utf-8")
    host = f"CLIPPER_ALLOWED_PRIVATE_HOSTS={mirror.url.split('://')[1]}"
    crawl(
        "localnews", db, f"CLIPPER_LOCALNEWS_SITES={sites}", host,
        args=("site=hanbit.example", "mode=search"),
    )  # fmt: skip
    # As on the real site, where the opaque link cannot be followed: title, outlet, time only.
    log = crawl(
        "google_news", db, f"CLIPPER_PORTAL_MIRROR_URL={mirror.url}/portals",
        "CLIPPER_GOOGLE_NEWS_FOLLOW=False",
    )  # fmt: skip
    story = load_stories()[STORY]
    entry = next(e for e in load_entries() if e.id == STORY)
    google_link = f"https://news.google.com/rss/articles/{entry.google}?oc=5"
    engine = create_engine(db)
    with Session(engine) as session:
        article = session.scalars(
            select(Article).where(Article.url == canonical_url(story["original"]["url"]))
        ).one()
        assert google_link in {s.source_url for s in article.sightings}
        assert not session.scalars(select(Article).where(Article.url == google_link)).all()
    engine.dispose()
    assert "'clipper/store/sightings/attached'" in log
