"""What analysts read: counts (``clipper stats``), the daily clipping (``clipper report``) as
stand-alone HTML or Markdown, and terminal tables that line up Korean text.

Everything scraped (titles, bodies, outlet names, URLs) is untrusted: HTML output escapes it
and links only http(s) URLs; the page loads nothing from the network and forbids scripts by
its Content-Security-Policy. Markdown output backslash-escapes markdown syntax.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import quote, urlsplit

from sqlalchemy import ColumnElement, Engine, func, select

from clipper.analysis.query import Filters, select_articles
from clipper.text.dates import KST
from models import Article, Outlet
from models.stories import Story, StoryMember

# The 17 시도 in the official (administrative code) order, then national, then unknown.
REGIONS = (
    "서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종",
    "경기", "강원", "충북", "충남", "전북", "전남", "경북", "경남", "제주",
)  # fmt: skip
NATIONAL = "전국"
UNKNOWN = "미상"
LEAD_CHARS = 300
STATS_KEYS = ("region", "outlet", "month")


def region_rank(region: str | None) -> tuple[int, str]:
    """Sort key: the 17 시도 in order, 전국, other tags alphabetically, then no region."""
    if region in REGIONS:
        return (REGIONS.index(region), "")
    if region == NATIONAL:
        return (len(REGIONS), "")
    if region is None or region == UNKNOWN:
        return (len(REGIONS) + 2, "")
    return (len(REGIONS) + 1, region)


# -- terminal tables ---------------------------------------------------------------------


def char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    # Hangul and CJK are wide (W) or full-width (F): two terminal cells.
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(c) for c in text)


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal cells (with … when cut) and padded to exactly it."""
    text = " ".join(text.split())
    if display_width(text) > width:
        out, used = [], 0
        for char in text:
            w = char_width(char)
            if used + w > width - 1:
                break
            out.append(char)
            used += w
        text = "".join(out) + "…"
    return text + " " * (width - display_width(text))


def format_table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], max_widths: Sequence[int]
) -> str:
    """Rows as aligned columns, each at most ``max_widths[i]`` cells (two per Korean char)."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [
        min(limit, max([display_width(h)] + [display_width(r[i]) for r in cells]))
        for i, (h, limit) in enumerate(zip(headers, max_widths, strict=True))
    ]
    lines = ["  ".join(fit(h, w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(fit(v, w) for v, w in zip(r, widths, strict=True)) for r in cells)
    return "\n".join(line.rstrip() for line in lines)


# -- stats -------------------------------------------------------------------------------


def kst_month(engine: Engine) -> ColumnElement[str]:
    if engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Seoul", Article.published), "YYYY-MM")
    # SQLite holds naive UTC text; Korea has no daylight saving time.
    return func.strftime("%Y-%m", Article.published, "+9 hours")


def count_by(
    engine: Engine, by: str, filters: Filters | None = None
) -> list[tuple[str | None, int]]:
    """Article counts per region, outlet or KST month (``YYYY-MM``), in a readable order."""
    keys = {"region": Article.region, "outlet": Outlet.name, "month": kst_month(engine)}
    if by not in keys:
        raise ValueError(f"cannot count by {by!r}; choose one of {', '.join(STATS_KEYS)}")
    key = keys[by].label("key")
    stmt = (
        select(key, func.count(Article.id).label("n"))
        .select_from(Article)
        .outerjoin(Outlet, Article.outlet_id == Outlet.id)
        .group_by(key)
    )
    stmt = (filters or Filters()).apply(stmt)
    with engine.connect() as conn:
        rows = [(k, int(n)) for k, n in conn.execute(stmt).all()]
    if by == "region":
        return sorted(rows, key=lambda r: region_rank(r[0]))
    if by == "month":
        return sorted(rows, key=lambda r: (r[0] is None, r[0] or ""))
    return sorted(rows, key=lambda r: (-r[1], r[0] is None, r[0] or ""))


# -- the daily clipping ------------------------------------------------------------------


@dataclass
class Coverage:
    """One outlet's article of a story."""

    article_id: int
    outlet: str | None
    url: str
    title: str
    published: datetime | None


