"""Each flow file's flows as soon as its import ends, for the monitor's first screen.

The first screen said "Loading flows…" until the flow host had imported every file and
replied once: a file whose import takes seconds (a big SDK, a sleep, a network call)
kept every flow, and the run keys, off the screen until it was done. Now the loader says
each file it imported here (``imported``) to whoever listens in this process: the flow
host, during a first load, sends that file's flows to the TUI as news
(``flow_host_news``), so the flows of the files imported so far are listed, and run,
while a slower one still imports. The load's reply then replaces them all: whether a
name another file defines too is refused, or a file is a helper, is decided once every
file is in.

A host imports one file at a time, so a slow file still held back the files after it:
past a second on one file, the host has a side host import those (``side_load``), which
loads only them (``only_files``) and whose news the host passes on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..engine.flow import Flow

#: Who hears a file's flows: given the file and its flows by name.
Listener = Callable[[Path, Mapping[str, "Flow"]], None]

#: The listener, with the id of the process that set it: a child forked during the load
#: (a loader child) imports on its own account, never on the host's socket.
_listener: tuple[int, Listener] | None = None


@contextmanager
def heard_by(listener: Listener | None) -> Iterator[None]:
    """During the block, give ``listener`` each flow file's flows as its import ends
    (None: no one, as outside the block)."""
    global _listener  # one per process: its imports are the process's, whoever asked
    before = _listener
    _listener = (os.getpid(), listener) if listener is not None else None
    try:
        yield
    finally:
        _listener = before


#: The files a side host's load imports (``side_load``), none other; None: every file.
_only: frozenset[Path] | None = None


@contextmanager
def only_files(files: Iterable[Path] | None) -> Iterator[None]:
    """During the block, a load imports only ``files`` of its folder (None: all of them)."""
    global _only  # the side host's: a process of its own
    before = _only
    _only = frozenset(files) if files is not None else None
    try:
        yield
    finally:
        _only = before


def in_this_load(path: Path) -> bool:
    """Whether a load now imports the flow file ``path`` (``only_files``)."""
    return _only is None or path in _only


def imported(path: Path, flows: Mapping[str, Flow]) -> None:
    """``path`` was imported in this process and defines ``flows`` (none: a helper, or a
    file the load will say defines none)."""
    listener = _listener
    if listener is None or not flows or listener[0] != os.getpid():
        return
    with suppress(Exception):  # news only: a load never fails for want of it
        listener[1](path, flows)
