"""The WARC archive (clipper.extensions.archive): the real `clipper crawl` of the mirror (a
real HTTP server on 127.0.0.1) with CLIPPER_ARCHIVE_DIR set, read back with warcio."""

from __future__ import annotations

import json
import urllib.request

from sqlalchemy import select
from sqlalchemy.orm import Session
from test_end_to_end import clipper, crawl_board
from warcio.archiveiterator import ArchiveIterator

from clipper.extensions.archive import read_page
from models import Article, CrawlRun, Sighting


def read_records(directory):
    records = {}
    for path in sorted(directory.glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    records[url] = (
                        record.http_headers.get_statuscode(),
                        record.content_stream().read(),
                    )
    return records


def test_crawl_with_archive_writes_every_response(mirror, database_url, engine, tmp_path):
    archive = tmp_path / "warc"
    crawl_board(mirror, database_url, "-s", f"CLIPPER_ARCHIVE_DIR={archive}")
    records = read_records(archive)
    with Session(engine) as session:
        urls = session.scalars(select(Sighting.source_url)).all()
        run = session.scalars(select(CrawlRun)).one()
    assert urls
    # Every stored sighting's page is in the archive, byte for byte what the server sends.
    # (the board is fetched from the mirror, with the listing page in the query; a sighting
    # keeps the real board's URL without it)
    fetched = {url.split("?")[0]: url for url in records}
    for identity in urls:
        url = fetched.get(identity.replace("https://www.smalllibrary.org", mirror.board_url))
        assert url, identity
        status, body = records[url]
        assert status == "200"
        with urllib.request.urlopen(url) as live:
            assert body == live.read(), url
    # Listings too: every response the run received was archived, and its bytes reported.
    assert run.stats["clipper/archive/records"] == run.pages_fetched
    assert len(records) >= run.pages_fetched - 1  # robots.txt aside, one record per URL
    total = sum(p.stat().st_size for p in archive.glob("*.warc.gz"))
    assert run.stats["clipper/archive/bytes"] == total
    shown = json.loads(clipper("runs", "--json", database_url=database_url).stdout)
    assert shown[0]["archived_bytes"] == total


def test_rows_say_where_their_page_is_archived(mirror, database_url, engine, tmp_path):
    archive = tmp_path / "warc"
    crawl_board(mirror, database_url, "-s", f"CLIPPER_ARCHIVE_DIR={archive}")
    with Session(engine) as session:
        sightings = session.scalars(select(Sighting)).all()
        articles = {a.id: a for a in session.scalars(select(Article))}
    assert sightings
    post = mirror.board_url + "/helper/news/"
    for sighting in sightings:
        # The location reads back the sighting's own page, as the spider saw it.
        page = read_page(archive / sighting.warc_file, sighting.warc_offset)
        post_id = sighting.source_url.rsplit("/", 1)[1]
        assert page.response.url.startswith(post + post_id + "?"), sighting.source_url
        assert page.callback == "parse_detail"
        assert page.cb_kwargs["source_url"] == sighting.source_url
        assert page.fetched_at is not None
        with (archive / sighting.warc_file).open("rb") as stream:
            stream.seek(sighting.warc_offset + sighting.warc_length)
            assert stream.read(2) in (b"", b"\x1f\x8b")  # the next gzip member, or the end
    for article in articles.values():
        # An article's location is one of its sightings' pages (the last one stored).
        places = {(s.warc_file, s.warc_offset) for s in sightings if s.article_id == article.id}
        assert (article.warc_file, article.warc_offset) in places, article.url


def test_archive_rotates_by_size(mirror, database_url, tmp_path):
    archive = tmp_path / "warc"
    crawl_board(
        mirror,
        database_url,
        "-s",
        f"CLIPPER_ARCHIVE_DIR={archive}",
        "-s",
        "CLIPPER_ARCHIVE_MAX_BYTES=20000",
    )
    files = sorted(archive.glob("*.warc.gz"))
    assert len(files) > 1
    # A file is closed at the first record past the bound, never split mid-record.
    assert all(p.stat().st_size < 20000 + 200000 for p in files)
    assert read_records(archive)


def test_archive_is_off_by_default(mirror, database_url, engine, tmp_path):
    crawl_board(mirror, database_url)
    with Session(engine) as session:
        run = session.scalars(select(CrawlRun)).one()
    assert "clipper/archive/bytes" not in run.stats
