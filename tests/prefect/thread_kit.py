"""A call on a thread of its own, started as Prefect users start them: with the caller's
context copied (``contextvars.copy_context().run``) or plain. Its value, or what it raised."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import Any


def in_thread(fn: Callable[[], Any], *, copied: bool) -> Any:
    box: list[Any] = []

    def call() -> None:
        try:
            box.append(fn())
        except Exception as exc:  # noqa: BLE001 - the test reads it
            box.append(exc)

    run = contextvars.copy_context().run if copied else None
    thread = threading.Thread(target=run, args=(call,)) if run else threading.Thread(target=call)
    thread.start()
    thread.join()
    return box[0]
