"""What a Python reads as it starts, put back after each test (conftest's fixture), so
that every command a worker's tests start stays forkable (``fork_cli.forkable``).

Dask's multiprocessing scheduler sets ``PYTHONHASHSEED`` in ``os.environ`` for its pool's
sake, for the process's life: every later command of that worker then started as a new
Python (~0.15 s of CPU each, against ~0.03 s forked), and ``test_fork_cli.py`` failed in
whichever worker ran a Dask test first. A workspace reloaded with drop-in mode off forgets
its modules (``children.forget``: their list and ``child_site`` on ``PYTHONPATH``) where
collecting had published them, with the same effect: the list is put back too.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import fork_cli
from flowtop.compat.children import ENV as DROP_IN_MODULES

#: The names put back: those ``fork_cli`` compares with its server's, and the modules a
#: drop-in child installs as it starts (compared apart, ``fork_cli._drop_in``).
READ_AT_START = (*fork_cli._READ_AT_START, DROP_IN_MODULES)


@contextlib.contextmanager
def put_back() -> Iterator[None]:
    """The variables read at a Python's start as they were before the block."""
    before = {k: v for k, v in os.environ.items() if k.startswith(READ_AT_START)}
    try:
        yield
    finally:
        for name in [k for k in os.environ if k.startswith(READ_AT_START) and k not in before]:
            del os.environ[name]
        for name, value in before.items():
            if os.environ.get(name) != value:
                os.environ[name] = value
