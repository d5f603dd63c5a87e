"""``clipper browse``: explore the SQLite database in Datasette, with clipper's metadata
(titles, descriptions, facets on region, outlet and day).

Datasette reads SQLite files only; on PostgreSQL the command says so and stops.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import json
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from clipper.commands.options import database_option, open_read_engine

METADATA = Path(__file__).resolve().parents[1] / "datasette" / "metadata.json"
# Datasette plugins of clipper's own: a BOM on CSV downloads, for Excel.
PLUGINS = METADATA.parent / "plugins"
DATASETTE_HINT = "Datasette is not installed: .venv/bin/pip install datasette==0.65.5"


def metadata_for(database: Path) -> dict:
    """clipper's metadata, keyed by the database name Datasette derives (the file stem)."""
    metadata = json.loads(METADATA.read_text(encoding="utf-8"))
    metadata["databases"] = {database.stem: metadata["databases"]["clipper"]}
    return metadata


def datasette_command(database: Path, metadata: Path, host: str, port: int) -> list[str]:
    return [
        sys.executable, "-m", "datasette", "serve", str(database),
        "--metadata", str(metadata), "--host", host, "--port", str(port),
        "--plugins-dir", str(PLUGINS),
    ]  # fmt: skip


@click.command("browse")
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on (127.0.0.1: this machine only).",
)
@click.option(
    "--get",
    "get_path",
    metavar="PATH",
    hidden=True,
    help="Fetch PATH once through Datasette, print it and exit (for checks).",
)
@database_option
def command(port, host, get_path, database_url):
    """Browse the database in Datasette (SQLite only), at http://HOST:PORT/."""
    from sqlalchemy.engine import make_url

    engine = open_read_engine(database_url)  # migrates, so the views exist
    url = make_url(str(engine.url))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise click.ClickException(
            "Datasette serves SQLite files only, and this database is "
            f"{url.get_backend_name()}. Query PostgreSQL with psql (the clippings, "
            "daily_counts and story_summary views are there too), or `clipper export`."
        )
    if importlib.util.find_spec("datasette") is None:
        raise click.ClickException(DATASETTE_HINT)
    database = Path(url.database).resolve()
    with tempfile.TemporaryDirectory(prefix="clipper-datasette-") as tmp:
        metadata = Path(tmp) / "metadata.json"
        metadata.write_text(json.dumps(metadata_for(database), ensure_ascii=False), "utf-8")
        cmd = datasette_command(database, metadata, host, port)
        if get_path:
            cmd += ["--get", get_path]
        else:
            click.echo(f"Datasette on http://{host}:{port}/ (Ctrl-C stops it)", err=True)
        code = run_child(cmd)
    sys.exit(code)


class _Stop(Exception):
    """SIGTERM or SIGHUP arrived: stop Datasette, then exit."""


def _raise_stop(signum, _frame):
    raise _Stop(signum)


def _die_with_parent() -> None:  # pragma: no cover  (runs in the child, before exec)
    # Linux: the kernel sends the child SIGTERM when this process dies, even by SIGKILL,
    # which no handler here can see.
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


PR_SET_PDEATHSIG = 1


def run_child(cmd: list[str]) -> int:
    """Run Datasette and wait for it; whatever ends this process (Ctrl-C, SIGTERM, SIGHUP,
    an exception, the parent killed outright) ends Datasette too, so no server is left
    holding the port. Ctrl-C and SIGTERM are the way to stop browsing: exit code 0."""
    preexec = _die_with_parent if sys.platform.startswith("linux") else None
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    # preexec_fn is safe here: this process runs no other thread.
    child = subprocess.Popen(cmd, preexec_fn=preexec)
    try:
        return child.wait()
    except (KeyboardInterrupt, _Stop):
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
