"""Cached task results as files of the workspace, ``.flowtop/cache/``: what a task that
caches (``engine/caching.py``) finds again in a later run, whichever flowtop process runs
it, as Prefect keeps them in its local result storage.

One file per key, written whole to a temporary file and renamed into place, so a reader
never sees half of one and two writers of one key leave one of their results. Values are
pickled as the run store's results are (``results.dumps``: cloudpickle for what pickle
refuses, at most ``max_result_bytes``). The folder and its files take the permissions of
``.flowtop`` (``private.py``: 0700 and 0600 in a private one): results may hold secrets.
A folder or file this user may not use is a ``ValueError`` saying whose it is: the task
runs (or its result is not kept), and its step says why. A result is read only from a
file no stranger could have written (``store_trust``): another is a cache miss, said on
the task's step and once as a warning naming the file, and never unpickled.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
import threading
import time
from pathlib import Path

from ..engine.caching import CachedResult
from .access import explain
from .private import FolderError, private_folder, take_permissions
from .results import dumps
from .store_trust import Untrusted, read_trusted

log = logging.getLogger("flowtop.store")


class FolderCache:
    """The engine's ``CacheStore`` over a folder."""

    shared = True  # (every flowtop process of the workspace reads it)

    def __init__(self, folder: Path, cap: int) -> None:
        self.folder = folder
        self.cap = cap
        self._lock = threading.Lock()
        self._warned: set[str] = set()  # refusals said once (every task would meet them)

    def _path(self, key: str) -> Path:
        # a key is any text a cache_key_fn returned: its hash names the file
        return self.folder / hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:40]

    def get(self, key: str) -> CachedResult | None:
        path = self._path(key)
        try:
            data = read_trusted(path)
        except Untrusted as exc:
            self._warn(str(exc))
            raise Untrusted(f"{exc}: a stranger could have put code there") from None
        except PermissionError as exc:
            raise ValueError(explain(exc, path)) from None
        if data is None:
            return None
        expires, source, value = pickle.loads(data)
        if expires is not None and expires <= time.time():
            path.unlink(missing_ok=True)  # expired: nobody can use it again
            return None
        return CachedResult(pickle.loads(value), source, expires)

    def put(self, key: str, result: CachedResult) -> None:
        """Raises ``ValueError`` for a result that cannot be kept (unpicklable, too big)."""
        value, why = dumps(result.value, self.cap)
        if value is None:
            raise ValueError(why)
        try:
            private_folder(self.folder)
            fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".writing-")
        except FolderError as exc:
            raise ValueError(str(exc)) from None
        except OSError as exc:
            raise ValueError(explain(exc, self.folder, write=True)) from None
        try:
            take_permissions(fd, self.folder)
            with os.fdopen(fd, "wb") as file:
                pickle.dump((result.expires, result.source, value), file, protocol=5)
            os.replace(temporary, self._path(key))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _warn(self, why: str) -> None:
        with self._lock:
            if why in self._warned:
                return
            self._warned.add(why)
        log.warning("cached results not read (the tasks run): %s", why)
