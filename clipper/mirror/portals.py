"""The portals on the offline mirror: Naver, Daum and Google News, from ``data/portals.json``.

Every portal host is served below ``/portals/{host}`` (the spiders' ``CLIPPER_PORTAL_MIRROR_URL``
is the mirror's ``/portals``), so the pages can link the real hosts, as the real pages do,
and the spiders read them with the selectors they use on the real sites. The markup is our
own, keyed the way SOURCES.md records the real pages:

- ``search.naver.com/search.naver?where=news&query=…&start=N``: 2025+ style, generated class
  names; results told apart only by their links (``media.naver.com/press/{oid}``,
  ``n.news.naver.com/mnews/article/{oid}/{aid}``, the publisher's article). A redesign at
  ``/changed/search.naver``: no outlet links, dates in ``<time>``.
- ``openapi.naver.com/v1/search/news.json``: the Search API's JSON (:func:`api_answer`; 401
  with Naver's error JSON without the key headers).
- ``n.news.naver.com/mnews/article/{oid}/{aid}`` copies, and one legacy EUC-KR page at
  ``news.naver.com/main/read.naver?oid=…&aid=…`` (only the API links it).
- ``search.daum.net/search?w=news&q=…&p=N`` (``ul.c-list-basic``), a redesign at
  ``/changed/search``; copies at ``v.daum.net/v/{id}`` with a ``원문`` link.
- ``news.google.com/rss/search?q=…`` and the opaque ``/rss/articles/{token}`` links, which
  redirect (HTTP 302) to the original when it is on the mirror, and otherwise answer with a
  script page, as the real site does.
- ``www.{slug}.example``: a mirror local-news site's own host, the pages ``/localnews/{slug}``
  serves. Portal pages link originals at these URLs (what the sites' pages declare as their
  identity), so one story is reachable at its outlet, through a portal and through Google
  News, and is one article.

Queries match a word in the title or text; a page past the last result is the empty one.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import escape as xml_escape

from clipper.mirror import localnews
from clipper.mirror.localnews import Site, load_localnews, load_stories
from clipper.mirror.server import Page, Reply, request_headers
from clipper.text.dates import KST

DATA_FILE = Path(__file__).with_name("data") / "portals.json"
PREFIX = "/portals"
NAVER_NEWS = "https://n.news.naver.com"
NAVER_LEGACY = "https://news.naver.com/main/read.naver"
NAVER_PRESS = "https://media.naver.com/press/"
DAUM_NEWS = "http://v.daum.net/v/"
GOOGLE_ARTICLES = "https://news.google.com/rss/articles/"
WEB_PAGE_SIZE = 10
API_MAX_DISPLAY = 100


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    paragraphs: tuple[str, ...]
    outlet: str
    reporter: str
    published: datetime
    original: str  # the publisher's URL (a mirror local-news site's own, or off the mirror), or ""
    naver: Mapping | None
    daum: str | None
    google: str | None

    def on_mirror(self) -> bool:
        """Whether the original is a page of one of the mirror's local-news sites."""
        return local_site(urlsplit(self.original).hostname or "") is not None

    def matches(self, word: str) -> bool:
        return bool(word) and any(word in text for text in (self.title, *self.paragraphs))

    @property
    def naver_copy(self) -> bool:
        return self.naver is not None and self.naver.get("copy", True)

    def naver_link(self) -> str:
        if not self.naver_copy:
            return ""
        oid, aid = self.naver["oid"], self.naver["aid"]
        if self.naver.get("legacy"):
            return f"{NAVER_LEGACY}?mode=LSD&mid=sec&sid1=102&oid={oid}&aid={aid}"
        return f"{NAVER_NEWS}/mnews/article/{oid}/{aid}?sid=102"


