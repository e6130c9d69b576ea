"""``flowtop run`` headless (cron, CI, ``flowtop run --json | jq``): stopped by a signal it
exits at once and says so once, and what it writes stays what a script can take.

Each test runs the command in a process of its own (``python -c`` when a delay must be
put where a signal should land) and sends it real signals.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import termios
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import fork_cli
from flowtop.engine.events import strict_surrogates
from pty_kit import read_until
from waits import wait_until

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals only")

#: A task that prints 300 KB (more than a pipe holds), then one that waits out retries.
BIG_THEN_WAIT = """
    from flowtop import Flow, task

    @task
    def big():
        print("x" * 300_000)
        return 1

    @task(max_retries=3, retry_delay=30)
    def later():
        raise ConnectionError("down")

    with Flow("bigslow") as flow:
        big(); later()
"""

#: A task asleep for a while: a stopped run waits a moment for its thread.
ASLEEP = """
    import time
    from flowtop import Flow, task

    @task
    def nap():
        print("napping", flush=True)
        time.sleep(10)

    with Flow("sleepy") as flow:
        nap()
"""

#: A task waiting out a retry delay, printing nothing meanwhile.
WAITING = """
    from flowtop import Flow, task

    @task(max_retries=3, retry_delay=30)
    def waiter():
        raise ConnectionError("not yet")

    with Flow("waiting") as flow:
        waiter()
"""

SIGTERM_REASON = "cancelled: SIGTERM (flowtop run was stopped)"


def flow_file(tmp_path: Path, source: str, name: str = "flow.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def flowtop(*words: str, patch: str = "") -> list[str]:
    """The command line running ``flowtop WORDS``, after ``patch`` (Python) if given."""
    if not patch:
        return [sys.executable, "-m", "flowtop", *words]
    code = f"import sys\n{patch}\nfrom flowtop.cli import main\nsys.exit(main({list(words)!r}))"
    return [sys.executable, "-c", code]


def unread_bytes(read_end: int) -> int:
    """How many bytes sit in the pipe whose reading end is ``read_end``, not yet read."""
    return int(struct.unpack("i", fcntl.ioctl(read_end, termios.FIONREAD, b"\0" * 4))[0])


def run_history(folder: Path) -> str:
    return fork_cli.run(
        ["history", ".", "--run", "1"],
        cwd=folder,
        timeout=60,
    ).stdout


@pytest.mark.parametrize("json_flag", [["--json"], []], ids=["json", "human"])
def test_sigterm_ends_run_at_once_while_stdout_is_not_read(
    tmp_path: Path, json_flag: list[str]
) -> None:
    """Before: the process lived until stdout's reader read again (a JSON close waited on
    the stream's lock, held by the printer's stuck write; human output 10 s of bus close)."""
    flow_file(tmp_path, BIG_THEN_WAIT)
    read_end, write_end = os.pipe()  # never read: the 300 KB line blocks the printer
    err = tmp_path / "err"
    with err.open("w") as err_file:
        proc = fork_cli.popen(
            flowtop("run", "flow.py", *json_flag), cwd=tmp_path, stdout=write_end, stderr=err_file
        )
    os.close(write_end)
    try:
        wait_until(lambda: (tmp_path / ".flowtop" / "history.db").exists())
        # the run started, its big line is being written: more of it in the pipe than
        # every other line together, and far more of it still to come than a pipe holds
        wait_until(lambda: unread_bytes(read_end) >= 32_768)
        proc.send_signal(signal.SIGTERM)
        began = time.monotonic()
        assert proc.wait(timeout=6) == 143
        assert time.monotonic() - began < 3.5
    finally:
        proc.kill()
        proc.wait()
        os.close(read_end)
    said = err.read_text()
    assert "interrupted (SIGTERM)" in said
    assert "Fatal Python error" not in said and "Traceback" not in said
    assert "CANCELLED" in run_history(tmp_path)


IMPORT_PRINTS = """
    print("loading config")
    from flowtop import Flow, task

    @task
    def a():
        return 1

    with Flow("imp") as flow:
        a()
