"""The threads on which flowtop runs user code: daemons to the interpreter only.

Python gives a new thread its creator's ``daemon`` unless told. Every flowtop thread is a
daemon, so that a task hung past its timeout never holds the process's exit; a plain
``threading.Thread`` a task (or a ``@flow`` body) started was then a daemon too, and the
process's exit killed it mid-work, what it wrote and printed lost without a word. Under
Prefect, or a plain ``ThreadPoolExecutor`` (whose workers are not daemons), the exit
waits for it, and so it does here: a ``UserCodeThread`` is a daemon when the interpreter
starts it, and not when the code it runs starts threads of its own."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class UserCodeThread(threading.Thread):
    """A daemon thread whose new threads are not daemons unless their code says so."""

    def __init__(
        self, target: Callable[..., object], name: str, args: tuple[Any, ...] = ()
    ) -> None:
        self._runs_user_code = False
        super().__init__(target=target, name=name, args=args, daemon=True)

    def run(self) -> None:
        # The interpreter has read ``daemon`` by now, as it started this thread (its exit
        # will not wait for it); from here on only the threads made on it read it.
        self._runs_user_code = True
        super().run()

    @property
    def daemon(self) -> bool:
        return not self._runs_user_code

    @daemon.setter
    def daemon(self, daemonic: bool) -> None:
        threading.Thread.daemon.fset(self, daemonic)  # type: ignore[attr-defined]