def _entry(row: dict, stories: dict, now: datetime) -> Entry:
    row = dict(row)
    if "story" in row:
        story = stories[row["story"]]
        original = story["original"]
        local = load_localnews().get(original["site"], original["idxno"])
        url = original.get("url") or load_localnews().sites[original["site"]].article_url(
            original["idxno"]
        )
        row.update(title=story["title"], paragraphs=story["paragraphs"], original=url)
        row.update(outlet=original["outlet"], reporter=original["reporter"])
        row["published"] = local.published.isoformat() if local else story["published"]
    elif "local" in row:
        site, idxno = row["local"]
        news = load_localnews()
        local = news.get(site, idxno)
        row.update(title=local.title, paragraphs=list(local.paragraphs), reporter=local.reporter)
        row.update(outlet=news.sites[site].name, published=local.published.isoformat())
        row["original"] = news.sites[site].article_url(idxno)
    published = row["published"]
    if published.startswith("-") and published.endswith("h"):
        moment = now - timedelta(hours=int(published[1:-1]))
    else:
        moment = datetime.fromisoformat(published)
    return Entry(
        id=row["id"],
        title=row["title"],
        paragraphs=tuple(row["paragraphs"]),
        outlet=row["outlet"],
        reporter=row.get("reporter", ""),
        published=moment.astimezone(KST).replace(second=0, microsecond=0),
        original=row.get("original", ""),
        naver=row.get("naver"),
        daum=row.get("daum"),
        google=row.get("google"),
    )


@functools.cache
def _rows(path: Path = DATA_FILE) -> tuple[dict, ...]:
    return tuple(json.loads(path.read_text(encoding="utf-8"))["entries"])


def load_entries(now: datetime | None = None) -> list[Entry]:
    """Every entry, newest first (relative dates computed from ``now``)."""
    now = now or datetime.now(KST)
    stories = load_stories()
    entries = [_entry(row, stories, now) for row in _rows()]
    return sorted(entries, key=lambda e: e.published, reverse=True)


def handle(path: str, query: Mapping[str, str], base: str) -> Page | None:
    """Render ``/portals/{host}{path}``: each portal host's pages below one prefix (the
    spiders' ``CLIPPER_PORTAL_MIRROR_URL``); None for a 404."""
    host, _, rest = path.lstrip("/").partition("/")
    origin = base[: -len(PREFIX)] if base.endswith(PREFIX) else base
    site = local_site(host)
    if site is not None:
        # A local-news site's own host (www.hanbit.example): the pages /localnews serves.
        return localnews.handle(f"/{site.slug}/{rest}", query, origin + localnews.PREFIX)
    handler = HOSTS.get(host)
    if handler is None:
        return None
    return handler("/" + rest, query, origin, datetime.now(KST))


def local_site(host: str) -> Site | None:
    """The mirror local-news site whose own host ``host`` is (with or without ``www.``)."""
    host = host.lower().removeprefix("www.")
    return next((s for s in load_localnews().sites.values() if s.domain == host), None)


def mirrored(url: str, origin: str) -> str:
    """Where the mirror serves a real URL (what ``CLIPPER_PORTAL_MIRROR_URL`` does)."""
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{origin}{PREFIX}/{parts.hostname}{parts.path}{query}"


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


def _ago(moment: datetime, now: datetime, space: str = " ") -> str:
    """Portal style: ``3시간 전`` within a day, else the day (Naver ``2026.05.24.``)."""
    elapsed = now - moment
    if elapsed < timedelta(hours=1):
        return f"{max(1, int(elapsed.total_seconds() // 60))}분{space}전"
    if elapsed < timedelta(days=1):
        return f"{int(elapsed.total_seconds() // 3600)}시간{space}전"
    return ""


def _marked(text: str, word: str, tag: str) -> str:
    """The text escaped, the search word wrapped in ``tag`` (Naver <mark>, Daum <b>)."""
    return (
        escape(text).replace(escape(word), f"<{tag}>{escape(word)}</{tag}>")
        if word
        else escape(text)
    )


def _page(title: str, body: str, charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="ko"><head><meta charset="{charset}">'
        f"<title>{escape(title)}</title></head>\n<body>\n{body}\n</body></html>\n"
    )


# --- Naver --------------------------------------------------------------------------------


def naver_search_host(
    path: str, query: Mapping[str, str], origin: str, now: datetime
) -> Page | None:
    if path in ("/search.naver", "/changed/search.naver"):
        return naver_search(query, origin, now, changed=path.startswith("/changed"))
    return None


