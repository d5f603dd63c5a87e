"""The item every spider yields: transport only, storage lives in ``models/``.

Spiders fill what the page states; pipelines normalise, tag and validate, and the store
pipeline maps the item onto the database models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ArticleItem:
    # Identity. ``url`` is the article's canonical URL (the original article when the source
    # links to it); ``source_url`` is the canonical URL of the page we saw it on (a board post,
    # a portal page). Both are canonical: no tracking or paging parameters.
    url: str
    source_url: str
    spider: str
    # When the page was fetched (aware); the anchor for relative dates such as "3시간 전".
    fetched_at: datetime
    title: str = ""
    body: str = ""
    # As written on the page; pipelines fill the parsed/normalised fields below.
    published_raw: str = ""
    outlet_raw: str = ""
    region_tag: str = ""  # a source's own region label, e.g. the board's "[경기]"
    author: str = ""
    # Filled by pipelines.
    published: datetime | None = None
    outlet: str = ""  # canonical outlet name, or the raw string when unknown
    region: str | None = None  # one of the 17 시도 short names, "전국", or None
    region_evidence: str = ""
    matched_terms: list[str] = field(default_factory=list)  # small-library terms found
    # Raw-data bookkeeping so articles can be re-processed without re-crawling.
    html_hash: str = ""
    # Where the fetched page lies in the WARC archive: (file relative to CLIPPER_ARCHIVE_DIR,
    # offset, length); None when it was not archived (clipper.extensions.archive).
    warc: tuple[str, int, int] | None = None
    extra: dict = field(default_factory=dict)
    # Transient: the text stages' work done ahead on the page's extracted title and body, in
    # the extraction worker (pipelines.prepare). Dropped by the signature stage; not stored.
    prepared: dict | None = field(default=None, repr=False, compare=False)
