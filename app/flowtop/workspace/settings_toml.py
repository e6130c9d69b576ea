"""The one reader of a settings file's TOML (``flowtop.toml``, ``.flowtop/overrides.toml``):
``tomllib.loads`` with a guard against values nested too deep.

tomllib reads arrays and inline tables by recursion: a 1 KB file holding ``[[[…]]]`` 500
deep ended ``flowtop list`` and ``flowtop run`` in a ``RecursionError`` traceback, left the
monitor at "Loading flows…" and ended its runs before they started. Nesting is capped as
JSON's is (``MAX_JSON_DEPTH``), and whatever still makes the parser recurse too deep is
refused the same way: a ``tomllib.TOMLDecodeError`` at the line where the value (or the
dotted key) starts, which every reader already reports as the file's error. Each says the
nesting and the limit alike (``value nested 600 deep, too deep to read (limit 500)``): an
inline table 400 deep, refused by the parser's stack, read as another rule.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from ..engine.parameters import MAX_JSON_DEPTH

#: How every refusal ends: the limit, and that the parser's stack may run out sooner.
_LIMIT = f"too deep to read (limit {MAX_JSON_DEPTH})"
_STACK = f"too deep to read (limit {MAX_JSON_DEPTH}, less in Python's TOML parser)"

#: What the scan steps over whole (brackets in them are text): a string of any of TOML's
#: four kinds, a comment, or a bracket or newline. A string left open ends at its line's
#: end, or the text's for a multi-line one (tomllib refuses the file anyway): a match
#: never fails, so no text is scanned twice (``"\`` repeated took seconds a kilobyte).
_TOKENS = re.compile(
    r'"""(?:[^\\]|\\.?)*?(?:"""(?!")|\Z)'
    r"|'''.*?(?:'''(?!')|\Z)"
    r'|"(?:[^"\\\n]|\\[^\n]?)*(?:"|(?=\n)|\Z)'
    r"|'[^'\n]*(?:'|(?=\n)|\Z)"
    r"|#[^\n]*|[\[\]{}\n]",
    re.DOTALL,
)


def read_settings_toml(text: str) -> dict[str, Any]:
    """``tomllib.loads(text)``, refusing (``tomllib.TOMLDecodeError``, at the line where
    the value starts) a value nested deeper than ``MAX_JSON_DEPTH``, or too deep for the
    parser to read."""
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH:  # (nearly every file: no scan)
        depth, where = deepest(text)
        if depth > MAX_JSON_DEPTH:
            raise _at(f"value nested {depth} deep, {_LIMIT}", where)
    try:
        data = tomllib.loads(text)
    except RecursionError:  # under the cap, but more than the stack left could take
        depth, where = deepest(text)
        if depth == 0:  # (brackets the scan took for a string's: never in a file tomllib reads)
            raise tomllib.TOMLDecodeError(f"value nested {_STACK}") from None
        raise _at(f"value nested {depth} deep, {_STACK}", where) from None
    dots = text.count(".") + text.count("[") + text.count("{")  # (dotted keys: a.a.a… = 1)
    if dots > MAX_JSON_DEPTH and (depth := _data_depth(data)) > MAX_JSON_DEPTH:
        said = f"tables nested {depth} deep, {_LIMIT}"
        key = _deep_key(text)
        raise _at(said, key) if key else tomllib.TOMLDecodeError(said)
    return data


def _deep_key(text: str) -> tuple[int, int] | None:
    """Where (line, column) the first key or ``[table]`` header starts whose dots alone
    nest tables past the cap (``a.a.…700….b = 1``), under its header's; None when none
    does by itself (a dotted key holding a deep value)."""
    under = 0  # how deep the current [table]'s header nests
    for number, line in enumerate(text.splitlines(), 1):
        key = line.lstrip()
        if key.startswith("["):
            under = key.split("]", 1)[0].count(".") + (2 if key.startswith("[[") else 1)
            depth = under
        elif "=" in key:
            depth = under + key.split("=", 1)[0].count(".") + 1
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            return number, len(line) - len(key) + 1
    return None


def deepest(text: str) -> tuple[int, tuple[int, int]]:
    """How deep ``text``'s arrays and inline tables nest, and where (line, column) the
    first value that deep starts: its outermost bracket."""
    depth = most = 0
    line, begins = 1, 0  # the line, and where in ``text`` it begins
    start = most_at = (1, 1)
    line_start: int | None = 0  # where the line began, until a token was seen on it
    header = False  # on a [table] or [[table]] line: its brackets nest nothing
    for found in _TOKENS.finditer(text):
        token = found[0]
        if token == "\n":
            line, begins, header = line + 1, found.end(), False
            line_start = begins
            continue
        first = line_start is not None and text[line_start : found.start()].strip() == ""
        line_start = None
        if depth == 0 and token == "[" and first:
            header = True
        if header:
            continue
        if token in ("[", "{"):
            if depth == 0:
                start = (line, found.start() - begins + 1)
            depth += 1
            if depth > most:
                most, most_at = depth, start
        elif token in ("]", "}") and depth > 0:
            depth -= 1
        if "\n" in token:  # a multi-line string
            line, begins = line + token.count("\n"), found.start() + token.rindex("\n") + 1
    return most, most_at


def _data_depth(data: dict[str, Any]) -> int:
    """How deep tables and arrays nest in ``data``, the file's own table not counted (read
    without recursion)."""
    most = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        most = max(most, depth)
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return most


def _at(message: str, where: tuple[int, int]) -> tomllib.TOMLDecodeError:
    """An error said as tomllib says its own (``… (at line 2, column 15)``)."""
    return tomllib.TOMLDecodeError(f"{message} (at line {where[0]}, column {where[1]})")
