"""Prefect 3's input annotations (``prefect.utilities.annotations``): ``allow_failure``,
``unmapped``, ``quote`` and ``opaque``, each a wrapper around one value that tells the
engine how to pass it to a task (``calls``, ``arg_refs``)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

T = TypeVar("T")


class _Annotation(Generic[T]):
    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def unwrap(self) -> T:
        return self.value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"


class allow_failure(_Annotation[T]):
    """An input (or ``wait_for`` entry) whose task may fail: the downstream task still
    runs and receives the upstream exception as the value."""


class unmapped(_Annotation[T]):
    """A ``.map()`` argument passed whole to every call instead of iterated."""

    def __getitem__(self, _: Any) -> T:
        return self.value


class quote(_Annotation[T]):
    """An input passed as it is: not searched for futures (a future inside it reaches the
    task unresolved), only unwrapped."""

    def unquote(self) -> T:
        return self.value


class opaque(_Annotation[T]):
    """An input whose future is resolved, and whose value is then not searched further."""


__all__ = ["_Annotation", "allow_failure", "opaque", "quote", "unmapped"]
