"""SQLAlchemy 2.0 typed models: the storage side of clipper (items are only transport).

Schema changes go through Alembic migrations in ``models/migrations`` (``clipper db upgrade``,
run automatically on first use). ``docs/schema.md`` documents every table.
"""

from models.base import Base, UTCDateTime
from models.stories import Story, StoryBand, StoryMember  # noqa: F401  (registers the tables)
from models.tables import Article, CrawlRun, DroppedPage, Outlet, Sighting

__all__ = ["Article", "Base", "CrawlRun", "DroppedPage", "Outlet", "Sighting", "UTCDateTime"]
