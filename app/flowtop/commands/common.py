"""What the headless subcommands share: opening a workspace and reporting load errors."""

from __future__ import annotations

import argparse
import os
import re
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..engine.option_checks import same_name
from ..engine.suggest import did_you_mean, some_of
from ..printable import say
from ..workspace.flow_order import in_natural_order
from ..workspace.places import Places, folder_in_the_way, unread_settings

if TYPE_CHECKING:
    from ..workspace import Workspace


def whole_number(minimum: int, maximum: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``minimum`` to ``maximum``, or a one-line error."""

    def parse(text: str) -> int:
        value = text.strip()
        if not re.fullmatch(r"[+-]?[0-9]+", value):  # ASCII digits: not "1e20", not "²"
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}")
        number = int(value)
        if not minimum <= number <= maximum:
            raise argparse.ArgumentTypeError(
                f"must be from {minimum} to {maximum}, got {value if len(value) < 30 else value[:27] + '…'}"
            )
        return number

    return parse


def places_of(path: str | Path, command: str | None = None) -> Places | str:
    """Where the workspace opened as ``path`` keeps things, or why it cannot be opened:
    every command reads a path the same way (a folder, or a flow file in one).
    ``command``: one that takes ``--flow`` (``flowtop run``), whose missing PATH may be
    a flow's name given where the path goes (``flow_name_hint``)."""
    try:
        places = Places.of(path)
    except FileNotFoundError as exc:
        return str(exc) + (flow_name_hint(path, command) if command else "")
    except ValueError as exc:
        return str(exc)
    return state_dir_in_the_way(places) or places


def flow_name_hint(path: str | Path, command: str) -> str:
    """How to name a flow, when ``path`` (no file or folder) is a bare word: ``flowtop
    run etl`` said only ``etl: no such file or folder``, and a new user had typed the
    flow's name where the path goes. Nothing for a path (``flows/etl``, ``etl.py``)."""
    word = str(path)
    if not word or os.sep in word or "/" in word or word.endswith(".py"):
        return ""
    if command == "flowtop history" and re.fullmatch(r"#?[0-9]+", word):  # `history 11`
        return f"; if {word} is a run: {command} --run {shell_word(word)}"
    return f"; if {word} is a flow's name: {command} --flow {shell_word(word)}"


def shell_word(word: str) -> str:
    """``word`` as a shell reads it back, for a command to copy and run: quoted
    (``shlex.quote``), or, holding what cannot be shown (an escape, a line break, an
    invisible character), bash's ``$'…'`` with escapes: ``--flow '␛]0;X␇'`` held the
    stand-ins the line showed, and named no flow. A lone surrogate (a byte that was not
    UTF-8) is that byte again, ``\\xff``."""
    if word.isprintable():
        return shlex.quote(word)
    escaped = (f"\\{c}" if c in "\\'" else c if c.isprintable() else _escape(ord(c)) for c in word)
    return f"$'{''.join(escaped)}'"


def _escape(code: int) -> str:
    """A character's escape in bash's ``$'…'``: ``\\xHH`` is a byte, so only for ASCII's
    and for a byte that was not UTF-8 (``surrogateescape``'s), else ``\\u``/``\\U``."""
    if 0xDC80 <= code < 0xDD00:
        return f"\\x{code - 0xDC00:02x}"
    return (
        f"\\x{code:02x}"
        if code < 0x80
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def path_first(targets: Sequence[str], command: str) -> str | None:
    """Why ``RUN PATH`` (``flowtop watch 11 flows``) opens nothing, and the order that
    does: ``[PATH] [RUN]``. It said only ``11: no such file or folder``. None unless the
    first word is no path but reads as a run and the second is one."""
    if len(targets) != 2 or not re.fullmatch(r"#?[0-9]+|[0-9a-fA-F]{4,}", targets[0]):
        return None
    run, path = targets
    missing = places_of(run)
    if not isinstance(missing, str) or not Path(path).exists():
        return None
    swapped = f"flowtop {command} {shlex.quote(path)} {shlex.quote(run)}"
    usage = f"flowtop {command} [PATH] [RUN]"
    return f"{missing}; the path goes first, {usage} (did you mean `{swapped}`?)"


def state_dir_in_the_way(places: Places) -> str | None:
    """Why the workspace cannot keep its ``.flowtop`` folder: something else is at its
    name (``places.folder_in_the_way``; ``watch`` said "no runs yet")."""
    return folder_in_the_way(places.state_dir)


def bad_path(path: str, command: str | None = None) -> bool:
    """Print why ``path`` can't be opened as flows (a usage error, exit 2); False when it
    can. ``command``: as ``places_of`` takes it."""
    places = places_of(path, command)
    if isinstance(places, str):
        say(places)
        return True
    return False


def warn_unread_settings(path: str) -> None:
    """Say so when a ``flowtop.toml`` where flowtop runs is not the workspace's (the TUI
    says it in a toast: on stderr it would be under the screen)."""
    places = places_of(path)
    note = None if isinstance(places, str) else unread_settings(places.root)
    if note is not None:
        say(f"warning: {note}")


def settings_error(workspace: Workspace) -> str | None:
    """The settings error that stops a command, as said: the workspace's first, except
    an ``overrides.toml`` this user cannot read (``access.unread_overrides``): in another
    user's private ``.flowtop`` it stops nothing (``unread_warning`` says it), and a file
    another user keeps closed is said with whose it is and what to do."""
    from ..workspace.access import unread_overrides

    unread = unread_overrides(workspace.overrides_path)
    for error in workspace.settings_errors:
        if error.unused:
            continue
        if unread is not None and _unread_error(str(error), workspace.overrides_path):
            if unread.stops:
                return unread.line
            continue
        return str(error)
    return None


def _unread_error(line: str, overrides: Path) -> bool:
    """Whether ``line`` is the workspace's error for an ``overrides.toml`` it could not read."""
    from ..workspace.load_error import display_path

    return line.startswith(f"{display_path(overrides)}: cannot read settings: ")


def unread_warning(path: str | Path) -> str | None:
    """The warning said when the workspace at ``path`` has overrides in another user's
    private ``.flowtop``, which are not read: flowtop.toml's settings apply."""
    from ..workspace.access import unread_overrides

    places = places_of(path)
    unread = None if isinstance(places, str) else unread_overrides(places.overrides_path)
    return None if unread is None or unread.stops else f"warning: {unread.line}"


def described_settings(
    path: str, problems: list[str], error: str | None, *, warn_unread: bool = True
) -> tuple[list[str], str | None]:
    """A loader process's ``problems`` and settings ``error`` (``describe_workspace``) as
    ``settings_error`` has them: an unreadable ``overrides.toml`` said as it says it, or
    left out (its warning said here, with ``warn_unread``)."""
    from ..workspace.access import unread_overrides

    places = places_of(path)
    if isinstance(places, str) or error is None or not _unread_error(error, places.overrides_path):
        return problems, error
    unread = unread_overrides(places.overrides_path)
    if unread is None:
        return problems, error
    rest = [line for line in problems if line != error]
    if unread.stops:
        return [*rest, unread.line], unread.line
    if warn_unread:
        say(f"warning: {unread.line}")
    return rest, None


def load_problems(workspace: Workspace, instead: Mapping[Path, str] | None = None) -> list[str]:
    """Every load error of the workspace's files, then its settings error, as lines;
    ``instead``: the line said for a file's error in its place."""
    said = instead or {}
    problems = [said.get(path, str(e)) for path, e in workspace.errors.items()]
    error = settings_error(workspace)
    if error is not None:
        problems.append(error)
    return problems


def store_refusal(error: str, state_dir: Path) -> str:
    """``error``, the run store refused to a run, with whose file or folder shuts this
    user out when that is why and ``error`` does not say so already."""
    from ..workspace.access import blocked
    from ..workspace.places import STORE_FILE

    store = state_dir / STORE_FILE
    why = blocked(store, write=True) or blocked(store.with_name(f"{STORE_FILE}-wal"), write=True)
    return error if why is None or why in error else f"{error}: {why}"


def unused_table(warning: object) -> str:
    """A settings table naming a flow the code does not have, or an ``overrides.toml`` table
    of a task it does not have (deleted since the retry editor saved it), as said: it stops
    nothing."""
    return f"{warning} (a table nothing uses: it stops no run)"


def report_load_errors(
    workspace: Workspace,
    *,
    warn_unread: bool = True,
    instead: Mapping[Path, str] | None = None,
) -> bool:
    """Print every load and settings error to stderr, and the settings tables that stop
    nothing (``unused_table``); True when there was an error. ``warn_unread``: say
    that overrides in another user's private ``.flowtop`` are not read (not when the
    command fails on that folder anyway, saying why). ``instead``: a file's error said
    as its line there (``flow_file_error``)."""
    problems = load_problems(workspace, instead)
    warning = unread_warning(workspace.root) if warn_unread else None
    for line in [
        *problems,
        *([warning] if warning else []),
        *map(unused_table, workspace.settings_warnings),
    ]:
        say(line)
    return bool(problems)


def no_such_flow(name: str, known: Iterable[str], *, unloaded: bool = False) -> str:
    """Said when a command names a flow the workspace lacks: on stderr by ``flowtop run``
    and ``list``, and as the stored reason of a launched run that could not start.
    ``unloaded``: a file failed to load (its error is said first), and may hold it."""
    names = in_natural_order(known)  # as `ls -v` (gen-2 before gen-10), as the monitor
    where = " in the files that loaded" if unloaded else ""
    listed = some_of(name, names, noun="flows") or "none"  # not 300 names on one line
    return f"no flow named {name!r}{where}{did_you_mean(name, names)}; flows: {listed}"


def select_names(
    flows: Iterable[str], root: object, name: str | None, path: str, *, unloaded: bool = False
) -> list[str] | None:
    """Of the flows named ``flows`` (of the workspace at ``root``, given as ``path``),
    those to act on, or None after printing why there are none. ``unloaded``: a file
    failed to load, and its error was said."""
    known = list(flows)  # as the monitor lists them: file by file
    name = spelt_as(name, known)
    if name is not None:
        if name not in known:
            say_unread_prefect(path, before=no_such_flow(name, known, unloaded=unloaded))
            return None
        return [name]
    if not known:
        say(f"no flows found in {root}{prefect_hint(path)}{flows_beside(path)}")
        return None
    return known


def spelt_as(name: str | None, known: Iterable[str]) -> str | None:
    """``--flow name`` as ``known`` spells it: ``café`` typed in NFC names the flow
    defined ``cafe\u0301``, one name (``same_name``); else ``name`` as given."""
    if name is None:
        return None
    same, known = same_name(name), list(known)
    return name if name in known else next((k for k in known if same_name(k) == same), name)


def flows_beside(path: str) -> str:
    """Where a folder with no flows has them, in its ``flows`` subfolder (a folder given:
    not a flow file's)."""
    from ..workspace.flows_beside import flows_beside_hint

    hint = flows_beside_hint(Path(path)) if Path(path).is_dir() else ""
    return f" ({hint})" if hint else ""


def unread_prefect(path: str, workspace: Workspace | None = None) -> list[str]:
    """The files of the workspace at ``path`` not read because they import prefect, drop-in
    mode being off (settings only are read here; no flow file is imported). ``workspace``:
    that workspace, open (its settings read): closing one opened here ends drop-in mode
    for the processes started after (a run's spawned children lost their stand-ins)."""
    if workspace is not None:  # (it checks drop-in mode itself: on, none unread)
        return [p.name for p in workspace.unread_prefect_files()]
    from ..workspace import Workspace

    with Workspace(path, isolate_imports=False) as opened:
        opened.read_settings()
        return unread_prefect(path, opened)


def prefect_hint(path: str) -> str:
    """Why a folder of Prefect flows showed no flows: drop-in mode is off."""
    from ..workspace.load_error import unread_prefect_hint

    hint = unread_prefect_hint(unread_prefect(path))
    return f" ({hint})" if hint else ""


def say_unread_prefect(path: str, *, before: str = "", workspace: Workspace | None = None) -> None:
    """``before`` (a refusal), then the Prefect files of ``path`` (``workspace``, if open)
    that were not read beside the flows that were: `flowtop list .` and `run .` ran the
    others and said not a word of a dropped-in ``pf.py``, exit 0, and ``--flow 'pf
    flow'`` was only "no flow named"."""
    from ..workspace.load_error import unread_prefect_note

    note = unread_prefect_note(unread_prefect(path, workspace))
    said = "; ".join(part for part in (before, note) if part)
    if said:
        say(said)


def one_flow_at_a_time(
    reason: str, name: str, names: Sequence[str], startable: Sequence[str] = (), *, file: bool
) -> str:
    """Why flow ``name`` of a folder run cannot start, saying that ``--param`` takes
    ``--flow``: "give --param n=VALUE" alone sends the user to the refusal of ``--param``
    on a folder of several flows. The flows that can start as they are (``startable``)
    are named too: a Prefect file of a parent flow and the subflow it calls with a
    parameter (``region_pipeline(region)``) runs every flow it holds when no ``__main__``
    block calls the parent (``run_by_main_block``), and so does a folder of such files:
    the parent alone (``--flow nightly``) is most often what was meant. Each ``--flow``
    as the shell reads it back: ``--flow daily ingest check`` was three words."""
    if len(names) == 1:
        return reason
    said = f"{reason} (with --flow {shell_word(name)}: parameters are given to one flow at a time)"
    if not startable:
        return said
    whose = "the file's" if file else "the folder's"
    which = f"{whose} other flow" if len(startable) == 1 else f"one of {whose} other flows"
    flows = " or ".join(f"--flow {shell_word(o)}" for o in startable)
    return f"{said}; or run {which} alone: {flows}"
