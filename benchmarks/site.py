"""A generated news site for benchmarking: thousands of ~90 KB article pages served over HTTP.

Every page is built deterministically from its id (a seeded RNG), so two processes (the
server and an in-process stage benchmark) see the same bytes without sharing anything. The
text is Korean written from a small vocabulary and sentence templates of our own (most
stories about small libraries, some about other local matters, which the relevance stage
drops); the markup follows the shared local-news CMS (``/news/articleView.html?idxno=N``,
``div.article-head-title`` or ``h1.heading``, ``#article-view-content-div``, JSON-LD
``NewsArticle``, OpenGraph and ``article:*`` meta) with the chrome real Korean news pages
carry: a mega menu, related and most-read lists, photo boxes, ad slots, a comment widget and
inline scripts, which is what makes them ~90 KB. About 20 % of the pages are served as
EUC-KR (cp949) bytes with an EUC-KR Content-Type, about 10 % are syndicated copies of an
earlier article (new outlet, wire dateline, one paragraph dropped) and a few repeat a
paragraph, so the dedupe and cleaning stages do real work.

URLs: ``/list?page=P`` (``LIST_SIZE`` article links each), ``/{outlet}/news/articleView.html
?idxno=N`` for ``1 <= N <= pages``, ``/robots.txt``.

The server (:func:`serve`, or ``python -m benchmarks.site serve --pages N``) is a minimal
asyncio HTTP/1.1 server with keep-alive that serves cached bytes, run in its own process so
it does not compete with the crawler for the GIL; :func:`client_rate` measures what it serves
alone.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import random
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import escape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

KST = timezone(timedelta(hours=9))
EPOCH = datetime(2026, 1, 5, 6, 0, tzinfo=KST)
LIST_SIZE = 20
PAGE_BYTES = 90_000  # typical size of a Korean news article page with its chrome
EUCKR_SHARE = 5  # every 5th page (hashed) is EUC-KR
COPY_SHARE = 10  # every 10th page is a syndicated copy of an earlier one

# Outlets on the CMS: (path slug, name, home region, skin, email domain). The names are in
# clipper's outlet registry, so the outlet stage resolves them and gives a home region.
OUTLETS: tuple[tuple[str, str, str, str, str], ...] = (
    ("kyeonggi", "경기일보", "경기", "new", "kyeonggi.example"),
    ("joongboo", "중부일보", "경기", "old", "joongboo.example"),
    ("kyeongin", "경인일보", "경기", "new", "kyeongin.example"),
    ("kgnews", "경기신문", "경기", "old", "kgnews.example"),
    ("kmaeil", "경인매일", "경기", "new", "kmaeil.example"),
    ("suwon", "수원일보", "경기", "old", "suwon.example"),
)
WIRES = ("뉴스1", "뉴시스", "연합뉴스")

CITIES = (
    ("수원", "경기"), ("성남", "경기"), ("고양", "경기"), ("용인", "경기"), ("부천", "경기"),
    ("안산", "경기"), ("청주", "충북"), ("충주", "충북"), ("천안", "충남"), ("아산", "충남"),
    ("전주", "전북"), ("익산", "전북"), ("순천", "전남"), ("목포", "전남"), ("포항", "경북"),
    ("구미", "경북"), ("김해", "경남"), ("양산", "경남"), ("춘천", "강원"), ("원주", "강원"),
)  # fmt: skip
DONGS = (
    "햇살", "새솔", "금곡", "푸른", "한빛", "다온", "늘봄", "솔샘", "온누리", "가람",
    "별빛", "도담", "소망", "나래", "미리내", "누리", "한울", "새터", "바람결", "은행나무",
)  # fmt: skip
PEOPLE = (
    "김민서", "이도윤", "박서연", "최하준", "정지우", "강서진", "조예린", "윤시우",
    "장하윤", "임준서", "한지민", "오승현", "서유나", "신도현", "권나은", "황재원",
)  # fmt: skip
ROLES = (
    "관장",
    "운영위원장",
    "자원활동가 대표",
    "시의원",
    "시장",
    "교육장",
    "사서",
    "주민자치회장",
)
PROGRAMS = (
    "그림책 함께 읽기", "동화 구연 교실", "북스타트", "가족 독서 캠프", "어르신 한글 교실",
    "청소년 코딩 체험", "보드게임의 날", "작가와의 만남", "필사 모임", "영어 원서 읽기",
    "마을 기록 수업", "그림책 만들기", "역사 탐방", "독서 토론회", "책 놀이터",
)  # fmt: skip
LIBRARY_KINDS = (
    "작은도서관",
    "아파트 작은도서관",
    "새마을작은도서관",
    "마을도서관",
    "공립 작은도서관",
)
THINGS = (
    "신간 도서",
    "그림책",
    "대형 활자본",
    "전자책 단말기",
    "보드게임",
    "학습 만화",
    "점자 도서",
)
OTHER_TOPICS = ("축제", "도로", "농업", "보건")

LIBRARY_SENTENCES = (
    "{city}시 {dong}동 {lib}이 {month}월부터 '{program}' 프로그램을 운영한다고 {day}일 밝혔다.",
    "이번 프로그램은 지역 주민 누구나 무료로 참여할 수 있으며 회차별 {n}명을 모집한다.",
    "{lib}은 {year}년 주민들이 뜻을 모아 문을 연 뒤 해마다 이용자가 늘고 있다.",
    "현재 소장 도서는 {big}권이며 하루 평균 {n}명이 도서관을 찾는다.",
    '{person} {role_topic} "아이들이 책과 가까워지는 공간을 만들고 싶었다"고 말했다.',
    '{person} {role_topic} "주민이 직접 운영하는 도서관이라 더 애착이 간다"며 웃었다.',
    "도서관에는 {thing} {n}권이 새로 들어와 이용자들의 반응이 좋다.",
    "시는 올해 작은도서관 운영비 지원 예산을 {money}만 원으로 늘렸다.",
    "자원활동가 {n}명이 교대로 도서관을 지키며 대출과 반납을 돕는다.",
    "{program}에는 지난해에만 {big}명이 참여해 큰 호응을 얻었다.",
    "방학을 맞아 초등학생을 위한 '{program}' 특별 과정도 마련됐다.",
    "도서관 측은 내년에 열람실을 넓히고 {thing} 코너를 새로 꾸밀 계획이다.",
    "{city}시는 관내 작은도서관 {n}곳을 잇는 상호대차 서비스를 시작했다.",
    "이용자들은 집 가까이에서 책을 빌릴 수 있어 편리하다고 입을 모았다.",
    "참여를 원하는 주민은 도서관에 전화하거나 방문해 신청하면 된다.",
    "한편 {lib} 개관 {n}주년 기념 행사는 다음 달 {day}일 열린다.",
    "주민자치회는 헌 책 모으기 행사로 {thing} {big}권을 기증받았다.",
    '{person} 씨는 "퇴근길에 아이와 함께 들러 책을 고르는 것이 일과가 됐다"고 했다.',
)
OTHER_SENTENCES = {
    "축제": (
        "{city}시가 {month}월 {day}일부터 사흘간 {dong} 공원 일대에서 지역 축제를 연다.",
        "올해 축제에는 먹거리 장터와 공연 등 {n}개 프로그램이 마련됐다.",
        "지난해 축제에는 관람객 {big}명이 다녀갔다.",
        '{person} {role_topic} "안전한 축제가 되도록 준비하겠다"고 밝혔다.',
        "행사 기간 축제장 주변 도로는 일부 통제된다.",
    ),
    "도로": (
        "{city}시 {dong}동과 시내를 잇는 도로 확장 공사가 {month}월 마무리된다.",
        "공사비는 모두 {money}만 원이 들었으며 길이는 {n}km에 이른다.",
        "출퇴근 시간 정체가 크게 줄어들 것으로 시는 내다봤다.",
        '{person} {role_topic} "주민 불편을 최소화하겠다"고 말했다.',
        "시는 공사 구간에 임시 신호등 {n}개를 설치했다.",
    ),
    "농업": (
        "{city} 지역 농가들이 올해 첫 수확에 들어갔다.",
        "작황이 좋아 생산량이 지난해보다 {n}% 늘 것으로 보인다.",
        '{person} 씨는 "날씨가 도와줘 품질이 좋다"고 말했다.',
        "시는 농가에 포장재 구입비 {money}만 원을 지원한다.",
        "수확한 농산물은 지역 직판장에서 판매된다.",
    ),
    "보건": (
        "{city}시 보건소가 {month}월부터 찾아가는 건강 검진을 시작한다.",
        "검진 대상은 관내 65세 이상 주민 {big}명이다.",
        '{person} {role_topic} "어르신들의 건강을 꼼꼼히 살피겠다"고 밝혔다.',
        "검진은 {dong}동 주민센터 등 {n}곳에서 진행된다.",
        "자세한 내용은 보건소로 문의하면 된다.",
    ),
}
LIBRARY_TITLES = (
    "{city} {dong}동 {lib}, '{program}' 운영",
    '"책으로 이웃과 만나요"… {city} {lib} 개관 {n}주년',
    "{city}시, 작은도서관 운영비 지원 확대",
    "{lib}에 {thing} {big}권 기증",
    "{city} {lib} 자원활동가 {n}명 모집",
    "주민이 만든 {lib}, 마을 사랑방으로",
)
OTHER_TITLES = {
    "축제": ("{city} {dong} 공원서 지역 축제 개막", "{city}시 축제 {month}월 {day}일 개최"),
    "도로": ("{city} {dong}동 도로 확장 공사 마무리", "{city}시 출퇴근 정체 줄어든다"),
    "농업": ("{city} 농가 첫 수확 시작", "{city}시, 농가 포장재 구입비 지원"),
    "보건": ("{city}시 보건소 찾아가는 건강 검진", "{city} 어르신 {big}명 건강 검진"),
}
MENU = {
    "정치": ("국회", "청와대", "정당", "선거", "지방의회", "행정"),
    "경제": ("금융", "부동산", "산업", "유통", "중소기업", "일자리"),
    "사회": ("사건사고", "교육", "환경", "복지", "노동", "보건"),
    "문화": ("도서·출판", "공연·전시", "여행", "음식", "종교", "방송"),
    "지역": ("수원", "성남", "고양", "용인", "부천", "안산", "화성", "평택"),
    "스포츠": ("야구", "축구", "농구", "배구", "골프", "생활체육"),
    "오피니언": ("사설", "칼럼", "기고", "독자투고", "만평"),
    "포토": ("포토뉴스", "영상", "카드뉴스"),
}  # fmt: skip


@dataclass(frozen=True)
class Record:
    """One article as the page states it (what the extractor should find)."""

    idxno: int
    outlet: tuple[str, str, str, str, str]
    city: str
    title: str
    paragraphs: tuple[str, ...]
    published: datetime
    reporter: str
    section: str
    encoding: str  # "utf-8" or "euc-kr"
    topic: str  # "library" or one of OTHER_TOPICS
    copy_of: int | None

    @property
    def url_path(self) -> str:
        return f"/{self.outlet[0]}/news/articleView.html?idxno={self.idxno}"


def _topic(word: str) -> str:
    """``word`` with the topic particle its last syllable takes (은 after a final consonant)."""
    last = ord(word[-1]) - 0xAC00
    return word + ("은" if 0 <= last < 11172 and last % 28 else "는")


def _fill(template: str, rng: random.Random, slots: dict[str, str]) -> str:
    role = rng.choice(ROLES)
    values = {
        "month": str(rng.randint(1, 12)),
        "day": str(rng.randint(1, 28)),
        "year": str(rng.randint(2008, 2024)),
        "n": str(rng.randint(2, 60)),
        "big": f"{rng.randint(120, 9800):,}",
        "money": f"{rng.randint(5, 900) * 100:,}",
        "person": rng.choice(PEOPLE),
        "role": role,
        "role_topic": _topic(role),
        "program": rng.choice(PROGRAMS),
        "thing": rng.choice(THINGS),
        **slots,
    }
    return template.format(**values)


def _slots(rng: random.Random) -> dict[str, str]:
    city, _ = rng.choice(CITIES)
    dong = rng.choice(DONGS)
    kind = rng.choice(LIBRARY_KINDS)
    return {"city": city, "dong": dong, "lib": f"{dong} {kind}" if " " not in kind else kind}


def _headline(rng: random.Random, topic: str, slots: dict[str, str]) -> str:
    templates = LIBRARY_TITLES if topic == "library" else OTHER_TITLES[topic]
    return _fill(rng.choice(templates), rng, slots)


def _base_record(idxno: int) -> Record:
    rng = random.Random(idxno * 7919 + 17)
    outlet = OUTLETS[idxno % len(OUTLETS)]
    # 85 % of the stories are about small libraries, as on the sources clipper crawls.
    topic = "library" if rng.random() < 0.85 else rng.choice(OTHER_TOPICS)
    slots = _slots(rng)
    sentences = LIBRARY_SENTENCES if topic == "library" else OTHER_SENTENCES[topic]
    paragraphs = [
        " ".join(_fill(rng.choice(sentences), rng, slots) for _ in range(rng.randint(3, 5)))
        for _ in range(rng.randint(9, 17))
    ]
    if rng.random() < 0.05:  # a CMS glitch printing a paragraph twice
        paragraphs.insert(rng.randint(1, len(paragraphs)), paragraphs[0])
    reporter = rng.choice(PEOPLE)
    return Record(
        idxno=idxno,
        outlet=outlet,
        city=slots["city"],
        title=_headline(rng, topic, slots),
        paragraphs=tuple(paragraphs),
        published=EPOCH + timedelta(minutes=37 * idxno),
        reporter=reporter,
        section="문화" if topic == "library" else "사회",
        encoding="euc-kr" if (idxno * 2654435761) % 2**32 % EUCKR_SHARE == 0 else "utf-8",
        topic=topic,
        copy_of=None,
    )


@functools.lru_cache(maxsize=8192)
def record(idxno: int) -> Record:
    """The article behind page ``idxno`` (deterministic)."""
    base = _base_record(idxno)
    if idxno <= 3 or idxno % COPY_SHARE != 7:
        return base
    # A syndicated copy of the article three ids earlier: another outlet, a wire dateline,
    # the last paragraph dropped; published a little later.
    original = _base_record(idxno - 3)
    rng = random.Random(idxno)
    dateline = f"({original.city}={rng.choice(WIRES)}) {original.reporter} 기자 = "
    paragraphs = (dateline + original.paragraphs[0], *original.paragraphs[1:-1])
    return Record(
        idxno=idxno,
        outlet=base.outlet,
        city=original.city,
        title=original.title,
        paragraphs=paragraphs,
        published=base.published,
        reporter=original.reporter,
        section=original.section,
        encoding=base.encoding,
        topic=original.topic,
        copy_of=idxno - 3,
    )


# --- Page chrome ----------------------------------------------------------------------------


@functools.cache
def _menu(slug: str) -> str:
    blocks = []
    for section, subsections in MENU.items():
        links = "".join(
            f'<li class="sub-item"><a href="/{slug}/news/articleList.html?sc_sub_section_code='
            f'S2N{zlib.crc32(sub.encode()) % 900 + 100}&view_type=sm" class="sub-link">'
            f"{escape(sub)}</a></li>"
            for sub in subsections
        )
        blocks.append(
            f'<li class="menu-item has-sub"><a href="/{slug}/news/articleList.html?'
            f'sc_section_code=S1N{len(blocks) + 1}&view_type=sm" class="menu-link">'
            f'{escape(section)}</a><ul class="sub-menu">{links}</ul></li>'
        )
    menu = "".join(blocks)
    return (
        f'<nav id="user-nav" class="user-nav"><ul class="nav-list">{menu}</ul></nav>\n'
        f'<div id="all-menu" class="all-menu" aria-hidden="true"><ul class="all-list">{menu}'
        "</ul></div>\n"
    )


def _link_list(rng: random.Random, slug: str, css: str, heading: str, n: int) -> str:
    items = []
    for _ in range(n):
        topic = "library" if rng.random() < 0.4 else rng.choice(OTHER_TOPICS)
        title = _headline(rng, topic, _slots(rng))
        idx = rng.randint(100_000, 999_999)
        items.append(
            f'<li class="item"><a href="/{slug}/news/articleView.html?idxno={idx}" '
            f'class="links"><span class="thumb"><img src="/news/thumbnail/{idx}_t.jpg" '
            f'alt="{escape(title)}" loading="lazy"></span><em class="titles">{escape(title)}'
            "</em></a></li>"
        )
    return (
        f'<section class="{css} box-skin"><header class="header"><h2 class="title">'
        f'{escape(heading)}</h2></header><ul class="list">{"".join(items)}</ul></section>\n'
    )


def _ad_slot(rng: random.Random, name: str) -> str:
    unit = rng.randint(10_000_000, 99_999_999)
    return (
        f'<div class="ad-template {name}" data-ad-unit="{unit}"><div class="banner-box">'
        f'<script async src="//ads.example.net/tag.js?unit={unit}"></script>'
        f'<ins class="adsbygoogle" style="display:block" data-ad-client="ca-pub-{unit}" '
        f'data-ad-slot="{unit % 10_000_000}" data-ad-format="auto"></ins>'
        "<script>(adsbygoogle = window.adsbygoogle || []).push({});</script></div></div>\n"
    )


def _comments(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(3, 8)):
        text = _fill(rng.choice(LIBRARY_SENTENCES), rng, _slots(rng))
        lines.append(
            f'<li class="comment-item"><div class="comment-head"><strong class="nick">'
            f"{rng.choice(PEOPLE)[0]}**</strong><span class='date'>{rng.randint(1, 59)}분 전"
            f'</span></div><p class="comment-text">{escape(text)}</p><div class="comment-btn">'
            '<button type="button" class="like">공감 <em>'
            f"{rng.randint(0, 40)}</em></button>"
            '<button type="button" class="report">신고</button></div></li>'
        )
    return (
        '<section id="comments" class="comment-wrap"><h2 class="title">댓글</h2>'
        '<form class="comment-form" action="/comment/write" method="post">'
        '<textarea name="comment" placeholder="댓글을 입력해 주세요"></textarea>'
        '<button type="submit">등록</button></form>'
        f'<ul class="comment-list">{"".join(lines)}</ul></section>\n'
    )


_JS_WORDS = ("config", "slot", "track", "render", "viewport", "lazy", "banner", "share")


def _script(rng: random.Random, n_bytes: int) -> str:
    """Inline JavaScript of about ``n_bytes``: what analytics and ad loaders inline."""
    parts = ["<script>(function(w,d){var c={"]
    size = 0
    while size < n_bytes:
        key = rng.choice(_JS_WORDS) + str(rng.randint(0, 9999))
        value = "".join(rng.choices("abcdef0123456789", k=24))
        part = f'"{key}":"{value}",'
        parts.append(part)
        size += len(part)
    parts.append('"v":1};w.__pageConfig=c;d.documentElement.className+=" js";})(window,document);')
    parts.append("</script>\n")
    return "".join(parts)


def _head(rec: Record, charset: str) -> str:
    slug, name = rec.outlet[0], rec.outlet[1]
    description = rec.paragraphs[0][:120]
    url = f"https://{slug}.example{rec.url_path}"
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": rec.title,
        "description": description,
        "datePublished": rec.published.isoformat(),
        "dateModified": (rec.published + timedelta(minutes=12)).isoformat(),
        "author": {"@type": "Person", "name": rec.reporter},
        "publisher": {"@type": "Organization", "name": name},
        "mainEntityOfPage": url,
        "image": [f"https://{slug}.example/news/photo/{rec.idxno}_1.jpg"],
    }
    return (
        f'<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="{charset}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(rec.title)} - {escape(name)}</title>\n"
        f'<meta name="description" content="{escape(description)}">\n'
        f'<meta property="og:type" content="article">\n'
        f'<meta property="og:title" content="{escape(rec.title)} - {escape(name)}">\n'
        f'<meta property="og:description" content="{escape(description)}">\n'
        f'<meta property="og:url" content="{url}">\n'
        f'<meta property="og:image" content="https://{slug}.example/news/photo/{rec.idxno}_1.jpg">\n'
        f'<meta property="og:site_name" content="{escape(name)}">\n'
        f'<meta property="article:published_time" content="{rec.published.isoformat()}">\n'
        f'<meta property="article:section" content="{escape(rec.section)}">\n'
        f'<meta property="og:article:author" content="{escape(rec.reporter)}">\n'
        f'<link rel="canonical" href="{url}">\n'
        '<link rel="stylesheet" href="/css/common.css?v=20260101">\n'
        '<link rel="stylesheet" href="/css/article.css?v=20260101">\n'
        '<script type="application/ld+json">'
        + json.dumps(ld, ensure_ascii=False)
        + "</script>\n</head>\n"
    )


def _view(rec: Record, rng: random.Random) -> str:
    name, skin, mail = rec.outlet[1], rec.outlet[3], rec.outlet[4]
    stamp = rec.published.strftime("%Y.%m.%d %H:%M")
    body = [f"<p>{escape(p)}</p>\n" for p in rec.paragraphs]
    photo = (
        f'<figure class="photo-layout"><img src="/news/photo/{rec.idxno}_1.jpg" alt="">'
        f"<figcaption>{rng.choice(DONGS)}동 일대의 모습. /{name}</figcaption></figure>\n"
    )
    body.insert(min(2, len(body)), photo)
    body.append(f"<p>{escape(rec.reporter)} 기자 {rec.reporter[1:]}@{mail}</p>\n")
    content = (
        "".join(body)
        + f'<div class="view-copyright">저작권자 © {escape(name)} 무단전재 및 재배포 금지</div>\n'
        + f'<div class="view-editors">{escape(rec.reporter)} 기자</div>\n'
    )
    if skin == "old":
        return (
            '<header class="article-header-wrap"><div class="article-head-title">'
            f"{escape(rec.title)}</div></header>\n"
            '<section class="article-head-info"><div class="info-text"><ul class="no-bullet">'
            f'<li><i class="fa fa-user-o"></i> {escape(rec.reporter)} 기자</li>'
            f'<li><i class="fa fa-clock-o"></i> 승인 {stamp}</li>'
            '<li><i class="fa fa-commenting-o"></i> 댓글 0</li></ul></div></section>\n'
            f'<div id="article-view-content-div" itemprop="articleBody">\n{content}</div>\n'
        )
    return (
        '<article class="article-veiw-body view-page"><header class="article-view-header">'
        f'<h1 class="heading">{escape(rec.title)}</h1><ul class="infomation">'
        f"<li>기자명 {escape(rec.reporter)} 기자</li><li>입력 {stamp}</li><li>댓글 0</li>"
        "</ul></header>\n"
        '<article id="article-view-content-div" class="article-veiw-body" '
        f'itemprop="articleBody">\n{content}</article></article>\n'
    )


def render(idxno: int, target: int = PAGE_BYTES) -> tuple[str, bytes]:
    """The page ``idxno`` as (Content-Type, bytes), about ``target`` bytes long."""
    rec = record(idxno)
    rng = random.Random(idxno * 104729 + 3)
    slug, name = rec.outlet[0], rec.outlet[1]
    charset = "euc-kr" if rec.encoding == "euc-kr" else "utf-8"
    parts = [
        _head(rec, charset),
        '<body class="article-page">\n<div id="skip"><a href="#user-container">본문 바로가기'
        "</a></div>\n",
        f'<header id="user-header"><h1 class="logo"><a href="/{slug}/">{escape(name)}</a>'
        "</h1></header>\n",
        _menu(slug),
        _ad_slot(rng, "top-banner"),
        '<div id="user-container"><div class="float-center max-width-1080">'
        '<section class="user-section">\n',
        _view(rec, rng),
        _ad_slot(rng, "view-bottom"),
        _link_list(rng, slug, "related-articles", "관련기사", 8),
        _comments(rng),
        '</section><aside class="user-aside">\n',
        _ad_slot(rng, "aside-top"),
        _link_list(rng, slug, "most-read auto-article", "많이 본 뉴스", 10),
        _link_list(rng, slug, "photo-news", "포토뉴스", 8),
        _ad_slot(rng, "aside-bottom"),
        _link_list(rng, slug, "section-news", "지역 소식", 12),
        "</aside></div></div>\n",
        f'<footer id="user-footer"><div class="footer-info"><p>{escape(name)} | 경기도 수원시 '
        "팔달구 | 등록번호 경기 아00000 | 발행인 · 편집인 홍길동 | 청소년보호책임자 홍길동</p>"
        f"<p>Copyright © {escape(name)}. All rights reserved.</p></div></footer>\n",
    ]
    page = "".join(parts)
    codec = "cp949" if charset == "euc-kr" else "utf-8"
    size = len(page.encode(codec, "xmlcharrefreplace"))
    # The rest is inline script, as on real pages (tracking, ad configuration).
    page += _script(rng, max(0, target - size - 200)) + "</body>\n</html>\n"
    content_type = f"text/html; charset={charset}"
    return content_type, page.encode(codec, "xmlcharrefreplace")


def article_url(base: str, idxno: int) -> str:
    return base + record(idxno).url_path


def list_page(page: int, pages: int) -> str:
    """List page ``page``: links to articles ``(page-1)*LIST_SIZE+1 ..`` within ``pages``."""
    first = (page - 1) * LIST_SIZE + 1
    ids = range(first, min(first + LIST_SIZE, pages + 1))
    rows = "".join(
        f'<li><h4 class="titles"><a class="article-link" href="{record(i).url_path}">'
        f"{escape(record(i).title)}</a></h4><span class='byline'><em>"
        f"{record(i).published.strftime('%Y.%m.%d %H:%M')}</em></span></li>\n"
        for i in ids
    )
    return (
        '<!DOCTYPE html>\n<html lang="ko"><head><meta charset="utf-8"><title>전체기사</title>'
        f'</head><body><section id="section-list"><ul class="type1 bench-list">\n{rows}</ul>'
        "</section></body></html>\n"
    )


def list_count(pages: int) -> int:
    return -(-pages // LIST_SIZE)


# --- Server ---------------------------------------------------------------------------------


class Site:
    """Routes and the byte cache of one generated site of ``pages`` articles."""

    def __init__(self, pages: int):
        self.pages = pages
        self._cache: dict[str, tuple[int, str, bytes]] = {}

    def get(self, target: str) -> tuple[int, str, bytes]:
        hit = self._cache.get(target)
        if hit is None:
            hit = self._route(target)
            self._cache[target] = hit
        return hit

    def _route(self, target: str) -> tuple[int, str, bytes]:
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        if parts.path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nDisallow:\n"
        if parts.path == "/list":
            page = int(query.get("page", ["1"])[0])
            if 1 <= page <= list_count(self.pages):
                return 200, "text/html; charset=utf-8", list_page(page, self.pages).encode()
        elif parts.path.endswith("/news/articleView.html"):
            idxno = int(query.get("idxno", ["0"])[0])
            if 1 <= idxno <= self.pages and record(idxno).url_path == target:
                content_type, body = render(idxno)
                return 200, content_type, body
        return 404, "text/plain", b"not found\n"


async def _handle(site: Site, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            target = head.split(b" ", 2)[1].decode("latin-1")
            status, content_type, body = site.get(target)
            reason = "OK" if status == 200 else "Not Found"
            writer.write(
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n".encode()
                + body
            )
            await writer.drain()
            if b"connection: close" in head.lower():
                break
    except (asyncio.IncompleteReadError, ConnectionError, IndexError):
        pass
    finally:
        writer.close()


async def _serve(pages: int, port: int) -> None:
    site = Site(pages)
    server = await asyncio.start_server(
        functools.partial(_handle, site), "127.0.0.1", port, backlog=512
    )
    print(f"READY {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


def serve(pages: int, port: int = 0) -> None:
    """Serve a site of ``pages`` articles until killed (prints ``READY <port>``)."""
    asyncio.run(_serve(pages, port))


class SiteProcess:
    """The site served from a child process: ``with SiteProcess(2000) as base: …``."""

    def __init__(self, pages: int):
        self.pages = pages
        self.proc: subprocess.Popen | None = None
        self.base = ""

    def __enter__(self) -> str:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.site", "serve", "--pages", str(self.pages)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.startswith("READY "):
            self.__exit__()
            raise RuntimeError(f"benchmark site did not start: {line!r}")
        self.base = f"http://127.0.0.1:{int(line.split()[1])}"
        return self.base

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


# --- Client loop: what the server serves on its own ------------------------------------------


async def _fetch_all(host: str, port: int, targets: list[str], connections: int) -> int:
    queue = list(reversed(targets))
    total = 0

    async def worker() -> None:
        nonlocal total
        reader, writer = await asyncio.open_connection(host, port)
        while queue:
            target = queue.pop()
            writer.write(f"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            total += len(await reader.readexactly(length))
        writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return total


def client_rate(base: str, pages: int, rounds: int = 2, connections: int = 8) -> dict:
    """Pages per second the server alone delivers (a keep-alive asyncio client over every
    article page). The first pass also fills the server's cache; it is reported apart.

    The client runs on the same cores, so the figure is a lower bound of the server's rate.
    """
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    targets = [record(i).url_path for i in range(1, pages + 1)]
    started = time.perf_counter()
    asyncio.run(_fetch_all(host, port, targets, connections))
    warm_s = time.perf_counter() - started
    rates, sizes = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        sizes = asyncio.run(_fetch_all(host, port, targets, connections))
        rates.append(pages / (time.perf_counter() - started))
    if not rates:
        return {"first_pass_s": round(warm_s, 2)}
    return {
        "server_pages_per_s": round(max(rates)),
        "server_mb_per_s": round(max(rates) * sizes / pages / 2**20, 1),
        "mean_page_bytes": round(sizes / pages),
        "first_pass_s": round(warm_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="The generated benchmark site.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve_cmd = sub.add_parser("serve", help="serve the site until killed")
    serve_cmd.add_argument("--pages", type=int, default=2000)
    serve_cmd.add_argument("--port", type=int, default=0)
    show = sub.add_parser("show", help="print one page's Content-Type and bytes")
    show.add_argument("idxno", type=int)
    args = parser.parse_args()
    if args.command == "serve":
        serve(args.pages, args.port)
    else:
        content_type, body = render(args.idxno)
        print(content_type, file=sys.stderr)
        sys.stdout.buffer.write(body)


if __name__ == "__main__":
    main()
