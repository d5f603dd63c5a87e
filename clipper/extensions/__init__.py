"""Scrapy extensions and add-ons."""
