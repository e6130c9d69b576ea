"""``flowtop.toml`` and ``.flowtop/overrides.toml``: parsed, checked, and layered onto policies.

Both files share one validator, and so does :meth:`Workspace.set_override`, so a value the
retry editor accepts is exactly a value the file accepts. A file that fails to parse or
check is reported with its line and the table and key at fault, and the last good
version of that file stays in force: a typo while editing never resets retries to the
built-in defaults halfway through a run.
"""

from __future__ import annotations

import difflib
import json
import re
import reprlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..engine.delays import (
    MAX_JITTER,
    MAX_JITTER_TEXT,
    MAX_SECONDS,
    MAX_SECONDS_TEXT,
    ExponentialBackoff,
    finite_float,
)
from ..engine.layers import Layer
from ..engine.option_checks import MIN_TIMEOUT, number_written
from ..engine.policy import MAX_RETRIES, RetryPolicy
from ..engine.pool import MAX_WORKERS
from ..engine.spec import ExecutorError, check_spec
from ..engine.suggest import did_you_mean
from ..engine.task import MAX_DELAYS
from .load_error import LoadError
from .settings_lines import bare_or_quoted, set_twice
from .settings_lines import locate as locate
from .settings_lines import table_name as table_name

_POLICY_KEYS = ("max_retries", "retry_delay", "retry_jitter", "timeout")
DEFAULT_KEYS = (*_POLICY_KEYS, "workers", "executor", "max_result_bytes", "load_timeout")
#: The ``flowtop.toml`` tables a run reads as it goes (``flowtop.code_settings``).
RUN_TABLES = ("variables", "concurrency")
#: ``[tui] on_quit``: what ``q`` does with live runs started in this TUI.
ON_QUIT = ("ask", "keep", "cancel")
#: With Prefect's second jitter, ``retry_jitter_factor``: the retry editor sets it, as code does.
#: Task options that are functions: no settings file sets them.
CODE_ONLY = (
    "retry_predicate",
    "retry_condition_fn",
    "cache_key_fn",
    "on_completion",
    "on_failure",
    "on_running",
)
TASK_KEYS = (
    "max_retries",
    "retry_delay",
    "retry_on",
    "retry_jitter",
    "retry_jitter_factor",
    "retry_deadline",
    "timeout",
)
BACKOFF_KEYS = ("base", "factor", "max_delay")
#: ``[defaults]`` keys that fill policy fields a task left unset.
POLICY_DEFAULTS = ("retry_delay", "retry_jitter", "timeout")

TaskId = tuple[str, str]  # (flow name, task key)


class SettingsError(ValueError):
    """A settings value that is not acceptable; the message names the table and key."""

    def __init__(self, message: str, table: tuple[str, ...] = (), key: str | None = None) -> None:
        super().__init__(message)
        self.table = table
        self.key = key


def _unknown(
    key: str, valid: tuple[str, ...], table: tuple[str, ...], what: str = "key"
) -> SettingsError:
    hint = did_you_mean(key, valid)
    return SettingsError(
        f"{table_name(table)}: unknown {what} {key!r}{hint}; valid {what}s: {', '.join(valid)}",
        table,
        key,
    )


def _bad(table: tuple[str, ...], key: str, expected: str, value: Any) -> SettingsError:
    return SettingsError(
        f"{table_name(table)}: {key} must be {expected}, got {type(value).__name__} "
        f"{_shown(value)}{_unquoted(key, value)}",
        table,
        key,
    )


#: The keys of a number, with the ``@task`` option whose rule reads one written as text
#: (``option_checks.number_written``: seconds may carry a unit, a count is whole).
_NUMBER_OPTIONS = {
    "retry_delay": "retry_delay",
    "timeout": "timeout",
    "retry_deadline": "retry_deadline",
    "load_timeout": "timeout",
    "max_retries": "max_retries",
    "retry_jitter": "retry_jitter",
    "retry_jitter_factor": "retry_jitter_factor",
    "workers": "max_retries",  # (a whole number, as a retry count is)
    "max_result_bytes": "max_retries",
}


