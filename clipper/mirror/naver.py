"""Naver on the offline mirror: news search (and its redesign), the Search API, article copies.

- ``search.naver.com/search.naver?where=news&query=…&start=N``: 2025+ style, generated class
  names; results told apart only by their links. A redesign at ``/changed/search.naver``: no
  outlet links, dates in ``<time>``.
- ``openapi.naver.com/v1/search/news.json``: the Search API's JSON (:func:`api_answer`).
- ``n.news.naver.com/mnews/article/{oid}/{aid}`` copies, and one legacy EUC-KR page at
  ``news.naver.com/main/read.naver?oid=…&aid=…`` (only the API links it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from email.utils import format_datetime
from html import escape
from urllib.parse import urlsplit

from clipper.mirror.portal_entries import (
    NAVER_NEWS,
    WEB_PAGE_SIZE,
    Entry,
    ago,
    html_page,
    int_arg,
    load_entries,
    marked,
)
from clipper.mirror.server import Page, Reply, request_headers

NAVER_PRESS = "https://media.naver.com/press/"
API_MAX_DISPLAY = 100


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
    start = max(1, int_arg(query.get("start"), 1))
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
    return html_page(f"{word} : 네이버 뉴스검색", body)


def _naver_date(entry: Entry, now: datetime) -> str:
    return ago(entry.published, now) or entry.published.strftime("%Y.%m.%d.")


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
        f"{marked(entry.title, word, 'mark')}</span></a>"
        f'<a href="{escape(title_href)}" class="tG7b Bq0cV"><span class="sds-comps-text-type-body1">'
        f"{marked(entry.paragraphs[0][:90], word, 'mark')}...</span></a></div></div>"
    )


def _naver_changed_item(entry: Entry, word: str, origin: str, now: datetime) -> str:
    """A redesign: no outlet links, the date in ``<time>``, the copy link on its own line."""
    copy = entry.naver_link()
    original = entry.original
    title_href = original or copy
    copy_line = f'<a href="{escape(copy)}" class="qq0">Naver에서 보기</a>' if copy else ""
    return (
        '<article class="r2-card">'
        f'<h3><a href="{escape(title_href)}">{marked(entry.title, word, "strong")}</a></h3>'
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
    start = max(1, int_arg(query.get("start"), 1))
    display = min(API_MAX_DISPLAY, max(1, int_arg(query.get("display"), 10)))
    hits = _naver_hits(word, now, api=True)
    items = [
        {
            "title": marked(entry.title, word, "b"),
            "originallink": entry.original,
            "link": entry.naver_link() or entry.original,
            "description": marked(entry.paragraphs[0][:80], word, "b"),
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
