"""`flowtop serve > access.log`: each record one line, no spaces after it.

Rich drew the console log as wide as the terminal the server was started from, into a
file too: from a 200-column pane each line was padded to 202 characters (about 100
trailing spaces), and a long request line wrapped onto an indented second line.
"""

from __future__ import annotations

import logging

import pytest

from flowtop.commands.serve_console import ConsoleLog, LogConsole


def test_into_a_file_a_record_is_one_line_with_no_padding(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # (what the terminal it came from would say)
    handler = ConsoleLog(LogConsole())
    long_line = f'127.0.0.1 "GET /static/js/textual.js?x={"a" * 300} HTTP/1.1" 200 287'
    for message in ("short", long_line):
        handler.handle(logging.makeLogRecord({"msg": message, "levelno": logging.INFO}))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2, lines  # old: the long one wrapped onto a line of its own
    assert [line.rstrip() for line in lines] == lines  # old: padded to 202 columns
    assert lines[1].endswith('HTTP/1.1" 200 287')
