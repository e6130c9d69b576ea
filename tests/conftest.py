"""The whole suite leaves the checkout as it found it.

Tests run flows on copies in temporary folders; one that ran ``flows/`` in place would
leave ``flows/.flowtop/history.db`` behind (ignored by git, so easy to miss). A session
fixture notes the checkout's state before the first test and fails the last one's teardown
when anything was added, changed or removed, tracked, untracked or ignored. Tool caches
(``__pycache__``, ``.pytest_cache``, ``.hypothesis``, ``.mypy_cache``, ``.ruff_cache``,
``.import_linter_cache``) are not the project's state and are left out.
"""

from __future__ import annotations

import functools
import gc
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest

import fork_cli
import start_variables
from ast_race_guard import guard_pytest_source_parsing
from worker_bytecode import precompile_test_modules, workers_will_collect

ROOT = Path(__file__).resolve().parents[1]
CACHES = (
    "__pycache__/",
    ".pytest_cache/",
    ".hypothesis/",
    ".mypy_cache/",
    ".ruff_cache/",
    ".import_linter_cache/",  # tests/test_layers.py runs import-linter from the root
)


def checkout_state(root: Path = ROOT) -> set[str] | None:
    """Every path git reports as changed, untracked or ignored, and every file of ``flows/``
    with its size and modification time; None outside a git checkout."""
    if shutil.which("git") is None or not (root / ".git").exists():
        return None
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if status.returncode != 0:
        return None
    state = {line for line in status.stdout.splitlines() if not any(c in line for c in CACHES)}
    flows = root / "flows"
    if flows.is_dir():
        for path in flows.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                info = path.stat()
                state.add(f"{path.relative_to(root)} {info.st_size} {info.st_mtime_ns}")
    return state


def describe_change(before: set[str], after: set[str]) -> str:
    lines = [f"  + {line}" for line in sorted(after - before)]
    lines += [f"  - {line}" for line in sorted(before - after)]
    return "\n".join(lines[:40])


#: What ``shutil.get_terminal_size`` (Textual's, argparse's, Rich's) reads before the
#: terminal itself.
TERMINAL_SIZE = ("COLUMNS", "LINES")


def terminal_size_as_os_environ_says() -> None:
    """This process's C environment's ``COLUMNS`` and ``LINES`` as ``os.environ`` has them.

    pytest imports ``readline`` before the first conftest (``_pytest.capture``), and
    readline, starting, sets both in the C environment with the size of the terminal
    pytest was started from (80×24, from terminfo, without one), where ``os.environ``
    never sees them. Every process a test started without ``env=`` inherited them: the
    monitor in a 120×36 tmux pane (``e2e/conftest.py``) drew itself 200×50 when the suite
    ran in a 200×50 pane, off its screen (the e2e tests failed from a terminal), and
    80×24 without one."""
    for name in TERMINAL_SIZE:
        if name in os.environ:
            os.putenv(name, os.environ[name])
        else:
            os.unsetenv(name)


def job_control_signals_as_a_shell_leaves_them() -> None:
    """SIGTTIN and SIGTTOU handled by default, as a shell with job control starts a
    command. tmux 3.3 starts a pane's command (``tmux new-session 'pytest …'``) with both
    ignored, as its server has them, and the processes the tests start inherited that:
    ``fork_cli`` started every command as a new ``python`` (a forked one would not have
    had them ignored), so ``test_fork_cli.py`` failed, and the monitors in the e2e tests'
    own tmux panes ran with them ignored too."""
    for number in (signal.SIGTTIN, signal.SIGTTOU):
        if signal.getsignal(number) is signal.SIG_IGN:
            signal.signal(number, signal.SIG_DFL)


# -- compiled code, kept where PYTHONDONTWRITEBYTECODE would drop it -----------------------
#
# The shared CI machines set PYTHONDONTWRITEBYTECODE, so no process keeps what it compiles
# in ``__pycache__`` (a tool cache, left out of ``checkout_state`` above). Each of xdist's
# workers then rewrote and compiled every test module afresh (6.7 s of CPU a worker: 27 s
# of the suite's 370 on 2 cores), and every ``python -m flowtop`` a test starts compiled
# again each flowtop module edited since its last compile (a fifth of them, that day).
# Keeping what collection compiles was not enough on a fresh clone (CI's): the workers
# start together, so each still compiled every test module before another had kept it.


def pytest_configure(config: pytest.Config) -> None:
    """Compile flowtop's modules whose compiled code is missing or older than their
    source, once, before any test starts a process, and the test modules the workers
    will import (in the main process only, before xdist starts its workers). In every
    process, pytest's reports of failures survive CPython 3.11's AST race, and the
    commands the tests start read the terminal size of their own terminal and start with
    the signals a shell would start them with."""
    guard_pytest_source_parsing()
    terminal_size_as_os_environ_says()
    job_control_signals_as_a_shell_leaves_them()
    if hasattr(config, "workerinput"):
        return
    import compileall
    import importlib.util

    # found, not imported: a flowtop that fails to import is for the tests to report
    spec = importlib.util.find_spec("flowtop")
    found = Path(spec.origin).resolve() if spec and spec.origin else None
    if found is not None and not found.is_relative_to(ROOT / "app"):  # (the commands too)
        raise pytest.UsageError(
            f"flowtop is imported from {found.parent}, not this checkout's app/: "
            "install this checkout (pip install -e .) to test it"
        )
    for folder in (spec and spec.submodule_search_locations) or ():
        # quiet: so is a module mid-edit that does not compile
        compileall.compile_dir(folder, quiet=2)
    if workers_will_collect(config):
        precompile_test_modules(config)


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Generator[None, object, object]:
    """Collecting keeps the test modules' compiled, assertion-rewritten code, for the next
    run and the other workers to read back."""
    dont_write = sys.dont_write_bytecode
    sys.dont_write_bytecode = False
    try:
        return (yield)
    finally:
        sys.dont_write_bytecode = dont_write


