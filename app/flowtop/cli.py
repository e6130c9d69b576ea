"""The ``flowtop`` command line: the TUI by default, and headless subcommands.

Only argparse and the standard library are imported at module level, so ``flowtop
--help`` and ``flowtop run`` never pay for Textual. Each subcommand lives in its own
module under ``flowtop.commands`` and is imported only when chosen.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import io
import os
import shlex
import sys
from collections.abc import MutableMapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast

from . import __version__

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, SupportsWrite

#: subcommand -> (module under flowtop.commands, one-line help)
COMMANDS = {
    "open": ("open", "open the TUI on a flow file or folder (the default command)"),
    "run": ("run", "run flows headless, printing state changes (or JSON lines)"),
    "list": ("list", "list flows, tasks, dependencies and effective retry policies"),
    "history": ("history", "show past and live runs from .flowtop/history.db"),
    "watch": ("watch", "follow a run's events live, whoever started it; exit with its code"),
    "cancel": ("cancel", "cancel a live run, whichever process executes it"),
    "limits": ("limits", "show the concurrency limits and which processes hold their slots"),
    "serve": ("serve", "serve the TUI in a web browser (textual-serve)"),
}


#: The top-level usage: the monitor first (the default command), then the rest.
USAGE = """\
%(prog)s [PATH] [--executor SPEC] [--dask-dashboard] [--prefect-compat]
       %(prog)s COMMAND [PATH] [options]   (`%(prog)s COMMAND --help` for its options)
       %(prog)s --version | --help"""

#: ``--prefect-compat``'s help, under every command that imports flow files.
PREFECT_COMPAT_HELP = (
    "drop-in mode: `from prefect import flow, task` in flow files gets flowtop's "
    "(as [workspace] prefect_compat = true in flowtop.toml)"
)
#: The commands that import flow files (the others read the store or the settings only).
IMPORTS_FLOWS = ("open", "run", "list", "serve")


def default_path() -> str:
    """``./flows`` when it exists, else the current folder (SPEC §6)."""
    return "flows" if Path("flows").is_dir() else "."


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error on one line (``flowtop run: argument --workers: …``)."""

    #: The subcommands' parsers by name, so an unknown option is named with its command.
    commands: dict[str, argparse.ArgumentParser]

    def error(self, message: str) -> NoReturn:
        from .printable import printable

        self.exit(2, printable(f"{self.prog}: {see_help(self.prog, message)}") + "\n")

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        """argparse's, but a help or version that cannot be written to stdout ends the
        command as any other failed write does: argparse ignores the error, and
        ``flowtop --help > /dev/full`` exited 0 with nothing written. Said in one line,
        exit 1; a reader that left (``| head -0``) exits 141, as SIGPIPE ends a Unix tool.
        Its usage errors, on stderr, are left to argparse: nowhere else to say them.
        (``_print_message`` is argparse's private hook, the same from 3.11 to 3.13: every
        help, usage and version text goes through it.)"""
        stdout = sys.stdout
        to_stdout = file is stdout  # (a bool: `is` would narrow stdout to file's type)
        if not message or not to_stdout:
            super()._print_message(message, file)
            return
        try:
            stdout.write(message)
            stdout.flush()
        except OSError as exc:
            from .commands.printers import READER_GONE, output_lost, silence

            silence(stdout)  # the exit's flush of what is held goes nowhere too
            if isinstance(exc, BrokenPipeError):
                raise SystemExit(READER_GONE) from None
            print(f"{self.prog}: {output_lost(exc)}", file=sys.stderr)
            raise SystemExit(1) from None


def see_help(prog: str, message: str) -> str:
    """A usage error's message as every command's ends: ``message (see flowtop run
    --help)``."""
    return f"{message} (see {prog} --help)"


