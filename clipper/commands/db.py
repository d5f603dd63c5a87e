"""``clipper db``: schema migrations (``upgrade``, ``downgrade``, ``current``)."""

from __future__ import annotations

import click

from clipper.commands.options import database_option
from clipper.store.engine import DatabaseError, create_db_engine, current_revision, head_revision
from clipper.store.engine import downgrade as db_downgrade
from clipper.store.engine import upgrade as db_upgrade


@click.group("db")
def command():
    """Database schema: migrate to the newest version or inspect it."""


def _engine(url):
    try:
        return create_db_engine(url, migrate=False)
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from exc


@command.command("upgrade")
@click.argument("revision", default="head")
@database_option
def upgrade(revision, database_url):
    """Migrate the database to REVISION (default: the newest)."""
    engine = _engine(database_url)
    try:
        db_upgrade(engine, revision)
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{engine.url.render_as_string(hide_password=True)}: at {current_revision(engine)}")


@command.command("downgrade")
@click.argument("revision")
@database_option
def downgrade(revision, database_url):
    """Migrate the database back to REVISION (``base`` removes every table)."""
    engine = _engine(database_url)
    db_downgrade(engine, revision)
    click.echo(f"{engine.url.render_as_string(hide_password=True)}: at {current_revision(engine)}")


@command.command("current")
@database_option
def current(database_url):
    """Print the database's schema revision and the newest one."""
    engine = _engine(database_url)
    click.echo(f"current: {current_revision(engine)}  head: {head_revision()}")
