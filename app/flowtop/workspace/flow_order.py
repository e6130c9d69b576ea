"""The order the monitor lists flows in: file by file, as a person numbers files
(``step2.py`` before ``step10.py``, as ``ls -v`` lists them), each file's flows in the
order it defines them — also for a file added or changed while the monitor is open."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def file_order(path: Path) -> tuple[Any, ...]:
    """``path``'s place among files: its name with each run of digits as a number."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name))


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