def build_parser(chosen: str | None = None) -> Parser:
    """The whole command line; with ``chosen``, only that subcommand's options are set up.

    Setting up a subcommand imports its module: a run process (``flowtop run``, what the
    TUI's ``r`` starts) would otherwise import the other six before its run can start.
    """
    parser = Parser(
        prog="flowtop",
        usage=USAGE,
        description="A terminal monitor for Python workflows whose tasks retry. "
        "`flowtop [PATH]` (short for `flowtop open [PATH]`) opens the monitor on PATH, "
        "a flow file or folder (default: ./flows, else the current folder).",
    )
    parser.add_argument("--version", action="version", version=f"flowtop {__version__}")
    parser.add_argument(
        "--prefect-compat",
        action="store_true",
        help=f"{PREFECT_COMPAT_HELP}; before or after COMMAND",
    )
    if chosen is None:  # `flowtop --help`: how to open the monitor, with its options
        opening = parser.add_argument_group(
            "opening the monitor (flowtop [PATH] [options], the same as flowtop open)"
        )
        # (a group takes arguments as its parser does; only the help reads them here)
        open_command = importlib.import_module("flowtop.commands.open")
        open_command.configure(cast(argparse.ArgumentParser, opening))
        name_path(parser)
    # (prog given: argparse would make each command's of the usage above)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", prog="flowtop")
    parser.commands = {}
    for name, (module, help_text) in COMMANDS.items():
        command = parser.commands[name] = sub.add_parser(
            name, help=help_text, description=help_text
        )
        if chosen is None or name == chosen:
            command.register("action", None, StoreOnce)  # what add_argument stores
            command.register("action", "store", StoreOnce)
            command.register("action", "store_true", StoreTrueOnce)
            importlib.import_module(f"flowtop.commands.{module}").configure(command)
            name_path(command)
            if name in IMPORTS_FLOWS:  # taken anywhere by `main`; said where it matters
                command.add_argument(
                    "--prefect-compat", action="store_true", help=PREFECT_COMPAT_HELP
                )
    return parser


class StoreOnce(argparse._StoreAction):
    """argparse's ``store``, refusing an option given twice (a usage error naming it):
    ``run --flow etl --flow example-flow`` ran example-flow alone and exited 0, and
    ``--rerun-of``, ``--workers`` and ``history``'s and ``watch``'s ``--flow`` alike kept
    the last value without a word, as ``-p n=1 -p n=2`` no longer does. ``--flow`` names
    one flow (README): a flow of its own is a command of its own."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        refuse_twice(self, namespace, option_string, values, shown=True)
        super().__call__(parser, namespace, values, option_string)


class StoreTrueOnce(argparse._StoreTrueAction):
    """argparse's ``store_true``, refusing a flag given twice as ``StoreOnce`` refuses an
    option: ``run --json --json`` (``--detach --detach``, ``--quiet --quiet``) was taken
    without a word, where the README has each option given once."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        refuse_twice(self, namespace, option_string, True, shown=False)
        super().__call__(parser, namespace, values, option_string)


def refuse_twice(
    action: argparse.Action,
    namespace: argparse.Namespace,
    option_string: str | None,
    value: object,
    *,
    shown: bool,
) -> None:
    """The usage error of an option or flag given a second time (``shown``: naming both
    values, as an option's are); else note ``value`` given, on ``namespace``."""
    given = namespace.__dict__.setdefault(_GIVEN, {})
    if option_string is None:  # a positional: never "given twice"
        return
    if action.dest in given:
        both = f" ({given[action.dest]!r} and {value!r})" if shown else ""
        raise argparse.ArgumentError(action, f"given more than once{both}: give it once")
    given[action.dest] = value


#: Where ``StoreOnce`` keeps the options given so far, on the namespace parsed into.
_GIVEN = "_flowtop_given"


