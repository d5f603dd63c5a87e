"""Storage: the engine, migrations and writes."""
