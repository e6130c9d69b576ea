"""A request aiohttp cannot parse is one console line, not a 12-line traceback.

Any client may send a bad header byte or an over-long line to ``flowtop serve``; aiohttp
refuses it with 400 and logged ``Error handling request`` with the parser's traceback,
which filled the console a user watches for the link and real errors.
"""

from __future__ import annotations

import logging
import sys

from aiohttp.http_exceptions import BadHttpMessage

from flowtop.commands.serve_server import ConsoleSafe


def _logged(error: BaseException) -> logging.LogRecord:
    try:
        raise error
    except BaseException:  # noqa: BLE001 - the record aiohttp's server logs
        info = sys.exc_info()
    return logging.LogRecord(
        "aiohttp.server",
        logging.ERROR,
        __file__,
        1,
        "Error handling request from %s",
        ("127.0.0.1",),
        info,
    )


def test_a_malformed_request_is_one_line_saying_why() -> None:
    record = _logged(BadHttpMessage("Invalid header token:\n\n    b'Bad\\x01H'\n       ^"))
    assert ConsoleSafe("secret").filter(record)
    said = logging.Formatter().format(record)
    assert "\n" not in said and "Traceback" not in said
    assert said.startswith("Error handling request from 127.0.0.1: 400, message: Invalid header")
    assert said.endswith("(refused with 400)")


def test_any_other_error_keeps_its_traceback() -> None:
    record = _logged(RuntimeError("boom"))
    ConsoleSafe("secret").filter(record)
    said = logging.Formatter().format(record)
    assert "Traceback (most recent call last)" in said and "RuntimeError: boom" in said