def _unquoted(key: str, value: Any) -> str:
    """``; write retry_delay = 5 (seconds), without quotes`` for a number written as text
    (``"5s"``, ``"5"``), as ``@task`` says it; for a list's item, ``; write 5 (seconds),
    without quotes``. The message said only ``got str '5s'``. ``""`` for any other value."""
    option = _NUMBER_OPTIONS.get(re.sub(r"\[\d+\]$", "", key))
    written = number_written(option, value) if option is not None else None
    if written is None:
        return ""
    number, had_unit = written
    shown = number if key.endswith("]") else f"{key} = {number}"
    return f"; write {shown}{' (seconds)' if had_unit else ''}, without quotes"


def _shown(value: Any) -> str:
    """``repr(value)`` for a message, its first items only when long: a list of 200,000
    numbers where one was expected made a 1.6 MB error line. Whole either way (brackets
    closed, ``...`` for what is left out), with the count of what a long list holds."""
    shown = repr(value)
    if len(shown) <= _SHOWN_MOST:
        return shown
    shown = _short.repr(value)
    return f"of {len(value):,} {shown}" if isinstance(value, list | dict) else shown


#: A value longer than this in a message shows its first items (``_shown``).
_SHOWN_MOST = 200
_short = reprlib.Repr()
_short.maxlevel, _short.maxlist, _short.maxdict, _short.maxstring, _short.maxother = 2, 6, 4, 60, 60


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _seconds(table: tuple[str, ...], key: str, value: Any, *, positive: bool = False) -> float:
    # TOML's inf and nan are refused too: a wait or a timeout that never ends.
    seconds = finite_float(value)
    if seconds is None or seconds < 0 or (positive and seconds == 0):
        expected = "a finite number of seconds " + ("> 0" if positive else ">= 0")
        raise _bad(table, key, expected, value)
    if positive and seconds < MIN_TIMEOUT:
        expected = f"at least {MIN_TIMEOUT:g} seconds (a shorter one ends each try as it starts)"
        raise _bad(table, key, expected, value)
    if seconds > MAX_SECONDS:  # 1e300 passes as finite, and is a wait that never ends
        raise _bad(table, key, f"at most {MAX_SECONDS_TEXT}", value)
    return seconds


def _delay(table: tuple[str, ...], value: Any) -> float | tuple[float, ...] | ExponentialBackoff:
    expected = "seconds, a list of seconds, or a table { base = 1, factor = 2, max_delay = 30 }"
    if isinstance(value, list):
        if not value:
            raise _bad(table, "retry_delay", "a non-empty list of seconds", value)
        if len(value) > MAX_DELAYS:  # as ``@task`` refuses it
            raise _bad(
                table, "retry_delay", f"at most {MAX_DELAYS} delays (Prefect's limit)", value
            )
        return tuple(_seconds(table, f"retry_delay[{i}]", v) for i, v in enumerate(value))
    if isinstance(value, dict):
        if not value:  # read as the default backoff (1, 2, 4 s...), unsaid: say it
            expected = "a table with base, factor or max_delay (the default backoff: { base = 1 })"
            raise _bad(table, "retry_delay", expected, value)
        for key in value:
            if key not in BACKOFF_KEYS:
                raise _unknown(key, BACKOFF_KEYS, (*table, "retry_delay"))
        try:
            return ExponentialBackoff(**value)
        except (TypeError, ValueError) as exc:
            raise SettingsError(
                f"{table_name(table)}: retry_delay: {exc}", table, "retry_delay"
            ) from None
    if _number(value):
        return _seconds(table, "retry_delay", value)
    raise _bad(table, "retry_delay", expected, value)


def _count(
    table: tuple[str, ...], key: str, value: Any, minimum: int, maximum: int | None = None
) -> int:
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        expected = (
            f"an integer >= {minimum}"
            if maximum is None
            else f"an integer from {minimum} to {maximum}"
        )
        raise _bad(table, key, expected, value)
    return value


