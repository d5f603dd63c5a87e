"""Measure the region tagger on the board's own tags (``shared/data/regions_dev.tsv``).

Runs ``tag_region`` on each row's title alone (the board tag is already stripped from it),
once without an outlet prior and once with the outlet's home region from the outlet
registry (when ``clipper.text.outlets`` is importable), and prints precision (right among tagged),
coverage (share tagged) and the confusion of wrong tags.

    .venv/bin/python benchmarks/measure_regions.py [path/to/regions_dev.tsv] [--errors]
"""

from __future__ import annotations

import csv
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from clipper.text.regions import tag_region

DEFAULT_PATH = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "regions_dev.tsv"


def load(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def outlet_prior() -> Callable[[str], tuple[str | None, str | None]] | None:
    """outlet string → (canonical name, home region), or None when there is no registry."""
    try:
        from clipper.text.outlets import default_registry
    except ImportError:
        return None
    registry = default_registry()

    def lookup(outlet: str) -> tuple[str | None, str | None]:
        found = registry.resolve(outlet)
        if found is None:
            return None, None
        return found.name, found.home_region

    return lookup


def measure(rows, prior, show_errors: bool) -> None:
    tagged = right = 0
    wrong: Counter[tuple[str, str]] = Counter()
    evidence_kinds: Counter[str] = Counter()
    known_outlets = 0
    started = time.perf_counter()
    for row in rows:
        name = region = None
        if prior is not None:
            name, region = prior(row["outlet"])
            known_outlets += name is not None
        result = tag_region(row["title"], outlet_region=region, outlet_name=name)
        if result.region is None:
            continue
        tagged += 1
        evidence_kinds[result.evidence.split(" ", 1)[0]] += 1
        if result.region == row["region"]:
            right += 1
        else:
            wrong[(row["region"], result.region)] += 1
            if show_errors:
                print(
                    f"  want {row['region']} got {result.region}: {row['title']} "
                    f"| {row['outlet']} | {result.evidence}"
                )
    elapsed = time.perf_counter() - started
    total = len(rows)
    print(f"  rows {total}, tagged {tagged}, right {right}")
    print(
        f"  precision {right / tagged:.3f}  coverage {tagged / total:.3f}  "
        f"(right overall {right / total:.3f})"
    )
    if prior is not None:
        print(f"  outlets resolved {known_outlets}/{total}")
    print(f"  evidence kinds {dict(evidence_kinds.most_common())}")
    print(f"  mean time per title {elapsed / total * 1e6:.1f} µs")
    if wrong:
        print(
            "  wrong tags (editors' tag → ours): "
            + ", ".join(f"{want}→{got} ×{count}" for (want, got), count in wrong.most_common())
        )


# A made-up body lead of about 300 characters, with a dateline, for timing title + lead.
_LEAD = (
    "(수원=뉴스1) 홍길동 기자 = 시는 오는 10일부터 한 달 동안 관내 작은도서관 12곳에서 "
    "'가을 책 잔치'를 연다고 밝혔다. 이번 행사는 주민이 직접 기획한 독서 모임과 그림책 "
    "읽기, 작가와의 만남 등으로 꾸려지며, 참가 신청은 각 도서관 누리집에서 받는다. "
    '시 관계자는 "작은도서관이 마을의 사랑방이 되도록 운영비와 순회 사서 지원을 '
    '늘리겠다"고 말했다. 지난해에는 3천여 명이 참여했으며 올해는 인근 시군 주민도 '
    "참여할 수 있도록 문을 넓혔다. 자세한 내용은 시 도서관정책과로 문의하면 된다."
)


def timing(rows) -> None:
    titles = [row["title"] for row in rows]
    rounds = 5
    started = time.perf_counter()
    for _ in range(rounds):
        for title in titles:
            tag_region(title, _LEAD, outlet_region="경기")
    elapsed = time.perf_counter() - started
    per_item = elapsed / (rounds * len(titles)) * 1e6
    print(f"timing: title + {len(_LEAD)}-char lead: {per_item:.1f} µs per item")


def main(argv: list[str]) -> int:
    args = [arg for arg in argv if not arg.startswith("--")]
    path = Path(args[0]) if args else DEFAULT_PATH
    if not path.exists():
        print(f"no data at {path}", file=sys.stderr)
        return 2
    rows = load(path)
    show_errors = "--errors" in argv
    print("title only, no outlet prior:")
    measure(rows, None, show_errors)
    timing(rows)
    prior = outlet_prior()
    if prior is None:
        print("with outlet prior: skipped (clipper.text.outlets is not importable)")
    else:
        print("title + outlet home region prior:")
        measure(rows, prior, show_errors)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
