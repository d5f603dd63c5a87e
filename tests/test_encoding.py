"""Tests for clipper.text.encoding: labels that lie, missing labels, BOMs, never raising."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse, TextResponse

from clipper.text.encoding import (
    charset_from_content_type,
    decode_html,
    normalize_label,
    response_text,
)

REALPAGES = Path(__file__).resolve().parents[1] / ".." / "shared" / "realpages"

KOREAN = "작은도서관 개관식에 주민 백여 명이 모였다."
# 똠 and 햏 are outside KS X 1001: only cp949 (UHC) encodes them, strict EUC-KR cannot.
UHC_ONLY = "똠방각하 햏자 작은도서관"


def page(charset_meta: str | None, text: str) -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return f"<html><head>{meta}<title>t</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("euc-kr", "cp949"),
        ("EUC-KR", "cp949"),
        (" 'euc_kr' ", "cp949"),
        ("ks_c_5601-1987", "cp949"),
        ("x-windows-949", "cp949"),
        ("ksc5601", "cp949"),
        ("cp949", "cp949"),
        ("utf8", "utf-8"),
        ("UTF-8", "utf-8"),
        ("iso-8859-1", "iso8859-1"),
        ("no-such-charset", None),
        # Codecs Python knows that are no page's charset: "undefined" raises on every use.
        ("UNDEFINED", None),
        ("rot13", None),
        ("base64", None),
        ("utf-16", "utf-16"),
        ("", None),
        (None, None),
        (b"euc-kr", "cp949"),
    ],
)
def test_normalize_label(label, codec):
    assert normalize_label(label) == codec


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("text/html; charset=EUC-KR", "EUC-KR"),
        (b"text/html;charset=utf-8", "utf-8"),
        ('text/html; charset="ks_c_5601-1987"', "ks_c_5601-1987"),
        ("text/html", None),
        (None, None),
    ],
)
def test_charset_from_content_type(value, label):
    assert charset_from_content_type(value) == label


@pytest.mark.parametrize(
    ("body", "declared", "want_text", "want_codec"),
    [
        # Declared and right.
        (page("utf-8", KOREAN).encode("utf-8"), None, KOREAN, "utf-8"),
        (page("euc-kr", KOREAN).encode("euc-kr"), None, KOREAN, "cp949"),
        # EUC-KR label on bytes only cp949 can read.
        (page("euc-kr", UHC_ONLY).encode("cp949"), None, UHC_ONLY, "cp949"),
        # EUC-KR label on UTF-8 bytes (saved copies of old Naver pages).
        (page("euc-kr", KOREAN).encode("utf-8"), None, KOREAN, "utf-8"),
        # HTTP header says EUC-KR, bytes are UTF-8.
        (page(None, KOREAN).encode("utf-8"), "text/html; charset=euc-kr", KOREAN, "utf-8"),
        # HTTP header beats the meta when both decode.
        (page("utf-8", KOREAN).encode("cp949"), "euc-kr", KOREAN, "cp949"),
        # Header claims UTF-8 but the bytes are cp949: the meta label rescues it.
        (page("euc-kr", KOREAN).encode("cp949"), "utf-8", KOREAN, "cp949"),
        # A Latin-1 header over UTF-8 Korean is a misconfigured server.
        (page(None, KOREAN).encode("utf-8"), "iso-8859-1", KOREAN, "utf-8"),
        # http-equiv form.
        (
            f'<meta http-equiv="Content-Type" content="text/html; charset=ks_c_5601-1987">{KOREAN}'.encode(
                "cp949"
            ),
            None,
            KOREAN,
            "cp949",
        ),
        # No declaration anywhere: sniff UTF-8, then cp949.
        (page(None, KOREAN).encode("utf-8"), None, KOREAN, "utf-8"),
        (page(None, UHC_ONLY).encode("cp949"), None, UHC_ONLY, "cp949"),
        # Feeds: the XML declaration.
        (
            f'<?xml version="1.0" encoding="euc-kr"?><rss><title>{UHC_ONLY}</title></rss>'.encode(
                "cp949"
            ),
            None,
            UHC_ONLY,
            "cp949",
        ),
        # Byte-order marks win over everything.
        (codecs.BOM_UTF8 + page("euc-kr", KOREAN).encode("utf-8"), "euc-kr", KOREAN, "utf-8"),
        (codecs.BOM_UTF16_LE + page(None, KOREAN).encode("utf-16-le"), None, KOREAN, "utf-16-le"),
        # An unknown label is ignored.
        (page("x-made-up", KOREAN).encode("utf-8"), "bogus", KOREAN, "utf-8"),
    ],
)
def test_decode_html(body, declared, want_text, want_codec):
    text, codec = decode_html(body, declared)
    assert codec == want_codec
    assert want_text in text
    assert "\ufffd" not in text


def test_broken_bytes_are_replaced_not_raised():
    body = page("euc-kr", KOREAN).encode("cp949") + b"\xff\xfe\xff tail"
    text, codec = decode_html(body)
    assert codec == "cp949"
    assert KOREAN in text
    assert "\ufffd" in text
    assert text.endswith("tail")


def test_meta_beyond_sniff_window_is_not_read():
    # A label far down the page is not trusted (browsers stop looking early too); the
    # UTF-8 bytes are then sniffed correctly anyway.
    body = (" " * 5000 + page("euc-kr", KOREAN)).encode("utf-8")
    assert decode_html(body) == (body.decode("utf-8"), "utf-8")


@pytest.mark.parametrize("declared", ["UNDEFINED", "text/html; charset=undefined", "rot13"])
def test_a_non_text_codec_label_is_ignored(declared):
    assert decode_html(b"\x00", declared) == ("\x00", "utf-8")
    assert decode_html(KOREAN.encode("cp949"), declared) == (KOREAN, "cp949")


def test_str_passes_through():
    assert decode_html(KOREAN) == (KOREAN, "utf-8")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.one_of(st.none(), st.text(max_size=30)))
def test_arbitrary_bytes_never_raise(body, declared):
    text, codec = decode_html(body, declared)
    assert isinstance(text, str)
    assert codecs.lookup(codec)


@pytest.mark.parametrize(
    ("content_type", "body", "want"),
    [
        (b"text/html; charset=euc-kr", page(None, KOREAN).encode("utf-8"), KOREAN),
        (b"text/html; charset=euc-kr", page(None, UHC_ONLY).encode("cp949"), UHC_ONLY),
        (None, page(None, UHC_ONLY).encode("cp949"), UHC_ONLY),
    ],
)
def test_response_text(content_type, body, want):
    headers = {"Content-Type": content_type} if content_type else {}
    response = HtmlResponse(url="https://news.example.kr/a", body=body, headers=headers)
    assert want in response_text(response)


def test_response_text_on_plain_text_response():
    response = TextResponse(url="https://news.example.kr/feed", body=UHC_ONLY.encode("cp949"))
    assert response_text(response) == UHC_ONLY


# --- the saved real pages -------------------------------------------------------------------


def realpage(name: str) -> bytes:
    path = REALPAGES / name
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path.read_bytes()


@pytest.mark.parametrize(
    ("name", "codec", "must_contain"),
    [
        # Declares EUC-KR, holds UTF-8 bytes.
        ("18-naver-legacy-read-2017.html", "utf-8", "기사입력"),
        # RSS declared euc-kr, strict EUC-KR is fine.
        ("21-rss-euckr-acnnewswire-2005.xml", "cp949", "<rss"),
        # RSS declared euc-kr with UHC-only bytes.
        ("22-rss-cp949-declared-euckr-ricanet-2010.xml", "cp949", "<rss"),
        # No charset anywhere.
        ("24-html-cp949-no-charset-news-text.html", "cp949", "한나라당"),
        ("25-naver-modern-newsis-2024.html", "utf-8", "뉴시스"),
    ],
)
def test_real_pages(name, codec, must_contain):
    text, used = decode_html(realpage(name))
    assert used == codec
    assert must_contain in text
    assert "\ufffd" not in text


def test_real_index_pages_decode_cleanly():
    index = REALPAGES / "index.jsonl"
    if not index.exists():
        pytest.skip("shared/realpages not available")
    for line in index.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        text, _ = decode_html((REALPAGES / case["file"]).read_bytes())
        assert "\ufffd" not in text, case["file"]
        assert case["title"].split()[0] in text, case["file"]
