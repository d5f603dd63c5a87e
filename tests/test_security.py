"""Security: the address guard (private addresses, off-site hosts, redirects) on unit cases
and on a real crawl, SQL built with bound parameters only, response size caps, and secrets
kept out of logs and stored stats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import asdict
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler
from sqlalchemy import func, inspect, select

from clipper.analysis.query import Filters, iter_articles
from clipper.analysis.search import search
from clipper.faults import Fault, FaultPlan, FaultyMirror
from clipper.items import ArticleItem
from clipper.middlewares.security import (
    AddressGuardMiddleware,
    address_reason,
    configured_hosts,
    host_reason,
)
from clipper.store.articles import ArticleStore
from models import Article, CrawlRun, Outlet, Sighting

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("169.254.169.254", "link_local"),  # cloud metadata
        ("fe80::1", "link_local"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.0.10", "private"),
        ("100.64.0.1", "private"),  # carrier-grade NAT: not global
        ("fd00::1", "private"),
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("[::1]", "loopback"),
        ("::ffff:10.0.0.1", "private"),  # IPv4-mapped IPv6 is judged as IPv4
        ("::ffff:127.0.0.1", "loopback"),
        ("localhost", "loopback"),
        ("LOCALHOST.", "loopback"),
        ("admin.localhost", "loopback"),
        ("0.0.0.0", "reserved"),
        ("224.0.0.1", "reserved"),
        ("240.0.0.1", "reserved"),
        ("8.8.8.8", None),
        ("211.234.10.1", None),  # a Korean public address
        ("www.smalllibrary.org", None),  # a name: judged after DNS, not here
        ("localhost.example.com", None),
        ("", None),
        ("not an address", None),
        # Spellings the OS reads as IPv4 though ipaddress does not: judged as the address.
        ("127.1", "loopback"),
        ("0177.0.0.1", "loopback"),
        ("0x7f000001", "loopback"),
        ("0X7F.1", "loopback"),
        ("2130706433", "loopback"),
        ("127.000.000.001", "loopback"),
        ("169.254.43518", "link_local"),
        ("0251.0376.0251.0376", "link_local"),
        ("0xa9fea9fe", "link_local"),
        ("2852039166", "link_local"),
        ("10.1", "private"),
        ("012.0.0.1", "private"),
        ("0x0a000001", "private"),
        ("167772161", "private"),
        ("012.000.000.001", "private"),
        ("0x08.0x08.0x08.0x08", None),  # 8.8.8.8 in hex: public
        ("cafe.bad", None),  # hex letters, but a name
        ("08.0.0.1", None),  # not octal: a name the OS does not read as an address
    ],
)
def test_host_reason(host, reason):
    assert host_reason(host) == reason


def test_address_reason_ignores_zone_ids():
    assert address_reason("fe80::1%eth0") == "link_local"


def settings_with(**values):
    return get_crawler(Spider, settings_dict=values).settings


@pytest.mark.parametrize(
    ("values", "any_port", "pairs"),
    [
        ({}, set(), set()),
        ({"CLIPPER_ALLOWED_PRIVATE_HOSTS": ["127.0.0.1"]}, {"127.0.0.1"}, set()),
        ({"CLIPPER_ALLOWED_PRIVATE_HOSTS": "10.0.0.5:8080, LocalHost"}, {"localhost"},
         {"10.0.0.5:8080"}),
        ({"CLIPPER_SMALLLIBRARY_BASE_URL": "http://127.0.0.1:8800/smalllibrary"}, set(),
         {"127.0.0.1:8800"}),
        ({"CLIPPER_SMALLLIBRARY_BASE_URL": "https://www.smalllibrary.org"}, set(),
         {"www.smalllibrary.org:443"}),
        # Not web pages: a database or queue URL must not open its host to the crawler.
        ({"CLIPPER_DATABASE_URL": "postgresql://u@127.0.0.1:5432/db",
          "CLIPPER_REDIS_URL": "redis://127.0.0.1:6379"}, set(), set()),
        ({"CLIPPER_FEED_URLS": ["http://127.0.0.1:9/a", "ftp://10.0.0.1/"]}, set(),
         {"127.0.0.1:9"}),
        ({"CLIPPER_X_BASE_URL": "http://127.0.0.1:notaport/"}, set(), set()),
    ],
)  # fmt: skip
def test_configured_hosts(values, any_port, pairs):
    found_any, found_pairs = configured_hosts(settings_with(**values))
    assert found_any == any_port
    assert pairs <= found_pairs
    assert not {p for p in found_pairs if p.startswith("www.smalllibrary.org")} - pairs


def run_sync(coroutine):
    """Drive a coroutine that never awaits anything (DNS resolution switched off)."""
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value
    raise AssertionError("the coroutine awaited something")


class NewsSpider(Spider):
    name = "news"
    allowed_domains = ("news.example.kr",)


@pytest.mark.parametrize(
    ("url", "meta", "refused"),
    [
        ("https://news.example.kr/a/1", {}, None),
        ("https://m.news.example.kr/a/1", {}, None),  # subdomain of an allowed domain
        ("https://evilnews.example.kr/a/1", {}, "offsite"),
        ("https://elsewhere.example/a", {}, "offsite"),
        ("https://elsewhere.example/a", {"allow_offsite": True}, None),
        ("http://169.254.169.254/latest/meta-data/", {}, "link_local"),
        # allow_offsite never opens private addresses.
        ("http://169.254.169.254/latest/meta-data/", {"allow_offsite": True}, "link_local"),
        ("http://10.0.0.1/", {}, "private"),
        ("http://localhost:6379/", {}, "loopback"),
        ("http://127.0.0.1:8800/smalllibrary/helper/news", {}, None),  # the configured mirror
        ("http://127.0.0.1:8801/other", {}, "loopback"),  # same host, another port
        ("http://192.168.1.20/x", {}, None),  # listed in CLIPPER_ALLOWED_PRIVATE_HOSTS
        # Other spellings of the configured mirror's address are not the configured host.
        ("http://127.1:8800/smalllibrary/helper/news", {}, "loopback"),
        ("http://0x7f000001:8800/", {"allow_offsite": True}, "loopback"),
        ("http://2852039166/latest/meta-data/", {"allow_offsite": True}, "link_local"),
        ("http://012.0.0.1/", {"allow_offsite": True}, "private"),
    ],
)
def test_guard_on_requests(url, meta, refused):
    crawler = get_crawler(
        NewsSpider,
        settings_dict={
            "CLIPPER_SMALLLIBRARY_BASE_URL": "http://127.0.0.1:8800/smalllibrary",
            "CLIPPER_ALLOWED_PRIVATE_HOSTS": ["192.168.1.20"],
            "CLIPPER_SECURITY_RESOLVE_DNS": False,
        },
    )
    crawler.spider = NewsSpider()
    guard = AddressGuardMiddleware.from_crawler(crawler)
    request = Request(url, meta=meta)
    if refused is None:
        assert run_sync(guard.process_request(request)) is None
        assert not any(k.startswith("clipper/security/") for k in crawler.stats.get_stats())
    else:
        with pytest.raises(IgnoreRequest, match=refused):
            run_sync(guard.process_request(request))
        assert crawler.stats.get_value(f"clipper/security/refused/{refused}") == 1


def test_guard_is_registered_in_place_of_scrapys_offsite_middleware():
    from clipper.ops.crawling import project_settings

    middlewares = project_settings().getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares["clipper.middlewares.security.AddressGuardMiddleware"] == 50
    assert middlewares["scrapy.downloadermiddlewares.offsite.OffsiteMiddleware"] is None


# --- A real crawl whose page links and redirects to forbidden places -------------------------

CRAWL_SCRIPT = """
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess
from clipper.ops.crawling import project_settings

