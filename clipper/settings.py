"""Scrapy settings for clipper.

Every clipper-specific setting is prefixed ``CLIPPER_``; any of them can be overridden on
the command line (``clipper crawl SPIDER -s CLIPPER_STORE_BATCH_SIZE=10``). Secrets and the
database URL come from the environment. ``docs/settings.md`` lists them all.
"""

import os

BOT_NAME = "clipper"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- Storage -------------------------------------------------------------------------------
# SQLAlchemy URL; the embedded default is a SQLite file under ./data (see clipper.store.engine).
CLIPPER_DATABASE_URL = os.environ.get("CLIPPER_DATABASE_URL", "")
# Rows are upserted in batches: fewer round trips, one transaction per batch.
CLIPPER_STORE_BATCH_SIZE = 50
# "nightly" runs (clipper nightly) move the incremental state; "adhoc" runs do not.
CLIPPER_RUN_KIND = "adhoc"
# Crawl and process but store nothing (`clipper crawl --dry-run`).
CLIPPER_DRY_RUN = False
# Worker processes that extract article pages while the reactor keeps crawling
# (clipper.middlewares.workers); None: min(2, cores - 1); 0: the spider extracts them itself.
CLIPPER_EXTRACT_WORKERS = None
# Seconds a worker may spend extracting one page (which takes milliseconds); past it the page
# is dropped as ExtractTimeout (tried again next run) and the worker replaced.
CLIPPER_EXTRACT_TIMEOUT = 30
# Directory of gzip WARC files of every fetched response (clipper.extensions.archive);
# empty: no archive. A new file per run, and when one passes CLIPPER_ARCHIVE_MAX_BYTES (0: never).
CLIPPER_ARCHIVE_DIR = os.environ.get("CLIPPER_ARCHIVE_DIR", "")
CLIPPER_ARCHIVE_MAX_BYTES = 1024 * 1024 * 1024
# WARC files a crawl is answered from instead of the network (`clipper crawl --replay`;
# clipper.extensions.replay); a request not in them is counted, never fetched.
CLIPPER_REPLAY_WARC: list[str] = []

# --- Stories: syndicated copies become one story (clipper.store.stories) ------------------------
# Shorter text's estimated overlap with the longer one needed to join a story.
CLIPPER_STORY_THRESHOLD = 0.7
# Copies must be published within this many days of each other.
CLIPPER_STORY_WINDOW_DAYS = 7
# Band hashes older than this are pruned from the index (0 keeps everything, for backfills).
CLIPPER_STORY_INDEX_DAYS = 30

# --- Relevance -----------------------------------------------------------------------------
# Terms that make a story about small libraries; empty means clipper.text.relevance.DEFAULT_TERMS.
CLIPPER_RELEVANCE_TERMS: list[str] = []
# Keep stories with none of the terms instead of dropping them as off-topic.
CLIPPER_KEEP_OFFTOPIC = False

# --- Sources -------------------------------------------------------------------------------
# Base URL of the small-library news board; tests and the demo point it at the local mirror.
CLIPPER_SMALLLIBRARY_BASE_URL = "https://www.smalllibrary.org"
# What search-driven spiders search for (one search per keyword and site); empty means the
# first two relevance terms, 작은도서관 and 마을도서관 (spiders.article.DEFAULT_KEYWORDS).
CLIPPER_KEYWORDS: list[str] = []
# Local-news CMS outlets (spider localnews) and outlet feeds (spider rss): paths to CSV files
# in the shipped format (clipper/data/localnews_sites.csv, clipper/data/rss_feeds.csv);
# empty means the shipped lists. Adding an outlet is a row in such a file, no code.
CLIPPER_LOCALNEWS_SITES = ""
CLIPPER_RSS_FEEDS = ""
# Entries read per feed (spiders rss, localnews); the rest are counted, not read (0: all).
CLIPPER_FEED_MAX_ITEMS = 1000
# Portals (spiders naver_news, daum_news, google_news): the real endpoints. The Naver Search API
# keys are NAVER_CLIENT_ID / NAVER_CLIENT_SECRET in the environment, read by the spider only
# (never settings: Scrapy logs the settings at start-up).
# Naver's news search result pages (used when no API keys are set).
CLIPPER_NAVER_SEARCH_URL = "https://search.naver.com/search.naver"
# Naver's Search API endpoint for news (used when the keys are set).
CLIPPER_NAVER_API_URL = "https://openapi.naver.com/v1/search/news.json"
# Daum's search page (w=news).
CLIPPER_DAUM_SEARCH_URL = "https://search.daum.net/search"
# Google News; its RSS search is /rss/search below it.
CLIPPER_GOOGLE_NEWS_URL = "https://news.google.com"
# Follow Google News' opaque links to the article (off: store the sighting alone).
CLIPPER_GOOGLE_NEWS_FOLLOW = True
# Send every portal request to {this}/{host}{path} instead ("": the real hosts). The offline
# mirror serves all portal hosts below one base; identities stay the real portal URLs.
CLIPPER_PORTAL_MIRROR_URL = ""

# --- Item pipelines: ONE documented order (docs/pipelines.md; a test checks they agree) ----
# Gapped priorities by stage: clean -> dedupe -> tag -> validate -> store.
ITEM_PIPELINES = {
    "pipelines.clean.CleanTextPipeline": 200,
    "pipelines.boilerplate.BoilerplatePipeline": 250,
    "pipelines.repeats.RepeatedTextPipeline": 300,
    "pipelines.stories.StorySignaturePipeline": 350,
    "pipelines.dates.PublishedDatePipeline": 400,
    "pipelines.outlet.OutletPipeline": 500,
    "pipelines.region.RegionPipeline": 600,
    "pipelines.relevance.RelevancePipeline": 700,
    "pipelines.validate.ValidatePipeline": 800,
    "pipelines.store.StorePipeline": 900,
}

