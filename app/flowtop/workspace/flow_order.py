"""The order the monitor lists flows in: file by file, as a person numbers files
(``step2.py`` before ``step10.py``, as ``ls -v`` lists them), each file's flows in the
order it defines them — also for a file added or changed while the monitor is open."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


#: A name's suffix as ``ls -v`` sets it aside (GNU ``filevercmp``): the longest run of
#: ``.`` + letter + letters/digits at its end (``.py``, ``.tar.gz``), never the whole name.
SUFFIX = re.compile(r"(?:\.[A-Za-z~][A-Za-z0-9~]*)*$")
#: A digit as ``ls -v`` sees one: ASCII only (``²`` or ``٣`` is a character like ``-``).
DIGITS = re.compile(r"([0-9]+)")
#: A name's rank before its text: none, ``.``, ``..``, other dot names, every other name.
DOT_RANKS = {"": 0, ".": 1, "..": 2}


def natural_order(text: str) -> tuple[Any, ...]:
    """``text``'s place as ``ls -v`` sorts names (GNU ``filevercmp``): names starting
    with ``.`` first; then the names without their suffixes (``big`` before ``big10k``:
    compared with it, `.py` put ``big10k.py`` first), then the whole names, each run of
    ASCII digits as a number (``gen-2`` before ``gen-10``); then the names' characters."""
    rank = DOT_RANKS.get(text, 3 if text.startswith(".") else 4)
    return (rank, version_key(stem(text)), version_key(text), text)


def stem(name: str) -> str:
    """``name`` without its suffix (``SUFFIX``); its first character stays, so that
    ``.py`` is a name, not a suffix."""
    suffix = SUFFIX.search(name, 1)
    return name[: suffix.start()] if suffix else name


#: What ends a run of non-digits in ``version_key``, among its characters' weights
#: (``char_weight``: ``~`` -4, letters and others above 0): the name's end; digits; and
#: zeros alone then ``~``, which is less than a name's end there (``verrevcmp`` skips
#: the zeros and compares ``~`` with the end) but less than digits too (0 < 1).
NAME_END, DIGITS_NEXT, ZEROS_THEN_TILDE = -2, 0, -3


def version_key(text: str) -> tuple[int, ...]:
    """``text`` as ``filevercmp``'s ``verrevcmp`` compares it, as a tuple: each run of
    non-digits as its characters' weights (``char_weight``), ended by what follows it
    (``NAME_END`` …: ``a`` < ``a1`` < ``a-b``), each run of digits as its number. A last
    run of zeros (``a0``, ``a00``) weighs nothing: ``verrevcmp`` skips leading zeros,
    then finds the name's end on both sides."""
    parts = DIGITS.split(text)
    if len(parts) > 1 and parts[-1] == "" and int(parts[-2]) == 0:
        parts = parts[:-2]  # ``a0`` compares as ``a``
    key: list[int] = []
    for index, part in enumerate(parts):
        if index % 2:
            key.append(int(part))
            continue
        key += map(char_weight, part)
        if index == len(parts) - 1:
            key.append(NAME_END)
        elif int(parts[index + 1]) == 0 and parts[index + 2].startswith("~"):
            key.append(ZEROS_THEN_TILDE)
        else:
            key.append(DIGITS_NEXT)
    return tuple(key)


def char_weight(char: str) -> int:
    """A non-digit's weight in ``verrevcmp``, doubled (room for ``ZEROS_THEN_TILDE``): an
    ASCII letter's code, ``~`` before a name's end, any other character after letters."""
    if char.isascii() and char.isalpha():
        return 2 * ord(char)
    return -4 if char == "~" else 2 * (ord(char) + 256)


def file_order(path: Path) -> tuple[Any, ...]:
    """``path``'s place among files: its name's, as ``ls -v`` sorts (``natural_order``)."""
    return natural_order(path.name)


def in_natural_order(names: Iterable[str]) -> list[str]:
    """``names`` as ``ls -v`` lists them (``flows: gen-1, gen-2, gen-10``)."""
    return sorted(names, key=lambda name: (natural_order(name), name))


def in_file_order(
    flows: Mapping[str, T], files: Mapping[Path, Iterable[str]]
) -> list[tuple[str, T]]:
    """``flows`` by the file that defines each (``files``: each file's flow names, in the
    order it defines them); a flow no file names goes last."""
    place = {
        name: (rank, index)
        for rank, path in enumerate(sorted(files, key=file_order))
        for index, name in enumerate(files[path])
    }
    return sorted(flows.items(), key=lambda item: place.get(item[0], (len(place), 0)))