def name_path(parser: argparse.ArgumentParser) -> None:
    """Write a command's ``path`` as ``PATH``, as the top-level usage and README do."""
    for action in parser._actions:
        if action.dest == "path" and not action.option_strings and action.metavar is None:
            action.metavar = "PATH"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command ``argv`` (else ``sys.argv``) names; its exit code.

    A Ctrl+C before the command's own handlers are set (while its modules import, an
    instant after ``flowtop`` was typed) printed a ``KeyboardInterrupt`` traceback: it
    ends every command as one later in ``flowtop run`` does, in one line and 130. So the
    package imports the engine on first use, not with this module (``flowtop/__init__.py``):
    that is done here, inside the ``try``.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        return run_command(words)
    except KeyboardInterrupt as exc:  # or SIGTERM (``commands.run_signals.Terminated``)
        from .commands.run_signals import stop_taken
        from .workspace.load_error import Stopped

        stop_taken()  # said now: a later signal changes nothing
        how = getattr(exc, "how", "Ctrl+C")
        # flowtop's own stop may say what it stopped (``stopped while importing x.py``)
        what = str(exc) if isinstance(exc, Stopped) and str(exc) else "interrupted"
        print(f"{command_said(words)}: {what} ({how})", file=sys.stderr)
        return int(getattr(exc, "exit_code", 130))
    finally:  # as before it for a next `main` in this process (a test, a script)
        from .printable import speak_as

        speak_as("flowtop")


def command_said(words: Sequence[str]) -> str:
    """``flowtop run``, as the command ``words`` name is said (``flowtop`` for ``--help``),
    known before they are parsed: an interrupt may come first."""
    first = next(iter(spelt_out([word for word in words if word != "--prefect-compat"])), None)
    if first in ("-h", "--help", "--version"):
        return "flowtop"
    return f"flowtop {first if first in COMMANDS else 'open'}"


def draw_utf8_in_the_c_locale(words: Sequence[str], environ: MutableMapping[str, str]) -> None:
    """Open the monitor in UTF-8 under ``LC_ALL=C`` (or ``POSIX``, or no locale at all),
    as under ``LANG=C``: say so to the checks with ``PYTHONUTF8=1`` (``printable``).

    ``LANG=C flowtop`` drew the monitor (Python coerces that locale to C.UTF-8) while
    ``LC_ALL=C flowtop``, which Python cannot coerce, was refused: the same "no locale",
    and an ssh session or a script sets ``LC_ALL=C`` on terminals that show UTF-8. Python
    then runs in its UTF-8 mode already (PEP 540): the variable changes nothing for it or
    the processes the monitor starts. A locale that names its encoding
    (``en_US.ISO-8859-1``) is still taken at its word, and so is ``PYTHONUTF8=0``.
    """
    from .printable import locale_variable

    if command_said(words) != "flowtop open" or not sys.flags.utf8_mode:
        return
    if locale_variable(environ)[1] in ("", "C", "POSIX"):
        environ["PYTHONUTF8"] = "1"


