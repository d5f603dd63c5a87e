"""The daily clipping: grouping by story and region, safe HTML and Markdown, terminal
tables, and the HTML page rendered by a real headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, text
from test_search import ARTICLES, HOSTILE_TITLE, item, seed

from clipper.analysis.render import md_escape, render_html, render_markdown, safe_url
from clipper.analysis.report import (
    REGIONS,
    Coverage,
    Report,
    ReportStory,
    build_report,
    count_by,
    first_paragraph,
    region_rank,
)
from clipper.analysis.tables import display_width, fit, format_table
from clipper.store.articles import ArticleStore
from models.stories import Story as StoryModel
from models.stories import StoryMember

KST = ZoneInfo("Asia/Seoul")


@pytest.fixture
def seeded(engine):
    return engine, seed(engine)


def test_report_groups_by_region_in_official_order(seeded):
    engine, _ids = seeded
    report = build_report(engine, date(2025, 3, 3), days=2)
    assert (report.start, report.end) == (date(2025, 3, 2), date(2025, 3, 3))
    assert [region for region, _ in report.sections] == ["서울", "부산", "경기", "전국"]
    keys = {s.key: s for s in report.stories}
    assert len(keys) == 4  # no story assigned: one entry per article
    suwon = next(s for s in report.stories if s.region == "경기")
    assert suwon.title == ARTICLES["suwon"][0]
    assert suwon.lead == "수원시 영통구에 마을작은도서관이 문을 열었다."
    assert [(c.outlet, c.url) for c in suwon.coverage] == [("경기일보", ARTICLES["suwon"][5])]
    counts = dict(report.region_counts())
    assert list(counts)[:17] == list(REGIONS)
    assert list(counts)[17:] == ["전국", "미상"]
    assert counts["경기"] == 1
    assert counts["제주"] == 0
    assert counts["미상"] == 0


@pytest.mark.parametrize(
    ("day", "days", "expected_regions"),
    [
        (date(2025, 3, 2), 1, ["서울", "부산"]),  # 00:30 KST on the 2nd counts for the 2nd
        (date(2025, 3, 1), 1, []),
        (date(2025, 3, 3), 1, ["경기", "전국"]),
        (date(2025, 3, 3), 60, ["서울", "부산", "경기", "제주", "전국"]),
    ],
)
def test_report_period_is_in_kst(seeded, day, days, expected_regions):
    engine, _ = seeded
    report = build_report(engine, day, days)
    assert [region for region, _ in report.sections] == expected_regions


def add_story(engine, story_id: int, article_ids: list[int], canonical: int) -> None:
    now = datetime(2025, 3, 4, tzinfo=KST)
    with engine.begin() as conn:
        conn.execute(
            insert(StoryModel).values(
                id=story_id, canonical_article_id=canonical, first_published=now,
                last_published=now, n_articles=len(article_ids), created_at=now, updated_at=now,
            )
        )  # fmt: skip
        conn.execute(
            insert(StoryMember),
            [
                {"article_id": a, "story_id": story_id, "story_time": now, "n_shingles": 1,
                 "joined_at": now}
                for a in article_ids
            ],
        )  # fmt: skip


def test_report_groups_articles_of_one_story(seeded):
    engine, ids = seeded
    # A second outlet runs the Suwon story the same day; the story names it canonical.
    other = item("suwon", url="https://other.example.kr/s", source_url="https://b/2",
                 outlet="경인일보", title="수원에 마을작은도서관 문 열어", body="경인 보도.\n둘째 줄")  # fmt: skip
    ArticleStore(engine).write([other])
    with engine.connect() as conn:
        other_id = conn.execute(
            text("SELECT id FROM articles WHERE url = 'https://other.example.kr/s'")
        ).scalar_one()
    add_story(engine, 9001, [ids["suwon"], other_id], canonical=other_id)
    report = build_report(engine, date(2025, 3, 3))
    gyeonggi = dict(report.sections)["경기"]
    assert len(gyeonggi) == 1
    story = gyeonggi[0]
    assert story.key == "s9001"
    assert (story.title, story.lead) == ("수원에 마을작은도서관 문 열어", "경인 보도.")
    assert story.outlets == ["경기일보", "경인일보"]
    assert [c.url for c in story.coverage] == [ARTICLES["suwon"][5], "https://other.example.kr/s"]
    with engine.connect() as conn:
        in_view = dict(conn.execute(text("SELECT id, story_id FROM clippings")).all())
    assert in_view[ids["suwon"]] == in_view[other_id] == 9001
    assert in_view[ids["seoul"]] is None


def test_story_region_is_the_majority(seeded):
    engine, ids = seeded
    # 서울 + 부산 + 전국 articles in one story: a tie, broken by the official order.
    add_story(engine, 7, [ids["seoul"], ids["busan"], ids["hostile"]], canonical=ids["busan"])
    report = build_report(engine, date(2025, 3, 3), days=2)
    story = dict(report.sections)["서울"][0]
    assert story.region == "서울"
    assert story.title == ARTICLES["busan"][0]
    assert len(story.coverage) == 3
    # Issue 17: it is listed under every region it covers, and counted once.
    assert [r for r, _ in report.sections] == ["서울", "부산", "경기", "전국"]
    assert story.regions == ["서울", "부산", "전국"]
    assert all(dict(report.sections)[r] == [story] for r in story.regions)
    assert len(report.stories) == 2
    page = render_markdown(report)
    assert page.count(f"### [{ARTICLES['busan'][0]}]") == 3
    assert "함께 실린 지역: 부산 · 전국" in page
    assert page.startswith(
        "# 뉴스 클리핑 2025-03-02 ~ 2025-03-03 (KST)\n\n기사 묶음 2건 · 기사 4건"
    )


def _story(title, url, region="경기", lead="첫 문단"):
    published = datetime(2025, 3, 3, 9, tzinfo=KST)
    return ReportStory(
        key="a1",
        title=title,
        lead=lead,
        region=region,
        published=published,
        coverage=[Coverage(1, "매체", url, title, published)],
    )


def _report(*stories):
    sections = {}
    for story in stories:
        sections.setdefault(story.region, []).append(story)
    return Report(
        date(2025, 3, 3),
        date(2025, 3, 3),
        sorted(sections.items(), key=lambda s: region_rank(s[0])),
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example.kr/a?b=1&c=2", "https://news.example.kr/a?b=1&c=2"),
        ("HTTP://news.example.kr/", "HTTP://news.example.kr/"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        (" javascript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("//news.example.kr/a", None),
        ("/relative/path", None),
        ("http:///nohost", None),
        ("https://news.example.kr/a\nb", None),
        ("", None),
        (None, None),
        ('https://x.kr/"onmouseover="alert(1)', 'https://x.kr/"onmouseover="alert(1)'),
    ],
)
def test_safe_url(url, expected):
    assert safe_url(url) == expected


@pytest.mark.parametrize(
    "title",
    [
        HOSTILE_TITLE,
        "<img src=x onerror=alert(1)>",
        '"><svg onload=alert(1)>',
        "</title><script>alert(1)</script>",
        "&lt;이미 이스케이프됨&gt; & 그대로",
    ],
)
def test_html_escapes_every_scraped_string(title):
    page = render_html(
        _report(_story(title, 'https://x.kr/"><script>alert(2)</script>', lead=title))
    )
    assert "<script" not in page.lower()
    assert "<img" not in page
    assert "<svg onload" not in page
    assert page.count('<meta http-equiv="Content-Security-Policy"') == 1
    assert "default-src 'none'; style-src 'unsafe-inline'; img-src data:" in page
    # Nothing that loads from the network.
    assert not re.search(r"""(src|href)=["']?(https?:)?//(?!x\.kr)""", page)
    assert re.search(r'href="https://x\.kr/&quot;&gt;&lt;script&gt;', page)


