"""Every symbol ``looks`` can show is one the terminal check asks the encoding for.

``printable.SYMBOLS`` (which cannot import ``looks``: the engine imports it) is what
``flowtop`` asks a terminal's encoding to carry before it draws, and what the headless
commands replace with ``?`` when it cannot. It lacked ■ (cancelled), ⚡ (interrupted) and ↺
(reused): a terminal able to encode the rest passed the check and could not show those.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from flowtop import looks
from flowtop.printable import SYMBOLS, encodes_symbols


def looks_symbols() -> set[str]:
    """The symbol of every look ``looks`` defines: its tables' and each ``*_LOOK``'s."""
    found: set[str] = set()
    for name, value in vars(looks).items():
        if not name.endswith("_LOOK"):
            continue
        for look in value.values() if isinstance(value, dict) else [value]:
            found.add(look[0])
    return found


def test_the_terminal_check_asks_for_every_symbol_looks_can_show() -> None:
    shown = looks_symbols()
    assert {"✓", "✗", "⟳", "■", "⚡", "↺", "·"} <= shown  # the walk finds every kind
    assert sorted(shown - set(SYMBOLS)) == []


CODEC_PREFIX = "flowtop_test_lacks_"


def _lacking(name: str) -> codecs.CodecInfo | None:
    """UTF-8 without one character (``flowtop_test_lacks_26a1`` lacks ⚡)."""
    if not name.startswith(CODEC_PREFIX):
        return None
    missing = chr(int(name.removeprefix(CODEC_PREFIX), 16))

    def encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
        if (at := text.find(missing)) >= 0:
            raise UnicodeEncodeError(name, text, at, at + 1, "not in this encoding")
        return text.encode("utf-8", errors), len(text)

    utf8 = codecs.lookup("utf-8")
    return codecs.CodecInfo(encode, utf8.decode, name=name)


@pytest.fixture(scope="module", autouse=True)
def lacking_codecs() -> Iterator[None]:
    codecs.register(_lacking)
    yield
    codecs.unregister(_lacking)


@pytest.mark.parametrize("symbol", sorted(looks_symbols()))
def test_a_terminal_lacking_any_of_them_is_told_it_cannot_show_flowtop(symbol: str) -> None:
    stream = SimpleNamespace(encoding=f"{CODEC_PREFIX}{ord(symbol):x}")  # all it reads
    assert not encodes_symbols(stream)
