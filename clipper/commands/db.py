"""``clipper db``: schema migrations (``upgrade``, ``downgrade``, ``current``)."""

from __future__ import annotations

import sys

import click

from clipper.commands.options import database_option


@click.group("db")
def command():
    """Database schema: migrate to the newest version or inspect it."""


def _engine(url):
    from clipper.store.engine import DatabaseError, create_db_engine

    try:
        return create_db_engine(url, migrate=False)
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from exc


@command.command("upgrade")
@click.argument("revision", default="head")
@database_option
def upgrade(revision, database_url):
    """Migrate the database to REVISION (default: the newest)."""
    from clipper.store.engine import DatabaseError, current_revision
    from clipper.store.engine import upgrade as db_upgrade

    engine = _engine(database_url)
    try:
        db_upgrade(engine, revision)
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{engine.url.render_as_string(hide_password=True)}: at {current_revision(engine)}")


@command.command("downgrade")
@click.argument("revision")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@database_option
def downgrade(revision, database_url, yes):
    """Migrate the database back to REVISION (``base`` removes every table)."""
    from clipper.store.engine import DatabaseError, current_revision
    from clipper.store.engine import downgrade as db_downgrade

    engine = _engine(database_url)
    where = engine.url.render_as_string(hide_password=True)
    # A downgrade drops tables or columns, and their data with them: never by accident.
    if not yes:
        if not _interactive():
            raise click.ClickException(
                f"refusing to downgrade {where} to {revision} without confirmation: "
                "stdin is not a terminal (pass --yes to downgrade anyway)"
            )
        click.confirm(
            f"Downgrade {where} from {current_revision(engine)} to {revision}? "
            "Tables and columns newer than it are dropped with their data",
            abort=True,
        )
    try:
        db_downgrade(engine, revision)
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{where}: at {current_revision(engine)}")


def _interactive() -> bool:
    return sys.stdin.isatty()


@command.command("current")
@database_option
def current(database_url):
    """Print the database's schema revision and the newest one."""
    from clipper.store.engine import current_revision, head_revision

    engine = _engine(database_url)
    click.echo(f"current: {current_revision(engine)}  head: {head_revision()}")