"""


@pytest.mark.parametrize("stderr_kind", ["full", "reader_gone"])
def test_import_print_to_unwritable_stderr_does_not_stop_json_run(
    tmp_path: Path, stderr_kind: str
) -> None:
    """Under --json a module's prints go to stderr; one that failed there raised in the
    module: before, exit 1 (/dev/full) or 141 (taken for stdout's reader leaving), no run."""
    flow_file(tmp_path, IMPORT_PRINTS)
    if stderr_kind == "full":
        stderr: int = os.open("/dev/full", os.O_WRONLY)
    else:
        read_end, stderr = os.pipe()
        os.close(read_end)
    try:
        done = subprocess.run(
            flowtop("run", "flow.py", "--json"),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            timeout=60,
        )
    finally:
        os.close(stderr)
    assert done.returncode == 0
    events = [json.loads(line)["event"] for line in done.stdout.splitlines()]
    assert events[0] == "run_started" and events[-1] == "run_finished"


def test_signals_are_given_back_when_the_command_returns(tmp_path: Path) -> None:
    """Before: flowtop run's handlers stayed after it returned, so a second `kill` raised
    in the store's close at exit (``Exception ignored in atexit callback``)."""
    flow_file(
        tmp_path,
        "from flowtop import Flow, task\n@task\ndef a(): return 1\n"
        "with Flow('tiny') as flow:\n    a()\n",
    )
    code = textwrap.dedent(
        """
        import signal, sys
        from flowtop.cli import main
        assert main(["run", "flow.py", "--quiet"]) == 0
        print(signal.getsignal(signal.SIGTERM) == signal.SIG_DFL,
              signal.getsignal(signal.SIGHUP) == signal.SIG_DFL,
              signal.getsignal(signal.SIGINT) is signal.default_int_handler)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split()[-3:] == ["True", "True", "True"], done.stderr


def test_second_sigterm_while_the_store_closes_prints_no_traceback(tmp_path: Path) -> None:
    """The store's close at exit made slow, so the second signal lands in it."""
    flow_file(tmp_path, WAITING)
    slow_close = textwrap.dedent(
        """
        import time
        from flowtop.workspace import history
        _close = history.History.close
        def close(self):
            print("closing", file=sys.stderr, flush=True)
            time.sleep(1.0)
            _close(self)
        history.History.close = close
        """
    )
    err, out = tmp_path / "err", tmp_path / "out"
    with err.open("w") as err_file, out.open("w") as out_file:
        proc = subprocess.Popen(
            flowtop("run", "flow.py", "--json", patch=slow_close),
            cwd=tmp_path,
            stdout=out_file,
            stderr=err_file,
        )
    try:
        wait_until(lambda: "AWAITING_RETRY" in out.read_text())  # the run is under way
        proc.send_signal(signal.SIGTERM)
        wait_until(lambda: "closing" in err.read_text())
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=20)
    finally:
        proc.kill()
        proc.wait()
    said = err.read_text()
    assert "Traceback" not in said and "Exception ignored" not in said, said
    assert code in (143, -signal.SIGTERM)
    assert "CANCELLED" in run_history(tmp_path)


def test_stopped_launched_run_forgets_its_log(tmp_path: Path) -> None:
    """A run process as ``--detach`` starts it; before, SIGTERM kept its log."""
    flow_file(tmp_path, WAITING)
    logs = tmp_path / ".flowtop" / "logs"
    logs.mkdir(parents=True)
    run_id = "abcdef123456"
    log = logs / f"{run_id}.log"
    log.write_text("")
    proc = fork_cli.popen(
        flowtop("run", str(tmp_path / "flow.py"), "--flow=waiting", "--run-id", run_id, "--quiet"),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(
            lambda: "awaiting" in run_history(tmp_path).lower() or "retry" in run_history(tmp_path)
        )
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 143
    finally:
        proc.kill()
        proc.wait()
    assert "CANCELLED" in run_history(tmp_path)
    assert not log.exists()


@contextlib.contextmanager
def asleep_run(
    tmp_path: Path, popen: Callable[..., subprocess.Popen[str]] = fork_cli.popen, **options: Any
) -> Iterator[subprocess.Popen[str]]:
    """``flowtop run`` of ``ASLEEP`` started by ``popen``, its task asleep; killed after."""
    flow_file(tmp_path, ASLEEP)
    proc = popen(
        flowtop("run", "flow.py"),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **options,
    )
    assert proc.stdout is not None
    try:
        while "running" not in proc.stdout.readline():  # the task is asleep
            pass
        yield proc
    finally:
        proc.kill()
        proc.wait()


def default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_first_signal_decides_how_the_run_ends(tmp_path: Path) -> None:
    """SIGHUP 0.3 s after SIGTERM (while the run waits for its task's thread): before,
    129 and ``interrupted (SIGHUP)`` for tasks ``cancelled: SIGTERM``."""
    with asleep_run(tmp_path) as proc:
        proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20  # SIGTERM acted on: both pending at once, the
        while SIGTERM_REASON not in run_history(tmp_path):  # lower number (SIGHUP) goes first
            assert time.monotonic() < deadline, "SIGTERM was never acted on"
        proc.send_signal(signal.SIGHUP)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 143
    assert "interrupted (SIGTERM)" in err and "SIGHUP" not in err
    assert SIGTERM_REASON in run_history(tmp_path)


def test_terminal_closed_under_json_says_no_run_goes_on(tmp_path: Path) -> None:
    """--json writes to a copy of the terminal's stdout, which SIGHUP left unsilenced: its
    last lines failed (EIO) and said ``… the run goes on, and is recorded``."""
    import pty

    flow_file(tmp_path, WAITING)
    master, slave = pty.openpty()
    err = tmp_path / "err"
    with err.open("w") as err_file:
        proc = subprocess.Popen(
            flowtop("run", "flow.py", "--json"), cwd=tmp_path, stdout=slave, stderr=err_file
        )
    os.close(slave)
    try:
        read_until(master, b"AWAITING_RETRY")
        os.close(master)  # the terminal goes away: every write to it fails
        time.sleep(0.2)
        proc.send_signal(signal.SIGHUP)
        assert proc.wait(timeout=20) == 129
    finally:
        proc.kill()
        proc.wait()
    said = err.read_text()
    assert "the run goes on" not in said, said
    assert "cancelled: SIGHUP" in run_history(tmp_path)


def test_detach_exits_0_once_the_run_id_is_printed(tmp_path: Path) -> None:
    """SIGTERM right after the id was printed (the store's close made slow to hit it):
    before, exit 143 with the run going on. Only the first close after the id is slow:
    the loader's workspace, closed before, and the second close of the same workspace,
    after, were 2 s of waiting for nothing."""
    flow_file(tmp_path, WAITING)
    slow_close = textwrap.dedent(
        """
        import time
        from flowtop.workspace import Workspace

        class Noted:  # sys.stdout, noting whether the run id was written to it
            def __init__(self, stream):
                self.stream, self.written = stream, False
            def write(self, text):
                self.written = True
                return self.stream.write(text)
            def __getattr__(self, name):
                return getattr(self.stream, name)

        sys.stdout = noted = Noted(sys.stdout)
        _close = Workspace.close
        slowed = []
        def close(self):
            if noted.written and not slowed:
                slowed.append(self)
                time.sleep(1.0)
            _close(self)
        Workspace.close = close
        """
    )
    proc = subprocess.Popen(
        flowtop("run", "flow.py", "--detach", patch=slow_close),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    try:
        run_id = proc.stdout.readline().strip()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        proc.kill()
        proc.wait()
    assert len(run_id) == 12
    subprocess.run(
        [sys.executable, "-m", "flowtop", "cancel", ".", run_id],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )


LONE_SURROGATE = """
    from flowtop import Flow, task

    @task
    def odd():
        print("\\ud800 and \\udc00")
        return "\\ud800"

    with Flow("odd") as flow:
        odd()
"""


def test_json_lines_hold_no_lone_high_surrogate(tmp_path: Path) -> None:
    """A strict parser (jq 1.6) rejected ``"\\ud800"``: the stream writes U+FFFD for it,
    and keeps a lone low half (a byte that is not UTF-8), which jq reads."""
    flow_file(tmp_path, LONE_SURROGATE)
    done = subprocess.run(
        flowtop("run", "flow.py", "--json"), cwd=tmp_path, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    outputs = [json.loads(line).get("output", "") for line in done.stdout.decode().splitlines()]
    assert "\ufffd and \udc00\n" in outputs
    jq = shutil.which("jq")
    if jq is not None:  # the parser that refused it, where installed
        parsed = subprocess.run([jq, "-c", "."], input=done.stdout, capture_output=True, timeout=30)
        assert parsed.returncode == 0, parsed.stderr


def test_strict_surrogates_keeps_pairs_low_halves_and_escaped_backslashes() -> None:
    for text, expected in [
        ("\ud800", "\ufffd"),
        ("\U0001f680", "\U0001f680"),
        ("\ud83d\ude80", "\U0001f680"),
        ("\\ud800", "\\ud800"),
        ("\\\ud800", "\\\ufffd"),
        ("\udc00\ud800\udc00", "\udc00\U00010000"),
        ("\udcff", "\udcff"),  # a byte that is not UTF-8: kept, as jq reads it
    ]:
        assert json.loads(strict_surrogates(json.dumps(text))) == expected


SWALLOWS_AT_IMPORT = """
    import time
    from flowtop import Flow, task

    try:  # a heavy import a user's code guards against Ctrl+C, swallowing the first stop
        print("importing", flush=True)
        time.sleep(5)
    except KeyboardInterrupt:
        pass
    time.sleep(30)

    @task
    def one():
        return 1

    with Flow("guarded") as flow:
        one()
"""


def test_a_stop_the_flow_file_swallowed_is_taken_by_the_next_signal(tmp_path: Path) -> None:
    """The first decides only once flowtop has caught it: a flow file that swallowed the
    first SIGTERM at import made every later one do nothing (only kill -9 ended it)."""
    flow_file(tmp_path, SWALLOWS_AT_IMPORT)
    proc = subprocess.Popen(
        flowtop("run", "flow.py"),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    try:
        while "importing" not in proc.stdout.readline():
            pass
        proc.send_signal(signal.SIGTERM)  # swallowed by the flow file
        time.sleep(0.5)
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 143
    assert "interrupted (SIGTERM)" in err


#: How ``flowtop run`` says each signal, by the exit status it gives it.
SAID = {130: "Ctrl+C", 143: "SIGTERM", 129: "SIGHUP"}


@pytest.mark.parametrize(
    ("first", "second", "codes"),
    [
        (signal.SIGINT, signal.SIGTERM, {130}),  # (pending at once: the lower number first)
        (signal.SIGTERM, signal.SIGHUP, {143, 129}),  # (so SIGHUP, when both are pending)
    ],
)
def test_two_signals_back_to_back_stop_the_run_as_one(
    tmp_path: Path, first: signal.Signals, second: signal.Signals, codes: set[int]
) -> None:
    """``kill -INT $p; kill -TERM $p`` (a supervisor's signals to a process group): the
    second raised again while the first was on its way to flowtop's ``except``, inside
    ``threading``'s wait: ``RuntimeError: release unlocked lock``, a traceback, exit 1,
    and the run noted "cancelled by the user". A signal within ``AGAIN_AFTER`` of the
    one the process took first is the same stop: that one decides, words and status."""
    # (SIGINT as a terminal's, not ignored as under a shell's `&`)
    with asleep_run(tmp_path, subprocess.Popen, preexec_fn=default_sigint) as proc:
        proc.send_signal(first)
        proc.send_signal(second)
        _, err = proc.communicate(timeout=20)
    assert "Traceback" not in err, err
    assert proc.returncode in codes, err
    how = SAID[proc.returncode]
    assert f"interrupted ({how})" in err
    noted = run_history(tmp_path)
    assert f"cancelled: {how}" in noted and "cancelled by the user" not in noted, noted