def run_command(words: list[str]) -> int:
    """``main`` but for an interrupt: the command ``words`` name, run."""
    # The engine, for the commands that import flow files, imported here inside ``main``'s
    # ``try`` (an interrupt while it imports is said in one line). The others (``history``,
    # ``watch``, ``--help``…) read the store or say their options: without the engine
    # each takes about 70% of the CPU time it took.
    if command_said(words).removeprefix("flowtop ") in IMPORTS_FLOWS:
        importlib.import_module("flowtop.public_api")
    # A stream closed by the caller (`flowtop run >&-`, a daemon's closed descriptors) is
    # None here, and every write was an AttributeError traceback: what goes there is lost,
    # as it would be in a closed pipe, and the command does its work.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w"))  # noqa: SIM115 - kept for the process's life
    forgiving_stderr()
    # (imported here, not with the module: an interrupt while it imports is main's)
    from .printable import replace_what_cannot_print, speak_as

    draw_utf8_in_the_c_locale(words, os.environ)
    replace_what_cannot_print()  # before anything wraps the streams
    args_list = [word for word in words if word != "--prefect-compat"]
    compat_given = len(words) - len(args_list)  # before or after the command: drop-in mode
    if compat_given:
        from .compat import force

        force(True)
    if help_of_no_command(args_list):
        return 2
    args_list = spelt_out(args_list)
    if not args_list or (
        args_list[0] not in COMMANDS and args_list[0] not in ("-h", "--help", "--version")
    ):
        compat = ["--prefect-compat"] if compat_given else []  # (taken off, said again)
        if args_list and (
            mistyped_command(args_list[0]) or command_after_options([*compat, *args_list])
        ):
            return 2
        args_list.insert(0, "open")
    parser = build_parser(args_list[0] if args_list[0] in COMMANDS else None)
    command = parser.commands.get(args_list[0])
    if command is None:  # -h, --version
        args, unknown = parser.parse_known_args(args_list)
    else:  # intermixed: `watch PATH --json RUN_ID` is two positionals, as a user means it
        args, unknown = command.parse_known_intermixed_args(args_list[1:])
        args.command = args_list[0]
    vars(args).pop(_GIVEN, None)  # (``StoreOnce``'s, not an option)
    if compat_given > 1:  # (taken off the words above, where ``refuse_twice`` is not)
        parser.commands.get(args.command, parser).error(
            "argument --prefect-compat: given more than once: give it once"
        )
    speak_as(f"flowtop {args.command}")  # every line `say` says names the command
    if unknown:  # said by its command: `flowtop run: … (see flowtop run --help)`
        parser.commands.get(args.command, parser).error(
            f"unrecognized arguments: {' '.join(unknown)}"
        )
    if getattr(args, "path", None) is None and hasattr(args, "path"):
        args.path = default_path()
    if refused_in_gone_folder(args):
        return 2
    if args.command in ("run", "open"):
        from .engine.capture import capture_info_logs

        capture_info_logs()
    module = importlib.import_module(f"flowtop.commands.{COMMANDS[args.command][0]}")
    try:
        return int(module.main(args) or 0)
    except BrokenPipeError:  # `flowtop history | head`: the reader has what it wanted
        from .commands.printers import READER_GONE, silence

        silence(sys.stdout)
        return READER_GONE
    except OSError as exc:
        if exc.filename is not None or exc.errno not in OUTPUT_ERRORS:
            raise
        # `flowtop history > full-disk/file`: a write to stdout (a file's error names it)
        from .commands.printers import output_lost, silence

        silence(sys.stdout)
        print(f"flowtop {args.command}: {output_lost(exc)}", file=sys.stderr)
        return 1


class _LostWrites(io.FileIO):
    """A descriptor whose failed writes are dropped: ``forgiving_stderr``'s."""

    def write(self, data: ReadableBuffer, /) -> int:
        try:
            return super().write(data) or 0
        except OSError:
            return memoryview(data).nbytes


def forgiving_stderr() -> None:
    """Make the process's stderr drop what it cannot write, as the README has it for a
    flow module's import output: a usage error said to a stderr closed (``2>&-``) or full
    (``2>/dev/full``) raised from its ``print`` and ended the command with a traceback
    nobody saw and status 1, where its status is 2 whether or not it can be said. Only
    the process's own stderr (a test's capture is left as it is); the descriptor kept."""
    stream = sys.stderr
    if stream is not sys.__stderr__ or not isinstance(stream, io.TextIOWrapper):
        return
    try:
        raw = _LostWrites(stream.fileno(), "w", closefd=False)
    except (OSError, ValueError):  # no descriptor 2: held by /dev/null, not a later file
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - kept for the process's life
        return
    sys.stderr = io.TextIOWrapper(
        io.BufferedWriter(raw),
        encoding=stream.encoding,
        errors=stream.errors,
        line_buffering=True,
    )


def refused_in_gone_folder(args: argparse.Namespace) -> bool:
    """Say so when the command ``args`` parse to cannot run: the working folder was
    deleted (``commands.working_folder``); True when it was said (a usage error, exit 2)."""
    from .commands.working_folder import gone_working_folder
    from .printable import say

    why = gone_working_folder(args, imports_flows=args.command in IMPORTS_FLOWS)
    if why is not None:
        say(why, command=f"flowtop {args.command}")
    return why is not None


#: Words that are options when no file or folder of that name is here: ``flowtop help
#: [COMMAND]`` and ``flowtop version``, as git's and pip's ``help``.
WORDS = ("help", "version")


def is_path(word: str) -> bool:
    """Whether ``word`` names a file or folder here (a dangling symlink too)."""
    return Path(word).exists() or Path(word).is_symlink()


