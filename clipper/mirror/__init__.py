"""An offline mirror of the sources: a local HTTP server for tests and ``clipper demo``."""

from clipper.mirror.server import MirrorServer

__all__ = ["MirrorServer"]