# Dropped pages (clipper.extensions.dropped): a transient drop (a 200 answer without a title
# or text) is fetched again this many seconds after it, doubling with each further drop,
# and given up on (skipped for good) after CLIPPER_DROP_RETRY_LIMIT drops.
CLIPPER_DROP_RETRY_BACKOFF = 6 * 3600
CLIPPER_DROP_RETRY_LIMIT = 5

EXTENSIONS = {
    # Before the run log: its last batch (and what it counts) is written when the spider
    # closes, before the run log stores the run's stats (handlers run in this order).
    "clipper.extensions.dropped.DroppedPageLog": 490,
    "clipper.extensions.runlog.RunLogExtension": 500,
    "clipper.extensions.progress.ProgressExtension": 520,
}
# Progress line while crawling: "auto" (only at a terminal), "on" or "off".
CLIPPER_PROGRESS = "auto"

# --- Nightly run and its monitors (clipper.ops.health) -------------------------------------------
# Spiders the nightly run crawls; empty means every spider of the project. Also read from the
# environment (a crontab or systemd unit sets it there), as names separated by commas or spaces.
CLIPPER_NIGHTLY_SPIDERS: list[str] = (
    os.environ.get("CLIPPER_NIGHTLY_SPIDERS", "").replace(",", " ").split()
)
CLIPPER_MONITOR_ZERO_RUNS = 3
CLIPPER_MONITOR_MIN_COVERAGE = 0.5
CLIPPER_MONITOR_MEDIAN_RATIO = 0.2
CLIPPER_MONITOR_HISTORY = 7

# --- Politeness and robustness -------------------------------------------------------------
CLIPPER_CONTACT = os.environ.get("CLIPPER_CONTACT", "https://github.com/clipper-news/clipper")
USER_AGENT = f"clipper/0.1 (+{CLIPPER_CONTACT})"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy checks every generator callback for a `return <value>` by re-reading and parsing its
# source, cached by the bound method, which is a new object per request: in a 2,000-page
# crawl it parsed parse_article's source 259 times (~1 ms each, on the reactor thread).
# tests/spiders/test_article_base.py makes the same check on every spider's callbacks.
WARN_ON_GENERATOR_RETURN_VALUE = False

# --- Security (clipper.middlewares.security, docs/operations.md) ---------------------------------------
# Scraped pages are untrusted: links and redirects to loopback, private and link-local
# addresses (cloud metadata at 169.254.169.254) and to hosts outside a spider's
# allowed_domains are refused. Replaces Scrapy's offsite middleware (same priority), since
# it also lets the configured mirror host through.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "clipper.middlewares.security.AddressGuardMiddleware": 50,
    # Scrapy's redirects, but a redirect back into its own chain is a named loop, not a
    # request the duplicate filter drops without a word.
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "clipper.middlewares.redirects.LoopAwareRedirectMiddleware": 600,
    # Extracts article pages in worker processes (CLIPPER_EXTRACT_WORKERS). 100: after
    # retries and redirects (550, 600), so only final responses are extracted.
    "clipper.middlewares.workers.ExtractMiddleware": 100,
    # Runs on responses after decompression (HttpCompressionMiddleware is 590) and after
    # the extraction (100), whose decode tells it the page's encoding.
    "clipper.middlewares.charset.CharsetMiddleware": 90,
    # Archives responses as the server sent them: before decompression (590) and retries.
    "clipper.extensions.archive.WarcArchiveMiddleware": 880,
    # Answers requests from CLIPPER_REPLAY_WARC: nearest the downloader, so every other
    # middleware sees a replayed response as it saw the live one.
    "clipper.extensions.replay.ReplayMiddleware": 890,
    # API keys go on at download time, for their origin only, and off again at once: last.
    "clipper.middlewares.secrets.SecretHeadersMiddleware": 990,
}
# Items carry their page's place in the archive (ArticleItem.warc), for the store.
SPIDER_MIDDLEWARES = {"clipper.extensions.archive.WarcLocationMiddleware": 950}
# Private hosts the crawler may fetch: "host" (any port) or "host:port". The host:port of
# every http(s) URL in a CLIPPER_*_URL setting (the mirror in tests and the demo) is allowed
# without being listed here.
CLIPPER_ALLOWED_PRIVATE_HOSTS: list[str] = []
# Also refuse host names that resolve to a private address (one cached lookup per host).
CLIPPER_SECURITY_RESOLVE_DNS = True

# --- Distributed crawling (clipper.extensions.distributed, docs/operations.md) -------------------------
# Off unless CLIPPER_REDIS_URL is set: then workers share one scrapy-redis request queue.
ADDONS = {"clipper.extensions.distributed.RedisAddon": 0}
CLIPPER_REDIS_URL = os.environ.get("CLIPPER_REDIS_URL", "")

FEED_EXPORT_ENCODING = "utf-8"
LOG_FORMATTER = "clipper.extensions.logformatter.ClipperLogFormatter"
# Quiet by default (cron reads the closing summary); -s LOG_LEVEL=INFO for detail.
LOG_LEVEL = "WARNING"
