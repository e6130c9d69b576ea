"""``leftover_threads`` counts a thread as flowtop's by where its code is installed.

With the README's layout (a virtualenv ``.venv`` inside the clone folder ``flowtop``),
every installed package's path held "/flowtop/", so an idle anyio worker thread was
reported as left by flowtop and the hygiene test failed on every such checkout.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import OWN_CODE, leftover_threads

WAIT = "def wait(stop):\n    stop.wait(10)\n"


@pytest.fixture
def stop() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def thread_in(filename: str, stop: threading.Event) -> threading.Thread:
    """A thread waiting in code that says it was read from ``filename``."""
    code: dict[str, object] = {}
    exec(compile(WAIT, filename, "exec"), code)  # WAIT is a constant; only its file name varies
    thread = threading.Thread(target=code["wait"], args=(stop,), name="probe", daemon=True)
    thread.start()
    return thread


def test_a_package_of_a_virtualenv_inside_the_clone_is_not_flowtop_s(
    stop: threading.Event,
) -> None:
    venv = "/home/me/flowtop/.venv/lib/python3.11/site-packages"
    thread_in(f"{venv}/anyio/_backends/_asyncio.py", stop)
    assert [t for t in leftover_threads() if t.startswith("probe ")] == []


def test_flowtop_s_own_code_still_counts(stop: threading.Event) -> None:
    engine = Path(OWN_CODE[0]) / "engine" / "runner.py"
    thread_in(str(engine), stop)
    assert [t for t in leftover_threads() if t.startswith("probe ")] == [f"probe in {engine}"]
