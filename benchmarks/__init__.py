"""Benchmarks: ``python -m benchmarks`` (``make bench``) runs them all and writes
``bench/results.json``; see BENCHMARKS.md for the figures and how they were measured."""