def naver_api_host(path: str, query: Mapping[str, str], origin: str, now: datetime) -> Page | None:
    if path != "/v1/search/news.json":
        return None
    status, body = api_answer(query, request_headers(), origin, now)
    return Reply(status, "application/json; charset=utf-8", body)


def naver_news_host(path: str, query: Mapping[str, str], origin: str, now: datetime) -> Page | None:
    if path.startswith("/mnews/article/"):
        parts = path.strip("/").split("/")
        if len(parts) == 4:
            entry = _naver_entry(parts[2], parts[3], now)
            return naver_article(entry, origin) if entry and not entry.naver.get("legacy") else None
    if path == "/main/read.naver":
        entry = _naver_entry(query.get("oid", ""), query.get("aid", ""), now)
        if entry and entry.naver.get("legacy"):
            return "text/html; charset=euc-kr", naver_legacy_article(entry, origin).encode("cp949")
    return None


def _naver_entry(oid: str, aid: str, now: datetime) -> Entry | None:
    return next(
        (
            e
            for e in load_entries(now)
            if e.naver_copy and (e.naver["oid"], e.naver["aid"]) == (oid, aid)
        ),
        None,
    )


def _naver_hits(word: str, now: datetime, api: bool) -> list[Entry]:
    # Legacy copies are old enough that only the API still lists them.
    return [
        e
        for e in load_entries(now)
        if e.naver is not None and e.matches(word) and (api or not e.naver.get("legacy"))
    ]


def naver_search(query: Mapping[str, str], origin: str, now: datetime, changed: bool) -> str:
    word = query.get("query", "").strip()
    start = max(1, _int(query.get("start"), 1))
    hits = _naver_hits(word, now, api=False)[start - 1 : start - 1 + WEB_PAGE_SIZE]
    render = _naver_changed_item if changed else _naver_item
    items = "".join(render(entry, word, origin, now) for entry in hits)
    if not items:
        items = (
            f"<div class=\"Zr0pT\"><p>'{escape(word)}'에 대한 뉴스 검색결과가 없습니다.</p></div>"
        )
    body = (
        '<div id="header"><a href="https://www.naver.com">NAVER</a>'
        '<a href="https://help.naver.com/service/5626">고객센터</a></div>\n'
        '<div class="aD9vQ"><a href="https://ad.example.com/landing/books-sale">'
        "도서 특가 기획전 바로가기</a></div>\n"
        f'<section class="sc_new"><div class="fdr-news Lq7wE">{items}</div></section>\n'
        '<div id="footer"><a href="https://policy.naver.com/policy/service.html">이용약관</a></div>'
    )
    return _page(f"{word} : 네이버 뉴스검색", body)


def _naver_date(entry: Entry, now: datetime) -> str:
    return _ago(entry.published, now) or entry.published.strftime("%Y.%m.%d.")


def _naver_item(entry: Entry, word: str, origin: str, now: datetime) -> str:
    copy = entry.naver_link()
    original = entry.original
    if copy:
        oid = entry.naver["oid"]
        profile = f"{NAVER_PRESS}{oid}"
    else:
        profile = f"https://{urlsplit(original).hostname}/"  # a non-partner: its front page
    subtexts = [entry.naver.get("print", ""), _naver_date(entry, now)]
    subs = "".join(
        f'<span class="sds-comps-text pQ2k"><span class="vF3a">{escape(text)}</span></span>'
        for text in subtexts
        if text
    )
    if copy:
        subs += f'<span class="pQ2k"><a href="{escape(copy)}" class="tG7b">네이버뉴스</a></span>'
    title_href = original or copy
    return (
        '<div class="sds-comps-vertical-layout Wq1Rb">'
        '<div class="sds-comps-profile xR4dS">'
        f'<a href="{escape(profile)}" class="tG7b"><img alt="{escape(entry.outlet)}의 프로필 이미지" '
        'src="data:,"></a>'
        f'<a href="{escape(profile)}" class="tG7b mH2cE"><span class="sds-comps-text">'
        f"{escape(entry.outlet)}</span></a>"
        f'<div class="sds-comps-profile-info-subtexts">{subs}</div></div>'
        '<div class="sds-comps-vertical-layout Jd8Pz">'
        f'<a href="{escape(title_href)}" class="tG7b Uk2mW"><span class="sds-comps-text-type-headline1">'
        f"{_marked(entry.title, word, 'mark')}</span></a>"
        f'<a href="{escape(title_href)}" class="tG7b Bq0cV"><span class="sds-comps-text-type-body1">'
        f"{_marked(entry.paragraphs[0][:90], word, 'mark')}...</span></a></div></div>"
    )


