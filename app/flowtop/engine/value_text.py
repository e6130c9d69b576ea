"""A user's value or exception as text in a message or an event: it never raises and
never floods a screen.

Below every engine module that names a value (``delays`` and ``policy`` included), so
that each refusal of an option shows what it got the same way."""

from __future__ import annotations

import math
import threading
from typing import Any

#: Past this many bits an int is shown by its size: ``repr`` refuses ints over 4,300
#: digits (``sys.set_int_max_str_digits``), and one below that is still no message.
_LONGEST_INT_BITS = 256


def count_text(n: int) -> str:
    """``n`` with its thousands marked (``1,000,001``), or its size when too long to read."""
    return f"{n:,}" if n.bit_length() <= _LONGEST_INT_BITS else safe_repr(n)


def safe_repr(value: Any, limit: int = 200) -> str:
    """``repr`` that never raises and never floods a screen. An int too long to read is
    its size (``retry_delay=10**5000`` was refused with Python's "Exceeds the limit (4300
    digits) for integer string conversion", naming neither the option nor the value)."""
    if isinstance(value, int) and value.bit_length() > _LONGEST_INT_BITS:
        digits = math.floor(value.bit_length() * math.log10(2)) + 1
        return f"an int of about {digits:,} digits"
    try:
        text = repr(value)
    except BaseException as exc:  # a user's __repr__ may do anything, sys.exit() too
        if not users_own(exc):
            raise
        text = f"<unrepresentable {type(value).__name__}: {type(exc).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_str(exc: BaseException) -> str:
    """``str(exc)`` that never raises (a user's ``__str__`` may)."""
    try:
        return str(exc)
    except BaseException as raised:  # a user's __str__ may raise anything
        if not users_own(raised):
            raise
        return f"<unprintable {type(exc).__name__}>"


def error_text(exc: BaseException) -> str:
    """``Type: message`` for a sentence, or the type alone when the message is empty: a
    ``KeyError()`` read "raised KeyError: , asked about …". Never raises."""
    said = safe_str(exc)
    return f"{type(exc).__name__}: {said}" if said else type(exc).__name__


def users_own(exc: BaseException) -> bool:
    """Whether ``exc``, raised by a user's ``__repr__`` or ``__str__``, is that code's own
    failure, shown as text, rather than a stop to pass on. A ``KeyboardInterrupt`` or
    ``SystemExit`` on the main thread may be a signal's (Ctrl+C, flowtop's SIGTERM
    handler), raised wherever the thread was: swallowed, a ``flowtop run`` stopped while a
    default's repr hung went on to start the run. Signals are handled on the main thread
    only, so on another one it is the code's own (``sys.exit()`` in a repr). A
    ``GeneratorExit`` is a generator being closed, never a failure."""
    if isinstance(exc, GeneratorExit):
        return False
    if isinstance(exc, KeyboardInterrupt | SystemExit):
        return threading.current_thread() is not threading.main_thread()
    return True
