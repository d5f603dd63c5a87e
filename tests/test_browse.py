"""``clipper browse`` never leaves Datasette behind: stopped by SIGTERM, Ctrl-C or killed
outright, the Datasette it started goes too and the port is free again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it is not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


def wait_until(condition, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads children from /proc")
@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 0), (signal.SIGINT, 0), (signal.SIGKILL, -9)]
)
def test_stopping_browse_stops_datasette_and_frees_the_port(tmp_path, signum, code):
    port = free_port()
    url = f"sqlite:///{tmp_path / 'clipper.sqlite'}"
    # browse reads a database, it does not make one (tests/test_read_commands.py).
    subprocess.run([sys.executable, "-m", "clipper", "db", "upgrade", "--database-url", url],
                   cwd=REPO, check=True, capture_output=True)  # fmt: skip
    browse = subprocess.Popen(
        [sys.executable, "-m", "clipper", "browse", "--port", str(port),
         "--database-url", url],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ),
    )  # fmt: skip
    try:
        assert wait_until(lambda: listening(port)), browse.communicate(timeout=5)
        (datasette,) = children(browse.pid)
        browse.send_signal(signum)
        _out, err = browse.communicate(timeout=30)
        assert browse.returncode == code, err
        assert "Traceback" not in err
        assert wait_until(lambda: not alive(datasette), 15), "Datasette outlived clipper browse"
        assert wait_until(lambda: not listening(port), 15)
    finally:
        if browse.poll() is None:
            browse.kill()
