"""One page's extraction, as a worker or the spider runs it, and its result in ``request.meta``.

:func:`extract_page` is the extraction itself, the same in a worker and in the spider;
:func:`work_page` is a worker's job (that, then the text steps); the result comes back as a
:class:`PageExtract` under ``RESULT_META``, for the page whose request carries ``EXTRACT_META``
(see :mod:`clipper.middlewares.workers`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clipper.extract import Extracted, SiteRules, extract_article
from clipper.text.prepare import Prepared, prepare

__all__ = [
    "EXTRACT_META",
    "RESULT_META",
    "PageExtract",
    "extract_page",
    "take_extracted",
    "work_page",
    "worker_result",
]

# request.meta key: extract this page in the pool (set by ArticlePageSpider.article_request).
EXTRACT_META = "clipper_extract"
# request.meta key: the pool's result, a PageExtract.
RESULT_META = "clipper_extracted"


def extract_page(
    body: bytes,
    url: str,
    declared_encoding: str | None,
    site_rules: SiteRules | None,
    now: datetime | None,
) -> tuple[Extracted, str]:
    """The extraction of one fetched page and the SHA-1 of its bytes (the item's
    ``html_hash``): the job a worker runs, and what the spider runs without one."""
    found = extract_article(
        body, url, declared_encoding=declared_encoding, site_rules=site_rules, now=now
    )
    return found, hashlib.sha1(body).hexdigest()


def work_page(*args: Any) -> tuple[Extracted, str, Prepared]:
    """A worker's job: :func:`extract_page`, then the text steps on the extracted title and
    body (:func:`clipper.text.prepare.prepare`), which the reactor would otherwise do in the
    pipeline."""
    found, html_hash = extract_page(*args)
    return found, html_hash, prepare(found.title, found.body)


@dataclass(frozen=True)
class PageExtract:
    """A worker's result for one response; ``body`` is that response's bytes object, so a
    result copied into another request's meta is never taken for its page."""

    body: bytes
    found: Extracted
    html_hash: str
    prepared: Prepared


def worker_result(meta: dict, body: bytes) -> PageExtract | None:
    """The pool's result for the page ``body`` in its request's ``meta`` (left there), or
    None when there is none: no pool, or a failed job."""
    done = meta.get(RESULT_META)
    if not isinstance(done, PageExtract) or done.body is not body:
        return None
    return done


def take_extracted(response: Any) -> PageExtract | None:
    """The pool's result for ``response`` (removed from its meta), or None when there is
    none: no pool, a failed job, or a response not tied to a request (tests)."""
    try:
        meta = response.meta
    except AttributeError:  # Response.meta raises when there is no request
        return None
    done = worker_result(meta, response.body)
    meta.pop(RESULT_META, None)
    return done
