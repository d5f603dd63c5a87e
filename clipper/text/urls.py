"""Canonical URLs: one string per article, whatever link, host variant or tracking a page used.

The store keys articles by ``url`` and sightings by ``source_url``, both canonical, so two
links to one page must canonicalise to the same string. Rules, in order:

- Only ``http``/``https`` URLs with a host have a canonical form; anything else gives ``""``
  (callers fall back to another URL): no host, a host that is only dots or holds spaces,
  slashes or other delimiters, or text that cannot be UTF-8 encoded (a lone surrogate).
  That keeps the function a fixed point: ``canonical_url(canonical_url(u)) ==
  canonical_url(u)`` for any text (tests/test_urls.py checks it as a property). A protocol-relative ``//host/path`` is read as https.
- Scheme and host are lower-cased, default ports (``:80``/``:443``) and the fragment dropped.
  The scheme is otherwise kept: http-only sites still exist, and the canonical URL should
  stay a link a reader can open.
- One leading ``www.``, ``m.`` or ``mobile.`` is stripped (when a dot remains): Korean outlets
  serve the same article on the bare, ``www.`` and mobile hosts, and the bare host redirects
  to the preferred one. ``www`` is stripped rather than added because adding it would invent
  hosts for sites that have none.
- Tracking parameters (:data:`TRACKING_PARAMS`, ``utm_*``) are dropped and the rest sorted;
  blank values are kept (``page=`` may matter to an odd site).
- Portals and the shared local-news CMS have one form per article, with only the identity:
  Naver ``https://n.news.naver.com/mnews/article/{oid}/{aid}`` (from read.naver/read.nhn,
  the mobile host, sports and entertainment hosts, ``/article/`` and ``/mnews/article/``),
  Daum ``https://v.daum.net/v/{id}``, and the CMS ``…/news/articleView.html?idxno={n}``.
- Percent-encoding is settled last by w3lib's ``canonicalize_url`` (non-ASCII encoded as
  UTF-8, hex upper-cased, dot segments resolved), so a raw-Hangul link and the encoded URL
  the page was fetched through are one key.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as _w3lib_canonical

__all__ = [
    "TRACKING_PARAMS",
    "canonical_url",
    "daum_id",
    "declared_canonical",
    "naver_ids",
]

# Parameters that say who sent the reader, never which page it is. ``sid`` (Naver's section)
# is not here: on other sites it can be an identity; Naver URLs are rebuilt from oid/aid.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "from",
        "ref",
        "sns",
    }
)
TRACKING_PREFIXES = ("utm_",)
DROPPED_HOST_PREFIXES = ("www.", "m.", "mobile.")
DEFAULT_PORTS = {"http": 80, "https": 443}

NAVER_ARTICLE = "https://n.news.naver.com/mnews/article/{oid}/{aid}"
DAUM_ARTICLE = "https://v.daum.net/v/{id}"
# /mnews/article/001/0012345678, /article/001/…, /mnews/hotissue/article/…, sports/entertain
# hosts' /article/{oid}/{aid}: the (oid, aid) pair is the article on every Naver host.
_NAVER_PATH = re.compile(r"/article/(\d{3,4})/(\d{6,12})(?:/|$)")
_NAVER_QUERY_PATHS = re.compile(r"/(?:main/)?read\.(?:naver|nhn)$|^/news(?:\.nhn)?$|/read$")
_DIGITS = re.compile(r"^\d+$")
_DAUM_PATH = re.compile(r"^/v/(\d{10,20})/?$")
_CMS_PATH = re.compile(r"/news/articleView\.html$")
# A host name (any letters, Hangul included: w3lib IDNA-encodes them) or an IP literal; no
# spaces, slashes, backslashes or other delimiters.
_HOST = re.compile(r"^[^\s/\\?#@%<>\"'`{}|^\[\]]+$")


def _split(url: str):
    text = (url or "").strip()
    if text.startswith("//"):
        text = "https:" + text
    try:
        text.encode("utf-8")  # a lone surrogate cannot be percent-encoded: not a URL
        parts = urlsplit(text)
        port = parts.port  # raises ValueError on a garbage port
    except (UnicodeError, ValueError):
        return None
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts, port


def _query(parts) -> list[tuple[str, str]]:
    return parse_qsl(parts.query, keep_blank_values=True)


def naver_ids(url: str) -> tuple[str, str] | None:
    """``(oid, aid)`` of a Naver news article URL in any of its forms; None otherwise."""
    split = _split(url)
    if split is None:
        return None
    parts, _ = split
    host = parts.hostname or ""
    if not (host == "naver.com" or host.endswith(".naver.com")):
        return None
    match = _NAVER_PATH.search(parts.path)
    if match:
        return match.group(1), match.group(2)
    if _NAVER_QUERY_PATHS.search(parts.path):
        query = {key.lower(): value for key, value in _query(parts)}
        oid, aid = query.get("oid", ""), query.get("aid", "")
        if _DIGITS.match(oid) and _DIGITS.match(aid):
            return oid, aid
    return None


def daum_id(url: str) -> str | None:
    """The article id of a Daum news URL (``v.daum.net/v/{id}``); None otherwise."""
    split = _split(url)
    if split is None:
        return None
    parts, _ = split
    host = parts.hostname or ""
    if host not in ("v.daum.net", "m.v.daum.net", "news.v.daum.net"):
        return None
    match = _DAUM_PATH.match(parts.path)
    return match.group(1) if match else None


def _host(hostname: str) -> str:
    for prefix in DROPPED_HOST_PREFIXES:
        rest = hostname[len(prefix) :]
        # "m.kr" stays: the rest must still be a domain with a dot in it.
        if hostname.startswith(prefix) and "." in rest:
            return rest
    return hostname


# Cached: an article's URL is made canonical ~7 times on its way (request, store lookup,
# fetched page, declared URL, item), at 30-130 µs a call on the reactor thread.
@functools.lru_cache(maxsize=4096)
def canonical_url(url: str) -> str:
    """The canonical form of ``url`` (see the module docstring); ``""`` if not http(s)."""
    split = _split(url)
    if split is None:
        return ""
    parts, port = split
    ids = naver_ids(url)
    if ids is not None:
        return NAVER_ARTICLE.format(oid=ids[0], aid=ids[1])
    daum = daum_id(url)
    if daum is not None:
        return DAUM_ARTICLE.format(id=daum)
    scheme = parts.scheme.lower()
    host = _host((parts.hostname or "").rstrip("."))
    if not _HOST.match(host):
        # "http://../x", "http://\\/x", a host with spaces: no host a second pass would
        # read back as the same host, so no canonical form (and no article key).
        return ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    query = [
        (key, value)
        for key, value in _query(parts)
        if not key.lower().startswith(TRACKING_PREFIXES) and key.lower() not in TRACKING_PARAMS
    ]
    if _CMS_PATH.search(parts.path):
        # The CMS's list links carry the search (sc_word, page, …): only idxno is identity.
        idxno = [(key, value) for key, value in query if key.lower() == "idxno"]
        query = idxno[:1] or query
    url = urlunsplit((scheme, host, parts.path or "/", urlencode(sorted(query)), ""))
    # w3lib settles percent-encoding (a raw Hangul path and its %EC%9E%91 fetch are one
    # article; %2f and %2F are one), dot segments and stray spaces, so the result is a
    # fixed point: canonical_url(canonical_url(u)) == canonical_url(u).
    return _w3lib_canonical(url, keep_blank_values=True)


def _same_site(host: str, other: str) -> bool:
    return bool(host) and (other == host or other.endswith("." + host))


def declared_canonical(fetched: str, declared: str, site_domain: str = "") -> str:
    """The canonical form of the URL a page declares for itself (``<link rel=canonical>``,
    ``og:url``), or ``""`` when it cannot be trusted.

    Pages get this wrong often enough (every page pointing at the home page, a staging
    host, another article) that the declared URL is taken only when it is a page, not a
    site root; lies on the fetched page's host or on ``site_domain`` (the publisher's domain
    from the source's data, for a page fetched from a mirror or another host); and keeps
    the fetched page's CMS ``idxno``. It then names the article, whatever host, port or
    link the page was fetched through.
    """
    own = canonical_url(declared)
    here = canonical_url(fetched)
    if not own or not here:
        return ""
    own_parts, here_parts = urlsplit(own), urlsplit(here)
    if own_parts.path in ("", "/"):
        return ""
    domain = _host(site_domain.strip().lower().rstrip("."))
    if own_parts.netloc != here_parts.netloc and not _same_site(domain, own_parts.hostname or ""):
        return ""
    idxno = dict(parse_qsl(here_parts.query)).get("idxno")
    if idxno and dict(parse_qsl(own_parts.query)).get("idxno") != idxno:
        return ""
    return own
