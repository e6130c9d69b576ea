"""Where a workspace's limits keep their slots: ``.flowtop/limits.db``, shared by every
flowtop process that runs its code.

Every run the TUI, a browser or ``flowtop run`` starts executes in a process of its own,
so slots counted in one process's memory let two runs each take a ``database = 2``
limit's two slots: four connections where the user allowed two. Prefect keeps its
limits on its API server; flowtop keeps them in a small SQLite file beside the run
store (WAL, as the store), taken and given back in write transactions.

A limit is a number of ``held`` slots that decays at its ``slot_decay_per_second`` since
it last ``changed`` (a rate limit's slots free themselves; a plain limit's never do),
as Prefect's server counts them. A block that holds slots also writes a ``holders`` row
naming its process, so the slots of a process that died inside a block (killed, out of
memory) are given back by the next process that asks for them: on this machine the
process is looked at directly (``ownership.owner_gone``); one on another host sharing
the folder cannot be, and keeps its slots until it gives them back.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from ..workspace.access import blocked, explain
from ..workspace.ownership import Owner, owner_gone, pid_running
from ..workspace.places import LIMITS_FILE
from ..workspace.private import FolderError, open_store, private_file
from ..workspace.store_links import (
    LinkedStore,
    open_unswapped,
    read_only_uri,
    refuse_linked_reader,
)
from ..workspace.store_schema import enable_wal

#: The file's layout; a newer flowtop's file is refused, never rewritten.
VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS pools (
    name TEXT PRIMARY KEY,
    held REAL NOT NULL,
    changed REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS holders (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    slots INTEGER NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    boot TEXT NOT NULL,
    start TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS holders_name ON holders(name);
"""


class Limit(NamedTuple):
    """A limit as ``flowtop.toml`` sizes it now."""

    slots: int
    decay: float  # slots freed per second; 0 for a plain limit


class Short(NamedTuple):
    """Why ``SlotStore.take`` took nothing: the limits without room, and how long until
    their slots free themselves (``inf`` for a plain limit's, which wait for a give-back)."""

    names: tuple[str, ...]
    wait: float


class Taken(NamedTuple):
    """Slots taken by one ``SlotStore.take``, for ``give_back``."""

    names: tuple[str, ...]
    slots: int
    holders: tuple[int, ...]  # the block's ``holders`` rows; () for a rate limit


def _decayed(held: float, changed: float, decay: float, now: float) -> float:
    # A wall clock set back counts as no time passed, never as slots taken.
    return max(0.0, held - decay * max(0.0, now - changed))


class SlotStore:
    """One workspace's slots, as this process reads and changes them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()  # one connection, used by one thread at a time
        #: Bumped by each give-back here: a waiter in this process wakes at once.
        self._given = threading.Condition()
        self._generation = 0
        self._me = Owner.current()
        try:
            private_file(path)
            self._conn = open_store(
                path,
                lambda: sqlite3.connect(
                    path, timeout=30.0, isolation_level=None, check_same_thread=False
                ),
            )
            enable_wal(self._conn)  # a run's worker processes open a new file at once
            self._conn.execute("PRAGMA synchronous=NORMAL")
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            if version > VERSION:
                self._conn.close()
                raise ValueError(
                    f"{path}: made by a newer flowtop (layout {version}; this one knows "
                    f"{VERSION}): upgrade flowtop to use its concurrency limits"
                )
            with self._write() as conn:
                for statement in _SCHEMA.split(";"):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {VERSION}")
        except FolderError as exc:  # says whose folder shuts this user out, or what is amiss
            raise ValueError(f"{path}: cannot keep concurrency limits there: {exc}") from None
        except (OSError, sqlite3.Error) as exc:
            raise ValueError(
                f"{path}: cannot keep concurrency limits there: {exc}{_why_not(exc, path)}"
            ) from None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, taken before reading: no other process changes the slots
        between what is read and what is written."""
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as exc:  # locked past the timeout, a full disk, …
                raise ValueError(f"{self.path}: concurrency limits: {exc}") from None

    def generation(self) -> int:
        return self._generation

    def wait(self, generation: int, seconds: float) -> None:
        """Sleep ``seconds``, or until slots are given back in this process after
        ``generation`` was read (another process's give-back is seen at the next try)."""
        with self._given:
            if self._generation == generation:
                self._given.wait(seconds)

    def take(self, limits: Mapping[str, Limit], slots: int, *, hold: bool) -> Taken | Short:
        """Take ``slots`` of every limit in ``limits`` (all or none), written as held by
        this process when ``hold`` (a block, which gives them back)."""
        names = tuple(sorted(limits))
        now = time.time()
        with self._write() as conn:
            held = self._reclaim(conn, limits, now)
            short = [name for name in names if held[name] + slots > limits[name].slots]
            if short:
                wait = max(_wait(held[n] + slots - limits[n].slots, limits[n]) for n in short)
                return Short(tuple(short), wait)
            conn.executemany(
                "INSERT OR REPLACE INTO pools VALUES (?, ?, ?)",
                [(name, held[name] + slots, now) for name in names],
            )
            rows: list[int] = []
            if hold:
                me = self._me
                for name in names:
                    cursor = conn.execute(
                        "INSERT INTO holders(name, slots, host, pid, boot, start) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (name, slots, me.host, me.pid, me.boot, me.start),
                    )
                    assert cursor.lastrowid is not None
                    rows.append(cursor.lastrowid)
        return Taken(names, slots, tuple(rows))

    def give_back(self, taken: Taken, limits: Mapping[str, Limit]) -> None:
        """Give back a block's slots (a rate limit's free themselves: nothing to do)."""
        if not taken.holders:
            return
        now = time.time()
        with self._write() as conn:
            held = _held(conn, taken.names, limits, now)
            conn.executemany(
                "UPDATE pools SET held = ?, changed = ? WHERE name = ?",
                [(max(0.0, held[name] - taken.slots), now, name) for name in taken.names],
            )
            conn.executemany("DELETE FROM holders WHERE id = ?", [(i,) for i in taken.holders])
        with self._given:
            self._generation += 1
            self._given.notify_all()

    def _reclaim(
        self, conn: sqlite3.Connection, limits: Mapping[str, Limit], now: float
    ) -> dict[str, float]:
        """Each limit's slots held now, once the blocks of processes that are gone have
        given theirs back (in the caller's transaction)."""
        names = tuple(sorted(limits))
        marks = ",".join("?" * len(names))
        # A change stamped later than now (this clock, or the one of the process that
        # wrote it, was set back since): counted from now, or its slots were held for
        # as long as the clocks differ.
        conn.execute(
            f"UPDATE pools SET changed = ? WHERE changed > ? AND name IN ({marks})",
            (now, now, *names),
        )
        held = _held(conn, names, limits, now)
        gone: dict[tuple[str, int, str, str], bool] = {}
        dropped: list[tuple[int]] = []
        for row, name, slots, host, pid, boot, start in conn.execute(
            f"SELECT id, name, slots, host, pid, boot, start FROM holders WHERE name IN ({marks})",
            names,
        ).fetchall():
            owner = (host, pid, boot, start)
            if owner not in gone:
                gone[owner] = _holder_gone(Owner(*owner), self._me)
            if gone[owner]:
                held[name] = max(0.0, held[name] - slots)
                dropped.append((row,))
        if dropped:
            conn.executemany("DELETE FROM holders WHERE id = ?", dropped)
            conn.executemany(
                "UPDATE pools SET held = ?, changed = ? WHERE name = ?",
                [(held[name], now, name) for name in names],
            )
        return held


