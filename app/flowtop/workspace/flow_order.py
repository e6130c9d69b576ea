"""The order the monitor lists flows in: file by file, as a person numbers files
(``step2.py`` before ``step10.py``, as ``ls -v`` lists them), each file's flows in the
order it defines them — also for a file added or changed while the monitor is open."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def natural_order(text: str) -> tuple[Any, ...]:
    """``text``'s place as ``ls -v`` sorts: each run of digits as a number (``gen-2``
    before ``gen-10``). The digit runs are every other part of the split, whatever else
    ``str.isdigit`` takes for one (``²``, which ``int`` refuses)."""
    parts = re.split(r"(\d+)", text)
    return tuple(int(part) if index % 2 else part for index, part in enumerate(parts))


def file_order(path: Path) -> tuple[Any, ...]:
    """``path``'s place among files: its name with each run of digits as a number."""
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
