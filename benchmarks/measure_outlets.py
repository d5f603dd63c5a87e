"""Measure how many of the board's hand-typed outlet strings the outlet registry resolves.

Usage: python benchmarks/measure_outlets.py [path/to/regions_dev.tsv]
(default: ``<repo>/../shared/data/regions_dev.tsv``). Prints the resolved share of rows
(goal ≥ 95%) and the unresolved strings with their counts.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

from clipper.text.outlets import OutletRegistry

DEFAULT_TSV = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "regions_dev.tsv"


def measure(tsv: Path, registry: OutletRegistry) -> tuple[int, int, Counter[str], Counter[str]]:
    """(rows, resolved rows, unresolved strings, rows per kind) for one board TSV."""
    rows = resolved = 0
    unresolved: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    with tsv.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            rows += 1
            raw = row.get("outlet") or ""
            outlet = registry.resolve(raw)
            if outlet is None:
                unresolved[raw] += 1
            else:
                resolved += 1
                kinds[outlet.kind] += 1
    return rows, resolved, unresolved, kinds


def main(argv: list[str]) -> int:
    tsv = Path(argv[1]) if len(argv) > 1 else DEFAULT_TSV
    if not tsv.is_file():
        print(f"no such file: {tsv}", file=sys.stderr)
        return 2
    registry = OutletRegistry.load()
    rows, resolved, unresolved, kinds = measure(tsv, registry)
    share = resolved / rows if rows else 0.0
    print(f"registry: {len(registry)} outlets")
    print(f"rows: {rows}  resolved: {resolved}  share: {share:.1%}  (goal >= 95%)")
    print("resolved rows by kind: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    print(f"unresolved: {sum(unresolved.values())} rows, {len(unresolved)} distinct strings")
    for raw, count in unresolved.most_common():
        print(f"  {count:4d}  {raw!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
