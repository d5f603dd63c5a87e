"""Address guard: a downloader middleware that keeps the crawler on the sites it was sent to.

A news page is untrusted input. A link or a redirect on it may point at the machine's own
services (``http://localhost:6379``), the private network (``10.0.0.1``) or a cloud metadata
endpoint (``http://169.254.169.254/``). A crawler that follows such links is a server-side
request forgery tool. This middleware refuses, before anything is sent:

- requests to loopback, private (RFC 1918, unique-local), link-local, carrier-grade NAT,
  multicast, unspecified or otherwise reserved addresses, whether the URL names the address
  or a host name that resolves to one (``localhost`` and ``*.localhost`` without asking DNS);
- requests to hosts outside the spider's ``allowed_domains`` (when it has any), unless the
  request carries ``meta["allow_offsite"]`` or ``dont_filter`` (as Scrapy's own offsite
  middleware, which this one replaces).

Exceptions are the *configured* hosts: those listed in ``CLIPPER_ALLOWED_PRIVATE_HOSTS``
(``host`` for any port, ``host:port`` for one) and the ``host:port`` of every http(s) URL in
a ``CLIPPER_*_URL`` setting (``CLIPPER_SMALLLIBRARY_BASE_URL`` pointed at the offline mirror
on 127.0.0.1 needs no extra setting). Redirects pass through here again as new requests, so
a redirect to a private address is refused like a link to one.

Each refusal raises ``IgnoreRequest`` (the page is skipped, the crawl goes on), counts
``clipper/security/refused/<reason>`` and logs one warning per host and reason. Reasons:
``loopback``, ``private``, ``link_local``, ``reserved``, ``offsite``.

Known gap: the address is checked when the request is scheduled, from Scrapy's DNS cache; a
name whose DNS answer changes between the check and the connection (DNS rebinding) is not
caught. Run crawlers without access to internal services where that matters.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached

logger = logging.getLogger(__name__)

__all__ = [
    "AddressGuardMiddleware",
    "address_reason",
    "configured_hosts",
    "host_reason",
]

DEFAULT_PORTS = {"http": 80, "https": 443}
# Settings whose value is a URL the operator chose: their hosts are trusted. Database and
# queue URLs are not web pages (only http/https URLs are taken, see configured_hosts).
_URL_SETTING = re.compile(r"^CLIPPER_\w*URLS?$")
_LOCAL_NAMES = re.compile(r"^(?:localhost|.*\.localhost)\.?$", re.IGNORECASE)
# What a legacy IPv4 spelling can be made of: decimal, octal (0177) and hex (0x7f) parts.
_LEGACY_IPV4 = re.compile(r"^[0-9a-fx.]{1,40}$", re.IGNORECASE)


def legacy_ipv4(host: str) -> str | None:
    """The dotted-quad address of a host the OS reads as IPv4 though ``ipaddress`` does
    not (``127.1``, ``0177.0.0.1``, ``0x7f000001``, ``2130706433``, ``127.000.000.001``),
    or None. The socket layer connects to such hosts, so they are judged as the address
    they are. Numeric parsing only (``AI_NUMERICHOST``): never a DNS query."""
    if not _LEGACY_IPV4.match(host):
        return None
    try:
        found = socket.getaddrinfo(host, None, socket.AF_INET, 0, 0, socket.AI_NUMERICHOST)
    except (OSError, UnicodeError):
        return None
    return found[0][4][0] if found else None


def address_reason(address: str) -> str | None:
    """Why an IP address must not be fetched (``loopback``, ``private``, …), or None."""
    address = address.strip("[]").split("%", 1)[0]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        normalised = legacy_ipv4(address)
        if normalised is None:
            return None
        ip = ipaddress.ip_address(normalised)
    # An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address.
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link_local"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return "reserved"
    # 100.64.0.0/10 (carrier-grade NAT) is neither private nor global in ipaddress' terms.
    if ip.is_private or not ip.is_global:
        return "private"
    return None


def host_reason(host: str) -> str | None:
    """Why a URL's host must not be fetched, judged without DNS, or None."""
    host = (host or "").strip().lower()
    if _LOCAL_NAMES.match(host):
        return "loopback"
    return address_reason(host)


