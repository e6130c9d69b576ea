"""What ``flowtop serve``'s console shows, and what it survives.

The console log is textual-serve's Rich handler on stdout: the access log, and what went
wrong. It is a witness, not the job: the tabs and the runs they start matter more.

- A line never holds the token, in any spelling a URL may give it (``%5A%52…``), a
  traceback's locals, or a client's control characters (:class:`ConsoleSafe`).
- stdout that cannot be written (a pipe whose reader has gone, ``flowtop serve | head``;
  a full disk; a terminal hung up) stops the access log, said once on stderr, and the
  server goes on (:class:`ConsoleLog`). Rich's console ended the process (exit 1, not a
  word) on a broken pipe, and printed a 58-line "Logging error" for each request on a
  full disk.
- Rich imports what it draws a line with when it draws the first one: that import failed
  when no file could be opened (a flood of connections had taken every descriptor), and
  the server ended. :func:`start_console_log` draws one line into nothing at start.
- An error the event loop meets while serving (``accept`` out of descriptors) is one line,
  said at most once a minute, never the server's end (:class:`LoopErrors`).

A module of its own, apart from the server (:mod:`flowtop.commands.serve_server`),
because it answers one question, "what does the console show?", and the server's module
has no room left for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import io
import logging
import os
import re
import sys
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote_plus

from aiohttp.http_exceptions import HttpProcessingError
from rich.console import Console
from rich.logging import RichHandler
from rich.segment import Segment
from textual_serve.server import LogHighlighter

from ..printable import printable, say

#: Seconds between two lines saying the server is out of file descriptors.
OUT_OF_FILES_EVERY = 60.0
#: What an ``accept`` out of resources fails with (asyncio waits a second, and retries).
OUT_OF_RESOURCES = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
#: A query parameter (``?token=…``, ``&%74oken=…``): its name and its value.
_PARAMETER = re.compile(r"(?<=[?&;])([^\s=&;#\"']*)=([^\s&;#\"']*)")
#: The websocket's address in a request line (``"GET /ws/… HTTP/1.1"``), however spelled.
_WEBSOCKET_PATH = re.compile(r"(?<=[A-Z] )(/(?:w|%77)(?:s|%73)/)[^\s/?#\"']+", re.IGNORECASE)


def _percent(char: str) -> str:
    """A pattern for ``char`` (ASCII) percent-encoded, its hex digits in either case."""
    digits = f"{ord(char):02X}"
    return "%" + "".join(f"[{d}{d.lower()}]" if d.isalpha() else d for d in digits)


def spellings(secret: str) -> re.Pattern[str]:
    """``secret`` (the token: ASCII) in any spelling a URL may give it, each of its
    characters as itself or percent-encoded: aiohttp decodes both, and took
    ``/?token=%5A%52…`` as the token, which the console then showed whole."""
    return re.compile("".join(f"(?:{re.escape(c)}|{_percent(c)})" for c in secret))


def without_token(line: str, secret: str | re.Pattern[str]) -> str:
    """``line`` with the token ``secret`` (a pattern from :func:`spellings`) written as
    ``…``, and so is any ``token`` parameter's value, right or wrong (one cut short by a
    copy and paste is most of the token), and the websocket's address in a request line."""
    pattern = spellings(secret) if isinstance(secret, str) else secret
    line = pattern.sub("…", line)

    def hidden(parameter: re.Match[str]) -> str:
        name, value = parameter.groups()
        return f"{name}=…" if value and unquote_plus(name) == "token" else parameter[0]

    line = _PARAMETER.sub(hidden, line)
    return _WEBSOCKET_PATH.sub(r"\1…", line)