def _naver_changed_item(entry: Entry, word: str, origin: str, now: datetime) -> str:
    """A redesign: no outlet links, the date in ``<time>``, the copy link on its own line."""
    copy = entry.naver_link()
    original = entry.original
    title_href = original or copy
    copy_line = f'<a href="{escape(copy)}" class="qq0">Naver에서 보기</a>' if copy else ""
    return (
        '<article class="r2-card">'
        f'<h3><a href="{escape(title_href)}">{_marked(entry.title, word, "strong")}</a></h3>'
        f'<p class="r2-meta"><time datetime="{entry.published.isoformat()}">'
        f"{entry.published.strftime('%Y.%m.%d.')}</time> {copy_line}</p></article>"
    )


def api_answer(
    query: Mapping[str, str],
    headers: Mapping[str, str] | None,
    origin: str,
    now: datetime,
) -> tuple[int, bytes]:
    """The Search API's answer: 401 with Naver's error JSON when ``headers`` lack the keys
    (``headers`` None: not checked), else the page of items as JSON."""
    if headers is not None and not (
        headers.get("X-Naver-Client-Id") and headers.get("X-Naver-Client-Secret")
    ):
        error = {"errorMessage": "Not Exist Client ID : Authentication failed.", "errorCode": "024"}
        return 401, json.dumps(error).encode()
    word = query.get("query", "").strip()
    start = max(1, _int(query.get("start"), 1))
    display = min(API_MAX_DISPLAY, max(1, _int(query.get("display"), 10)))
    hits = _naver_hits(word, now, api=True)
    items = [
        {
            "title": _marked(entry.title, word, "b"),
            "originallink": entry.original,
            "link": entry.naver_link() or entry.original,
            "description": _marked(entry.paragraphs[0][:80], word, "b"),
            "pubDate": format_datetime(entry.published),
        }
        for entry in hits[start - 1 : start - 1 + display]
    ]
    answer = {
        "lastBuildDate": format_datetime(now.replace(microsecond=0)),
        "total": len(hits),
        "start": start,
        "display": len(items),
        "items": items,
    }
    return 200, json.dumps(answer, ensure_ascii=False).encode()


def naver_article(entry: Entry, origin: str) -> str:
    oid, aid = entry.naver["oid"], entry.naver["aid"]
    original = entry.original
    origin_link = (
        f'<a href="{escape(original)}" class="media_end_head_origin_link" target="_blank">기사원문</a>'
        if original
        else ""
    )
    stamp = entry.published.strftime("%Y-%m-%d %H:%M:%S")
    body = "<br><br>".join(escape(p) for p in entry.paragraphs)
    return (
        '<!DOCTYPE html>\n<html lang="ko"><head><meta charset="utf-8">'
        f"<title>{escape(entry.title)}</title>"
        f'<meta property="og:title" content="{escape(entry.title)}">'
        f'<meta property="og:url" content="{NAVER_NEWS}/mnews/article/{oid}/{aid}">'
        f'<meta property="og:article:author" content="{escape(entry.outlet)} | 네이버"></head>\n'
        '<body><div class="media_end_head">'
        f'<div class="media_end_head_top"><a href="{NAVER_PRESS}{oid}" class="media_end_head_top_logo">'
        f'<img src="data:," alt="{escape(entry.outlet)}"></a></div>'
        f'<h2 id="title_area" class="media_end_head_headline"><span>{escape(entry.title)}</span></h2>'
        '<div class="media_end_head_info_datestamp">'
        f'<span class="_ARTICLE_DATE_TIME" data-date-time="{stamp}">'
        f"{entry.published.strftime('%Y.%m.%d.')} {_ampm(entry.published)}</span></div>"
        f'<em class="media_end_head_journalist_name">{escape(entry.reporter)}</em>{origin_link}</div>\n'
        f'<article id="dic_area" class="go_trans _article_content">{body}</article>\n'
        '<div class="copyright"><p>Copyright ⓒ 무단 전재 및 재배포 금지.</p></div>'
        "</body></html>\n"
    )


