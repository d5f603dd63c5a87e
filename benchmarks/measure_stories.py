"""Measure story grouping on the labelled set ``tests/data/stories_eval.jsonl``.

Runs the ``clipper cluster`` code path (boilerplate removal, signature stage, store with
the story hook, in-memory SQLite) and prints pairwise precision, recall and F1 against the
gold labels, plus the gold stories that were split and the predicted stories that mix
labels. Goals: F1 ≥ 0.95, precision ≥ 0.97.

    .venv/bin/python benchmarks/measure_stories.py [path.jsonl] [--threshold 0.7]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from clipper.analysis.evaluation import pair_scores  # noqa: E402
from clipper.commands.cluster import cluster_records  # noqa: E402
from clipper.store.stories import DEFAULT_THRESHOLD, StoryConfig  # noqa: E402
from clipper.text.minhash import MatchRule  # noqa: E402

DEFAULT_PATH = REPO / "tests" / "data" / "stories_eval.jsonl"


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def run(path: Path = DEFAULT_PATH, threshold: float = DEFAULT_THRESHOLD) -> dict:
    records = load(path)
    started = time.perf_counter()
    stories = cluster_records(records, StoryConfig(rule=MatchRule(threshold=threshold)))
    seconds = time.perf_counter() - started
    labels = [record["label"] for record in records]
    precision, recall, f1 = pair_scores(labels, stories)
    by_label, by_story = defaultdict(set), defaultdict(set)
    for record, story in zip(records, stories, strict=True):
        by_label[record["label"]].add(story)
        by_story[story].add(record["label"])
    return {
        "articles": len(records),
        "gold_stories": len(by_label),
        "predicted_stories": len(by_story),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "split": sorted(label for label, found in by_label.items() if len(found) > 1),
        "mixed": sorted(sorted(found) for found in by_story.values() if len(found) > 1),
        "ms_per_article": 1000 * seconds / max(1, len(records)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    args = parser.parse_args()
    result = run(args.path, args.threshold)
    print(
        f"{result['articles']} articles, {result['gold_stories']} gold stories, "
        f"{result['predicted_stories']} predicted (threshold {args.threshold})"
    )
    print(
        f"pairwise precision {result['precision']:.3f}  recall {result['recall']:.3f}  "
        f"F1 {result['f1']:.3f}   ({result['ms_per_article']:.2f} ms/article end to end)"
    )
    print("split gold stories:", ", ".join(result["split"]) or "none")
    print("mixed predicted stories:", "; ".join(map(str, result["mixed"])) or "none")


if __name__ == "__main__":
    main()