def test_html_shows_unsafe_urls_as_text():
    page = render_html(_report(_story("제목", "javascript:alert(document.domain)")))
    assert "href=" not in page.split("<body>")[1]
    assert "javascript:alert(document.domain)" in page


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("작은도서관 *개관*", r"작은도서관 \*개관\*"),
        ("[링크](javascript:x)", r"\[링크\](javascript:x)"),
        ("# 제목 | 표 _밑줄_", r"\# 제목 \| 표 \_밑줄\_"),
        ("<script>x</script>", r"\<script\>x\</script\>"),
        ("1. 목록\n- 항목", r"1\. 목록 - 항목"),
        ("- 항목", r"\- 항목"),
        ("+ 더하기 2.5", r"\+ 더하기 2.5"),
        ("12) 번호", r"12\) 번호"),
        ("> 인용", r"\> 인용"),
        ("&amp; 엔티티", r"\&amp; 엔티티"),
        ("`코드` ~취소~ \\", r"\`코드\` \~취소\~ \\"),
        ("평범한 제목", "평범한 제목"),
    ],
)
def test_md_escape(text, expected):
    assert md_escape(text) == expected


def test_markdown_report_links_only_http():
    story = _story("[가짜](javascript:alert(1)) 제목", "javascript:alert(1)")
    good = _story("좋은 기사", "https://news.example.kr/a b(1)", region="서울")
    page = render_markdown(_report(story, good))
    assert not re.search(r"(?<!\\)\]\(<?javascript", page)  # no live link to it
    assert "- 매체 (javascript:alert(1)) · 2025-03-03" in page
    assert r"### \[가짜\](javascript:alert(1)) 제목" in page
    assert "[매체](<https://news.example.kr/a%20b(1)>)" in page
    assert page.index("## 서울") < page.index("## 경기")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("첫 문단.\n\n둘째 문단.", "첫 문단."),
        ("\n\n  \n공백 뒤 첫 줄\n다음 줄", "공백 뒤 첫 줄"),
        ("", ""),
        ("가" * 400, "가" * 299 + "…"),
    ],
)
def test_first_paragraph(body, expected):
    assert first_paragraph(body) == expected


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("abc", 5, "abc  "),
        ("작은도서관", 10, "작은도서관"),
        ("작은도서관", 9, "작은도서…"),
        ("작은도서관", 8, "작은도… "),
        ("a작은", 4, "a작…"),
        ("ｆｕｌｌ", 4, "ｆ… "),
        ("줄\n바꿈", 10, "줄 바꿈   "),
    ],
)
def test_fit_counts_korean_as_two_cells(text, width, expected):
    assert fit(text, width) == expected
    assert display_width(fit(text, width)) == width


