"""The item every spider yields: transport only, storage lives in ``models/``.

Spiders fill what the page states; pipelines normalise, tag and validate, and the store
pipeline maps the item onto the database models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from clipper.text.prepare import Prepared


class ItemExtra(TypedDict, total=False):
    """``ArticleItem.extra``: what one stage tells a later one, by name. Not stored as such.

    Every key has a reader; a key nobody reads does not belong here.
    """

    # Read by the pipeline and the store.
    #: the outlet's home 시도 (a source's data, or the outlet stage from the registry): the
    #: region stage's weak prior, and the outlet row's ``home_region``
    outlet_home_region: str | None
    #: the registry's outlet kind, set by the outlet stage for a known outlet; the store
    #: writes it on the outlet row (its presence marks the outlet as known)
    outlet_kind: str
    #: a Google News sighting without its article (spiders.google_news): validate keeps it
    #: without a body, the store attaches it to a stored article
    sighting_only: bool
    #: the story signature (pipelines.stories), read by the store's story index
    minhash: dict[str, Any]
    # Provenance, for the ``crawl -o`` output and the spiders' tests.
    #: "outlet", "portal" or "feed" (the spider's ``source_kind``)
    source_kind: str
    #: the page's decoded encoding (clipper.text.encoding)
    encoding: str
    #: the board's post number (spiders.smalllibrary)
    board_id: int
    #: "feed_entry" when a feed item was stored from its entry because its page failed
    degraded: str


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
    extra: ItemExtra = field(default_factory=lambda: ItemExtra())
    # Transient: the text steps done ahead on the page's extracted title and body, in the
    # extraction worker (clipper.text.prepare). Dropped by the signature stage; not stored.
    prepared: Prepared | None = field(default=None, repr=False, compare=False)