@dataclass
class ReportStory:
    key: str
    title: str
    lead: str
    region: str  # the region most of its articles carry (its first section)
    published: datetime | None
    coverage: list[Coverage] = field(default_factory=list)
    url: str = ""  # the article the headline links to (the canonical one, else the first)
    # Every region its articles carry, in official order; the story is listed under each.
    regions: list[str] = field(default_factory=list)

    @property
    def outlets(self) -> list[str]:
        return list(dict.fromkeys(c.outlet or "(매체 미상)" for c in self.coverage))


@dataclass
class Report:
    start: date  # first KST day, inclusive
    end: date  # last KST day, inclusive
    sections: list[tuple[str, list[ReportStory]]]
    scope: str = ""  # the filters, e.g. "경기 · 경기일보" ("" for everything)

    @property
    def stories(self) -> list[ReportStory]:
        """Every story once (one covering two regions is in both sections)."""
        unique = {s.key: s for _, stories in self.sections for s in stories}
        return list(unique.values())

    def region_counts(self) -> list[tuple[str, int]]:
        """Stories per region: all 17 시도, 전국 and 미상 (zeros included), then any other."""
        counts = {region: len(stories) for region, stories in self.sections}
        names = [*REGIONS, NATIONAL, UNKNOWN, *counts]
        names = sorted(dict.fromkeys(names), key=region_rank)
        return [(name, counts.get(name, 0)) for name in names]

    @property
    def title(self) -> str:
        period = self.start.isoformat()
        if self.end != self.start:
            period += f" ~ {self.end.isoformat()}"
        scope = f" · {self.scope}" if self.scope else ""
        return f"뉴스 클리핑 {period} (KST){scope}"


def first_paragraph(body: str, limit: int = LEAD_CHARS) -> str:
    for chunk in re.split(r"\n\s*\n|\n", body or ""):
        text = " ".join(chunk.split())
        if text:
            return text if len(text) <= limit else text[: limit - 1] + "…"
    return ""


