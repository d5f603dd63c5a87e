"""Property tests (hypothesis) for the pure functions whose own test modules hold no
property yet: canonical URLs, the board spider's helpers, search snippets, report cells and
link checks, the address guard's judgements, and the fault plan's counting. "Never raises on
arbitrary input" for dates, regions, outlets, text, boilerplate, relevance, encoding,
extraction and stories is already checked in their own modules and not repeated here.
"""

from __future__ import annotations

import ipaddress
from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from clipper.analysis.render import safe_url
from clipper.analysis.search import search_terms, snippet
from clipper.analysis.tables import display_width, fit
from clipper.middlewares.security import address_reason, host_reason
from clipper.text.dates import parse_day
from clipper.text.paragraphs import content_hash
from clipper.text.urls import canonical_url
from spiders.smalllibrary import block_paragraphs, board_id

FAST = settings(max_examples=200, deadline=None)

# URL-ish text: schemes, hosts with www./m. prefixes, ports, Korean paths, queries, junk.
_HOSTS = st.sampled_from(
    ["news.example.kr", "www.news.example.kr", "m.news.example.kr", "WWW.Example.COM",
     "n.news.naver.com", "v.daum.net", "127.0.0.1", "[::1]", "xn--3e0b707e.kr", ""]
)  # fmt: skip
_PATHS = st.lists(
    st.one_of(st.sampled_from(["news", "articleView.html", "article", "작은도서관", "..", ""]),
              st.text(max_size=6)),
    max_size=4,
).map("/".join)  # fmt: skip
_QUERY = st.lists(
    st.tuples(
        st.sampled_from(["idxno", "utm_source", "fbclid", "oid", "aid", "page", "x", ""]),
        st.text(max_size=6),
    ),
    max_size=4,
).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))
URLISH = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda scheme, host, port, path, query, frag: (
            f"{scheme}{host}{port}/{path}" + (f"?{query}" if query else "") + frag
        ),
        st.sampled_from(["http://", "https://", "HTTPS://", "//", "ftp://", "javascript:", ""]),
        _HOSTS,
        st.sampled_from(["", ":80", ":443", ":8080", ":notaport", ":99999"]),
        _PATHS,
        _QUERY,
        st.sampled_from(["", "#top", "#"]),
    ),
)


@FAST
@given(URLISH)
def test_canonical_url_is_idempotent_and_http_only(url):
    assume("[" not in url)  # IPv6 literals: see test_canonical_url_keeps_ipv6_brackets
    once = canonical_url(url)
    assert isinstance(once, str)
    if once:
        assert once.startswith(("http://", "https://"))
        assert "#" not in once
        assert canonical_url(once) == once


@pytest.mark.parametrize(
    "url", ["http://[::1]/x", "https://[2001:db8::1]:8443/a?b=1", "HTTP://[::]"]
)
def test_canonical_url_keeps_ipv6_brackets(url):
    once = canonical_url(url)
    assert "[" in once
    assert canonical_url(once) == once


@FAST
@given(
    post=st.integers(min_value=0, max_value=10**12),
    host=_HOSTS,
    before=st.sampled_from(["", "?currentPage=3&", "?searchValue=&searchType=&"]),
    after=st.sampled_from(["", "?currentPage=2", "/", "#c", "?searchType=&currentPage=1"]),
)
def test_board_id_reads_the_post_whatever_the_link_shape(post, host, before, after):
    assert board_id(f"http://{host}/helper/news/{post}{after}") == post
    assert board_id(f"/smalllibrary/helper/news/{post}{after}") == post
    # The id must be the path's, not a query parameter's.
    assert board_id(f"/helper/news{before}x=/helper/news/{post}a") is None


@FAST
@given(st.text(max_size=80))
def test_board_id_never_raises(text):
    result = board_id(text)
    assert result is None or (isinstance(result, int) and result >= 0)


@FAST
@given(
    day=st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)),
    sep=st.sampled_from([".", "-", "/", ". ", " . "]),
    label=st.sampled_from(["", "보도일 :", "보도일: ", "보도일 : ", "2 "]),
    pad=st.booleans(),
)
def test_parse_board_day_round_trips(day, sep, label, pad):
    month = f"{day.month:02d}" if pad else str(day.month)
    text = f"{label}{day.year}{sep}{month}{sep}{day.day}"
    assert parse_day(text) == day