def spelt_out(words: list[str]) -> list[str]:
    """``words`` with ``help``, ``help COMMAND`` and ``version`` as the options they mean
    (``--help``, ``COMMAND --help``, ``--version``): ``flowtop help`` said ``flowtop open:
    help: no such file or folder``. A file or folder of that name is opened, as before."""
    if not words or words[0] not in WORDS or is_path(words[0]):
        return words
    if words[0] == "version":
        return ["--version", *words[1:]]
    if len(words) > 1 and words[1] in COMMANDS:
        return [words[1], "--help", *words[2:]]
    return ["--help", *words[1:]]


def help_of_no_command(words: Sequence[str]) -> bool:
    """Say so when ``words`` ask the help of a command there is not (``flowtop help
    hist``); True when it was said (a usage error, exit 2)."""
    if len(words) < 2 or words[0] != "help" or is_path("help"):
        return False
    word = words[1]
    if word in COMMANDS or word in WORDS or word.startswith("-"):
        return False  # (`help help`, `help version`: flowtop's own help, which has both)
    from .printable import say

    hint = suggestion(word, list(COMMANDS))
    if not hint:  # what help takes, as `flowtop --help` lists it
        *most, last = COMMANDS
        hint = f": the commands are {', '.join(most)} and {last}"
    say(see_help("flowtop", f"{word!r} is no command{hint}"), command="flowtop help")
    return True


def suggestion(word: str, names: Sequence[str]) -> str:
    """`` (did you mean 'history'?)`` after a command's name mistyped, or "": the rule for
    a word typed for one of a few short names (``suggest.did_you_mean``'s ``typed``)."""
    from .engine.suggest import did_you_mean

    return did_you_mean(word, names, typed=True)


def mistyped_command(word: str) -> bool:
    """Say so when ``word``, taken for ``flowtop [PATH]``, is no file or folder but close to
    a command's name (``flowtop lst``); True when it was said (a usage error, exit 2).

    Said in the form of every usage error (``Parser.error``), naming both things the word
    could have been: ``flowtop: 'lst' is no command (did you mean 'list'?), nor a file or
    folder to open (see flowtop --help)``. ``flowtop``: no command was chosen."""
    if not word.isidentifier() or is_path(word):
        return False  # (`run.py`, `./lst`: a path meant, however close to a name)
    from .printable import say

    hint = suggestion(word, [*COMMANDS, *WORDS])
    if hint:  # (a path was perhaps meant: it is not there either)
        said = f"{word!r} is no command{hint}, nor a file or folder to open"
        say(see_help("flowtop", said), command="flowtop")
    return bool(hint)


#: Options whose next word is their value, in any command: ``--flow list`` names a flow.
_TAKE_A_VALUE = frozenset(
    {
        "--flow",
        "--run",
        "--task",
        "--rerun-of",
        "--limit",
        "--prune",
        "--workers",
        "-p",
        "--param",
        "--params",
        "--executor",
        "--host",
        "--port",
        "--public-url",
    }
)


def command_after_options(words: list[str]) -> bool:
    """Say so when options come before a command's name (``flowtop --flow etl run
    flows``), which read as ``open``'s (``flowtop open: unrecognized arguments: --flow run
    flows``); True when it was said (exit 2), with the words in their order. A word that
    is a file or folder here is the path to open, not a command."""
    if not words[0].startswith("-"):
        return False
    # (``--flow list run``: a command's name given as an option's value is not the command)
    at = next(
        (
            i
            for i, word in enumerate(words)
            if word in COMMANDS and not (i and words[i - 1] in _TAKE_A_VALUE)
        ),
        None,
    )
    if at is None or is_path(words[at]):
        return False
    from .printable import say

    ordered = " ".join(shlex.quote(word) for word in (words[at], *words[:at], *words[at + 1 :]))
    said = f"options go after the command {words[at]!r}: flowtop {ordered}"
    say(see_help("flowtop", said), command="flowtop")
    return True


#: Why a write to stdout fails when its reader is still there: a full disk or quota, a
#: file past its size limit, a device error.
OUTPUT_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


if __name__ == "__main__":
    raise SystemExit(main())
