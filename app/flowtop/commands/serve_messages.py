"""What a ``flowtop serve`` tab's browser sends on its websocket, read so that no message
can cost the user their tab.

textual-serve's page sends JSON lists: ``["stdin", text]`` (keys, a paste),
``["resize", {"width": W, "height": H}]``, ``["ping", data]``, ``["blur"]`` and
``["focus"]``. textual-serve read them trusting their shape: ``["stdin"]`` without its
text, text that is not JSON, ``["resize", {}]`` or a JSON number raised in its loop, and
the tab closed with a traceback on the server's console (one over 4 MiB closed it without
a word). A
browser extension or a flaky proxy can garble what a page sends, so a message that is not
one of those (:func:`read_message`) is left out, saying so in one line on the console
(made printable, cut to :data:`SHOWN_CHARACTERS`, the token written as ``…``: the line
does not go through the console's log filter), and the tab goes on.

A module of its own, apart from the server (:mod:`flowtop.commands.serve_server`),
because it answers one question, "what did the browser ask for?", and the server's
module has no room left for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import WSMsgType

from ..printable import printable_name, say

if TYPE_CHECKING:
    from aiohttp import web
    from textual_serve.app_service import AppService

#: The longest message passed on, in characters: what a tab took until aiohttp's own
#: bound was raised (4 MiB, its default). A longer one is read whole and left out.
MAX_MESSAGE = 4 * 1024 * 1024
#: The longest message a tab's websocket reads at all, in bytes (aiohttp's
#: ``max_msg_size``). aiohttp refuses a longer one at its frame's header and closes the
#: tab (``1009``): it cannot skip the frame. Reading it whole would keep the tab, at the
#: cost of as much memory as the client sends.
READ_LIMIT = 16 * MAX_MESSAGE
#: How much of a message left out the console shows.
SHOWN_CHARACTERS = 80


@dataclass(frozen=True)
class Typed:
    """``["stdin", text]``: what the user typed or pasted, for the app's input."""

    data: bytes


@dataclass(frozen=True)
class Resized:
    """``["resize", {"width": W, "height": H}]``: the browser's terminal changed size
    (whole numbers, not yet kept within what can be drawn)."""

    width: int
    height: int


@dataclass(frozen=True)
class Pinged:
    """``["ping", data]``: the page measures its latency, and is answered ``["pong", data]``."""

    data: object


@dataclass(frozen=True)
class Focused:
    """``["focus"]`` or ``["blur"]``: the page gained or lost the focus."""

    focused: bool


@dataclass(frozen=True)
class LeftOut:
    """A message that is none of the above: ``what`` says what it was, the message shown
    in it (``sent a message that is not JSON (…)``)."""

    what: str


Message = Typed | Resized | Pinged | Focused | LeftOut


def shown(text: str, secret: str) -> str:
    """``text`` (a client's) as the console may show it: on one line, printable, the token
    ``secret`` written as ``…`` (before the cut, so that no part of it is left), cut to
    :data:`SHOWN_CHARACTERS`. Only its start is made printable (it may be megabytes),
    cut a token's length further, so that a token the cut falls in is whole."""
    start = text[: SHOWN_CHARACTERS + len(secret) + 1]  # each character shows as one or more
    line = printable_name(start.replace(secret, "…"))
    return line if len(line) <= SHOWN_CHARACTERS else f"{line[:SHOWN_CHARACTERS]}…"


def read_message(text: str, secret: str) -> Message:
    """What the text message ``text`` asks for, or why it is left out (``secret``: the
    token, never shown). A message of a kind textual-serve does not know is left out too:
    textual-serve's page sends none."""
    if len(text) > MAX_MESSAGE:  # not even parsed: it may be anything
        what = f"a message of {len(text):,} characters (a tab takes up to {MAX_MESSAGE:,})"
        return LeftOut(f"sent {what} ({shown(text, secret)})")
    try:
        envelope = json.loads(text)
    except json.JSONDecodeError:
        return LeftOut(f"sent a message that is not JSON ({shown(text, secret)})")
    except RecursionError:
        return LeftOut(f"sent a message nested too deeply to read ({shown(text, secret)})")
    except ValueError:  # a number of more than 4,300 digits (sys.get_int_max_str_digits)
        return LeftOut(f"sent a message with a number too long to read ({shown(text, secret)})")
    if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
        shape = shown(text, secret)
        return LeftOut(f"sent a message that is not a list of its kind and data ({shape})")
    return read_envelope(envelope, text, secret)


def read_envelope(envelope: list[object], text: str, secret: str) -> Message:
    """:func:`read_message` for a JSON list that starts with its kind, read from ``text``."""
    kind, data = envelope[0], envelope[1:2]
    if kind == "stdin":
        if not data or not isinstance(data[0], str):
            return LeftOut(f"sent a stdin message without its text ({shown(text, secret)})")
        try:
            return Typed(data[0].encode("utf-8"))
        except UnicodeEncodeError:  # "\ud800": valid JSON, no UTF-8
            return LeftOut(f"sent a stdin message with a lone surrogate ({shown(text, secret)})")
    if kind == "resize":
        size = data[0] if data else None
        if not isinstance(size, dict) or "width" not in size or "height" not in size:
            return LeftOut(
                f"sent a resize without both a width and a height ({shown(text, secret)})"
            )
        width, height = size["width"], size["height"]
        if type(width) is not int or type(height) is not int:  # a bool is no size either
            asked = shown(f"{width!r} x {height!r}", secret)
            return LeftOut(f"asked for a size that is no size ({asked})")
        return Resized(width, height)
    if kind == "ping":
        if not data:
            return LeftOut(f"sent a ping without its data ({shown(text, secret)})")
        return Pinged(data[0])
    if kind in ("focus", "blur"):
        return Focused(kind == "focus")
    return LeftOut(f"sent a message of an unknown kind ({shown(text, secret)})")


async def pass_on_messages(
    websocket: web.WebSocketResponse, service: AppService, secret: str, pong_wait: float
) -> None:
    """The browser's messages to the tab's app (``service``) until the websocket closes;
    each one that is left out is said on the console (``secret``: the token, never said),
    and so is a client that did not answer a ping within ``pong_wait`` seconds (aiohttp's
    heartbeat closed its tab)."""
    async for message in websocket:
        if message.type is WSMsgType.ERROR and isinstance(message.data, TimeoutError):
            continue  # no reply to a ping: said below, once the loop is over
        if message.type is WSMsgType.ERROR:  # aiohttp closes the tab after it
            error = shown(str(message.data), secret)
            say(f"a browser tab's websocket could not read its message ({error}): tab closed")
            continue
        if message.type is WSMsgType.BINARY:
            say(f"a browser tab sent a binary message ({len(message.data):,} bytes): left out")
            continue
        if message.type is not WSMsgType.TEXT:
            continue
        read = read_message(message.data, secret)
        if isinstance(read, Typed):
            await service.send_bytes(read.data)
        elif isinstance(read, Resized):
            await service.set_terminal_size(read.width, read.height)
        elif isinstance(read, Pinged):
            await websocket.send_json(["pong", read.data])
        elif isinstance(read, Focused):
            await (service.focus() if read.focused else service.blur())
        else:
            say(f"a browser tab {read.what}: left out")
    # also when the ping went unanswered while a message was passed on (no ERROR then)
    if isinstance(websocket.exception(), TimeoutError):
        say(f"a browser tab stopped answering (no reply to a ping in {pong_wait:g} s): closed")