def pytest_collection_finish(session: pytest.Session) -> None:
    """The commands a test starts are forked from a Python started with the environment
    the collected modules left (``fork_cli.after_collection``)."""
    fork_cli.after_collection()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """The session is over: collect its garbage once, then freeze what is left, out of
    the garbage collector's sight. pytest then collects five times more (to report the
    unraisable exceptions of the last garbage: this collection's are among them) and the
    interpreter once more as it exits, each over the whole heap, seconds for a worker's;
    xdist waits for its last worker to end (3.7 to 8.2 s after the last test of a run
    of 409 tests, 0.9 to 1.6 s frozen)."""
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session", autouse=True)
def checkout_unchanged() -> Iterator[None]:
    before = checkout_state()
    yield
    after = checkout_state()
    if before is None or after is None:
        return
    assert after == before, (
        "the test suite changed the checkout (tests must work on copies in tmp_path):\n"
        + describe_change(before, after)
    )


#: Textual's pilot waits, after each key it presses and at ``pilot.pause()``, until the
#: app is idle: windows of ``SLEEP_GRANULARITY`` seconds until one in which the process
#: used under 5% of a CPU. With its 20 ms windows a key took 63 ms on an idle app (4 ms
#: of CPU), and 60% of the time of ``tui/test_app.py`` and ``test_screens.py`` was spent
#: in these waits. The same test of idleness over 10 ms windows halves them. A test that
#: asserted, right after a key, what the app does a refresh later, had 40 ms of slack;
#: it waits for it now (``wait_for``), as a test must.
PILOT_IDLE_WINDOW = 0.01


@pytest.fixture(scope="session", autouse=True)
def _pilot_idle_windows() -> Iterator[None]:
    import textual._wait

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(textual._wait, "SLEEP_GRANULARITY", PILOT_IDLE_WINDOW)
        patch.setattr(textual._wait, "SLEEP_IDLE", PILOT_IDLE_WINDOW / 20)  # 5% as before
        yield


@pytest.fixture(scope="session", autouse=True)
def _stylesheets_parsed_once() -> Iterator[None]:
    """Each pilot app parses every widget's CSS anew (its stylesheet's cache starts
    empty), a tenth of a pilot test's CPU (tests/tui/test_app.py and test_screens.py in
    one process: 17.7 → 15.8 s, two runs each). CSS parsed with the same theme variables
    gives the same rules, so a worker parses it once for all its apps."""
    from textual.css.model import RuleSet
    from textual.css.stylesheet import Stylesheet

    parse = Stylesheet._parse_rules
    parsed: dict[tuple[object, ...], list[RuleSet]] = {}

    def parse_once(
        self: Stylesheet,
        css: str,
        read_from: tuple[str, str],
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> list[RuleSet]:
        key = (css, read_from, is_default_rules, tie_breaker, scope, *self._variables.items())
        rules = parsed.get(key)
        if rules is None:
            rules = parsed[key] = parse(self, css, read_from, is_default_rules, tie_breaker, scope)
        return rules

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Stylesheet, "_parse_rules", parse_once)
        yield


@pytest.fixture
def flowtop_here(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``flowtop ARGS`` called in this process (``cli_kit.flowtop_here``): what does not
    depend on the process boundary checked without the CPU of a new interpreter."""
    import cli_kit

    return functools.partial(cli_kit.flowtop_here, monkeypatch=monkeypatch, capfd=capfd)


_HANDLED = [signal.SIGINT, signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])]


@pytest.fixture(autouse=True)
def _signal_handlers_put_back() -> Iterator[None]:
    """A command run in this process (``watch.main``, ``run.main``) installs its Ctrl+C,
    SIGTERM and SIGHUP handlers for the process's life, as a command should: a later
    test in the same worker then met them instead of Python's own."""
    before = {sig: signal.getsignal(sig) for sig in _HANDLED}
    yield
    for sig, handler in before.items():
        if signal.getsignal(sig) is not handler and handler is not None:
            signal.signal(sig, handler)


@pytest.fixture(autouse=True)
def _start_variables_put_back() -> Iterator[None]:
    """A test's changes to what a Python reads as it starts end with it (``start_variables``)."""
    with start_variables.put_back():
        yield


@pytest.fixture(autouse=True)
def _collector_put_back() -> Iterator[None]:
    """``flowtop run`` called in this process (``flowtop_here``) raises the collector's
    young threshold for the process's life, as a run process should: a later test of that
    worker then left cycles uncollected for long, ``test_kill9.py``'s 1,261 open
    ``history.db`` descriptors among them, and the worker's next ``select()`` failed
    ("filedescriptor out of range"; CI met it in twelve tests)."""
    before = gc.get_threshold()
    yield
    if gc.get_threshold() != before:
        gc.set_threshold(*before)


def _wall_readings() -> tuple[float, float]:
    now = time.time()
    return now, now


@pytest.fixture(autouse=True)
def _wall_clock_never_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """The TUI reads a steady clock that leaves the wall clock once the wall clock is set
    (``tui/clock.py``), and puts each event's wall time on it. A CI machine's clock, stepped
    8.7 s by NTP mid-suite, then moved every event time in tests built from fixed times
    (``T0 = 1_000.0``): their countdowns and snapshots failed. The suite's TUI clock reads
    the wall clock, as it does until the clock is set; ``test_time_display.py`` makes its
    own clocks and sets them on purpose."""
    from flowtop.tui.clock import system_clock

    monkeypatch.setattr(system_clock, "readings", _wall_readings)
