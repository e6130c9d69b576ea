"""Which flow file keeps a flow name that two files of the folder define.

A flow name belongs to the first file by sorted path (``ls -v``: ``flow_order.file_order``)
that defines it, and stays that file's while the file exists, broken or not; the other
file is refused, named with the line that binds the name (``zz_dup.py:9: flow 'etl' is
already defined in etl.py``). A broken file holds the names of its last good flows, and
those its source gives (``source_names``: all a process that never loaded it knows); a
file refused for one name holds its others, still listed as a broken file's.

A fresh load imports the files in that order, so it gives the name to the first file; a
reload must give it to the same file, whatever order the files came in. Where the file
there first kept it, a backup copy ``a_etl.py`` saved beside ``etl.py`` while the monitor
ran left the monitor running etl.py's ``etl``, while ``flowtop list``, ``flowtop run
--flow etl`` and a second monitor had a_etl.py's. Where a broken file gave its names up,
saving etl.py broken handed ``etl`` to a ``zz_dup.py`` defining it too: ``r`` ran
zz_dup.py's code as a run of etl, kept in etl's history.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..engine.option_checks import same_name, two_spellings
from .broken_source_names import said_names
from .flow_naming import UNTOLD, names_given
from .flow_order import file_order
from .load_error import LoadError, display_path


@dataclass(frozen=True)
class Claim:
    """What a file defining ``names`` may have of them: ``refused`` (why it may not, and
    the file that keeps one of them), or the files that sort after it and lose a name to
    it (``displaced``: each with one such name)."""

    refused: tuple[LoadError, Path] | None = None
    displaced: Mapping[Path, str] = field(default_factory=dict)


def sorts_before(one: Path, other: Path) -> bool:
    """Whether ``one`` comes before ``other`` as the files are listed and loaded."""
    return (file_order(one), str(one)) < (file_order(other), str(other))


def claim(
    path: Path, names: Iterable[str], lines: Mapping[str, int], owners: Mapping[str, Path]
) -> Claim:
    """``path``'s claim to ``names`` (bound at ``lines``) against the files that have
    them now (``owners``): refused by the first name a file before it has, as a fresh
    load refuses it; otherwise the names are its, from the files after it. A name spelt
    another way (``same_name``: ``café`` as ``cafe\\u0301``) is the same name."""
    displaced: dict[Path, str] = {}
    held = {same_name(name): (name, owner) for name, owner in owners.items()}
    for name in names:
        spelt, owner = held.get(same_name(name), (name, None))
        if owner is None or owner == path:
            continue
        if sorts_before(owner, path):
            refused = already_defined(path, lines.get(name), name, owner, spelt)
            return Claim(refused=(refused, owner))
        displaced.setdefault(owner, spelt)
    return Claim(displaced=displaced)


def already_defined(
    path: Path, line: int | None, name: str, owner: Path, spelt: str | None = None
) -> LoadError:
    """``path``'s refusal of flow ``name``, which ``owner`` defines (``spelt`` so there,
    when that is another spelling of it)."""
    why = f"flow {name!r} is already defined in {display_path(owner)}"
    if spelt is not None and spelt != name:
        why += f", {two_spellings(spelt, name)}"
    return LoadError(path, line, None, why)


def holders(
    flow_files: Mapping[str, Path],
    kept: Mapping[Path, Iterable[str]],
    probed: Mapping[Path, tuple[object, Iterable[str]]],
    leaving: Path,
) -> dict[str, Path]:
    """Who has each flow name but ``leaving``'s: the file of each flow listed
    (``flow_files``: a broken file's last good ones included), each name a file that failed
    keeps beside them (``kept``), and those a file's probe or source names (``probed``: a
    run of one flow imports no other file); of two, the first by sorted path."""
    held = dict(flow_files)
    told = {path: names for path, (_, names) in probed.items()}
    for path, names in [*told.items(), *kept.items()]:
        for name in names if path != leaving else ():
            if (owner := held.get(name)) is None or sorts_before(path, owner):
                held[name] = path
    return held


def source_names(path: Path) -> frozenset[str]:
    """The flow names the source of ``path`` gives (``flow_naming``'s syntax tree reading,
    or, for a source it cannot parse, its tokens: ``said_names``): what a file that failed
    to load holds in a process that has no last good version of it. Only a regular file
    is read (a named pipe's read would wait for a writer)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return frozenset()
        data = path.read_bytes()
    except OSError:
        return frozenset()
    names = names_given(data, path)
    return said_names(data) if names is None else names - {UNTOLD}
