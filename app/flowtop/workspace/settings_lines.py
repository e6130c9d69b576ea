"""Where in a settings file's text a table or key is: the line an error names, and a
table's name as the file would spell it.

A key may be written dotted inside a table (``load.timeout = -1`` under
``[flows.etl.tasks]``, ``retry_delay.factor = 2`` under a task's table): each line's key
path is read whole, so the error names that line, not the first line whose key begins
the same (``load.max_retries`` a line above).
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

from .settings_toml import read_settings_toml

#: A key of a ``key = value`` line, dotted or not: bare, "basic" or 'literal' parts.
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
    r"""(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'))*)\s*="""
)


def quoted(part: str) -> str:
    """``part`` as a TOML basic string: ``a "b"`` -> ``"a \\"b\\""`` (the header flowtop
    said for it, ``[flows."a "b""…]``, was no valid TOML, and not what the file held)."""
    return json.dumps(part, ensure_ascii=False).replace("\x7f", "\\u007f")


def bare_or_quoted(key: str) -> str:
    """``key`` as a TOML key: bare when it can be (``db``), else quoted (``"tag:db"``)."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else quoted(key)


def table_name(table: tuple[str, ...]) -> str:
    """``("flows", "etl", "tasks", "x")`` -> ``[flows."etl".tasks."x"]``."""
    if not table:
        return "top level"
    parts = [part if i % 2 == 0 else quoted(part) for i, part in enumerate(table)]
    return "[" + ".".join(parts) + "]"


def _path_of(node: Any) -> tuple[str, ...]:
    parts = []
    while isinstance(node, dict) and len(node) == 1:
        key = next(iter(node))
        parts.append(key)
        node = node[key]
    return tuple(parts)


def header_path(line: str) -> tuple[str, ...] | None:
    """The table path of a ``[a."b".c]`` header line, read by tomllib itself."""
    stripped = line.strip()
    if not stripped.startswith("[") or stripped.startswith("[["):
        return None
    try:
        return _path_of(read_settings_toml(stripped + "\n"))
    except tomllib.TOMLDecodeError:
        return None


def key_path(line: str) -> tuple[str, ...] | None:
    """The key path of a ``key = value`` line (``load.timeout = -1`` -> ``("load",
    "timeout")``), read by tomllib itself; None for any other line."""
    match = _KEY.match(line)
    if match is None:
        return None
    try:
        return _path_of(read_settings_toml(f"{match.group(1)} = 0\n"))
    except tomllib.TOMLDecodeError:
        return None


def set_twice(text: str, line: int) -> str | None:
    """What tomllib's ``Cannot overwrite a value`` or ``Cannot declare ('flows', 'etl',
    …) twice`` at ``line`` means, said by key or table and both lines
    (``[defaults]: max_retries is set twice (lines 2 and 3)``); None when no line before
    it set the same (the words tomllib has stay)."""
    current: tuple[str, ...] = ()
    first: dict[tuple[str, ...], int] = {}
    for number, line_text in enumerate(text.splitlines()[:line], 1):
        header = header_path(line_text)
        if header is not None:
            current, full = header, header
        elif (path := key_path(line_text)) is not None:
            full = (*current, *path)
        else:
            continue
        if number < line:
            first.setdefault(full, number)
            continue
        before = first.get(full)
        if before is None:
            return None
        if header is not None:
            return f"{table_name(header)} is declared twice (lines {before} and {line})"
        match = _KEY.match(line_text)
        key = match.group(1).strip() if match else ".".join(full[len(current) :])
        return f"{table_name(current)}: {key} is set twice (lines {before} and {line})"
    return None


def locate(text: str, table: tuple[str, ...], key: str | None) -> int | None:
    """Best-effort line of ``key`` in ``table`` (or of the table's header) in TOML ``text``.
    ``key`` may name a list's item (``retry_delay[1]``); a table with no header is inline
    (``retry_delay = {base = 1}``), dotted (``retry_delay.base = 1``) or no table
    (``etl = 5``): its key's line above."""
    if key is not None:
        key = re.sub(r"\[\d+\]$", "", key)
    wanted = (*table, key) if key is not None else None
    current: tuple[str, ...] = ()
    header_line = None
    for number, line in enumerate(text.splitlines(), 1):
        header = header_path(line)
        if header is not None:
            current = header
            if header == table:
                header_line = number
            if wanted is not None and header[: len(wanted)] == wanted:
                return number  # the key is a table of its own: ``[tasks."x"]``
            continue
        if wanted is None or current != wanted[: len(current)]:
            continue
        path = key_path(line)
        if path is not None and (*current, *path)[: len(wanted)] == wanted:
            return number
    if header_line is None and table:
        return locate(text, table[:-1], table[-1])
    return header_line
