"""The shared Korean news patterns (clipper.text.patterns): one copyright, e-mail, byline and
host rule for the extractor, the boilerplate stage and the story signatures, in linear time."""

from __future__ import annotations

import time

import pytest

from clipper.extract import clean_body_html, extract_article
from clipper.extract.fields import clean_author
from clipper.text import minhash
from clipper.text.boilerplate import strip_boilerplate
from clipper.text.patterns import EMAIL_RE, host_in, is_copyright_line, strip_copyright, url_host

STORY = "작은도서관 운영위원회는 책의 무단 복제를 막기 위해 도서관이 복사기 사용 규칙을 새로 만들었다고 밝혔다."
OTHER = "주민들은 오는 5월부터 도서관에서 새 규칙에 따라 책을 빌릴 수 있다."
TRAILERS = [
    "ⓒ 한빛일보 무단전재 및 재배포 금지",
    "<저작권자 © 한빛일보, 무단 전재 및 재배포 금지>",
    "Copyright © Hanbit Ilbo. All rights reserved.",
    "[무단전재 및 재배포 금지]",
]


def _three_stages(body: str) -> tuple[str, str, str]:
    """``body`` as the extractor, the boilerplate stage and the signature text see it."""
    html = "<div>" + "".join(f"<p>{line}</p>" for line in body.split("\n")) + "</div>"
    return clean_body_html(html), strip_boilerplate(body).body, minhash.normalise(body)


def test_a_story_sentence_mentioning_unauthorised_copying_is_kept_by_every_stage():
    # The extractor used to delete any short line mentioning 무단 복제, and the signatures
    # dropped it too, while the boilerplate stage kept it: the one rule keeps it everywhere.
    extracted, cleaned, normalised = _three_stages(f"{STORY}\n{OTHER}")
    assert STORY in extracted
    assert STORY in cleaned
    assert minhash.normalise(STORY) in normalised
    assert not is_copyright_line(STORY)


@pytest.mark.parametrize("trailer", TRAILERS)
def test_a_copyright_trailer_line_is_removed_by_every_stage(trailer):
    extracted, cleaned, normalised = _three_stages(f"{STORY}\n{OTHER}\n{trailer}")
    assert extracted == f"{STORY}\n\n{OTHER}"
    assert cleaned == f"{STORY}\n{OTHER}"
    assert normalised == minhash.normalise(f"{STORY}\n{OTHER}")


def test_a_notice_glued_to_a_sentence_is_cut_and_the_sentence_kept_by_every_stage():
    glued = f"{OTHER} <저작권자 ⓒ 한빛일보 무단전재 및 재배포 금지>"
    assert strip_copyright(glued) == OTHER
    extracted, cleaned, normalised = _three_stages(f"{STORY}\n{glued}")
    assert extracted == f"{STORY}\n\n{OTHER}"
    assert cleaned == f"{STORY}\n{OTHER}"
    assert normalised == minhash.normalise(f"{STORY}\n{OTHER}")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("홍길동 기자 hong@example.com", ["hong@example.com"]),
        ("(kim.cs+news@mail.example.co.kr)", ["kim.cs+news@mail.example.co.kr"]),
        ("기자hong@donga.com", ["기자hong@donga.com"]),  # \w takes Hangul, as it always did
        ("a@b", []),
        ("메일: x@y.z, y@z.kr", ["x@y.z", "y@z.kr"]),
    ],
)
def test_email(text, found):
    assert [m.group(0) for m in EMAIL_RE.finditer(text)] == found


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://News.Example.co.kr./a?b=1", "news.example.co.kr"),
        ("www.example.kr/news/1", "www.example.kr"),
        ("//cdn.example.com/x", "cdn.example.com"),
        ("http://[::1", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_url_host(url, host):
    assert url_host(url) == host


def test_host_in():
    assert host_in("n.news.naver.com", "news.naver.com")
    assert host_in("news.naver.com", "news.naver.com")
    assert not host_in("evilnews.naver.com", "news.naver.com")


# --- linear time on hostile input (issue 13 item 4) ---------------------------------------

MB = 1_000_000
HOSTILE = {
    "one letter": "a" * MB,
    "dotted": "a." * (MB // 2),
    "an @ at the end": "a" * MB + "@",
    "letters round an @": "a" * (MB // 2) + "@" + "a" * (MB // 2),
    "hangul": "가" * MB,
    "notice words": "저작권자 무단 copyright " * (MB // 20),
    "names": "홍길동·" * (MB // 4) + " 기자",
    "reporter words": "기자 " * (MB // 3),
    "digits": "1" * MB,
    "open tags": "<a" * (MB // 2),
}


def _seconds(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


@pytest.fixture(scope="module")
def warm():
    # The generic layer imports trafilatura on first use (about a second): not what is timed.
    extract_article("<html><body><p>짧은 글</p></body></html>")


@pytest.mark.usefixtures("warm")
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_megabyte_author_field_or_body_runs_in_linear_time(name):
    # The e-mail pattern used to be tried again from every character: 11.5 s on an 80,000
    # character author field, minutes on a megabyte. Linear, each of these takes well under a
    # second; the bound leaves room for a busy machine.
    text = HOSTILE[name]
    page = (
        f'<html><head><meta name="author" content="{text}"><title>제목</title></head>'
        f"<body><p>{text}</p></body></html>"
    )
    assert _seconds(lambda: clean_author(text)) < 2
    assert _seconds(lambda: extract_article(page, "https://example.kr/news/1")) < 2
    assert _seconds(lambda: strip_boilerplate(text)) < 2
    assert _seconds(lambda: minhash.normalise(text)) < 2