def build_report(
    engine: Engine, day: date, days: int = 1, filters: Filters | None = None
) -> Report:
    """The stories published in the ``days`` KST days ending on ``day``, by region.

    Articles of one story (``story_members``) form one entry; an article not (yet) in a
    story is its own. A story's title, lead and headline link come from its canonical
    article when that is in the period, else from its earliest one. A story is listed under
    every region its articles carry (first under the one most of them carry). ``filters``'
    region and outlet keep only the matching articles (a regional association's clipping);
    its dates are ignored, the period is ``day``/``days``.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    # A period reaching before year 1 starts on its first day.
    start = date.fromordinal(max(1, day.toordinal() - (days - 1)))
    stmt = (
        select_articles(StoryMember.story_id, Story.canonical_article_id)
        .outerjoin(StoryMember, StoryMember.article_id == Article.id)
        .outerjoin(Story, Story.id == StoryMember.story_id)
        .order_by(Article.published.asc(), Article.id.asc())
    )
    wanted = filters or Filters()
    stmt = Filters(region=wanted.region, outlet=wanted.outlet, since=start, until=day).apply(stmt)
    groups: dict[str, list[dict]] = {}
    with engine.connect() as conn:
        for row in conn.execute(stmt).mappings():
            key = f"s{row['story_id']}" if row["story_id"] is not None else f"a{row['id']}"
            groups.setdefault(key, []).append(dict(row))
    by_region: dict[str, list[ReportStory]] = {}
    for key, rows in groups.items():
        story = _story(key, rows)
        for region in story.regions:
            by_region.setdefault(region, []).append(story)
    sections = []
    for region in sorted(by_region, key=region_rank):
        # Most widely covered first, then newest.
        stories = sorted(
            by_region[region],
            key=lambda s: (-len(s.outlets), -(s.published.timestamp() if s.published else 0)),
        )
        sections.append((region, stories))
    scope = " · ".join(v for v in (wanted.region, wanted.outlet) if v)
    return Report(start=start, end=day, sections=sections, scope=scope)


def _story(key: str, rows: list[dict]) -> ReportStory:
    first = next((r for r in rows if r["id"] == r["canonical_article_id"]), rows[0])
    lead = next((p for p in (first_paragraph(r["body"]) for r in [first, *rows]) if p), "")
    regions = Counter(r["region"] for r in rows if r["region"])
    region = UNKNOWN
    if regions:
        top = max(regions.values())
        region = min((r for r, n in regions.items() if n == top), key=region_rank)
    coverage = [
        Coverage(
            article_id=r["id"],
            outlet=r["outlet"],
            url=r["url"],
            title=r["title"],
            published=r["published"].astimezone(KST) if r["published"] else None,
        )
        for r in rows
    ]
    others = sorted((r for r in regions if r != region), key=region_rank)
    return ReportStory(
        key=key,
        title=" ".join(first["title"].split()),
        lead=lead,
        region=region,
        published=coverage[0].published,
        coverage=coverage,
        url=first["url"],
        regions=[region, *others],
    )


# -- rendering ---------------------------------------------------------------------------


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL safe to put in a link, else None."""
    if not url or any(c in url for c in "\x00\r\n\t") or url != url.strip():
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
body { font-family: sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.55; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { border-bottom: 2px solid #2b6cb0; padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.08rem; margin: 1.2rem 0 .3rem; }
.lead { margin: .2rem 0 .4rem; color: #333; }
.coverage { margin: 0; padding-left: 1.2rem; font-size: .92rem; }
.meta, .summary { color: #666; font-size: .9rem; }
.bad-url { color: #888; word-break: break-all; }
a.headline { color: inherit; text-decoration: none; }
a.headline:hover h3 { text-decoration: underline; }
svg text { font-family: sans-serif; font-size: 12px; }
"""


# Regions without stories, listed by name under the bars: this many names per line.
ZERO_NAMES_PER_LINE = 9


def render_chart_svg(counts: Sequence[tuple[str, int]]) -> str:
    """A horizontal bar chart of stories per region, as inline SVG (no script, no assets).

    Only regions with stories get a bar, so a one-story day is one bar, not one among 18
    empty ones; the regions without any are named on a line below ("기사 없음: …"). Every
    region is a ``g.bar`` element with its ``data-count``, zero or not.
    """
    row, label_w, bar_w, top, line = 22, 56, 400, 6, 18
    bars = [(r, n) for r, n in counts if n]
    zeros = [r for r, n in counts if not n]
    most = max((n for _, n in bars), default=0) or 1
    zero_lines = -(-len(zeros) // ZERO_NAMES_PER_LINE)
    height = top * 2 + row * len(bars) + line * zero_lines + (6 if zero_lines else 0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 50}" '
        f'height="{height}" role="img" aria-label="지역별 기사 묶음 수" class="chart">'
    ]
    for i, (region, n) in enumerate(bars):
        y = top + i * row
        width = max(2, round(bar_w * n / most))
        parts.append(
            f'<g class="bar" data-region="{html.escape(region)}" data-count="{n}">'
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{html.escape(region)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{width}" height="{row - 6}" fill="#2b6cb0"/>'
            f'<text x="{label_w + width + 6}" y="{y + 15}">{n}</text></g>'
        )
    y0 = top + row * len(bars) + 6
    for i, region in enumerate(zeros):
        y = y0 + (i // ZERO_NAMES_PER_LINE) * line + 12
        col = i % ZERO_NAMES_PER_LINE
        if col == 0:
            parts.append(
                f'<text x="{label_w - 6}" y="{y}" text-anchor="end" fill="#888">기사 없음</text>'
            )
        parts.append(
            f'<g class="bar" data-region="{html.escape(region)}" data-count="0">'
            f'<text x="{label_w + col * 44}" y="{y}" fill="#888">{html.escape(region)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def plural(n: int, one: str, many: str) -> str:
    """``1 story``, ``2 stories`` (Korean needs none: 1건, 2건)."""
    return f"{n} {one if n == 1 else many}"


def _html_link(text: str, url: str) -> str:
    href = safe_url(url)
    if href is None:
        return f'{html.escape(text)} <span class="bad-url">{html.escape(url)}</span>'
    return f'<a href="{html.escape(href, quote=True)}">{html.escape(text)}</a>'


def _day(value: datetime | None) -> str:
    return value.astimezone(KST).date().isoformat() if value else "날짜 미상"


def render_html(report: Report) -> str:
    esc = html.escape
    body = [
        f"<h1>{esc(report.title)}</h1>",
        f'<p class="summary">기사 묶음 {len(report.stories)}건 · 기사 '
        f"{sum(len(s.coverage) for s in report.stories)}건</p>",
        '<section id="chart"><h2>지역별 기사 묶음</h2>',
        render_chart_svg(report.region_counts()),
        "</section>",
    ]
    if not report.sections:
        body.append('<p class="empty">이 기간에 수집된 기사가 없습니다.</p>')
    for region, stories in report.sections:
        body.append(f'<section class="region" data-region="{esc(region)}">')
        body.append(f"<h2>{esc(region)} <small>({len(stories)})</small></h2>")
        for story in stories:
            body.append(f'<article class="story" data-story="{esc(story.key)}">')
            href = safe_url(story.url)
            if href is None:
                body.append(f"<h3>{esc(story.title)}</h3>")
            else:  # the whole headline is the link (an <a> may hold a heading)
                body.append(
                    f'<a class="headline" href="{esc(href, quote=True)}">'
                    f"<h3>{esc(story.title)}</h3></a>"
                )
            also = [r for r in story.regions if r != region]
            if also:
                body.append(f'<p class="meta also">함께 실린 지역: {esc(" · ".join(also))}</p>')
            if story.lead:
                body.append(f'<p class="lead">{esc(story.lead)}</p>')
            body.append('<ul class="coverage">')
            for item in story.coverage:
                outlet = item.outlet or "(매체 미상)"
                body.append(
                    f"<li>{_html_link(outlet, item.url)} "
                    f'<span class="meta">{esc(_day(item.published))}</span></li>'
                )
            body.append("</ul></article>")
        body.append("</section>")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="ko">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{esc(report.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


# Inline markup can start anywhere (emphasis, code, links, raw HTML, tables, entities);
# block markup only at the start of a line (headings, lists, quotes). Titles are one line.
_MD_INLINE = re.compile(r"([\\`*_{}\[\]<>|~&#])")
_MD_BLOCK_START = re.compile(r"^([+\-=>])|^(\d+)([.)])")


def md_escape(text: str) -> str:
    """``text`` on one line with markdown syntax backslash-escaped (CommonMark escapes)."""
    text = _MD_INLINE.sub(r"\\\1", " ".join(text.split()))
    return _MD_BLOCK_START.sub(
        lambda m: f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}", text
    )


def _md_link(text: str, url: str) -> str:
    href = safe_url(url)
    if href is None:
        return f"{md_escape(text)} ({md_escape(url)})"
    # Angle brackets delimit the destination; spaces and brackets inside are percent-encoded.
    href = quote(href, safe="!#$%&'()*+,-./:;=?@[]^_`{|}~")
    return f"[{md_escape(text)}](<{href}>)"


def render_markdown(report: Report) -> str:
    lines = [f"# {report.title}", ""]  # our own text: dates only
    lines.append(
        f"기사 묶음 {len(report.stories)}건 · 기사 {sum(len(s.coverage) for s in report.stories)}건"
    )
    lines += ["", "## 지역별 기사 묶음", "", "| 지역 | 묶음 |", "| --- | ---: |"]
    lines += [f"| {md_escape(r)} | {n} |" for r, n in report.region_counts() if n]
    if not report.sections:
        lines += ["", "이 기간에 수집된 기사가 없습니다."]
    for region, stories in report.sections:
        lines += ["", f"## {md_escape(region)} ({len(stories)})"]
        for story in stories:
            headline = md_escape(story.title)
            if safe_url(story.url):
                headline = _md_link(story.title, story.url)
            lines += ["", f"### {headline}", ""]
            also = [r for r in story.regions if r != region]
            if also:
                lines += [f"함께 실린 지역: {md_escape(' · '.join(also))}", ""]
            if story.lead:
                lines += [md_escape(story.lead), ""]
            for item in story.coverage:
                outlet = item.outlet or "(매체 미상)"
                lines.append(f"- {_md_link(outlet, item.url)} · {_day(item.published)}")
    return "\n".join(lines) + "\n"
