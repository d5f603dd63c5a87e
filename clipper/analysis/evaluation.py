"""Evaluation metrics shared by the measurement scripts and the tests."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any


def pair_scores(gold: Sequence[Any], predicted: Sequence[Any]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of a clustering against gold labels.

    A pair of items counts as predicted when both got the same story and as true when both
    have the same label (singletons make no pairs, so they only hurt when wrongly joined).
    """
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")

    def pairs(counts: Iterable[int]) -> int:
        return sum(n * (n - 1) // 2 for n in counts)

    cells: dict[tuple[Any, Any], int] = defaultdict(int)
    gold_sizes: dict[Any, int] = defaultdict(int)
    pred_sizes: dict[Any, int] = defaultdict(int)
    for g, p in zip(gold, predicted, strict=True):
        cells[g, p] += 1
        gold_sizes[g] += 1
        pred_sizes[p] += 1
    both = pairs(cells.values())
    said, true = pairs(pred_sizes.values()), pairs(gold_sizes.values())
    precision = both / said if said else 1.0
    recall = both / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
