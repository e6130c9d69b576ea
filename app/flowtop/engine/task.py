"""``@task``: wrap a function with its retry options, checked at definition time."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Iterable
from types import MappingProxyType
from typing import Any, overload

from .delays import finite_float, normalize_delay, to_seconds
from .policy import POLICY_FIELDS, RetryPolicy

TASK_OPTIONS = ("name", *POLICY_FIELDS)
#: Prefect 2/3 spellings accepted as aliases.
ALIASES = {"retries": "max_retries", "retry_delay_seconds": "retry_delay"}


class Task:
    """A function plus its retry policy. Calling it inside ``with Flow(...)`` adds a node."""

    def __init__(self, fn: Callable[..., Any], *, name: str | None = None, **options: Any) -> None:
        if not callable(fn):
            raise TypeError(f"@task needs a function, got {type(fn).__name__} {fn!r}")
        self.fn = fn
        self.name = name or getattr(fn, "__name__", None) or type(fn).__name__
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"task name must be a non-empty string, got {self.name!r}")
        if not self.name.isprintable():  # names reach terminals: no escape sequences in them
            raise ValueError(f"task name must be printable text, got {self.name!r}")
        self.options = MappingProxyType(dict(options))
        self.policy = build_policy(self.name, options)
        functools.update_wrapper(self, fn)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """In ``with Flow(...)``: add a node. In a running ``@flow``: run it, retries
        included, and return its result. Anywhere else: call the function."""
        from .dynamic import current_run  # these modules import this one
        from .flow import current_flow

        flow = current_flow()
        if flow is not None:
            return flow.add_call(self, args, kwargs)
        run = current_run()
        if run is not None:
            return run.submit_call(self, args, kwargs).result()
        return self.fn(*args, **kwargs)

    def submit(self, *args: Any, **kwargs: Any) -> Any:
        """Inside a running ``@flow``: start the task and return a ``TaskFuture`` at once."""
        from .dynamic import submit

        return submit(self, args, kwargs)

    def map(self, *args: Any, **kwargs: Any) -> list[Any]:
        """Inside a running ``@flow``: one submitted call per item of the list arguments."""
        from .dynamic import map_calls

        return map_calls(self, args, kwargs)

    def __repr__(self) -> str:
        return f"<Task {self.name}>"


def _check_retry_on(name: str, retry_on: Any) -> tuple[type[BaseException], ...]:
    items: Iterable[Any] = (
        retry_on if isinstance(retry_on, list | tuple | set | frozenset) else (retry_on,)
    )
    checked = []
    for item in items:
        if not (isinstance(item, type) and issubclass(item, BaseException)):
            raise TypeError(
                f"task {name!r}: retry_on must hold exception classes, got {type(item).__name__} {item!r}"
            )
        checked.append(item)
    return tuple(checked)


def build_policy(name: str, options: dict[str, Any]) -> RetryPolicy:
    """Validate ``@task`` options (naming the task and the option) into a policy."""
    values: dict[str, Any] = {}
    try:
        if options.get("max_retries") is not None:
            n = options["max_retries"]
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ValueError(f"max_retries must be an int >= 0, got {n!r}")
            values["max_retries"] = n
        if options.get("retry_delay") is not None:
            values["retry_delay"] = normalize_delay(options["retry_delay"])
        if options.get("retry_on") is not None:
            values["retry_on"] = _check_retry_on(name, options["retry_on"])
        if options.get("retry_predicate") is not None:
            if not callable(options["retry_predicate"]):
                raise TypeError(
                    f"retry_predicate must be callable, got {options['retry_predicate']!r}"
                )
            values["retry_predicate"] = options["retry_predicate"]
        if options.get("retry_jitter") is not None:
            j = options["retry_jitter"]
            jitter = finite_float(j)
            if jitter is None or jitter < 0:
                raise ValueError(f"retry_jitter must be a finite number >= 0, got {j!r}")
            values["retry_jitter"] = jitter
        for key in ("retry_deadline", "timeout"):
            if options.get(key) is not None:
                values[key] = to_seconds(options[key], what=key)
                if key == "timeout" and values[key] == 0:
                    raise ValueError("timeout must be greater than 0")
    except (TypeError, ValueError) as exc:
        message = str(exc)
        if not message.startswith(f"task {name!r}"):
            message = f"task {name!r}: {message}"
        raise type(exc)(message) from None
    return RetryPolicy().with_values("task", **values) if values else RetryPolicy()


def _resolve_options(owner: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for key, value in kwargs.items():
        canonical = ALIASES.get(key, key)
        if canonical not in TASK_OPTIONS:
            close = difflib.get_close_matches(key, [*TASK_OPTIONS, *ALIASES], n=1)
            hint = (
                f" (did you mean {close[0]!r}?)"
                if close
                else f"; valid options: {', '.join(TASK_OPTIONS)}"
            )
            raise TypeError(f"{owner}: unknown option {key!r}{hint}")
        if canonical in options and options[canonical] is not None and value is not None:
            raise TypeError(f"{owner}: {key!r} and {canonical!r} both given; use one")
        if value is not None or canonical not in options:
            options[canonical] = value
    return options


@overload
def task(fn: Callable[..., Any], **kwargs: Any) -> Task: ...
@overload
def task(fn: None = None, **kwargs: Any) -> Callable[[Callable[..., Any]], Task]: ...


def task(
    fn: Callable[..., Any] | None = None, **kwargs: Any
) -> Task | Callable[[Callable[..., Any]], Task]:
    """Make a task, bare (``@task``) or with options (``@task(max_retries=3)``).

    Options: ``name, max_retries, retry_delay, retry_on, retry_predicate, retry_jitter,
    retry_deadline, timeout``; Prefect's ``retries`` and ``retry_delay_seconds`` too.
    """

    def make(func: Callable[..., Any]) -> Task:
        owner = f"task {kwargs.get('name') or getattr(func, '__name__', repr(func))!r}"
        options = _resolve_options(owner, kwargs)
        name = options.pop("name", None)
        return Task(func, name=name, **options)

    if fn is not None:
        return make(fn)
    return make
