"""Drop reasons. Scrapy counts drops per exception class (``item_dropped_reasons_count/…``),
so each reason is its own class with a telling name.

How the dropped-page log (``clipper.extensions.dropped``) remembers a reason: ``lasting``
(the default) skips the page for good; ``lasting = False`` retries it with backoff across
runs (a page may answer 200 without its content once); ``remembered = False`` writes nothing,
so every run tries it again.

Two more are raised before the pipeline, by the extraction workers
(:mod:`clipper.middlewares.workers`): ``ExtractTimeout`` (past ``CLIPPER_EXTRACT_TIMEOUT``)
and ``ExtractCrashed`` (the page killed two workers), neither lasting."""

from scrapy.exceptions import DropItem


class MissingTitle(DropItem):
    """The page had no usable title (perhaps only this time: an error page served as 200).
    Retried with backoff."""

    lasting = False


class MissingBody(DropItem):
    """The page had no article text (perhaps only this time). Retried with backoff."""

    lasting = False


class InvalidEntry(DropItem):
    """A placeholder or test entry (e.g. a board post titled ``1``)."""


class OffTopic(DropItem):
    """Not about small libraries (kept instead when CLIPPER_KEEP_OFFTOPIC is on)."""


class UnmatchedSighting(DropItem):
    """A sighting without its article (a Google News link that cannot be followed) that no
    stored article matches yet. Not remembered as a dropped page: the article may be stored
    later by another source, and the next run tries the sighting again."""

    lasting = False
    remembered = False


class StoreRejected(DropItem):
    """The database refused the article even after its text was made storable. Retried
    with backoff."""

    lasting = False
