"""Tasks for the executor tests. State lives in files, so it is shared by every worker process."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from flowtop import Retry, task


def count(path: str) -> int:
    """Record one attempt in ``path`` and return its number (1 for the first)."""
    with open(path, "a") as f:
        f.write(f"{os.getpid()}\n")
    return len(Path(path).read_text().splitlines())


@task
def retry_twice(path: str) -> int:
    n = count(path)
    if n < 3:
        raise Retry(f"not yet ({n})")
    return n


@task(retry_on=ConnectionError, max_retries=3)
def flaky_connection(path: str) -> int:
    n = count(path)
    if n < 3:
        raise ConnectionError(f"reset by peer ({n})")
    return n


@task(retry_on=ConnectionError, max_retries=3)
def wrong_error(path: str) -> int:
    count(path)
    raise ValueError("not a connection error")


@task(retry_predicate=lambda state: state.result < 3, max_retries=5)
def until_three(path: str) -> int:
    return count(path)


@task(max_retries=2)
def always_fails(path: str) -> int:
    n = count(path)
    raise RuntimeError(f"still broken ({n})")


# A second long enough for a retry's fresh worker process to start under load, which
# the timeout counts too (a 0.3 s one failed the retry on a busy machine).
@task(timeout=1.0, max_retries=1)
def slow_first(path: str, seconds: float) -> int:
    n = count(path)
    if n == 1:
        time.sleep(seconds)
    return n


@task
def noisy(x: int) -> int:
    print(f"working on {x}")
    return x + 1


@task
def unpicklable_result() -> object:
    return threading.Lock()


class Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("this exception refuses to be pickled")


@task
def unpicklable_error() -> None:
    raise Unpicklable("boom")


class TwoPart(Exception):
    """Pickles, but cannot be rebuilt: unpickling calls ``TwoPart(message)``."""

    def __init__(self, a: str, b: str) -> None:
        super().__init__(f"{a}-{b}")


@task
def unrebuildable_error() -> None:
    raise TwoPart("left", "right")


@task
def sleeper(pid_file: str, seconds: float) -> None:
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(seconds)


@task(timeout=0.5)
def sleeps_past_timeout(pid_file: str) -> None:
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(30)


@task(max_retries=1)
def dies_once(path: str) -> int:
    n = count(path)
    if n == 1:
        os._exit(3)
    return n


@task
def workspace_region() -> object:
    """A workspace variable, as a task on a worker reads it (it has no run context there)."""
    from flowtop.variables import Variable

    return Variable.get("region")
