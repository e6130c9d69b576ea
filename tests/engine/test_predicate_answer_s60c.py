"""A ``retry_predicate``'s answer shown in the attempt's story passes a Ctrl+C on
(fx_loose, s60c): its repr, under ``except BaseException``, swallowed a
``KeyboardInterrupt`` raised on the main thread while a user's ``__repr__`` ran, as
``safe_repr`` did before ``value_text.users_own``."""

from __future__ import annotations

import threading

import pytest

from flowtop.engine.policy import predicate_answer


class Raises:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def __repr__(self) -> str:
        raise self.exc


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(1)])
def test_a_stop_on_the_main_thread_is_passed_on(exc: BaseException) -> None:
    with pytest.raises(type(exc)):
        predicate_answer([Raises(exc)], True)


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(1)])
def test_off_the_main_thread_it_is_the_repr_s_own_and_shown(exc: BaseException) -> None:
    """No signal is handled off the main thread: there it is the code's own (``sys.exit()``
    in a ``__repr__``), shown as the answer's (an ``Exception`` reprlib shows itself)."""
    said: list[str] = []
    worker = threading.Thread(target=lambda: said.append(predicate_answer([Raises(exc)], False)))
    worker.start()
    worker.join()
    assert said == ["<unrepresentable list> (false)"]
