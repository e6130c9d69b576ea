"""JSON text that can go where only UTF-8 goes: SQLite, a command line.

A ``@flow`` parameter may hold a lone surrogate (``-p name=...`` from bytes that are not
UTF-8, ``"\\udcff"`` in ``--params``, a string built in Python). JSON written with
``ensure_ascii=False`` keeps it raw, and no UTF-8 encoder takes it: SQLite refused the
run's row (the run went unrecorded) and ``subprocess`` the run process's arguments (a
``--detach`` run never started). A task's output, error message or traceback (a flow
file whose name is not UTF-8) may hold one too: the store kept it as ``?``
(``history_fold._log``). Escaped as JSON, it reads back as the same character.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a surrogate code point: escaped as JSON, a high one followed
    by a low one reads back as the one character they make, a string shorter by one."""
    return not text.isascii() and _SURROGATE.search(text) is not None


def storable_json(text: str) -> str:
    """``text`` (JSON) with each lone surrogate written as its JSON escape (``\\udcff``),
    which ``json.loads`` reads back unchanged; everything else as it was. A surrogate can
    only stand inside a JSON string, where such an escape is valid."""
    if text.isascii():
        return text
    return _SURROGATE.sub(lambda found: f"\\u{ord(found[0]):04x}", text)