def _ampm(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{'오전' if moment.hour < 12 else '오후'} {hour}:{moment.minute:02d}"


def naver_legacy_article(entry: Entry, origin: str) -> str:
    """The read.naver layout of the 2010s: EUC-KR, a script stub leading the body."""
    stamp = f"{entry.published.strftime('%Y.%m.%d.')} {_ampm(entry.published)}"
    body = "<br><br>".join(escape(p) for p in entry.paragraphs)
    return (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=euc-kr">'
        f"<title>{escape(entry.title)} : 네이버 뉴스</title></head>\n<body>"
        '<div class="article_header"><div class="press_logo">'
        f'<a href="{escape(entry.original)}"><img src="data:," alt="{escape(entry.outlet)}"></a></div>'
        f'<div class="article_info"><h3 id="articleTitle">{escape(entry.title)}</h3>'
        f'<div class="sponsor">기사입력 <span class="t11">{stamp}</span>'
        f'<a href="{escape(entry.original)}" class="btn_artialoriginal">기사원문</a>'
        "</div></div></div>\n"
        '<div id="articleBodyContents"><script type="text/javascript">'
        "// flash 오류를 우회하기 위한 함수 추가\nfunction _flash_removeCallback() {}</script>\n"
        f"{body}</div>\n</body></html>\n"
    )


# --- Daum ---------------------------------------------------------------------------------


def daum_search_host(
    path: str, query: Mapping[str, str], origin: str, now: datetime
) -> Page | None:
    if path in ("/search", "/changed/search"):
        return daum_search(query, now, changed=path.startswith("/changed"))
    return None


def daum_news_host(path: str, query: Mapping[str, str], origin: str, now: datetime) -> Page | None:
    if path.startswith("/v/"):
        entry = next((e for e in load_entries(now) if e.daum == path[3:].strip("/")), None)
        return daum_article(entry, origin) if entry else None
    return None


def daum_search(query: Mapping[str, str], now: datetime, changed: bool) -> str:
    word = query.get("q", "").strip()
    page = max(1, _int(query.get("p"), 1))
    hits = [e for e in load_entries(now) if e.daum and e.matches(word)]
    hits = hits[(page - 1) * WEB_PAGE_SIZE : page * WEB_PAGE_SIZE]
    if not hits:
        body = f"<div class=\"c-empty\"><p>'{escape(word)}'에 대한 검색결과가 없습니다.</p></div>"
    elif changed:
        cards = "".join(
            f'<div class="nw-card"><a href="{DAUM_NEWS}{e.daum}"><em class="nw-badge">2</em></a>'
            f'<a href="{DAUM_NEWS}{e.daum}" class="nw-title">{_marked(e.title, word, "b")}</a>'
            f"<p>{escape(e.outlet)} · {e.published.strftime('%Y.%m.%d')}</p></div>"
            for e in hits
        )
        body = f'<div class="nw-list">{cards}</div>'
    else:
        items = "".join(_daum_item(e, word, now) for e in hits)
        body = f'<div id="newsColl"><ul class="c-list-basic">{items}</ul></div>'
    return _page(f"{word} – Daum 검색", body)


def _daum_item(entry: Entry, word: str, now: datetime) -> str:
    link = f"{DAUM_NEWS}{entry.daum}"
    shown = _ago(entry.published, now, space="") or entry.published.strftime("%Y.%m.%d")
    return (
        f'<li data-docid="{escape(entry.id)}"><div class="c-tit-doc">'
        f'<a href="https://v.daum.net/channel/{abs(hash(entry.outlet)) % 900 + 100}/home" class="item-writer">'
        f'<strong class="tit_item"><span class="txt_info">{escape(entry.outlet)}</span></strong></a>'
        '</div><div class="c-item-content"><div class="item-title"><strong class="tit-g">'
        f'<a href="{link}">{_marked(entry.title, word, "b")}</a></strong></div>'
        f'<div class="item-contents"><p class="conts-desc"><a href="{link}">'
        f"{_marked(entry.paragraphs[0][:90], word, 'b')}...</a></p>"
        f'<span class="gem-subinfo"><span class="txt_info">{shown}</span></span></div></div></li>'
    )


def daum_article(entry: Entry, origin: str) -> str:
    original = entry.original
    origin_link = f'<a href="{escape(original)}" class="link_orgin">원문</a>' if original else ""
    stamp = (
        f"{entry.published.year}. {entry.published.month}. {entry.published.day}. "
        f"{entry.published.strftime('%H:%M')}"
    )
    paragraphs = "".join(f'<p dmcf-ptype="general">{escape(p)}</p>' for p in entry.paragraphs)
    body = (
        f'<div class="head_view"><img class="thumb_g" src="data:," alt="{escape(entry.outlet)}">'
        f'<h3 class="tit_view">{escape(entry.title)}</h3><span class="info_view">'
        f'<span class="txt_info">{escape(entry.reporter)}</span>'
        f'<span class="txt_info">입력 <span class="num_date">{stamp}</span></span>'
        f"{origin_link}</span></div>"
        f'<div class="article_view" data-translation-body="true"><section>{paragraphs}</section></div>'
    )
    return _page(entry.title, body)


# --- Google News --------------------------------------------------------------------------


def google_news_host(
    path: str, query: Mapping[str, str], origin: str, now: datetime
) -> Page | None:
    if path == "/rss/search":
        return "application/rss+xml; charset=utf-8", google_feed(query, origin, now).encode()
    if path.startswith("/rss/articles/"):
        token = path[len("/rss/articles/") :].strip("/")
        entry = next((e for e in load_entries(now) if e.google == token), None)
        if entry is None:
            return None
        return google_article(entry, origin)
    return None


def google_feed(query: Mapping[str, str], origin: str, now: datetime) -> str:
    word = query.get("q", "").strip()
    items = []
    for entry in load_entries(now):
        if not (entry.google and entry.matches(word)):
            continue
        home = f"https://{urlsplit(entry.original).hostname}" if entry.original else ""
        link = f"{GOOGLE_ARTICLES}{entry.google}?oc=5"
        items.append(
            f"<item><title>{xml_escape(entry.title)} - {xml_escape(entry.outlet)}</title>"
            f'<link>{link}</link><guid isPermaLink="false">{entry.google}</guid>'
            f"<pubDate>{format_datetime(entry.published.astimezone(UTC), usegmt=True)}</pubDate>"
            f"<description>{xml_escape(entry.title)}</description>"
            f'<source url="{xml_escape(home)}">{xml_escape(entry.outlet)}</source></item>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<rss version="2.0" '
        'xmlns:media="http://search.yahoo.com/mrss/"><channel><generator>NFE/5.0</generator>'
        f'<title>"{xml_escape(word)}" - Google 뉴스</title>'
        f"<link>https://news.google.com/search?q={quote(word)}&amp;hl=ko&amp;gl=KR&amp;ceid=KR:ko</link>"
        f"<language>ko</language>{''.join(items)}</channel></rss>\n"
    )


def google_article(entry: Entry, origin: str) -> str:
    """A 302 to an original on the mirror, or the script page the real site answers with
    (nothing a crawler can follow)."""
    if entry.on_mirror():
        return Reply(
            302, "text/html; charset=utf-8", b"", (("Location", mirrored(entry.original, origin)),)
        )
    return _page("Google 뉴스", '<script>window.__wiz = "opaque";</script><c-wiz></c-wiz>')


HOSTS = {
    "search.naver.com": naver_search_host,
    "openapi.naver.com": naver_api_host,
    "n.news.naver.com": naver_news_host,
    "news.naver.com": naver_news_host,
    "search.daum.net": daum_search_host,
    "v.daum.net": daum_news_host,
    "news.google.com": google_news_host,
}
