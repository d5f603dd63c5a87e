"""One page's text preparation: the ordered list of the text steps.

:func:`prepare` is the only place that says in which order a page's title and body go
through the text steps, and on which inputs: ``clean`` (whitespace, trailer notes, junk
lines), ``boilerplate`` (datelines, bylines, e-mails, copyright and promo lines),
``repeats`` (a paragraph printed twice) and ``stories`` (the MinHash signature of the result).
The pipeline's text stages (``pipelines.clean``, ``.boilerplate``, ``.repeats``,
``.stories``, in this order in ``ITEM_PIPELINES``; ``tests/pipelines/test_prepare.py``
checks both agree) each run one step through :func:`pipelines.base.Stage.step`.

Why a pure module: the steps are CPU work (~0.8 ms an article) that the extraction worker
(:mod:`clipper.middlewares.workers`) does ahead, in its own process, right after extracting
the page, so the reactor thread does not. The item carries the result
(``ArticleItem.prepared``); a stage reuses a step's result only when its inputs are the ones
it was computed on (a spider's hint or an earlier stage may have changed them), else it
computes it, counted as ``clipper/prepare/{reused,computed}``. Without workers nothing is
prepared and every step is computed in the pipeline; the output is the same.
"""

from __future__ import annotations

from typing import Any

from clipper.text.boilerplate import strip_boilerplate
from clipper.text.minhash import signature
from clipper.text.paragraphs import (
    drop_repeated_paragraphs,
    normalize_whitespace,
    strip_board_trailers,
)

__all__ = ["STEPS", "Prepared", "clean_body", "clean_title", "prepare", "signature_json"]

# The text steps in order; each is also the name of the stage that runs it.
STEPS = ("clean", "boilerplate", "repeats", "stories")

#: A prepared page: by step name, the inputs the step was computed on and its result.
Prepared = dict[str, tuple[tuple[Any, ...], Any]]


def clean_title(title: str) -> str:
    """A title is one line whatever the page did with it."""
    return " ".join(normalize_whitespace(title).split())


def clean_body(body: str) -> tuple[str, int]:
    """The body with whitespace normalised and trailer notes and junk lines removed, and the
    number of removed lines or notes."""
    return strip_board_trailers(normalize_whitespace(body))


def signature_json(title: str, body: str) -> dict:
    """The story signature of an article, JSON-safe (what ``extra["minhash"]`` holds)."""
    return signature(title, body).to_json()


def prepare(title: str, body: str) -> Prepared:
    """Every text step on an extracted ``title`` and ``body``, in order, each with the inputs
    it was computed on."""
    prepared: Prepared = {}

    def step(name: str, work: Any, *given: Any) -> Any:
        result = work(*given)
        prepared[name] = (given, result)
        return result

    body, _removed = step("clean", clean_body, body)
    body = step("boilerplate", strip_boilerplate, body).body
    body, _removed = step("repeats", drop_repeated_paragraphs, body)
    step("stories", signature_json, clean_title(title), body)
    return prepared
