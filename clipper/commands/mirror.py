"""``clipper mirror``: serve the offline mirror of the sources in the foreground."""

from __future__ import annotations

import click


@click.command("mirror")
@click.option("--port", default=8800, show_default=True, help="Port on 127.0.0.1 (0: any).")
def command(port: int) -> None:
    """Serve the offline mirror of the sources on 127.0.0.1 until Ctrl-C."""
    from clipper.mirror import MirrorServer

    server = MirrorServer(port=port)
    try:
        server.bind()
    except OSError as exc:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc}") from exc
    click.echo(f"Serving the offline mirror at {server.url}")
    click.echo(f"Small-library board: {server.board_url}/helper/news?currentPage=1")
    click.echo(f"  crawl it with -s CLIPPER_SMALLLIBRARY_BASE_URL={server.board_url}")
    click.echo("Press Ctrl-C to stop.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("\nStopped.")
