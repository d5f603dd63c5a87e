"""Daum on the offline mirror: news search (``ul.c-list-basic``, and a redesign at
``/changed/search``) and the article copies at ``v.daum.net/v/{id}`` with a ``원문`` link.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from html import escape

from clipper.mirror.portal_entries import (
    WEB_PAGE_SIZE,
    Entry,
    ago,
    html_page,
    int_arg,
    load_entries,
    marked,
)
from clipper.mirror.server import Page

DAUM_NEWS = "http://v.daum.net/v/"


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
    page = max(1, int_arg(query.get("p"), 1))
    hits = [e for e in load_entries(now) if e.daum and e.matches(word)]
    hits = hits[(page - 1) * WEB_PAGE_SIZE : page * WEB_PAGE_SIZE]
    if not hits:
        body = f"<div class=\"c-empty\"><p>'{escape(word)}'에 대한 검색결과가 없습니다.</p></div>"
    elif changed:
        cards = "".join(
            f'<div class="nw-card"><a href="{DAUM_NEWS}{e.daum}"><em class="nw-badge">2</em></a>'
            f'<a href="{DAUM_NEWS}{e.daum}" class="nw-title">{marked(e.title, word, "b")}</a>'
            f"<p>{escape(e.outlet)} · {e.published.strftime('%Y.%m.%d')}</p></div>"
            for e in hits
        )
        body = f'<div class="nw-list">{cards}</div>'
    else:
        items = "".join(_daum_item(e, word, now) for e in hits)
        body = f'<div id="newsColl"><ul class="c-list-basic">{items}</ul></div>'
    return html_page(f"{word} – Daum 검색", body)


def _daum_item(entry: Entry, word: str, now: datetime) -> str:
    link = f"{DAUM_NEWS}{entry.daum}"
    shown = ago(entry.published, now, space="") or entry.published.strftime("%Y.%m.%d")
    return (
        f'<li data-docid="{escape(entry.id)}"><div class="c-tit-doc">'
        f'<a href="https://v.daum.net/channel/{abs(hash(entry.outlet)) % 900 + 100}/home" class="item-writer">'
        f'<strong class="tit_item"><span class="txt_info">{escape(entry.outlet)}</span></strong></a>'
        '</div><div class="c-item-content"><div class="item-title"><strong class="tit-g">'
        f'<a href="{link}">{marked(entry.title, word, "b")}</a></strong></div>'
        f'<div class="item-contents"><p class="conts-desc"><a href="{link}">'
        f"{marked(entry.paragraphs[0][:90], word, 'b')}...</a></p>"
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
    return html_page(entry.title, body)