def _held(
    conn: sqlite3.Connection, names: tuple[str, ...], limits: Mapping[str, Limit], now: float
) -> dict[str, float]:
    """Each limit of ``names``'s slots held now, after their decay."""
    held = dict.fromkeys(names, 0.0)
    marks = ",".join("?" * len(names))
    for name, slots, changed in conn.execute(
        f"SELECT name, held, changed FROM pools WHERE name IN ({marks})", names
    ):
        held[name] = _decayed(slots, changed, limits[name].decay, now)
    return held


def _holder_gone(holder: Owner, me: Owner) -> bool:
    """Whether the process of a ``holders`` row is certainly gone (``me``: this one). A
    holder sends no heartbeat, so one on a machine without a boot id (not Linux) is
    looked at by its pid alone, which may have been reused, rather than never given up on."""
    if holder.host == me.host and not holder.boot and not me.boot:
        return not pid_running(holder.pid)
    return owner_gone(holder, None) is not None


def _why_not(exc: BaseException, path: Path) -> str:
    """Whose file or folder shuts this user out, or what to do about a file that is not a
    limits file."""
    why = blocked(path, write=True)
    return f" ({why})" if why is not None else _not_ours(exc)


def _not_ours(exc: BaseException) -> str:
    """What to do about a file that is not a limits file (it only counts slots in use)."""
    if isinstance(exc, sqlite3.DatabaseError) and "not a database" in str(exc):
        return " (it only counts the slots in use: delete it while no run is going)"
    return ""


def _wait(excess: float, limit: Limit) -> float:
    """How long until ``excess`` slots of ``limit`` free themselves."""
    return excess / limit.decay if limit.decay else float("inf")


class Holder(NamedTuple):
    """A block holding slots, as ``flowtop limits`` shows it."""

    name: str
    slots: int
    owner: Owner
    gone: bool  # its process is gone: the next request gives its slots back


def read_slots(path: Path, limits: Mapping[str, Limit]) -> tuple[dict[str, float], list[Holder]]:
    """What ``path`` holds now, read without changing it (``flowtop limits``): each
    limit's slots held after their decay, and the blocks holding them."""
    try:
        there = path.is_file()
    except PermissionError as exc:  # another user's private .flowtop
        raise ValueError(f"cannot read concurrency limits: {explain(exc, path)}") from None
    if not there:
        return dict.fromkeys(limits, 0.0), []
    now = time.time()
    try:
        refuse_linked_reader(path)
        conn = open_unswapped(
            path,
            lambda: sqlite3.connect(read_only_uri(path), uri=True, timeout=5.0),
            LinkedStore,
        )
        try:
            held = _held(conn, tuple(limits), limits, now)
            rows = conn.execute(
                "SELECT name, slots, host, pid, boot, start FROM holders ORDER BY id"
            ).fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        why = blocked(path)
        more = f" ({why})" if why is not None else _not_ours(exc)
        raise ValueError(f"{path}: cannot read concurrency limits: {exc}{more}") from None
    me = Owner.current()
    holders = []
    for name, slots, *who in rows:
        owner = Owner(*who)
        holders.append(Holder(name, slots, owner, _holder_gone(owner, me)))
    return held, holders


_stores: dict[tuple[int, Path], SlotStore] = {}
_stores_lock = threading.Lock()


def slot_store(folder: Path) -> SlotStore:
    """The slots of the workspace whose ``.flowtop`` folder is ``folder``, opened once
    per process (a forked worker opens its own: a connection never crosses a fork)."""
    key = (os.getpid(), folder.resolve())
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = SlotStore(folder / LIMITS_FILE)
        return store
