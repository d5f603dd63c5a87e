"""Measure the article extractor on the saved real pages (shared/realpages/index.jsonl), with
switches that take parts away (``clipper eval extract`` scores the full extractor).

Per page and overall: title exact (after whitespace normalisation), published within 10
minutes, outlet in the accepted list, body word-token F1 where the index
gives a body. Search, list and RSS pages (other-pages.jsonl) are not articles and are skipped.

    .venv/bin/python benchmarks/measure_extract.py [--realpages DIR] [--no-registry] [--no-url] [--no-site]

``--no-registry`` hides :mod:`clipper.text.outlets` so the general rules are measured alone;
``--no-url`` extracts without the page URL (no host-based site rules, no domain lookup);
``--no-site`` switches site rules off, as if every layout had changed.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from clipper.analysis.extraction import token_f1  # noqa: E402
from clipper.extract import SiteRules, extract_article  # noqa: E402
from clipper.extract import fields as extract_fields  # noqa: E402

DEFAULT_REALPAGES = REPO.parent / "shared" / "realpages"
MAX_DATE_GAP = timedelta(minutes=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realpages", type=Path, default=DEFAULT_REALPAGES)
    parser.add_argument("--no-registry", action="store_true", help="measure without outlets")
    parser.add_argument("--no-url", action="store_true", help="extract without the page URL")
    parser.add_argument(
        "--no-site", action="store_true", help="disable site rules (measure the fallbacks)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print misses in full")
    args = parser.parse_args(argv)

    index = args.realpages / "index.jsonl"
    if not index.exists():
        print(f"no {index}", file=sys.stderr)
        return 2
    if args.no_registry:
        extract_fields._registry.cache_clear()
        sys.modules["clipper.text.outlets"] = None  # type: ignore[assignment]  # import fails

    scores: dict[str, list[float]] = {"title": [], "published": [], "outlet": [], "body_f1": []}
    print(f"{'page':42} title  pub   outlet body_f1 from")
    for line in index.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        page = args.realpages / case["file"]
        got = extract_article(
            page.read_bytes(),
            None if args.no_url else case.get("url"),
            site_rules=SiteRules() if args.no_site else None,
        )
        title_ok = " ".join(got.title.split()) == " ".join(case["title"].split())
        want_published = datetime.fromisoformat(case["published"])
        pub_ok = got.published is not None and abs(got.published - want_published) <= MAX_DATE_GAP
        outlet_ok = got.outlet in case["outlet"]
        scores["title"].append(float(title_ok))
        scores["published"].append(float(pub_ok))
        scores["outlet"].append(float(outlet_ok))
        f1_text = "   -  "
        if case.get("body"):
            f1 = token_f1(got.body, case["body"])
            scores["body_f1"].append(f1)
            f1_text = f"{f1:6.3f}"
        sources = ",".join(f"{k[:3]}={v}" for k, v in sorted(got.fields_from.items()))
        print(
            f"{case['file'][:42]:42} {'ok' if title_ok else 'MISS':5}  {'ok' if pub_ok else 'MISS':5} "
            f"{'ok' if outlet_ok else 'MISS':6} {f1_text}  {sources}"
        )
        if args.verbose or not (title_ok and pub_ok and outlet_ok):
            if not title_ok:
                print(f"    title   got {got.title!r}\n            want {case['title']!r}")
            if not pub_ok:
                print(f"    published got {got.published} want {want_published}")
            if not outlet_ok:
                print(f"    outlet  got {got.outlet!r} want {case['outlet']}")
    print()
    for name, values in scores.items():
        if values:
            print(f"{name:10} {sum(values) / len(values):.3f}  (n={len(values)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
