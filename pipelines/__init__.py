"""Item pipeline stages, one per module, in the order documented in docs/pipelines.md.

Each stage counts what it did under ``clipper/<stage>/<field>/<outcome>`` in the crawl stats
and raises a ``DropItem`` subclass (see ``pipelines.errors``) only for true rejects.
"""