class TrapSpider(scrapy.Spider):
    name = "trap"
    allowed_domains = ["news.example.kr"]

    async def start(self):
        yield scrapy.Request(sys.argv[1] + "/trap")

    def parse(self, response):
        self.crawler.stats.inc_value("test/pages")
        if response.url.endswith("/trap"):
            yield from response.follow_all(css="a")

settings = project_settings({
    "CLIPPER_TRAP_BASE_URL": sys.argv[1],
    "CLIPPER_DRY_RUN": True,
    "CLIPPER_SECURITY_RESOLVE_DNS": sys.argv[2] == "resolve",
    "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "RETRY_ENABLED": False,
    "DOWNLOAD_TIMEOUT": 3, "LOG_LEVEL": "WARNING", "DOWNLOAD_MAXSIZE": 50000,
})
process = CrawlerProcess(settings)
crawler = process.create_crawler(TrapSpider)
process.crawl(crawler)
process.start()
print(json.dumps({k: v for k, v in crawler.stats.get_stats().items()
                  if isinstance(v, int)}))
"""


class _Canary(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self):
        _Canary.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def canary():
    """A service on this machine the crawler must never reach (another port)."""
    _Canary.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Canary)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("dns", ["resolve", "no-dns"])
def test_real_crawl_refuses_private_offsite_and_redirected_targets(tmp_path, canary, dns):
    """Refused with and without DNS resolution (CLIPPER_SECURITY_RESOLVE_DNS): the
    address spellings the OS accepts (127.1, octal, hex, one decimal number) are judged as
    the address they spell, not as names."""
    trap = f"""<html><body>
    <a href="http://169.254.169.254/latest/meta-data/">metadata</a>
    <a href="http://10.0.0.1/admin">router</a>
    <a href="http://localhost:{canary}/secret">local service</a>
    <a href="http://127.0.0.1:{canary}/secret2">local service by address</a>
    <a href="http://127.1:{canary}/short">short spelling</a>
    <a href="http://0177.0.0.1:{canary}/octal">octal spelling</a>
    <a href="http://0x7f000001:{canary}/hex">hex spelling</a>
    <a href="http://2130706433:{canary}/decimal">decimal spelling</a>
    <a href="http://127.000.000.001:{canary}/zeros">zero-padded spelling</a>
    <a href="http://0251.0376.0251.0376/latest/meta-data/">metadata in octal</a>
    <a href="http://10.1/admin">router, short</a>
    <a href="http://www.offsite.example/page">elsewhere</a>
    <a href="/trap/redirect-metadata">redirects to metadata</a>
    <a href="/trap/redirect-canary">redirects to the local service</a>
    <a href="/trap/big">oversized</a>
    <a href="/trap/ok">fine</a>
    </body></html>"""
    plan = FaultPlan(
        Fault("serve", r"^/trap$", body=trap),
        Fault("redirect", r"^/trap/redirect-metadata",
              target="http://169.254.169.254/latest/meta-data/iam/"),
        Fault("redirect", r"^/trap/redirect-canary",
              target=f"http://127.0.0.1:{canary}/via-redirect"),
        Fault("serve", r"^/trap/big", body="<html><body>" + "x" * 100_000 + "</body></html>"),
        Fault("serve", r"^/trap/ok", body="<html><body>ok</body></html>"),
    )  # fmt: skip
    script = tmp_path / "trap.py"
    script.write_text(CRAWL_SCRIPT)
    with FaultyMirror(plan) as mirror:
        result = subprocess.run(
            [sys.executable, str(script), mirror.url, dns], capture_output=True, text=True,
            cwd=REPO, timeout=120,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    refused = {
        key.rsplit("/", 1)[1]: value
        for key, value in stats.items()
        if key.startswith("clipper/security/refused/")
    }
    assert refused == {"link_local": 3, "private": 2, "loopback": 8, "offsite": 1}
    assert _Canary.hits == []
    # The trap page and the fine page; the oversized one is cut off by DOWNLOAD_MAXSIZE.
    assert stats["test/pages"] == 2
    assert "larger than download max size" in result.stderr
    # One warning per host and reason, naming the URL and why.
    assert result.stderr.count("link-local host '169.254.169.254'") == 1
    assert "Refused http://10.0.0.1/admin: private host '10.0.0.1'" in result.stderr


# --- SQL only with bound parameters -----------------------------------------------------------

INJECTIONS = [
    "'; DROP TABLE articles; --",
    '" OR 1=1 --',
    "작은도서관') OR ('1'='1",
    "%' UNION SELECT name, sql, 1, 1, 1, 1, 1, 1 FROM sqlite_master --",
    "x\\'; DELETE FROM outlets; --",
    '* NEAR OR AND "',  # FTS5 query syntax
    "%_%",
]


def _item(n: int) -> dict:
    item = ArticleItem(
        url=f"https://news.example.kr/article/{n}",
        source_url=f"https://board.example.kr/helper/news/{n}",
        spider="test",
        fetched_at=datetime(2025, 3, 2, tzinfo=UTC),
        title=f"작은도서관 소식 {n} ' OR 1=1",
        body=f"마을 작은도서관이 문을 열었다. 기사 {n}. %_ \\",
        published=datetime(2025, 3, 1, tzinfo=UTC),
        outlet="경기일보",
        region="경기",
    )
    return asdict(item)


@pytest.mark.parametrize("evil", INJECTIONS)
def test_injection_strings_are_data_not_sql(engine, evil):
    ArticleStore(engine).write([_item(1), _item(2)])
    tables_before = set(inspect(engine).get_table_names())
    try:
        hits = search(engine, evil)
    except ValueError:  # "empty search query": no term left after parsing
        hits = []
    assert all("작은도서관" in hit["title"] for hit in hits)
    filtered = list(iter_articles(engine, Filters(region=evil, outlet=evil)))
    assert filtered == []
    assert search(engine, "작은도서관", Filters(region=evil)) == []
    assert set(inspect(engine).get_table_names()) == tables_before
    with engine.connect() as conn:
        for model in (Article, Outlet, Sighting):
            assert conn.execute(select(func.count()).select_from(model)).scalar_one() >= 1


def test_a_title_that_looks_like_sql_is_found_literally(engine):
    ArticleStore(engine).write([_item(1)])
    hits = search(engine, "' OR 1=1")
    assert [hit["url"] for hit in hits] == ["https://news.example.kr/article/1"]


# --- Secrets stay out of logs and stored stats -------------------------------------------------

SECRETS = {
    "NAVER_CLIENT_ID": "id-7f3a9c1e5b",
    "NAVER_CLIENT_SECRET": "secret-Zq8x4Lw2Kp",
    "CLIPPER_API_TOKEN": "token-Hh71nQ0v",
    "SOME_SERVICE_KEY": "key-0aB9cD8eF7",
}


def test_secrets_never_reach_the_log_or_the_run_log(mirror, tmp_path):
    url = f"sqlite:///{tmp_path / 'clipper.sqlite'}"
    env = dict(os.environ, CLIPPER_DATABASE_URL=url, **SECRETS)
    result = subprocess.run(
        [sys.executable, "-m", "clipper", "crawl", "smalllibrary", "-a", "max_pages=1",
         "-s", f"CLIPPER_SMALLLIBRARY_BASE_URL={mirror.board_url}", "-s", "DOWNLOAD_DELAY=0",
         "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=DEBUG"],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "DEBUG" in result.stderr  # the log really was at DEBUG level
    from clipper.store.engine import get_engine

    with get_engine(url).connect() as conn:
        stats = conn.execute(select(CrawlRun.stats)).scalar_one()
    stored = json.dumps(stats, ensure_ascii=False)
    for name, value in SECRETS.items():
        assert value not in result.stderr, name
        assert value not in result.stdout, name
        assert value not in stored, name
    # The run log keeps counters, not settings.
    assert not any(key.isupper() and "_" in key for key in stats)
