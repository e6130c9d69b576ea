"""`flowtop serve`'s console log shows what a client sent with its control characters
visible: the access log wrote any client's ``User-Agent`` raw (no token needed), so an
8-bit CSI (``\\x9b``) or a right-to-left override (``\\u202e``) acted on the terminal of
whoever watched the server."""

from __future__ import annotations

import http.client
from pathlib import Path

import pytest

from test_serve import serve

USER_AGENT = "UA \x9b31m \u202e end".encode()  # UTF-8 bytes, as curl -A sends them


def test_a_clients_user_agent_reaches_the_console_printable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "one.py").write_text("from flowtop import flow\n\n\n@flow\ndef one():\n    pass\n")
    monkeypatch.setenv("COLUMNS", "200")  # Rich wraps at 80 columns off a terminal
    served = serve(tmp_path)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
        connection.putrequest("GET", "/?token=wrong", skip_accept_encoding=True)
        connection.putheader("User-Agent", USER_AGENT)
        connection.endheaders()
        assert connection.getresponse().status == 403
        connection.close()
    finally:
        served.proc.terminate()
        out, err = served.proc.communicate(timeout=10)
    logged = " ".join((out + err).split())  # textual-serve's log goes to its console: stdout
    assert "\x9b" not in logged and "\u202e" not in logged, logged
    assert '"UA \\x9b31m \\u202e end"' in logged, logged
