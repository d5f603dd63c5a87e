"""Article extraction in worker processes, so the reactor thread keeps crawling.

Extracting a page (decode, the lxml and BeautifulSoup parses, the layers) is ~2 ms of CPU
per article; on the reactor thread it holds up every download and pipeline stage while the
machine's other core idles. :class:`ExtractMiddleware`, a downloader middleware, sends the
bytes of each article page to an :class:`ExtractPool` as the response arrives, awaits the
result without blocking the reactor and leaves it in ``request.meta`` for
:meth:`spiders.article.ArticlePageSpider.parse_article`, which then skips its own
extraction. The output is the same either way: one function, :func:`extract_page`, runs in
the worker or in the spider. The worker's job (:func:`work_page`) also does the text
steps on what it extracted (:func:`clipper.text.prepare.prepare`), which the text stages
then reuse, and ``clipper.middlewares.charset`` takes the page's encoding from the worker's decode. The
pool is driven by the asyncio event loop, so it needs the asyncio reactor (Scrapy's
default); under another reactor the middleware switches off.

Only requests that :meth:`~spiders.article.ArticlePageSpider.article_request` marks
(``meta[EXTRACT_META]``, set when ``parse_article`` is the callback) are sent, and only 2xx
responses; others pass untouched. When the workers already have ``8 x workers`` pages to do
(the machine's other core is busy), the spider extracts the page itself rather than let it
wait.

Setting ``CLIPPER_EXTRACT_WORKERS``: worker processes; default ``min(2, cores - 1)``, so 0 on
one core; 0 switches the middleware off. The workers are spawned when the spider opens (they
import while the crawl fetches its listings) and stopped and joined when it closes. Like any
spawned process they import the program's main module, which must keep its work under
``if __name__ == "__main__"`` (``scrapy`` and ``clipper`` do).

Setting ``CLIPPER_EXTRACT_TIMEOUT``: seconds a worker may spend on one page (default 30; a
page takes a few milliseconds). A page past it is dropped as ``ExtractTimeout`` and its
worker killed and replaced; a page whose extraction kills a worker is tried once more in a
fresh one, then dropped as ``ExtractCrashed``. Such a page is never extracted in the crawler
process (no deadline there: one such page would hang the crawl and its shutdown). Both drops
are counted like a pipeline's (``item_dropped_reasons_count/<Reason>``) and are not lasting:
the next run tries the page again.

Stats ``clipper/workers/...``: ``pages/pool`` (extracted in a worker), ``pages/busy`` (the
workers had enough queued: extracted by the spider), ``pages/unavailable`` (the pool is
closed or broken: extracted by the spider), ``pages/failed`` (a job raised: extracted by the
spider), ``pages/timeout`` and ``pages/crashed`` (dropped, above), ``pool/replaced`` (a
worker killed or dead and replaced), ``pool/broken`` (once: workers died before they were
ready, or more than ``MAX_DEATHS`` times; the rest of the crawl extracts in the spider).

Test-only: the environment variable ``CLIPPER_TEST_WORKER_FAULT`` (``FAULT_ENV``),
``hang:<text>`` or ``exit:<text>``, makes a worker hang or die on a page whose URL contains
``<text>`` (tests/test_workers.py); nothing else reads it and it must stay unset in use.

Modules: :mod:`~clipper.middlewares.workers.job` (what a worker does for one page and how
its result travels in ``request.meta``), :mod:`~clipper.middlewares.workers.pool` (the worker
processes, their protocol, the deadline and the drops) and
:mod:`~clipper.middlewares.workers.middleware` (the settings and the downloader middleware).
Every name is importable from here, and ``clipper.middlewares.workers.ExtractMiddleware`` is
the middleware's path in ``DOWNLOADER_MIDDLEWARES``.
"""

from clipper.middlewares.workers.job import (
    EXTRACT_META,
    RESULT_META,
    PageExtract,
    extract_page,
    take_extracted,
    work_page,
    worker_result,
)
from clipper.middlewares.workers.middleware import (
    DEFAULT_TIMEOUT,
    ExtractMiddleware,
    default_workers,
    extract_timeout,
    extract_workers,
)
from clipper.middlewares.workers.pool import (
    FAULT_ENV,
    MAX_DEATHS,
    ExtractCrashed,
    ExtractPool,
    ExtractTimeout,
    PoolClosed,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "EXTRACT_META",
    "FAULT_ENV",
    "MAX_DEATHS",
    "RESULT_META",
    "ExtractCrashed",
    "ExtractMiddleware",
    "ExtractPool",
    "ExtractTimeout",
    "PageExtract",
    "PoolClosed",
    "default_workers",
    "extract_page",
    "extract_timeout",
    "extract_workers",
    "take_extracted",
    "work_page",
    "worker_result",
]