class ConsoleSafe(logging.Filter):
    """Makes a log record safe for the server's console: its traceback written as plain
    text (no Rich traceback: textual-serve's showed every frame's locals, the request and
    its URL among them), ``secret`` written as ``…`` in it and in the message, in any
    spelling (:func:`without_token`; the access log wrote every request's token),
    control characters shown (``printable``: a client's ``User-Agent`` or path with an
    8-bit CSI ``\x9b`` or a right-to-left override ``\u202e`` acted on the terminal). A
    request aiohttp could not parse (a bad header byte, an over-long line: any client
    may send one) is one line, not a traceback."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret
        self.spelled = spellings(secret)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            line = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format: the handler says so, as without this
            return True
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):  # a client's malformed request: one line
            line = f"{line}: {' '.join(str(error).split())} (refused with {error.code})"
            record.exc_info = None
        if record.exc_info or record.exc_text or record.stack_info:
            plain = logging.Formatter()
            if record.exc_info and not record.exc_text:
                record.exc_text = plain.formatException(record.exc_info)
            extra = [record.exc_text or "", plain.formatStack(record.stack_info or "")]
            line = "\n".join([line, *filter(None, extra)])
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        shown = printable(without_token(line, self.spelled))
        if shown != record.msg or record.args:
            record.msg, record.args = shown, ()
        return True


class LogConsole(Console):
    """Rich's console, which on a broken pipe raises (:class:`ConsoleLog` says so and
    stops) instead of ending the process with exit 1, not a word said.

    Into a file or a pipe (``flowtop serve > access.log``) a record is one line, with no
    spaces after it: Rich drew it as wide as the terminal it was started from, wrapped
    and padded (a 200-column pane: 100 trailing spaces a line)."""

    def __init__(self) -> None:
        super().__init__()
        if not self.is_terminal:
            self.width = FILE_WIDTH

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        drawn = super()._render_buffer(buffer)
        if self.is_terminal:
            return drawn
        return "\n".join(line.rstrip(" ") for line in drawn.split("\n"))


#: How wide the console log draws into a file: wide enough for any record on one line.
FILE_WIDTH = 10_000


class ConsoleLog(RichHandler):
    """textual-serve's console log, which stops when its console cannot be written:
    said once on stderr, and from then on the access log is left out and what went
    wrong (a warning or worse) is written on stderr, plainly."""

    def __init__(self, console: Console) -> None:
        super().__init__(
            show_path=False,
            show_time=False,
            rich_tracebacks=False,  # ConsoleSafe writes them as plain text
            highlighter=LogHighlighter(),
            console=console,
        )
        #: Set once the console could not be written: the access log stops.
        self.stopped = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.stopped:
            super().emit(record)
        elif record.levelno >= logging.WARNING:
            with contextlib.suppress(OSError, ValueError):  # else stderr is gone too
                print(record.getMessage(), file=sys.stderr, flush=True)

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            super().handleError(record)
            return
        self.stopped = True
        self.console.quiet = True
        stdout_to_nowhere()
        why = error.strerror or str(error)
        with contextlib.suppress(OSError, ValueError):  # else stderr cannot be written either
            say(f"cannot write to stdout ({why}): the access log stops here; serving goes on")
            sys.stderr.flush()
        self.emit(record)  # a warning or worse: on stderr


def stdout_to_nowhere() -> None:
    """Point file descriptor 1 at the null device: what is left in stdout's buffer is
    flushed there at exit (into a broken pipe, Python said "Exception ignored" and
    exited 120)."""
    try:
        nowhere = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(nowhere, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass  # no stdout to redirect
    finally:
        os.close(nowhere)


def start_console_log(secret: str, *, debug: bool = False) -> ConsoleLog:
    """The server's console log, on stdout, through :class:`ConsoleSafe` (``secret``: the
    token), once one line has been drawn into nothing: Rich's first line imports what it
    draws with, and that failed when no file could be opened (the server ended)."""
    rehearsal = ConsoleLog(Console(file=io.StringIO(), width=120))
    rehearsal.addFilter(ConsoleSafe(secret))
    try:
        raise OSError(errno.EMFILE, "a line drawn at start, into nothing: …")
    except OSError:
        line = logging.makeLogRecord({"msg": "é 中 ␛ …", "levelno": logging.ERROR})
        line.levelname, line.exc_info = "ERROR", sys.exc_info()
    rehearsal.handle(line)
    handler = ConsoleLog(LogConsole())
    handler.addFilter(ConsoleSafe(secret))
    logging.basicConfig(
        level="DEBUG" if debug else "INFO", format="%(message)s", handlers=[handler]
    )
    return handler


class LoopErrors:
    """The event loop's exception handler while serving: running out of file
    descriptors (``accept`` fails; asyncio tries again a second later) is one line, said
    at most every :data:`OUT_OF_FILES_EVERY` seconds; anything else is logged as asyncio
    does, and an error in saying it is let go: it escaped the loop, and ended the server,
    which then said it "cannot listen"."""

    def __init__(self) -> None:
        self.said_at: float | None = None

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        try:
            error, what = context.get("exception"), str(context.get("message", ""))
            if isinstance(error, OSError) and error.errno in OUT_OF_RESOURCES and "accept" in what:
                self.out_of_files(error)
            else:
                loop.default_exception_handler(context)
        except Exception:  # noqa: BLE001 - nowhere left to say it; serving goes on
            pass

    def out_of_files(self, error: OSError) -> None:
        now = time.monotonic()
        if self.said_at is not None and now - self.said_at < OUT_OF_FILES_EVERY:
            return
        self.said_at = now
        say(
            f"cannot take a connection now ({error.strerror or error}): new ones wait "
            "until others close; serving goes on"
        )