def _netloc(host: str, port: int | None, scheme: str = "http") -> str:
    port = port or DEFAULT_PORTS.get(scheme, 80)
    return f"{host.lower()}:{port}"


def configured_hosts(settings: BaseSettings) -> tuple[set[str], set[str]]:
    """The trusted hosts as (hosts allowed on any port, ``host:port`` pairs)."""
    any_port: set[str] = set()
    pairs: set[str] = set()
    for entry in settings.getlist("CLIPPER_ALLOWED_PRIVATE_HOSTS"):
        entry = entry.strip().lower()
        if not entry:
            continue
        parts = urlsplit(entry if "//" in entry else f"//{entry}")
        try:
            port = parts.port
        except ValueError:
            port = None
        if parts.hostname and port:
            pairs.add(_netloc(parts.hostname, port))
        elif parts.hostname:
            any_port.add(parts.hostname)
    for name in settings.attributes:
        if not _URL_SETTING.match(name):
            continue
        value = settings.get(name)
        values: Iterable = value if isinstance(value, list | tuple) else [value]
        for url in values:
            if not isinstance(url, str):
                continue
            parts = urlsplit(url.strip())
            if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
                continue
            try:
                port = parts.port
            except ValueError:
                continue
            pairs.add(_netloc(parts.hostname, port, parts.scheme))
    return any_port, pairs


class AddressGuardMiddleware:
    """Downloader middleware: refuse private addresses and off-site hosts (see module doc)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.any_port, self.pairs = configured_hosts(crawler.settings)
        self.resolve = crawler.settings.getbool("CLIPPER_SECURITY_RESOLVE_DNS", True)
        self._logged: set[tuple[str, str]] = set()
        self._domains: list[str] | None = None
        self._domain_regex: re.Pattern[str] = re.compile("")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        parts = urlparse_cached(request)
        host = (parts.hostname or "").lower()
        if not host or self.is_configured(host, parts.port, parts.scheme):
            return
        reason = host_reason(host)
        if reason is None and not request.meta.get("allow_offsite") and not request.dont_filter:
            reason = None if self.on_site(host) else "offsite"
        if reason is None and self.resolve and address_reason(host) is None:
            reason = await self._resolved_reason(host)
        if reason is not None:
            self.refuse(request, host, reason)

    def is_configured(self, host: str, port: int | None, scheme: str) -> bool:
        return host in self.any_port or _netloc(host, port, scheme) in self.pairs

    def on_site(self, host: str) -> bool:
        spider = self.crawler.spider
        domains = [d for d in (getattr(spider, "allowed_domains", None) or []) if d]
        if domains != self._domains:
            self._domains = domains
            alternatives = "|".join(re.escape(d.lower().lstrip(".")) for d in domains)
            self._domain_regex = re.compile(rf"^(.*\.)?({alternatives})$" if domains else "")
        return bool(self._domain_regex.search(host))

    async def _resolved_reason(self, host: str) -> str | None:
        from twisted.internet import reactor

        try:
            # Scrapy's caching resolver: the download that follows reuses this answer.
            address = await maybe_deferred_to_future(reactor.resolve(host))
        except Exception:
            return None  # unresolvable: the download fails (and is retried) on its own
        return address_reason(address)

    def refuse(self, request: Request, host: str, reason: str) -> None:
        self.stats.inc_value(f"clipper/security/refused/{reason}")
        if (host, reason) not in self._logged:
            self._logged.add((host, reason))
            logger.warning(
                "Refused %s: %s host %r (allow it with CLIPPER_ALLOWED_PRIVATE_HOSTS or "
                "allowed_domains if it is meant)",
                request.url,
                reason.replace("_", "-"),
                host,
            )
        raise IgnoreRequest(f"refused {reason} host {host!r}")