@FAST
@given(st.text(max_size=60))
def test_parse_board_day_never_raises(text):
    result = parse_day(text)
    assert result is None or isinstance(result, date)


@FAST
@given(st.text(max_size=300))
def test_block_paragraphs_never_raises_on_markup(text):
    from lxml import etree
    from lxml import html as lxml_html

    try:
        element = lxml_html.fragment_fromstring(text, create_parent="div")
    except (etree.ParserError, ValueError):
        return
    paragraphs = block_paragraphs(element)
    assert all(p == p.strip() and p for p in paragraphs)
    assert all("\xa0" not in p and "  " not in p for p in paragraphs)


@FAST
@given(st.text(max_size=200), st.text(max_size=400))
def test_content_hash_ignores_spacing_only(title, body):
    spaced = "  ".join(body.split(" "))
    assert content_hash(title, body) == content_hash(f" {title} ", spaced)


@FAST
@given(
    text=st.text(max_size=400),
    query=st.text(max_size=30),
    width=st.integers(min_value=1, max_value=200),
)
def test_snippet_is_bounded_and_from_the_text(text, query, width):
    terms = search_terms(query)
    assert all(term and not any(c.isspace() for c in term) for term in terms)
    cut = snippet(text, terms, width)
    core = cut.removeprefix("…").removesuffix("…")
    assert len(core) <= width
    assert core in " ".join(text.split())


@FAST
@given(st.text(max_size=80), st.integers(min_value=1, max_value=60))
def test_fit_is_exactly_the_width(text, width):
    assert display_width(fit(text, width)) == width


@FAST
@given(URLISH)
def test_safe_url_only_passes_plain_http_links(url):
    result = safe_url(url)
    if result is not None:
        assert result == url
        assert result.lower().startswith(("http://", "https://"))
        assert not any(c in result for c in "\x00\r\n\t")


@FAST
@given(st.ip_addresses())
def test_address_reason_agrees_with_ipaddress(ip):
    reason = address_reason(str(ip))
    assert reason in (None, "loopback", "private", "link_local", "reserved")
    judged = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped else ip
    # Only globally routable, non-special addresses may be fetched.
    assert (reason is None) == (
        judged.is_global and not (judged.is_multicast or judged.is_reserved)
    )


@FAST
@given(st.one_of(st.text(max_size=40), URLISH))
def test_host_reason_never_raises(host):
    assert host_reason(host) in (None, "loopback", "private", "link_local", "reserved")


@pytest.mark.parametrize("kind", ["status", "reset", "not_found"])
@FAST
@given(times=st.one_of(st.none(), st.integers(min_value=0, max_value=5)),
       requests=st.integers(min_value=0, max_value=12))  # fmt: skip
def test_fault_plan_injects_exactly_times(kind, times, requests):
    from clipper.faults import Fault, FaultPlan

    plan = FaultPlan(Fault(kind, r"/helper/news/1\b", times=times))
    applied = []

    class Handler:
        path = "/helper/news/1?currentPage=1"

    import clipper.faults as faults

    original = faults._APPLY[kind]
    faults._APPLY[kind] = lambda handler, fault: applied.append(fault.kind)
    try:
        answered = [plan.intercept(Handler()) for _ in range(requests)]
    finally:
        faults._APPLY[kind] = original
    expected = requests if times is None else min(times, requests)
    assert sum(answered) == len(applied) == plan.total == expected
    assert answered == [True] * expected + [False] * (requests - expected)


@FAST
@given(
    st.text(
        alphabet=st.sampled_from(["a", "작", " ", "%", "#", "?", "/", "é", "2", "f"]), max_size=12
    )
)
def test_canonical_url_raw_and_percent_encoded_paths_are_one_key(path):
    # Issue 13 item 8: a raw-Hangul link and the encoded URL fetched for it are one article.
    from urllib.parse import quote

    raw = "http://a.kr/" + path
    once = canonical_url(raw)
    assert once
    assert canonical_url(once) == once
    clean = path.split("#")[0].split("?")[0]
    assume("%" not in clean and clean == clean.rstrip())  # a trailing space is stripped raw
    assert canonical_url("http://a.kr/" + quote(clean, safe="/")) == canonical_url(
        "http://a.kr/" + clean
    )
