"""A cache hit's words on ``flowtop run``'s line, saying the run they name was pruned.

The engine names the run that stored a cached result (``cached result of etl #1,
2026-12-06 11:16:56``) as that run was; once a prune took it, ``history --run`` and the
monitor say ``cached result of etl #1 (pruned), …`` (``reuse_origin.pruned_said``), and
``flowtop run``'s line pointed at a run that no longer exists. It says so too now. The
``--json`` event keeps the engine's words as they were (what the store keeps).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from ..workspace.reuse_origin import cached_source, pruned_said


class CacheSources:
    """The runs cache hits name, each looked up in ``store`` once: whether it was pruned
    (a run of many hits of one entry reads the store once for them all)."""

    def __init__(self) -> None:
        #: The run store the runs are recorded in (None: nothing looked up, the words
        #: as the engine said them).
        self.store: Path | None = None
        self._pruned: dict[tuple[str, int], bool] = {}

    def said(self, message: str) -> str:
        """``message``, a cache hit's naming a pruned run, saying ``(pruned)``; any other
        as it is. A store that cannot be read now reads as holding the run."""
        source = cached_source(message)
        if source is None or self.store is None:
            return message
        if source not in self._pruned:
            # (imported at a cache hit only: the commands that print no run's lines,
            # `history` and `watch`, do not pay for the store's readers at their start)
            from ..workspace.run_log import connect_reader
            from ..workspace.store_links import LinkedStore
            from ..workspace.store_reader import pruned_runs

            try:
                with closing(connect_reader(self.store)) as conn:
                    self._pruned[source] = source in pruned_runs(conn, {source})
            except (sqlite3.Error, OSError, LinkedStore):
                return message  # looked up again at the next hit
        return pruned_said(message) if self._pruned[source] else message
