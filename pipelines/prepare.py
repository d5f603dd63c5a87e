"""The text stages' per-page work, done ahead of the pipeline in the extraction worker.

Cleaning, boilerplate and repeat removal and the story signature are pure CPU work on one
page's title and body (~0.8 ms an article), and on the reactor thread they hold up every
download. :func:`prepare_text` runs the very functions those stages call, in pipeline order,
on the title and body the extractor found; :func:`clipper.middlewares.workers.work_page` runs it in the
worker right after the extraction, and ``parse_article`` puts the result on the item
(``ArticleItem.prepared``). Each stage then asks :func:`pipelines.base.done_ahead`, which
returns the result only when the stage's inputs are the ones it was computed on (a spider's
hint or an earlier stage may have changed them), else does the work itself. Without workers
nothing is prepared and the stages work as they always did; the output is the same.

A prepared result maps a stage name to ``(inputs, result)``.
"""

from __future__ import annotations

from clipper.text.boilerplate import strip_boilerplate
from clipper.text.paragraphs import drop_repeated_paragraphs
from pipelines.boilerplate import BoilerplatePipeline
from pipelines.clean import CleanTextPipeline, clean_body, clean_title
from pipelines.repeats import RepeatedTextPipeline
from pipelines.stories import StorySignaturePipeline, signature_json

__all__ = ["STAGES", "prepare_text"]

# The stages whose work is done ahead, in pipeline order (tests check it against
# ITEM_PIPELINES).
STAGES = (CleanTextPipeline, BoilerplatePipeline, RepeatedTextPipeline, StorySignaturePipeline)


def prepare_text(title: str, body: str) -> dict[str, tuple[tuple, object]]:
    """The text stages' results for an extracted ``title`` and ``body``, by stage name, each
    with the inputs it was computed on."""
    prepared: dict[str, tuple[tuple, object]] = {}

    def ahead(stage: type, work, *given):
        result = work(*given)
        prepared[stage.stage] = (given, result)
        return result

    body, _removed = ahead(CleanTextPipeline, clean_body, body)
    body = ahead(BoilerplatePipeline, strip_boilerplate, body).body
    body, _removed = ahead(RepeatedTextPipeline, drop_repeated_paragraphs, body)
    ahead(StorySignaturePipeline, signature_json, clean_title(title), body)
    return prepared