def _names(table: tuple[str, ...], value: Any) -> tuple[str, ...]:
    items = value
    if isinstance(value, str):  # a list, as SPEC has it: one name alone was taken unsaid
        error = _bad(table, "retry_on", 'a list of exception names like ["ConnectionError"]', value)
        written = json.dumps(value.strip(), ensure_ascii=False)  # a TOML string as well
        raise SettingsError(
            f"{error}; write retry_on = [{written}], with brackets", table, "retry_on"
        )
    if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
        raise _bad(table, "retry_on", 'a list of exception names like ["ConnectionError"]', value)
    # Names only: each is looked up (``retry_on_names.resolve_exception``) once the flows are loaded
    # (``Workspace._check_names``), in the process that has them. Reading a settings file
    # imports nothing: ``flowtop list``, ``run --detach`` and the TUI read it in their own
    # process, which runs no user code, and a dotted name's package (``requests``, one of
    # the user's) ran there at import (printed, slept, connected).
    # A name given twice means what it means once: kept once, so a list with 200,000 of
    # it is not 200,000 names in ``flowtop list``'s line (``@task`` takes classes as given).
    return tuple(dict.fromkeys(v.strip() for v in items))


def check_value(table: tuple[str, ...], key: str, value: Any) -> Any:
    """One TOML value -> the value the policy field takes (``retry_on`` stays names)."""
    if key == "max_retries":
        retries = _count(table, key, value, 0)
        if retries > MAX_RETRIES:
            raise _bad(table, key, f"at most {MAX_RETRIES:,}", value)
        return retries
    if key == "workers":  # each is a thread: 100,000 of them would fail to start
        return _count(table, key, value, 1, MAX_WORKERS)
    if key == "max_result_bytes":
        return _count(table, key, value, 0)
    if key == "retry_delay":
        return _delay(table, value)
    if key == "retry_on":
        return _names(table, value)
    if key == "retry_jitter":
        jitter = finite_float(value)
        if jitter is None or jitter < 0:
            raise _bad(table, key, "a finite number >= 0 (a fraction: 0.1 adds up to 10%)", value)
        if jitter > MAX_JITTER:  # 1e308: every wait past a year, failed at the first retry
            raise _bad(table, key, f"at most {MAX_JITTER_TEXT}", value)
        return jitter
    if key == "retry_jitter_factor":  # the engine's rule (``task``): finite, >= 0
        factor = finite_float(value)
        if factor is None or factor < 0:
            expected = "a finite number >= 0 (0.5 draws each wait up to ×1.5)"
            raise _bad(table, key, expected, value)
        return factor
    if key == "timeout":
        return _seconds(table, key, value, positive=True)
    if key == "retry_deadline":
        return _seconds(table, key, value)
    if key == "load_timeout":  # importing a flow file in the loader process
        return _seconds(table, key, value, positive=True)
    if key == "executor":
        try:  # the spec's syntax, and that the extra it needs is installed
            return check_spec(value)
        except ExecutorError as exc:
            raise SettingsError(f"{table_name(table)}: {exc}", table, key) from None
    raise AssertionError(key)


def check_table(
    table: tuple[str, ...],
    values: Mapping[str, Any],
    valid: tuple[str, ...],
) -> dict[str, Any]:
    if not isinstance(values, dict):
        raise SettingsError(
            f"{table_name(table)} must be a table, got {type(values).__name__}", table
        )
    checked = {}
    for key, value in values.items():
        if key not in valid and key in TASK_KEYS:  # retry_on ("did you mean retry_delay?" misled)
            why = f'{key} is set per task: [flows."NAME".tasks."KEY"]'
            raise SettingsError(f"{table_name(table)}: {why}", table, key)
        if key in CODE_ONLY:  # "did you mean 'retry_jitter'?" misled here too
            why = f"{key} is a function, given in code (@task({key}=...)), not in a settings file"
            raise SettingsError(f"{table_name(table)}: {why}", table, key)
        if key not in valid:
            near = difflib.get_close_matches(key, [*valid, *CODE_ONLY], n=1)  # as did_you_mean
            if near and near[0] in CODE_ONLY:  # retry_predicat: not "did you mean retry_delay?"
                said = f"unknown key {key!r} (did you mean {near[0]!r}?)"
                why = f"{said}: a function, given in code, not in a settings file"
                raise SettingsError(f"{table_name(table)}: {why}", table, key)
            raise _unknown(key, valid, table)
        checked[key] = check_value(table, key, value)
    return checked


