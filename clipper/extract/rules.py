"""Site rules: the selectors for the layouts clipper knows, and which one a page uses."""

from __future__ import annotations

from dataclasses import dataclass

from parsel import Selector

from clipper.extract.page import Selectors, select_nodes
from clipper.text.patterns import host_in, url_host


@dataclass(frozen=True)
class SiteRules:
    """Selectors for one layout. Each field is a selector or a tuple of alternatives.

    A selector is CSS (``::text``/``::attr(x)`` allowed) or XPath when it starts with ``/``
    or ``(``. Alternatives are tried in order; the first that matches anything is used.
    ``drop`` lists blocks to remove from the body before cleaning; ``detect`` is markup that
    identifies the layout when the URL does not.
    """

    title: Selectors = ""
    published: Selectors = ""
    modified: Selectors = ""
    author: Selectors = ""
    body: Selectors = ""
    outlet: Selectors = ""
    drop: str = ""
    detect: str = ""


# --- site rules ---------------------------------------------------------------------------------

NAVER_RULES = SiteRules(
    # Current layout (n.news.naver.com/mnews/article/…), then the legacy read.naver layout.
    title=("h2#title_area", "h2.media_end_head_headline", "h3#articleTitle", "h3.tts_head"),
    published=(
        "span._ARTICLE_DATE_TIME::attr(data-date-time)",
        "span._ARTICLE_DATE_TIME",
        # Legacy: 기사입력 <span class="t11">…</span> [최종수정 <span class="t11">…</span>]
        "(//div[contains(@class, 'sponsor')]//span[contains(@class, 't11')])[1]",
    ),
    modified=(
        "span._ARTICLE_MODIFY_DATE_TIME::attr(data-modify-date-time)",
        "span._ARTICLE_MODIFY_DATE_TIME",
        "(//div[contains(@class, 'sponsor')]//span[contains(@class, 't11')])[2]",
    ),
    author=("em.media_end_head_journalist_name", "span.byline_s", "div.byline p.b_text"),
    body=("article#dic_area", "div#dic_area", "div#articleBodyContents"),
    outlet=(
        "a.media_end_head_top_logo img::attr(alt)",
        "div.press_logo img::attr(alt)",
        "meta[property='og:article:author']::attr(content)",
    ),
    drop=(
        "strong.media_end_summary, em.img_desc, span.end_photo_org, div.end_photo_org, "
        "div.vod_player_wrap, div._VOD_PLAYER_WRAP, div.link_news, div.artical-btm, "
        "a.media_end_head_origin_link"
    ),
    detect="#dic_area, #articleBodyContents, #title_area, h3#articleTitle",
)

DAUM_RULES = SiteRules(
    title="h3.tit_view",
    # The label sits in the parent span: <span class="txt_info">입력 <span class="num_date">.
    published=(
        "//span[contains(@class, 'txt_info')][span[contains(@class, 'num_date')]]",
        "span.num_date",
    ),
    modified="//span[contains(@class, 'txt_info')][span[contains(@class, 'num_date')]]",
    author="//div[contains(@class, 'info_view')]//span[contains(@class, 'txt_info')][not(span)]",
    body=("div.article_view section", "div.article_view"),
    outlet=(
        "div.head_view img.thumb_g::attr(alt)",
        "a.link_cp img::attr(alt)",
        "meta[name='article:media_name']::attr(content)",
    ),
    drop="figure, figcaption, .txt_caption, .link_figure, div.layer_util",
    detect="h3.tit_view, div.article_view[data-translation-body]",
)

# The CMS many regional and local outlets share (/news/articleView.html?idxno=…), old skin
# and new skin; only one is ever present, so the alternatives do not compete.
LOCAL_CMS_RULES = SiteRules(
    title=(
        "div.article-head-title",
        "header.article-view-header h1.heading",
        "h1.heading",
        "h3.heading",
    ),
    published=("div.info-text li", "ul.infomation li", "ul.info-group li"),
    modified=("div.info-text li", "ul.infomation li", "ul.info-group li"),
    author=("div.info-text li", "ul.infomation li", "ul.info-group li"),
    body="#article-view-content-div",
    outlet=("div.view-copyright", "meta[property='og:site_name']::attr(content)"),
    drop=(
        "div.view-copyright, div.view-editors, div.view-editor, div.article-copy, "
        "figure, .photo-layout, center, div.ad-template, div.IMGFLOATING, div.view-banner"
    ),
    detect="#article-view-content-div",
)

# Host suffix → rules; the longest matching suffix wins.
SITE_RULES: dict[str, SiteRules] = {
    "n.news.naver.com": NAVER_RULES,
    "news.naver.com": NAVER_RULES,
    "v.daum.net": DAUM_RULES,
}


def rules_for(url: str | None, sel: Selector | None = None) -> SiteRules | None:
    """The site rules for a page: by host, then by the local CMS URL, then by markup."""
    host = url_host(url)
    if host:
        for suffix in sorted(SITE_RULES, key=len, reverse=True):
            if host_in(host, suffix):
                return SITE_RULES[suffix]
    if url and "/news/articleView.html" in url:
        return LOCAL_CMS_RULES
    if sel is not None:
        for rules in (*dict.fromkeys(SITE_RULES.values()), LOCAL_CMS_RULES):
            if rules.detect and select_nodes(sel.root, rules.detect):
                return rules
    return None
