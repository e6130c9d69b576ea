"""Which flow file keeps a flow name that two files of the folder define.

The first by sorted path (``ls -v``: ``flow_order.file_order``) keeps it, and the other
file is the broken one, named with the line that binds the name (``etl.py:42: flow 'etl'
is already defined in a_etl.py``). A fresh load imports the files in that order, so it
gives the name to the first file; a reload must give it to the same file, whatever order
the files came in. Where the file there first kept it, a backup copy ``a_etl.py`` saved
beside ``etl.py`` while the monitor ran left the monitor running etl.py's ``etl``, while
``flowtop list``, ``flowtop run --flow etl`` and a second monitor had a_etl.py's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..engine.option_checks import same_name, two_spellings
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