@dataclass(frozen=True)
class SettingsFile:
    """One checked settings file: ``[defaults]`` and the task tables, as policy values."""

    path: Path
    raw: Mapping[str, Any] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    tasks: Mapping[TaskId, Mapping[str, Any]] = field(default_factory=dict)
    text: str = ""
    keys: Mapping[str, str] = field(default_factory=dict)  # [keys]: binding id -> key(s)
    tui: Mapping[str, str] = field(default_factory=dict)  # [tui]: on_quit
    workspace: Mapping[str, Any] = field(default_factory=dict)  # [workspace]


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def parse_settings(
    path: Path, text: str, *, allow_defaults: bool = True, without: tuple[TaskId, ...] = ()
) -> SettingsFile:
    """Parse and check one settings file; raise :class:`SettingsFileError` with its location.
    ``without``: the flows' task tables left out, as if the file had none of them."""
    import tomllib  # here: a workspace without settings files never pays for the parser

    from .settings_toml import read_settings_toml

    text = text.removeprefix("\ufeff")  # a byte-order mark (Notepad's): "Invalid statement"
    try:
        raw = read_settings_toml(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.search(message)
        line = column = None
        if match:
            line, column = int(match.group(1)), int(match.group(2))
            message = message[: match.start()]
        elif message.endswith("(at end of document)"):  # no place said: after the last
            kept = text.rstrip()  # character not blank (it read "flowtop.toml:4:" for a line 3)
            line, column = kept.count("\n") + 1, len(kept) - kept.rfind("\n")
            message = message.removesuffix("(at end of document)").strip() + " at end of file"
        twice = None
        if line is not None and message.startswith(("Cannot overwrite", "Cannot declare")):
            twice = set_twice(text, line)
        if twice is not None:  # by key and both lines: "Cannot overwrite a value" said neither
            raise SettingsFileError(LoadError(path, line, None, twice)) from None
        raise SettingsFileError(LoadError(path, line, column, f"invalid TOML: {message}")) from None
    for flow_name, task_key in without:
        raw.get("flows", {}).get(flow_name, {}).get("tasks", {}).pop(task_key, None)
    try:
        return _check_file(path, raw, text, allow_defaults)
    except SettingsError as exc:
        line = locate(text, exc.table, exc.key)
        raise SettingsFileError(LoadError(path, line, None, str(exc)), exc.table) from None


def _check_file(path: Path, raw: dict[str, Any], text: str, allow_defaults: bool) -> SettingsFile:
    top = (
        ("concurrency", "defaults", "flows", "keys", "tui", "variables", "workspace")
        if allow_defaults
        else ("flows",)
    )
    for key in raw:
        in_defaults = allow_defaults and key in DEFAULT_KEYS
        if in_defaults or key in TASK_KEYS:  # a setting: not a table ("unknown table" read wrong)
            task = "a task's table" if key in TASK_KEYS else ""
            place = " or ".join(w for w in ("[defaults]" if in_defaults else "", task) if w)
            raise SettingsError(f"{key} belongs in {place}", (), key)
        if key in top:
            continue
        if isinstance(raw[key], dict):
            raise _unknown(key, top, (), "table")
        # a key, not a table (``version = 2``: flowtop writes none)
        why = f"only tables go there; valid tables: {', '.join(top)}"
        raise SettingsError(f"top level: unknown key {key!r} ({why})", (), key)
    defaults = check_table(("defaults",), raw.get("defaults", {}), DEFAULT_KEYS)
    flows = raw.get("flows", {})
    if not isinstance(flows, dict):
        raise SettingsError(
            f"flows must be a table of flows, got {type(flows).__name__}", (), "flows"
        )
    tasks: dict[TaskId, Mapping[str, Any]] = {}
    for flow_name, flow_table in flows.items():
        where = ("flows", flow_name)
        if not isinstance(flow_table, dict):
            raise SettingsError(f"{table_name(where)} must be a table", where)
        for key in flow_table:
            if key != "tasks":
                raise _unknown(key, ("tasks",), where)
        task_tables = flow_table.get("tasks", {})
        if not isinstance(task_tables, dict):
            raise SettingsError(
                f"{table_name((*where, 'tasks'))} must be a table", (*where, "tasks")
            )
        for task_key, values in task_tables.items():
            table = ("flows", flow_name, "tasks", task_key)
            tasks[(flow_name, task_key)] = MappingProxyType(check_table(table, values, TASK_KEYS))
    keys = _check_keys(raw.get("keys", {}))
    tui = _check_tui(raw.get("tui", {}))
    workspace = _check_workspace(raw.get("workspace", {}))
    _check_variables(raw.get("variables", {}))
    _check_concurrency(raw.get("concurrency", {}))
    return SettingsFile(
        path,
        raw,
        MappingProxyType(defaults),
        MappingProxyType(tasks),
        text,
        MappingProxyType(keys),
        MappingProxyType(tui),
        MappingProxyType(workspace),
    )


def _check_tui(table: Any) -> dict[str, str]:
    """``[tui]``: ``on_quit = "ask" | "keep" | "cancel"``."""
    if not isinstance(table, dict):
        raise SettingsError(f"tui must be a table, got {type(table).__name__}", (), "tui")
    for key, value in table.items():
        if key != "on_quit":
            raise _unknown(key, ("on_quit",), ("tui",))
        if value not in ON_QUIT:
            raise _bad(("tui",), key, " or ".join(f'"{v}"' for v in ON_QUIT), value)
    return dict(table)


def _check_variables(table: Any) -> None:
    """``[variables]``: ``name = value`` pairs ``Variable.get`` reads (``flowtop.variables``),
    each name as Prefect allows one and each value one JSON can hold (no TOML dates)."""
    from ..variables import name_problem

    if not isinstance(table, dict):
        raise SettingsError(
            f"variables must be a table of name = value, got {type(table).__name__}",
            (),
            "variables",
        )
    for key, value in table.items():
        problem = name_problem(key)
        if problem is not None:
            raise SettingsError(f"[variables] {key}: {problem}", ("variables",), key)
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            raise _bad(
                ("variables",), key, "a string, number, true/false, array or table", value
            ) from None


def _check_concurrency(table: Any) -> None:
    """``[concurrency]``: named limits for ``flowtop.concurrency`` (``database = 2``, or
    ``api = { limit = 5, slot_decay_per_second = 1.0 }``)."""
    from ..concurrency.limits import check_config
    from ..engine.tag_limits import PREFIX

    if not isinstance(table, dict):
        raise SettingsError(
            f"concurrency must be a table of limits, got {type(table).__name__}", (), "concurrency"
        )
    for key, value in table.items():
        problem = check_config(value)
        if problem is not None and key.startswith(PREFIX) and type(value) is int and value == 0:
            problem = (
                "a tag limit of 0 (in Prefect: abort the tasks with the tag) is not supported; "
                "give it 1 or more slots, or take the tag off the tasks"
            )
        if problem is not None:
            if problem.startswith("its limit must"):  # what it got, and how to write it
                limit = value.get("limit") if isinstance(value, dict) else value
                name = "limit" if isinstance(value, dict) else bare_or_quoted(key)
                problem += f", got {type(limit).__name__} {_shown(limit)}"
                written = number_written("max_retries", limit)
                if written is not None and int(written[0]) >= 1:
                    problem += f"; write {name} = {written[0]}, without quotes"
            raise SettingsError(f"[concurrency] {key}: {problem}", ("concurrency",), key)


def _check_workspace(table: Any) -> dict[str, Any]:
    """``[workspace]``: ``prefect_compat = true`` turns on drop-in mode for Prefect files."""
    where = ("workspace",)
    if not isinstance(table, dict):
        raise SettingsError(
            f"workspace must be a table, got {type(table).__name__}", (), "workspace"
        )
    for key, value in table.items():
        if key != "prefect_compat":
            raise _unknown(key, ("prefect_compat",), where)
        if not isinstance(value, bool):
            raise _bad(where, key, "true or false", value)
    return dict(table)


def _check_keys(table: Any) -> dict[str, str]:
    """``[keys]``: binding id -> key(s), e.g. ``"flowtop.run" = "ctrl+r"`` or ``"f5,r"``.

    Only the shape is checked here (a string, with no control character: no key name
    has one); which ids and key names exist is the TUI's to say (it warns).
    """
    if not isinstance(table, dict):
        raise SettingsError(f"keys must be a table, got {type(table).__name__}", (), "keys")
    for binding_id, keys in table.items():
        if not isinstance(keys, str) or not keys.strip() or not keys.isprintable():
            raise SettingsError(
                f'[keys]: {binding_id!r} must be a key name such as "R" or "ctrl+r", got {keys!r}',
                ("keys",),
                binding_id,
            )
    return {binding_id: keys.replace(" ", "") for binding_id, keys in table.items()}


class SettingsFileError(Exception):
    """``table``: the table at fault (``()``: the file, or none known)."""

    def __init__(self, error: LoadError, table: tuple[str, ...] = ()) -> None:
        super().__init__(str(error))
        self.error, self.table = error, table


@dataclass(frozen=True)
class Settings:
    """The effective workspace settings: ``[defaults]`` plus the task tables of both files."""

    workers: int = 8
    executor: str = "thread"
    max_retries: int | None = None  # the default retry budget (SPEC §3), None = built-in 3
    retry_delay: Any = None
    retry_jitter: float | None = None
    timeout: float | None = None
    tasks: Mapping[TaskId, Mapping[str, Any]] = field(default_factory=dict)  # flowtop.toml
    overrides: Mapping[TaskId, Mapping[str, Any]] = field(default_factory=dict)
    keys: Mapping[str, str] = field(default_factory=dict)  # the TUI's keymap
    max_result_bytes: int = 10 * 1024 * 1024  # per stored result (reruns in other processes)
    on_quit: str = "ask"  # [tui] on_quit
    prefect_compat: bool = False  # [workspace] prefect_compat: drop-in mode
    load_timeout: float = 10.0  # [defaults] load_timeout: seconds one flow file may take to import
    #: ``RUN_TABLES`` as the workspace last read them; None: not read (a Settings made by hand).
    run_tables: Mapping[str, Any] | None = None

    def task_keys(self, flow: str) -> list[str]:
        """The task keys of ``flow`` that a task table of either file names."""
        return [key for name, key in (*self.tasks, *self.overrides) if name == flow]

    @classmethod
    def from_files(cls, toml: SettingsFile | None, overrides: SettingsFile | None) -> Settings:
        defaults = dict(toml.defaults) if toml else {}
        return cls(
            workers=defaults.get("workers", 8),
            executor=defaults.get("executor", "thread"),
            max_retries=defaults.get("max_retries"),
            retry_delay=defaults.get("retry_delay"),
            retry_jitter=defaults.get("retry_jitter"),
            timeout=defaults.get("timeout"),
            tasks=toml.tasks if toml else {},
            overrides=overrides.tasks if overrides else {},
            keys=toml.keys if toml else {},
            max_result_bytes=defaults.get("max_result_bytes", 10 * 1024 * 1024),
            on_quit=toml.tui.get("on_quit", "ask") if toml else "ask",
            prefect_compat=bool(toml.workspace.get("prefect_compat", False)) if toml else False,
            load_timeout=defaults.get("load_timeout", 10.0),
            run_tables={name: toml.raw.get(name, {}) for name in RUN_TABLES} if toml else {},
        )


def apply_layers(
    policy: RetryPolicy,
    settings: Settings,
    task: TaskId,
    resolve: Callable[[tuple[str, ...], tuple[str, ...]], tuple[type[BaseException], ...] | None],
) -> RetryPolicy:
    """``[defaults]`` under the ``@task`` values, then the two task-table layers over them.

    ``resolve(names, table)`` turns ``retry_on`` names into classes, or None when one does
    not resolve (the workspace reports it; the layer's other values still apply).
    """
    fill = {k: getattr(settings, k) for k in POLICY_DEFAULTS if getattr(settings, k) is not None}
    fill = {k: v for k, v in fill.items() if policy.source(k) == Layer.BUILTIN}
    if fill:
        policy = policy.with_values(Layer.DEFAULTS, **fill)
    if settings.max_retries is not None:
        policy = policy.with_values(Layer.DEFAULTS, default_max_retries=settings.max_retries)
    for layer, tables in ((Layer.TOML, settings.tasks), (Layer.OVERRIDES, settings.overrides)):
        values = dict(tables.get(task, {}))
        if not values:
            continue
        if "retry_on" in values:
            table = ("flows", task[0], "tasks", task[1])
            names = values.pop("retry_on")
            classes = resolve(names, table)
            if classes is not None:  # a class named twice counts once ("builtins.ValueError")
                written = dict(zip(reversed(classes), reversed(names), strict=True))
                values["retry_on"] = tuple(dict.fromkeys(classes))
                values["retry_on_names"] = tuple(written[c] for c in values["retry_on"])
        policy = policy.with_values(layer, **values)
    return policy