def test_format_table_aligns_columns():
    table = format_table(
        ("지역", "매체"), [("경기", "경기일보"), ("서울", "아주 긴 매체 이름입니다")], [4, 12]
    )
    lines = table.splitlines()
    assert [display_width(line.split("  ")[0]) for line in lines] == [4, 4, 4, 4]
    assert all(display_width(line) <= 4 + 2 + 12 for line in lines)
    assert lines[3].endswith("…")


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("region", [("서울", 1), ("부산", 1), ("경기", 1), ("제주", 1), ("전국", 1), (None, 1)]),
        ("month", [("2025-01", 1), ("2025-03", 4), (None, 1)]),
    ],
)
def test_count_by(seeded, by, expected):
    engine, _ = seeded
    assert count_by(engine, by) == expected


def test_count_by_outlet_most_first(seeded):
    engine, _ = seeded
    ArticleStore(engine).write(
        [item("seoul", url="https://news.example.kr/seoul2", source_url="https://b/s2")]
    )
    rows = count_by(engine, "outlet")
    assert rows[0] == ("서울신문", 2)
    assert rows[-1] == (None, 1)
    with pytest.raises(ValueError, match="cannot count"):
        count_by(engine, "spider")


# -- a real browser ------------------------------------------------------------------------

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")


def _chromium() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    reason = "no chromium binary on PATH (apt-get install chromium)"
    if os.environ.get("CLIPPER_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CLIPPER_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def dump_dom(path, tmp_path) -> str:
    result = subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--dump-dom",
            path.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


# Runs only if the page lets scripts run: it renames the page and adds an element.
PROBE = (
    '<script>document.title="pwned";'
    'document.body.appendChild(document.createElement("mark")).id="pwned"</script>'
)
PWNED_ELEMENT = r'<[a-z]+\s[^>]*id="pwned"'


def test_browser_harness_detects_a_running_script(tmp_path):
    """Control: without escaping and CSP the probe does run, so the next test can fail."""
    page = tmp_path / "unsafe.html"
    page.write_text(
        f"<!DOCTYPE html><html><head><title>t</title></head><body>{PROBE}</body></html>"
    )
    dom = dump_dom(page, tmp_path)
    assert re.search(PWNED_ELEMENT, dom)
    assert "<title>pwned</title>" in dom


def test_html_report_in_a_real_browser(seeded, tmp_path):
    engine, _ = seeded
    assert PROBE in HOSTILE_TITLE  # the seeded hostile title carries the probe
    page = tmp_path / "report.html"
    page.write_text(render_html(build_report(engine, date(2025, 3, 3), days=2)), encoding="utf-8")
    dom = dump_dom(page, tmp_path)
    assert "<title>뉴스 클리핑 2025-03-02 ~ 2025-03-03 (KST)</title>" in dom
    for key in ("suwon", "seoul", "busan"):
        assert f"<h3>{ARTICLES[key][0]}</h3>" in dom
        assert f'href="{ARTICLES[key][5]}"' in dom
    # The hostile title is shown as text, and its script did not run.
    assert "&lt;script&gt;document.title=" in dom
    assert not re.search(PWNED_ELEMENT, dom)
    assert "<mark" not in dom
    assert "<title>pwned</title>" not in dom
    # Its javascript: URL is text, not a link; the outlet name's markup is text too.
    assert 'href="javascript' not in dom
    assert "전국&lt;b&gt;매체&lt;/b&gt;" in dom
    # The chart: one bar per region, 경기 with one story.
    bars = re.findall(r'<g class="bar" data-region="([^"]+)" data-count="(\d+)"', dom)
    assert len(bars) == 19
    assert dict(bars)["경기"] == "1"
    assert dict(bars)["제주"] == "0"


# -- what a librarian wants (issue 17) --------------------------------------------------------


def test_kst_today_on_a_utc_server():
    from datetime import UTC

    from clipper.commands.report import kst_today

    # 20:00 UTC on the 4th is 05:00 on the 5th in Seoul: a 7 a.m. KST cron's "today".
    assert kst_today(datetime(2026, 12, 4, 20, 0, tzinfo=UTC)) == date(2026, 12, 5)
    assert kst_today(datetime(2026, 12, 4, 14, 59, tzinfo=UTC)) == date(2026, 12, 4)


def test_report_today_and_yesterday_are_korean_days(engine, database_url, tmp_path):
    import sys
    from datetime import UTC, timedelta

    seed(engine)
    env = dict(os.environ, TZ="UTC", CLIPPER_DATABASE_URL=database_url)
    for word, back in (("today", 0), ("yesterday", 1), ("오늘", 0)):
        expected = datetime.now(UTC).astimezone(KST).date() - timedelta(days=back)
        done = subprocess.run(
            [sys.executable, "-m", "clipper", "report", "--date", word, "--format", "md"],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"# 뉴스 클리핑 {expected.isoformat()} (KST)")


def _cli(*args):
    from click.testing import CliRunner

    from clipper.cli import main

    return CliRunner().invoke(main, [str(a) for a in args])


def test_report_for_one_region_or_outlet(engine, database_url):
    seed(engine)
    common = ("report", "--date", "2025-03-03", "--days", "2", "--format", "md",
              "--database-url", database_url)  # fmt: skip
    result = _cli(*common, "--region", "경기도")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# 뉴스 클리핑 2025-03-02 ~ 2025-03-03 (KST) · 경기\n")
    assert re.findall(r"^## (\S+)", result.stdout, re.M) == ["지역별", "경기"]
    result = _cli(*common, "--outlet", "부산일보")
    assert re.findall(r"^## (\S+)", result.stdout, re.M) == ["지역별", "부산"]
    assert ARTICLES["busan"][0] in result.stdout
    assert ARTICLES["seoul"][0] not in result.stdout
    result = _cli(*common, "--region", "수원")
    assert result.exit_code == 2
    assert "unknown region" in result.stderr


def test_headlines_link_to_the_article(seeded):
    engine, _ = seeded
    report = build_report(engine, date(2025, 3, 3), days=2)
    page = render_html(report)
    for key in ("suwon", "seoul", "busan"):
        title, url = ARTICLES[key][0], ARTICLES[key][5]
        assert f'<a class="headline" href="{url}"><h3>{title}</h3></a>' in page
    # The hostile article's javascript: URL gives a headline without a link.
    assert "<h3>작은도서관 &quot;AND&quot; 100% 확충 &lt;script&gt;" in page
    assert 'href="javascript' not in page
    md = render_markdown(report)
    assert f"### [{ARTICLES['suwon'][0]}](<{ARTICLES['suwon'][5]}>)" in md
    # What the browser check (skipped without chromium) asserts, on the page itself.
    bars = re.findall(r'<g class="bar" data-region="([^"]+)" data-count="(\d+)"', page)
    assert len(bars) == 19
    assert dict(bars)["경기"] == "1"
    assert dict(bars)["제주"] == "0"


def test_a_one_story_day_is_one_bar(seeded):
    engine, _ = seeded
    report = build_report(engine, date(2025, 1, 15))
    assert len(report.stories) == 1
    svg = re.search(r"<svg.*?</svg>", render_html(report)).group()
    assert svg.count("<rect") == 1
    bars = re.findall(r'<g class="bar" data-region="([^"]+)" data-count="(\d+)">(.*?)</g>', svg)
    assert [(r, n) for r, n, _ in bars if n != "0"] == [("제주", "1")]
    assert len(bars) == 19  # the others are named under it, without bars
    assert "기사 없음" in svg
    assert int(re.search(r'height="(\d+)"', svg).group(1)) < 120


@pytest.mark.parametrize(
    ("day", "days", "message"),
    [("2025-01-15", 1, "1 story written"), ("2025-03-03", 2, "4 stories written"),
     ("2025-03-01", 1, "0 stories written")],
)  # fmt: skip
def test_report_message_plurals(engine, database_url, tmp_path, day, days, message):
    seed(engine)
    out = tmp_path / "r.html"
    result = _cli("report", "--date", day, "--days", days, "--out", out,
                  "--database-url", database_url)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(message)
    page = out.read_text("utf-8")
    assert re.search(r"기사 묶음 \d+건 · 기사 \d+건", page)  # Korean counts take no plural
