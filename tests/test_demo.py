"""``clipper demo --port N`` on a port another program holds: one line, exit 1, no database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_demo_on_a_busy_port_is_a_one_line_error(tmp_path):
    database = tmp_path / "demo.sqlite"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "clipper", "demo", "--port", str(port),
             "--database-url", f"sqlite:///{database}"],
            capture_output=True, text=True, cwd=REPO, timeout=120, env=dict(os.environ),
        )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: cannot serve the mirror on 127.0.0.1:{port}: Address already in use "
        "(choose another --port, or leave it out for a free one)\n"
    )
    assert not database.exists()
