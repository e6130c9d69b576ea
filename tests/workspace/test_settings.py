"""Settings layers: precedence with sources, every bad value named, overrides written atomically."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import pytest

from flowtop.engine.delays import ExponentialBackoff
from flowtop.workspace import SettingsError
from flowtop.workspace import overrides as overrides_file

FLOW = """
from flowtop import Flow, task

class Flaky(Exception):
    pass

@task(retry_delay=7)
def extract():
    return 1

@task
def load(x):
    return x

with Flow("etl") as flow:
    load(extract())
"""


@pytest.fixture
def etl(write, workspace):
    """A loaded workspace with flow ``etl`` (tasks ``extract``, ``load``); ``etl(toml)`` adds flowtop.toml."""

    def make(toml: str | None = None, overrides: str | None = None):
        write("etl.py", FLOW)
        if toml is not None:
            write("flowtop.toml", toml)
        if overrides is not None:
            write(".flowtop/overrides.toml", overrides)
        return workspace()

    return make


def policy(ws, key="extract"):
    flow = ws.flows["etl"]
    return ws.policy_for(flow, flow.nodes[key])


# -- precedence --------------------------------------------------------------------------
def test_without_settings_the_task_policy_is_used(etl):
    ws = etl()
    p = policy(ws)
    assert p.retry_delay == 7 and p.source("retry_delay") == "task"
    assert p.budget == 3 and ws.settings.workers == 8 and ws.settings.executor == "thread"


def test_defaults_fill_only_what_the_task_left_unset(etl):
    ws = etl(
        "[defaults]\nretry_delay = 2\nretry_jitter = 0.5\ntimeout = 30\nmax_retries = 5\nworkers = 3\n"
    )
    extract, load = policy(ws), policy(ws, "load")
    assert extract.retry_delay == 7 and extract.source("retry_delay") == "task"
    assert load.retry_delay == 2 and load.source("retry_delay") == "defaults"
    assert load.timeout == 30 and load.source("timeout") == "defaults"
    assert load.retry_jitter == 0.5
    # [defaults] max_retries is the budget, not an explicit max_retries (SPEC §3 rule 3)
    assert load.max_retries is None and load.budget == 5
    assert load.describe()["max_retries"] == ("unset (budget 5, Retry only)", "defaults")
    assert ws.settings.workers == 3 and ws.settings.max_retries == 5


def test_task_tables_beat_task_args_and_overrides_beat_both(etl):
    ws = etl(
        '[defaults]\nretry_delay = 2\n[flows."etl".tasks."extract"]\nretry_delay = 9\nmax_retries = 4\n',
        '[flows."etl".tasks."extract"]\nmax_retries = 1\n',
    )
    p = policy(ws)
    assert (p.retry_delay, p.source("retry_delay")) == (9, "flowtop.toml")
    assert (p.max_retries, p.source("max_retries")) == (1, "overrides")
    assert policy(ws, "load").source("max_retries") == "builtin"


def test_toml_delay_forms_become_policy_values(etl):
    ws = etl(
        '[flows."etl".tasks."extract"]\nretry_delay = { base = 1, factor = 3, max_delay = 30 }\n'
        '[flows."etl".tasks."load"]\nretry_delay = [1, 2.5]\n'
    )
    assert policy(ws).retry_delay == ExponentialBackoff(1, 3, 30)
    assert policy(ws, "load").retry_delay == (1.0, 2.5)


def test_retry_on_resolves_builtins_dotted_names_and_the_flow_modules_own(etl):
    ws = etl(
        '[flows."etl".tasks."extract"]\nretry_on = ["ConnectionError", "json.JSONDecodeError", "Flaky"]\n'
    )
    import json

    names = [c.__name__ for c in policy(ws).retry_on]
    assert names == ["ConnectionError", "JSONDecodeError", "Flaky"]
    assert policy(ws).retry_on[1] is json.JSONDecodeError
    assert ws.settings_error is None


# -- errors --------------------------------------------------------------------------------
def test_bad_toml_names_line_and_column_and_last_good_settings_stay(etl, tmp_path):
    ws = etl('[flows."etl".tasks."extract"]\nmax_retries = 4\n')
    (tmp_path / "flowtop.toml").write_text('[flows."etl".tasks."extract"]\nmax_retries = = 4\n')
    change = ws.reload_paths([tmp_path / "flowtop.toml"])
    error = ws.settings_error
    assert (error.line, error.column) == (2, 15)
    assert str(error) == "flowtop.toml:2:15: invalid TOML: Invalid value"
    assert change.errors == (error,)
    assert policy(ws).max_retries == 4  # the last good file still applies
    (tmp_path / "flowtop.toml").write_text('[flows."etl".tasks."extract"]\nmax_retries = 6\n')
    ws.reload_paths([tmp_path / "flowtop.toml"])
    assert ws.settings_error is None and policy(ws).max_retries == 6


def test_unknown_key_names_file_table_line_and_valid_keys(etl):
    ws = etl(
        '[defaults]\nworkers = 2\n\n[flows."etl".tasks."extract"]\nretry_delay = 1\nmax_retry = 3\n'
    )
    text = str(ws.settings_error)
    assert text.startswith(
        "flowtop.toml:6: [flows.\"etl\".tasks.\"extract\"]: unknown key 'max_retry' (did you mean 'max_retries'?)"
    )
    assert (
        "valid keys: max_retries, retry_delay, retry_on, retry_jitter, retry_jitter_factor, "
        "retry_deadline, timeout" in text
    )
    assert ws.settings.workers == 8  # a bad file is not applied halfway


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            "[defaults]\nworker = 2\n",
            "flowtop.toml:2: [defaults]: unknown key 'worker' (did you mean 'workers'?)",
        ),
        (
            "[default]\nworkers = 2\n",
            "flowtop.toml:1: top level: unknown table 'default' (did you mean 'defaults'?)",
        ),
        (  # it read "unknown table 'max_retries'"
            "max_retries = 3\n",
            "flowtop.toml:1: max_retries belongs in [defaults] or a task's table",
        ),
        ('[flows."etl"]\nretries = 2\n', "flowtop.toml:2: [flows.\"etl\"]: unknown key 'retries'"),
        (
            '[flows."etl".tasks."extract"]\nretry_delay = "5s"\n',
            'flowtop.toml:2: [flows."etl".tasks."extract"]: retry_delay must be seconds, a list of seconds, or a table',
        ),
        (
            "[defaults]\nmax_retries = -1\n",
            "flowtop.toml:2: [defaults]: max_retries must be an integer >= 0, got int -1",
        ),
        (
            "[defaults]\nworkers = 0\n",
            "flowtop.toml:2: [defaults]: workers must be an integer from 1 to 1024",
        ),
        (
            "[defaults]\nexecutor = 'procss'\n",
            "flowtop.toml:2: [defaults]: executor must be 'thread', 'process', 'dask' or "
            "'dask:tcp://HOST:PORT', got 'procss' (did you mean 'process'?)",
        ),
        (
            "[defaults]\ntimeout = 0\n",
            "flowtop.toml:2: [defaults]: timeout must be a finite number of seconds > 0",
        ),
        (
            '[flows."etl".tasks."x"]\nretry_delay = [1, -2]\n',
            "retry_delay[1] must be a finite number of seconds >= 0",
        ),
        ('[flows."etl".tasks."x"]\nretry_delay = {base = 1, step = 2}\n', "unknown key 'step'"),
        (
            '[flows."etl".tasks."x"]\nretry_delay = {factor = 0.5}\n',
            "retry_delay: exponential_backoff(factor=) must be a finite number >= 1",
        ),
        ('[flows."etl".tasks."x"]\nretry_on = [1]\n', "retry_on must be a list of exception names"),
        (
            '[flows."etl".tasks."x"]\nretry_jitter = true\n',
            "retry_jitter must be a finite number >= 0",
        ),
        # Issue 16: values that made a run wait forever or fail to start its threads.
        (
            "[defaults]\nworkers = 100000\n",
            "flowtop.toml:2: [defaults]: workers must be an integer from 1 to 1024, got int 100000",
        ),
        (
            "[defaults]\nretry_jitter = 1e309\n",
            "flowtop.toml:2: [defaults]: retry_jitter must be a finite number >= 0",
        ),
        (
            "[defaults]\nretry_jitter = nan\n",
            "flowtop.toml:2: [defaults]: retry_jitter must be a finite number >= 0",
        ),
        (
            "[defaults]\nretry_delay = inf\n",
            "flowtop.toml:2: [defaults]: retry_delay must be a finite number of seconds >= 0, got float inf",
        ),
        (
            '[flows."etl".tasks."x"]\nretry_delay = nan\n',
            "retry_delay must be a finite number of seconds >= 0, got float nan",
        ),
        (
            '[flows."etl".tasks."x"]\nretry_delay = [1, inf]\n',
            "retry_delay[1] must be a finite number of seconds >= 0, got float inf",
        ),
        ("[defaults]\ntimeout = inf\n", "timeout must be a finite number of seconds > 0"),
        (
            '[flows."etl".tasks."x"]\nretry_deadline = -inf\n',
            "retry_deadline must be a finite number of seconds >= 0",
        ),
        (
            '[flows."etl".tasks."x"]\nretry_delay = {base = inf}\n',
            "exponential_backoff(base=) must be a finite number of seconds, got inf",
        ),
        (
            '[flows."etl".tasks."x"]\nretry_delay = {factor = inf}\n',
            "exponential_backoff(factor=) must be a finite number >= 1, got inf",
        ),
        (
            '[flows."etl".tasks."x"]\nretry_delay = {max_delay = nan}\n',
            "exponential_backoff(max_delay=) must be a finite number of seconds, got nan",
        ),
    ],
)
def test_bad_values_name_the_key(etl, toml, expected):
    error = etl(toml).settings_error
    assert error is not None
    assert expected in str(error)


def test_unknown_exception_name_says_which_and_where(etl):
    ws = etl(
        '[flows."etl".tasks."extract"]\nmax_retries = 2\nretry_on = ["ConnectionError", "Flakey"]\n'
    )
    text = str(ws.settings_error)
    assert text.startswith(
        'flowtop.toml:3: [flows."etl".tasks."extract"]: retry_on: unknown exception \'Flakey\''
    )
    p = policy(ws)
    assert p.retry_on is None and p.max_retries == 2  # the name is skipped, the rest applies


def test_unimportable_dotted_exception_name_is_a_file_error(etl):
    ws = etl('[flows."etl".tasks."extract"]\nretry_on = ["nosuchpkg.errors.Boom"]\n')
    assert "retry_on: cannot import 'nosuchpkg.errors' for 'nosuchpkg.errors.Boom'" in str(
        ws.settings_error
    )


def test_a_dotted_name_its_module_lacks_is_named_with_the_closest(etl):
    """The name was dotted already: "use a dotted name like …" told the user nothing."""
    ws = etl('[flows."etl".tasks."extract"]\nretry_on = ["json.JSONDecodeErr"]\n')
    assert str(ws.settings_error).endswith(
        "retry_on: module 'json' has no 'JSONDecodeErr' (did you mean 'JSONDecodeError'?)"
    )


def test_non_exception_name_is_refused(etl):
    ws = etl('[flows."etl".tasks."extract"]\nretry_on = ["print"]\n')
    assert "'print' is not an exception class" in str(ws.settings_error)


def test_a_name_that_is_never_retried_is_refused_at_its_line(etl):
    ws = etl('[flows."etl".tasks."extract"]\nretry_on = ["SystemExit"]\n')
    assert str(ws.settings_error).endswith(
        "retry_on: SystemExit is never retried: it is not an Exception, and it stops the task"
    )
    assert ws.settings_error.line == 2


def test_a_key_with_a_control_character_is_refused_not_written_to_the_footer(etl):
    ws = etl('[keys]\n"flowtop.help" = "\\u001b]0;KEYTITLE\\u0007"\n')
    assert str(ws.settings_error).endswith(
        '[keys]: \'flowtop.help\' must be a key name such as "R" or "ctrl+r",'
        " got '\\x1b]0;KEYTITLE\\x07'"
    )


def test_overrides_file_holds_only_task_tables(etl):
    ws = etl(overrides="[defaults]\nworkers = 2\n")
    assert str(ws.settings_error).startswith(
        ".flowtop/overrides.toml:1: top level: unknown table 'defaults'; valid tables: flows"
    )


# -- set_override / clear_override ---------------------------------------------------------
def test_set_override_writes_validated_values_and_keeps_other_tables(etl, tmp_path):
    toml = '[flows."etl".tasks."extract"]\nmax_retries = 4\n'
    ws = etl(toml, '[flows."other".tasks."t"]\ntimeout = 5\n')
    ws.set_override(
        "etl", "extract", max_retries=9, retry_on=["Flaky"], retry_delay={"base": 2, "factor": 2}
    )
    p = policy(ws)
    assert (p.max_retries, p.source("max_retries")) == (9, "overrides")
    assert p.retry_on[0].__name__ == "Flaky" and p.retry_delay == ExponentialBackoff(2, 2)
    assert ws.override_for("etl", "extract") == {
        "max_retries": 9,
        "retry_on": ["Flaky"],
        "retry_delay": {"base": 2, "factor": 2},
    }
    assert ws.override_for("other", "t") == {"timeout": 5}
    assert (tmp_path / "flowtop.toml").read_text() == toml  # never written
    ws.set_override("etl", "extract", max_retries=None)
    assert ws.override_for("etl", "extract") == {
        "retry_on": ["Flaky"],
        "retry_delay": {"base": 2, "factor": 2},
    }
    assert policy(ws).max_retries == 4


def test_two_windows_saving_at_once_both_keep_their_change(etl, workspace, monkeypatch):
    """Each TUI has its own flow host (a process): a save read the file, another window's
    save landed, and this one wrote the old tables back over it, both saying "Saved"."""
    first, second = etl(), workspace()
    read = overrides_file.read_for_rewrite  # what a save reads, under its lock
    has_read = threading.Event()

    def slow_read(path):  # the first window is slow between reading and writing
        read_back = read(path)
        if threading.current_thread().name == "first":
            has_read.set()
            time.sleep(0.3)
        return read_back

    monkeypatch.setattr(overrides_file, "read_for_rewrite", slow_read)
    saving = threading.Thread(
        target=first.set_override, args=("etl", "extract"), kwargs={"max_retries": 5}, name="first"
    )
    saving.start()
    assert has_read.wait(10)
    second.set_override("etl", "load", max_retries=7)
    saving.join(10)
    saved = tomllib.loads(first.overrides_path.read_text())["flows"]["etl"]["tasks"]
    assert saved == {"extract": {"max_retries": 5}, "load": {"max_retries": 7}}


def test_a_save_waits_a_little_for_a_window_stopped_mid_save_then_says_so(etl, monkeypatch):
    """Waiting for good froze the window; past the host's answer time it blamed the host."""
    import fcntl

    ws = etl()
    monkeypatch.setattr(overrides_file, "LOCK_WAIT", 0.2)
    lock_path = ws.overrides_path.with_suffix(".lock")
    lock_path.parent.mkdir(exist_ok=True)
    with open(lock_path, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another process, stopped while saving
        with pytest.raises(SettingsError, match=r"another flowtop process has held it for 0\.2 s"):
            ws.set_override("etl", "extract", max_retries=3)
    ws.set_override("etl", "extract", max_retries=3)  # released: saved
    assert ws.override_for("etl", "extract") == {"max_retries": 3}


def test_a_helper_named_like_the_toml_writer_does_not_break_saving(write, tmp_path):
    """`flows/tomli_w.py` (a user's helper) was what the retry editor imported: every
    save failed with "module 'tomli_w' has no attribute 'dumps'"."""
    write("etl.py", FLOW)
    write("tomli_w.py", "HELPER = 1\n")
    script = (
        "import sys; from flowtop.workspace import Workspace\n"
        "ws = Workspace(sys.argv[1]); ws.load()\n"
        "ws.set_override('etl', 'extract', max_retries=3)\n"
        "print(ws.override_for('etl', 'extract'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",  # not the flows folder: `-c` puts its cwd first on sys.path
    )
    assert (done.returncode, done.stdout) == (0, "{'max_retries': 3}\n"), done.stderr


def test_set_override_refuses_bad_values_before_writing(etl, tmp_path):
    ws = etl()
    with pytest.raises(
        SettingsError,
        match=r"\[flows.\"etl\".tasks.\"extract\"\]: unknown key 'max_retry' \(did you mean 'max_retries'\?\)",
    ):
        ws.set_override("etl", "extract", max_retry=3)
    with pytest.raises(SettingsError, match="retry_delay must be"):
        ws.set_override("etl", "extract", retry_delay="soon")
    with pytest.raises(SettingsError, match="unknown exception 'Nope'"):
        ws.set_override("etl", "extract", retry_on=["Nope"])
    assert not (tmp_path / ".flowtop" / "overrides.toml").exists()


def test_clear_override_removes_the_task_and_empty_parents(etl, tmp_path):
    ws = etl()
    ws.set_override("etl", "extract", max_retries=2)
    ws.set_override("etl", "load", timeout=3)
    ws.clear_override("etl", "extract")
    assert ws.override_for("etl", "extract") == {} and ws.override_for("etl", "load") == {
        "timeout": 3
    }
    ws.clear_override("etl", "load")
    text = (tmp_path / ".flowtop" / "overrides.toml").read_text()
    assert "[flows" not in text
    assert policy(ws, "load").source("timeout") == "builtin"


def test_a_crash_while_writing_leaves_the_old_overrides_and_no_temp_file(
    etl, tmp_path, monkeypatch
):
    ws = etl()
    ws.set_override("etl", "extract", max_retries=2)
    path = tmp_path / ".flowtop" / "overrides.toml"
    before = path.read_bytes()

    def crash(src, dst):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        ws.set_override("etl", "extract", max_retries=5)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["overrides.lock", "overrides.toml"]
    assert policy(ws).max_retries == 2


def test_set_override_refuses_to_overwrite_a_broken_overrides_file(etl, tmp_path):
    ws = etl(overrides="[flows\n")
    with pytest.raises(SettingsError, match=r"overrides\.toml cannot be updated"):
        ws.set_override("etl", "extract", max_retries=1)
    assert (tmp_path / ".flowtop" / "overrides.toml").read_text() == "[flows\n"


def test_a_table_naming_a_missing_task_or_flow_is_reported(etl):
    ws = etl('[flows."etl".tasks."extrct"]\nmax_retries = 1\n')
    assert str(ws.settings_error) == (
        "flowtop.toml:1: [flows.\"etl\".tasks.\"extrct\"]: flow 'etl' has no task 'extrct' "
        "(did you mean 'extract'?); its tasks: extract, load"
    )
    ws = etl('[flows."elt".tasks."extract"]\nmax_retries = 1\n')
    assert ws.settings_error is None  # a table of a flow that does not exist stops no run
    [warning] = ws.settings_warnings
    assert "no flow named 'elt' (did you mean 'etl'?); flows: etl" in str(warning)


def test_settings_are_built_once_and_again_after_a_settings_file_changed(etl, write):
    """``policy_for`` asks for the settings once per task: they are not rebuilt each time."""
    ws = etl("[defaults]\nworkers = 3\n")
    first = ws.settings
    assert first.workers == 3 and ws.settings is first
    write("flowtop.toml", "[defaults]\nworkers = 5\n")
    ws.reload_paths([ws.root / "flowtop.toml"])
    assert ws.settings.workers == 5 and ws.settings is not first
    ws.set_override("etl", "extract", max_retries=1)
    p = policy(ws)  # an override written since is seen at once
    assert p.max_retries == 1 and p.source("max_retries") == "overrides"


DEPLOY = """\
from pathlib import Path
Path("deploy-ran").write_text("the deploy script ran")

class Boom(Exception):
    pass
"""


def test_a_dotted_retry_on_never_runs_a_workspace_script(etl, write, tmp_path):
    """issue 16 item 7: ``deploy.Boom`` must not import (run) deploy.py, not a flow module."""
    write("deploy.py", DEPLOY)
    ws = etl('[flows."etl".tasks."extract"]\nmax_retries = 2\nretry_on = ["deploy.Boom"]\n')
    assert not (tmp_path / "deploy-ran").exists()
    assert str(ws.settings_error) == (
        'flowtop.toml:3: [flows."etl".tasks."extract"]: retry_on: \'deploy.Boom\' would run '
        "deploy.py, a file of the workspace, to look it up; flowtop only imports installed "
        "packages for retry_on: import Boom in the flow's module and write 'Boom'"
    )
    assert policy(ws).max_retries == 2  # the rest of the table applies
    with pytest.raises(SettingsError, match=r"would run deploy\.py"):
        ws.set_override("etl", "extract", retry_on=["deploy.Boom"])
    assert ws.check_retry_on("etl", ["deploy.Boom"]) is not None
    assert not (tmp_path / "deploy-ran").exists()


def test_a_dotted_retry_on_may_name_a_helper_the_flow_module_imported(write, workspace):
    write("errors_lib.py", "class Boom(Exception):\n    pass\n")
    write("etl.py", "import errors_lib\n" + FLOW)
    write("flowtop.toml", '[flows."etl".tasks."extract"]\nretry_on = ["errors_lib.Boom"]\n')
    ws = workspace()
    assert ws.settings_error is None
    assert [c.__name__ for c in policy(ws).retry_on] == ["Boom"]


def test_a_dotted_retry_on_never_runs_a_submodule_of_a_package_a_flow_imported(
    write, workspace, tmp_path
):
    """Only the top-level name was checked: `pkg` imported by a flow let `pkg.deploy.Boom`
    import (run) pkg/deploy.py, in `flowtop list` and while typing in the retry editor."""
    write("pkg/__init__.py", "")
    write("pkg/deploy.py", DEPLOY)
    write("etl.py", "import pkg\n" + FLOW)
    write("flowtop.toml", '[flows."etl".tasks."extract"]\nretry_on = ["pkg.deploy.Boom"]\n')
    ws = workspace()
    assert "would run pkg/deploy.py, a file of the workspace" in str(ws.settings_error)
    assert ws.check_retry_on("etl", ["pkg.deploy.Boom"]) is not None
    assert not (tmp_path / "deploy-ran").exists()


def test_tasks_of_one_task_share_a_policy_until_a_table_or_a_save_says_otherwise(
    write, workspace, tmp_path
):
    write(
        "pair.py",
        """
        from flowtop import Flow, task

        @task
        def step():
            return 1

        with Flow("pair") as flow:
            step()
            step()
            step()
        """,
    )
    write(
        "flowtop.toml",
        '[defaults]\nretry_jitter = 0.1\n[flows.pair.tasks."step-3"]\nmax_retries = 5\n',
    )
    ws = workspace()
    flow = ws.flows["pair"]
    first, second, third = (
        ws.policy_for(flow, flow.nodes[k]) for k in ("step", "step-2", "step-3")
    )
    assert first is second and first.retry_jitter == 0.1  # asked once for both
    assert third.max_retries == 5 and third.retry_jitter == 0.1
    write("flowtop.toml", "[defaults]\nretry_jitter = 0.2\n")
    ws.reload_paths([tmp_path / "flowtop.toml"])
    assert ws.policy_for(flow, flow.nodes["step"]).retry_jitter == 0.2  # the save is seen
    assert ws.policy_for(flow, flow.nodes["step-3"]).max_retries is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[variables]\n"Bad Name" = 1', "[variables] Bad Name: Variable name must only contain"),
        (
            "[variables]\nwhen = 2026-01-01",
            "[variables]: when must be a string, number, true/false",
        ),
        ("[concurrency]\ndatabase = 0", "[concurrency] database: its limit must be a whole number"),
        ("[concurrency]\napi = { limit = 2, decay = 1 }", "[concurrency] api: must be a number of"),
        (
            '[concurrency]\n"tag:db" = 0',
            "[concurrency] tag:db: a tag limit of 0 (in Prefect: abort",
        ),
    ],
)
def test_the_tables_prefect_code_reads_are_checked_with_file_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    """``[variables]`` (``flowtop.variables``) and ``[concurrency]`` (``flowtop.concurrency``)."""
    from flowtop.workspace import Workspace

    (tmp_path / "flowtop.toml").write_text(f"{text}\n")
    with Workspace(tmp_path) as workspace:
        (error,) = workspace.read_settings()
    assert str(error).replace(f"{tmp_path}/", "").startswith(f"flowtop.toml:2: {message}")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("# c\n# c\n[defaults]\nmax_retries = 2\nretry_delay = [1, nan]\n", 5),  # an item
        ("# x\n[flows]\netl = 5\n", 3),  # a table that is a value
        ('[flows."etl"]\n\ntasks = []\n', 3),
        ("[defaults]\nworkers = 2\nretry_delay = {base = 1, nope = 2}\n", 3),  # inline
    ],
)
def test_a_settings_error_names_the_line_of_its_key(etl, text: str, line: int) -> None:
    """Errors in a list's item, an inline table or a table written as a value named the
    table's header line, or no line at all."""
    ws = etl(text)
    assert ws.settings_error is not None and ws.settings_error.line == line, ws.settings_error


def test_an_emptied_editor_field_names_the_value_it_falls_back_to(etl):
    """An emptied field writes no override: its value comes from the layers below. The
    editor read `unset: budget 2` and `seconds, or a list` where the code's 7 s and
    flowtop.toml's 4 retries were what would apply."""
    ws = etl(
        '[flows."etl".tasks."extract"]\nmax_retries = 4\n',
        overrides='[flows."etl".tasks."extract"]\nmax_retries = 9\nretry_delay = 1\n',
    )
    hints = ws.shapes["etl"].nodes["extract"].policy.hints
    assert hints["max_retries"] == "4 from flowtop.toml"
    assert hints["retry_delay"] == "7s from task"
    assert hints["timeout"] == "none"  # no layer sets it: what an unset value means
    plain = ws.shapes["etl"].nodes["load"].policy.hints  # no table names it
    assert plain["max_retries"].startswith("unset: budget")


def test_a_byte_order_mark_is_read_past(etl):
    """Notepad saves one: the file read `invalid TOML: Invalid statement` at 1:1."""
    ws = etl("\ufeff[defaults]\nworkers = 3\n")
    assert ws.settings_error is None and ws.settings.workers == 3
