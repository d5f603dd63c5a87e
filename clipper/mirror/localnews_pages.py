"""Local-news sites' pages on the offline mirror, in the shared CMS's markup.

The markup is our own, following what SOURCES.md records about the CMS many regional outlets
run: keyword search ``/news/articleList.html?sc_area=A&view_type=sm&sc_word=…`` (``page``,
``sc_order_by``, ``sc_sdate``/``sc_edate``), article ``/news/articleView.html?idxno=N`` and
the feed ``/rss/allArticle.xml``, in the old skin (``div.article-head-title``, ``승인 …``) and
the newer one (``h1.heading``, ``입력 …``). Each site lives at ``/localnews/{slug}``; under
``/localnews-changed/{slug}`` the same site is served in a redesigned markup that none of the
CMS selectors match, for the tests of graceful degradation. Every page carries a "most read"
box linking other articles, as real pages do, which a list parser must not take for results.
The sites and articles are ``clipper.mirror.localnews``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from email.utils import format_datetime
from html import escape

from clipper.mirror.localnews import Article, LocalNews, Site, load_localnews

SITE_PATH = re.compile(r"^/([a-z0-9-]+)(/.*)$")

Page = str | tuple[str, bytes]


# --- Routing ------------------------------------------------------------------------------


def handle(path: str, query: Mapping[str, str], base: str) -> Page | None:
    """Render a page of a site below ``/localnews``; None for a 404."""
    return _handle(path, query, base, changed=False)


def handle_changed(path: str, query: Mapping[str, str], base: str) -> Page | None:
    """The same sites in the redesigned markup, below ``/localnews-changed``."""
    return _handle(path, query, base, changed=True)


def _handle(path: str, query: Mapping[str, str], base: str, changed: bool) -> Page | None:
    news = load_localnews()
    match = SITE_PATH.match(path)
    if not match or match.group(1) not in news.sites:
        return None
    site = news.sites[match.group(1)]
    root = f"{base}/{site.slug}"
    rest = match.group(2)
    if rest == "/news/articleList.html":
        return _list_page(news, site, query, root, changed)
    if rest == "/news/articleView.html":
        article = news.get(site.slug, _int(query.get("idxno")) or 0)
        if article is None:
            return None
        page = (_changed_article if changed else _article_page)(news, site, article, root)
        if article.encoding == "euc-kr":
            return "text/html; charset=euc-kr", page.encode("cp949")
        return page
    if rest == "/rss/allArticle.xml":
        return "application/rss+xml; charset=utf-8", _feed(news, site, root).encode()
    return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _path(url: str) -> str:
    """The path part of a mirror URL, for root-relative links as the real CMS prints them."""
    match = re.match(r"^[a-z]+://[^/]+(.*)$", url)
    return match.group(1) if match else url


# --- Shared page parts --------------------------------------------------------------------


def _view_href(root: str, article: Article, word: str = "") -> str:
    # List links carry the search, as the real CMS's do: only idxno is the article's identity.
    extra = f"&sc_word={escape(word)}&sc_area=A&view_type=sm" if word else ""
    return f"{_path(root)}/news/articleView.html?idxno={article.idxno}{extra}"


def _most_read(news: LocalNews, site: Site, root: str) -> str:
    picks = [a for a in news.site_articles(site.slug) if "도서관" not in a.text][:3]
    items = "".join(
        f'<li><a href="{_view_href(root, a)}">{escape(a.title)}</a></li>' for a in picks
    )
    return f'<aside class="side-box"><h3>많이 본 뉴스</h3><ul class="auto-article">{items}</ul></aside>'


def _head(site: Site, title: str, charset: str = "utf-8", meta: str = "") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="{charset}">\n'
        f"<title>{escape(title)}</title>\n"
        f'<meta property="og:site_name" content="{escape(site.name)}">\n{meta}</head>\n'
    )


def _header(site: Site, root: str) -> str:
    return (
        f'<header id="user-header"><h1 class="logo"><a href="{_path(root)}/">{escape(site.name)}'
        f'</a></h1><nav><a href="{_path(root)}/news/articleList.html?sc_section_code=S1N1">사회'
        f'</a> <a href="{_path(root)}/news/articleList.html?sc_section_code=S1N2">문화</a></nav>'
        "</header>\n"
    )


def _footer(site: Site) -> str:
    return f'<footer id="user-footer"><p>Copyright ⓒ {escape(site.name)}. All rights reserved.</p></footer>\n</body>\n</html>\n'


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y.%m.%d %H:%M")


# --- Search list --------------------------------------------------------------------------


def _list_page(
    news: LocalNews, site: Site, query: Mapping[str, str], root: str, changed: bool
) -> str:
    word = query.get("sc_word", "")
    found = news.search(site.slug, word, _day(query.get("sc_sdate")), _day(query.get("sc_edate")))
    page = max(1, _int(query.get("page")) or 1)
    rows = found[(page - 1) * site.page_size : page * site.page_size]
    pages = max(1, -(-len(found) // site.page_size))
    if changed:
        body = _changed_rows(rows, root, word)
    elif site.skin == "old":
        body = _old_rows(rows, root, word)
    else:
        body = _new_rows(rows, root, word)
    pager = _pager(site, query, root, page, pages, len(found), changed) if found else ""
    title = f"'{word}' 검색결과 - {site.name}" if word else f"전체기사 - {site.name}"
    return (
        _head(site, title)
        + "<body>\n"
        + _header(site, root)
        + f'<div id="user-container"><div class="list-header">검색결과 {len(found)}건</div>\n'
        + body
        + pager
        + _most_read(news, site, root)
        + "</div>\n"
        + _footer(site)
    )


def _old_rows(rows: list[Article], root: str, word: str) -> str:
    if not rows:
        return '<section class="article-list-content type-sm"><div class="list-none">검색된 기사가 없습니다.</div></section>\n'
    blocks = "".join(
        f'<div class="list-block"><div class="list-titles"><a href="{_view_href(root, a, word)}">'
        f"<strong>{escape(a.title)}</strong></a></div>"
        f'<p class="list-summary"><a href="{_view_href(root, a, word)}" class="line-height-3-2x">'
        f"{escape(a.paragraphs[0][:60])}</a></p>"
        f'<div class="list-dated">{escape(a.section)} | {escape(a.reporter)} | '
        f"{a.published.strftime('%Y-%m-%d %H:%M')}</div></div>\n"
        for a in rows
    )
    return f'<section class="article-list-content type-sm text-left">\n{blocks}</section>\n'


def _new_rows(rows: list[Article], root: str, word: str) -> str:
    if not rows:
        return (
            '<section id="section-list"><p class="no-result">검색 결과가 없습니다.</p></section>\n'
        )
    items = "".join(
        f'<li><h4 class="titles"><a href="{_view_href(root, a, word)}">{escape(a.title)}</a></h4>'
        f'<p class="lead line-6x2"><a href="{_view_href(root, a, word)}">{escape(a.paragraphs[0][:60])}'
        f'</a></p><span class="byline"><em>{escape(a.section)}</em><em>{escape(a.reporter)}</em>'
        f"<em>{_stamp(a.published)}</em></span></li>\n"
        for a in rows
    )
    return f'<section id="section-list"><ul class="type1">\n{items}</ul></section>\n'


def _changed_rows(rows: list[Article], root: str, word: str) -> str:
    # The redesign: cards, a <time>, no list-block / section-list containers.
    cards = "".join(
        f'<div class="card"><a class="card-link" href="{_view_href(root, a, word)}">'
        f'<span class="card-title">{escape(a.title)}</span></a>'
        f'<time datetime="{a.published.date().isoformat()}">{a.published.strftime("%Y.%m.%d")}</time></div>\n'
        for a in rows
    )
    return f'<div class="news-feed">\n{cards or "<p>기사가 없습니다.</p>"}</div>\n'


def _pager(
    site: Site,
    query: Mapping[str, str],
    root: str,
    page: int,
    pages: int,
    total: int,
    changed: bool,
) -> str:
    params = "&".join(f"{k}={escape(v)}" for k, v in query.items() if k not in ("page", "total"))

    def href(number: int) -> str:
        return f"{_path(root)}/news/articleList.html?page={number}&total={total}&{params}"

    links = "".join(
        f'<li class="current"><a>{n}</a></li>'
        if n == page
        else f'<li><a href="{href(n)}">{n}</a></li>'
        for n in range(1, pages + 1)
    )
    if changed:
        return f'<div class="pager">{links.replace("<li", "<span").replace("</li>", "</span>")}</div>\n'
    if site.skin == "old":
        return f'<div class="list-paging"><ul class="pagination">{links}</ul></div>\n'
    return f'<nav class="pagination"><ul>{links}</ul></nav>\n'


# --- Article pages ------------------------------------------------------------------------


def _article_meta(site: Site, article: Article, canonical: bool = True) -> str:
    # The page names its URL on the site's own domain, as real pages do; the spider takes it
    # as the article's identity, so it does not change with the mirror's port.
    link = f'<link rel="canonical" href="{site.article_url(article.idxno)}">\n' if canonical else ""
    return (
        link + f'<meta property="og:url" content="{site.article_url(article.idxno)}">\n'
        f'<meta property="og:title" content="{escape(article.title)} - {escape(site.name)}">\n'
        f'<meta property="og:type" content="article">\n'
        f'<meta property="article:published_time" content="{article.published.isoformat()}">\n'
        f'<meta property="og:article:author" content="{escape(article.reporter)}">\n'
    )


def _paragraphs(article: Article) -> str:
    return "".join(f"<p>{escape(p)}</p>\n" for p in article.paragraphs)


def _copyright(site: Site, article: Article) -> str:
    return (
        f'<div class="view-copyright">{escape(article.reporter)}<br>'
        f"저작권자 ⓒ {escape(site.name)} 무단전재 및 재배포 금지</div>\n"
    )


def _article_page(news: LocalNews, site: Site, article: Article, root: str) -> str:
    charset = "euc-kr" if article.encoding == "euc-kr" else "utf-8"
    head = _head(
        site,
        f"{article.title} < {article.section} < 기사본문 - {site.name}",
        charset,
        _article_meta(site, article),
    )
    if site.skin == "old":
        view = (
            f'<header class="article-header-wrap"><div class="article-head-title">{escape(article.title)}</div></header>\n'
            '<section class="article-head-info"><div class="info-text"><ul class="no-bullet">'
            f'<li><i class="fa fa-user-o"></i> {escape(article.reporter)}</li>'
            f'<li><i class="fa fa-clock-o"></i> 승인 {_stamp(article.published)}</li>'
            '<li><i class="fa fa-commenting-o"></i> 댓글 0</li></ul></div></section>\n'
            '<div id="article-view-content-div" itemprop="articleBody">\n'
            f"{_paragraphs(article)}{_copyright(site, article)}</div>\n"
        )
    else:
        view = (
            '<article class="article-veiw-body view-page">'
            f'<header class="article-view-header"><h1 class="heading">{escape(article.title)}</h1>'
            f'<ul class="infomation"><li>기자명 {escape(article.reporter)}</li>'
            f"<li>입력 {_stamp(article.published)}</li><li>댓글 0</li></ul></header>\n"
            '<article id="article-view-content-div" class="article-veiw-body" itemprop="articleBody">\n'
            f"{_paragraphs(article)}{_copyright(site, article)}</article></article>\n"
        )
    return (
        head
        + "<body>\n"
        + _header(site, root)
        + view
        + _most_read(news, site, root)
        + _footer(site)
    )


def _changed_article(news: LocalNews, site: Site, article: Article, root: str) -> str:
    # The redesign keeps the OpenGraph tags (publishers need them for sharing) but none of
    # the CMS's classes: the extractor must fall back to its meta and text layers.
    charset = "euc-kr" if article.encoding == "euc-kr" else "utf-8"
    head = _head(
        site, f"{article.title} - {site.name}", charset, _article_meta(site, article, False)
    )
    view = (
        f'<main class="story"><h2 class="story-title">{escape(article.title)}</h2>'
        f'<p class="story-meta"><span>{escape(article.reporter)}</span> '
        f"<span>기사등록 {article.published.strftime('%Y-%m-%d %H:%M')}</span></p>\n"
        f'<div class="story-text">\n{_paragraphs(article)}</div>\n'
        f'<p class="story-copy">저작권자 ⓒ {escape(site.name)} 무단전재 및 재배포 금지</p></main>\n'
    )
    return (
        head
        + "<body>\n"
        + _header(site, root)
        + view
        + _most_read(news, site, root)
        + _footer(site)
    )


# --- Feed ---------------------------------------------------------------------------------


def _feed_date(site: Site, moment: datetime) -> str:
    if site.feed_dates == "rfc822":
        return format_datetime(moment)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _feed(news: LocalNews, site: Site, root: str) -> str:
    items = "".join(
        "<item>"
        f"<title><![CDATA[{a.title}]]></title>"
        f"<link>{root}/news/articleView.html?idxno={a.idxno}</link>"
        f"<description><![CDATA[{''.join(f'<p>{p}</p>' for p in a.paragraphs)}]]></description>"
        f"<author>{escape(a.reporter)}</author>"
        f"<pubDate>{_feed_date(site, a.published)}</pubDate>"
        "</item>\n"
        for a in news.site_articles(site.slug)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
        f"<title>{escape(site.name)}</title><link>{root}</link>"
        f"<description>{escape(site.name)} 전체기사</description><language>ko</language>\n"
        f"{items}</channel>\n</rss>\n"
    )
