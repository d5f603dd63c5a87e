"""Pure Korean text code: no Scrapy, SQLAlchemy, models or pipelines."""
