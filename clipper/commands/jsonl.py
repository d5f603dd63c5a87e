"""JSON Lines in and out for the filter commands (``clipper tag``, ``clipper cluster``).

One bad line costs that line only: :class:`JsonLines` reads the objects on stdin and turns
every line that is not one (bytes that are not UTF-8, broken or non-standard JSON, a number
no JSON reader can hold, nesting too deep for the parser, an array or a string) into an
``error: line N: …; skipped`` message on stderr, counted; the command goes on with the next
line and exits 1 at the end (:meth:`JsonLines.finish`). :func:`dump_line` writes an object
as one line even when a string in it holds a lone surrogate (a ``\\ud800`` escape read from
the input), which UTF-8 cannot encode: that line is written with ASCII escapes instead.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO

import click


class BadLine(ValueError):
    """An input line that is not a JSON object, with the reason."""


def _refuse_constant(name: str) -> Any:
    raise BadLine(f"{name} is not standard JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadLine(f"the number {text[:20]}… is out of range")
    return value


def parse_line(raw: bytes) -> dict[str, Any]:
    """The JSON object on one input line, or :class:`BadLine` saying why not."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadLine(f"not UTF-8 (byte {error.start + 1})") from None
    try:
        record = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except BadLine:
        raise
    except json.JSONDecodeError as error:
        raise BadLine(f"not valid JSON ({error.msg} at column {error.colno})") from None
    except RecursionError:
        raise BadLine("nested too deeply") from None
    except ValueError as error:  # e.g. an integer of more than 4,300 digits
        raise BadLine(f"not readable JSON ({str(error).split(';')[0]})") from None
    if not isinstance(record, dict):
        raise BadLine(f"not a JSON object (a {type(record).__name__})")
    return record


def dump_line(record: Any) -> str:
    """``record`` as one JSON line (Korean as is; ASCII escapes when it cannot be UTF-8)."""
    line = json.dumps(record, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        line = json.dumps(record)
    return line + "\n"


class JsonLines:
    """The objects on a binary stream (stdin by default), bad lines reported and counted."""

    def __init__(self, stream: BinaryIO | None = None):
        self.stream = stream if stream is not None else sys.stdin.buffer
        self.bad = 0

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        for number, raw in enumerate(self.stream, start=1):
            if not raw.strip():
                continue
            try:
                record = parse_line(raw)
            except BadLine as error:
                self.reject(number, str(error))
                continue
            yield number, record

    def reject(self, number: int, reason: str) -> None:
        """Count line ``number`` as bad and say why on stderr."""
        self.bad += 1
        click.echo(f"error: line {number}: {reason}; skipped", err=True)

    def finish(self) -> None:
        """Exit 1 with a count when any line was bad."""
        if self.bad:
            click.echo(f"error: {self.bad} bad line(s) skipped", err=True)
            click.get_current_context().exit(1)
