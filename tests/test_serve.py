"""`flowtop serve` puts the TUI in a browser page, on loopback by default."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_on_loopback() -> None:
    pytest.importorskip("textual_serve")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "flowtop", "serve", str(ROOT / "flows"), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        page = None
        while time.monotonic() < deadline and page is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    page = response.read().decode()
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(
                        f"flowtop serve exited: {proc.stderr.read() if proc.stderr else ''}"
                    )
                time.sleep(0.2)
        assert page is not None, "no answer from flowtop serve within 20 s"
        assert "flowtop" in page and "textual" in page.lower()
        with socket.socket() as s:  # bound to loopback only, not every interface
            s.bind(("0.0.0.0", 0))
        listening = (
            subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
            if _has("ss")
            else ""
        )
        if listening:
            assert f"127.0.0.1:{port}" in listening and f"0.0.0.0:{port}" not in listening
    finally:
        proc.terminate()
        proc.wait(10)


def test_serve_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flowtop", "serve", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "no such file or folder" in done.stderr


def _has(tool: str) -> bool:
    from shutil import which

    return which(tool) is not None
