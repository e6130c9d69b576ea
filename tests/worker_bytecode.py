"""The test modules' assertion-rewritten code, compiled once for all of xdist's workers.

Each worker imports every test module through pytest's assertion rewriting, and keeps
the code it compiled (``conftest.pytest_collection``) for the next run and the other
workers. On a fresh clone (CI's) nothing is kept yet and the workers start together, so
each of them compiled every test module, before another had kept it: 4 workers of 6.7 s
of CPU each on 2 cores. The main process now compiles them once, split over forks of
itself, before xdist starts the workers, which read the code back.

pytest's rewriting has no public call: with a pytest whose internals these names do not
fit, nothing is compiled beforehand and the workers compile as they did.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def workers_will_collect(config: pytest.Config) -> bool:
    """Whether xdist's workers will each import the test modules with their assertions
    rewritten, and this process can fork to compile them beforehand."""
    return (
        config.getoption("dist", "no") != "no"
        and config.getoption("assertmode", "rewrite") == "rewrite"
        and hasattr(os, "fork")
        and threading.active_count() == 1  # a fork copies no other thread's held locks
    )


def modules_to_rewrite(config: pytest.Config) -> list[Path]:
    """The files each worker imports with its assertions rewritten: every conftest, and
    the test modules under the paths given (the ``testpaths`` when none is)."""
    found = set(TESTS.rglob("conftest.py"))
    for arg in config.args:
        path = Path(arg.split("::")[0])
        if path.is_dir():
            found.update(path.rglob("test_*.py"))
        elif path.name.startswith("test_") and path.suffix == ".py":
            found.add(path)
    return sorted(path.resolve() for path in found)


def rewrite_and_keep(config: pytest.Config, modules: list[Path]) -> None:
    """Rewrite and compile each of ``modules`` whose kept code is missing or older than
    it, and keep the code where a worker's import of it reads it back."""
    from _pytest.assertion import rewrite

    state = config.stash[rewrite.assertstate_key]
    for module in modules:
        cache = rewrite.get_cache_dir(module)
        kept = cache / (module.name[:-3] + rewrite.PYC_TAIL)
        if rewrite._read_pyc(module, kept) is not None or not rewrite.try_makedirs(cache):
            continue  # up to date, or nowhere to keep it
        try:
            source_stat, code = rewrite._rewrite_test(module, config)
        except (OSError, SyntaxError, ValueError):
            continue  # the worker's own import reports what is wrong with the module
        rewrite._write_pyc(state, code, source_stat, kept)


def rewriting_fits() -> bool:
    """Whether this pytest has the internals ``rewrite_and_keep`` calls."""
    try:
        from _pytest.assertion import rewrite
    except ImportError:
        return False
    names = ("assertstate_key", "get_cache_dir", "PYC_TAIL", "try_makedirs", "_read_pyc")
    return all(hasattr(rewrite, name) for name in (*names, "_rewrite_test", "_write_pyc"))


def precompile_test_modules(config: pytest.Config) -> None:
    """``rewrite_and_keep`` for the workers' modules, split over forks of this process
    (one a core): the workers start once they are done."""
    if not rewriting_fits():
        return
    modules = modules_to_rewrite(config)
    shares = max(1, min(os.cpu_count() or 1, 8, len(modules)))
    forks = []
    for index in range(shares):
        pid = os.fork()
        if pid == 0:  # the fork: its share, then out, past pytest's exit handlers
            try:
                rewrite_and_keep(config, modules[index::shares])
            finally:
                os._exit(0)
        forks.append(pid)
    for pid in forks:
        os.waitpid(pid, 0)
