"""The daily clipping (``clipper report``) rendered: stand-alone HTML with its region
chart, or Markdown.

Everything scraped (titles, bodies, outlet names, URLs) is untrusted: HTML output escapes it
and links only http(s) URLs; the page loads nothing from the network and forbids scripts by
its Content-Security-Policy. Markdown output backslash-escapes markdown syntax. The data comes
from ``clipper.analysis.report.build_report``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from clipper.text.dates import KST

if TYPE_CHECKING:
    from clipper.analysis.report import Report


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
