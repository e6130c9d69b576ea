"""What ``--help``, README and the command line's errors say agree: how to open the
monitor, ``--prefect-compat``, one name for a run (``RUN``), what ``--run`` takes, a
mistyped command, a missing ``flowtop.toml``, and a parameter typed only by its default."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

import fork_cli
from cli_kit import flowtop
from flowtop import cli
from flowtop.engine.parameters import ParameterError, call_for
from flowtop.engine.suggest import did_you_mean


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # argparse wraps help at the terminal's width


def help_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as done:
        cli.main([*argv, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def test_top_level_help_shows_how_to_open_the_monitor(capsys: pytest.CaptureFixture[str]) -> None:
    """It showed `flowtop [-h] [--version] [--prefect-compat] COMMAND ...`: not the
    `flowtop [PATH]` form nor its options, and "default ./flows" without the fallback."""
    text = help_of(capsys)
    usage = text.split("\n\n")[0]
    assert usage.startswith(
        "usage: flowtop [PATH] [--executor SPEC] [--dask-dashboard] [--prefect-compat]\n"
    )
    assert "flowtop COMMAND [PATH] [options]" in usage and "flowtop --version" in usage
    assert "(default: ./flows, else the current folder)" in " ".join(text.split())
    for option in ("--executor SPEC", "--dask-dashboard", "--version", "--prefect-compat"):
        assert f"\n  {option}" in text  # listed with its help


@pytest.mark.parametrize("command", ["open", "run", "list", "serve"])
def test_prefect_compat_is_in_the_help_of_the_commands_that_import_flows(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = help_of(capsys, command)
    assert "[--prefect-compat]" in text and "\n  --prefect-compat  " in text
    assert f"usage: flowtop {command} " in text and "[PATH]" in text


def test_cancel_and_watch_name_the_run_one_way(capsys: pytest.CaptureFixture[str]) -> None:
    """Usage `[[PATH] RUN ...]` promised several runs, `--flow FLOW` differed from every
    other command's NAME, and the error said `[PATH] [RUN_ID]`: now RUN, NAME throughout."""
    cancel = help_of(capsys, "cancel")
    assert cancel.startswith("usage: flowtop cancel [-h] [--flow NAME] [PATH] [RUN]\n")
    watch = help_of(capsys, "watch")
    assert watch.startswith("usage: flowtop watch [-h] [--flow NAME] [--json] [PATH] [RUN]\n")
    for text in (cancel, watch):
        assert "..." not in text and "RUN_ID" not in text and "FLOW" not in text
        assert "\n  RUN  " in text and "(3 or #3;" in text and "unique start" in text


@pytest.mark.parametrize(
    ("command", "synopsis"), [("cancel", "[PATH] [RUN]"), ("watch", "[PATH] [RUN]")]
)
def test_three_arguments_are_refused_in_the_usage_s_words(
    command: str,
    synopsis: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main([command, ".", "3", "4"]) == 2
    assert capsys.readouterr().err == (
        f"flowtop {command}: expected {synopsis} (one run at a time), got 3 arguments\n"
    )
    # PATH and RUN still reach the command as before, options anywhere between them
    parsed = (
        cli.build_parser(command)
        .commands[command]
        .parse_intermixed_args([".", "--flow", "etl", "3"])
    )
    assert parsed.target == [".", "3"] and parsed.flow == "etl"
    assert cli.main([command, ".", "3"]) == 2  # no store here: said as it was
    assert "no runs yet" in capsys.readouterr().err


def test_history_run_says_what_it_takes(capsys: pytest.CaptureFixture[str]) -> None:
    text = " ".join(help_of(capsys, "history").split())
    assert "[--run RUN]" in text
    assert "--run RUN show one run: its number as listed (3 or #3;" in text
    assert "its run id, or a unique start of one" in text


def test_a_path_like_a_command_name_suggests_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["lst"]) == 2
    err = capsys.readouterr().err
    assert err == (  # as every usage error ends
        "flowtop: 'lst' is no command (did you mean 'list'?), nor a file or folder to open "
        "(see flowtop --help)\n"
    )
    assert cli.main(["nowhere"]) == 2  # close to no command: the path's own error
    assert capsys.readouterr().err == "flowtop open: nowhere: no such file or folder\n"
    assert cli.main(["run.py"]) == 2  # a file meant, not the command `run`
    assert capsys.readouterr().err == "flowtop open: run.py: no such file or folder\n"
    (tmp_path / "lst").mkdir()  # a folder of that name is opened, not refused
    assert not cli.mistyped_command("lst")
    assert did_you_mean("histroy", cli.COMMANDS, kind="the command") == (
        " (did you mean the command 'history'?)"
    )
    assert did_you_mean("etl2", ["etl"]) == " (did you mean 'etl'?)"


def test_limits_without_flowtop_toml_says_it_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It said ".../flowtop.toml has no [concurrency] table" of a file that is not there."""
    assert cli.main(["limits", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"No concurrency limits: {tmp_path / 'flowtop.toml'} does not exist;")
    assert "has no [concurrency] table" not in out
    assert "\n  [concurrency]\n  database = 2" in out  # how to make one
    (tmp_path / "flowtop.toml").write_text("[defaults]\nmax_retries = 1\n")
    assert cli.main(["limits", str(tmp_path)]) == 0
    assert "flowtop.toml has no [concurrency] table; add one" in capsys.readouterr().out


def regional(  # type: ignore[no-untyped-def]
    regions=("eu", "us"),
    flag=False,
    cfg={"a": 1},  # noqa: B006 - a dict default is one of the cases, never mutated
    n=3,
    label="x",
    opt=None,
):
    return regions, flag, cfg, n, label, opt


def test_an_unannotated_container_or_bool_parameter_refuses_text() -> None:
    """`-p regions=eu` for `regions=("eu", "us")` was the text "eu", which the flow went
    through letter by letter (Prefect 3 passes it too); `-p flag=False` the text "False",
    which is true. Refused, naming the parameter, its default's type and the fix."""
    with pytest.raises(ParameterError) as refused:
        call_for(regional, "regional-report", {"regions": "eu"})
    assert str(refused.value) == (
        "flow 'regional-report': parameter regions takes a JSON list, got 'eu' (it has no "
        "annotation, and its default is a tuple): write it as in --param 'regions=[\"eu\"]', "
        "or annotate it (regions: tuple[str, ...])"
    )
    assert refused.value.problem is not None and refused.value.problem.name == "regions"
    with pytest.raises(
        ParameterError, match=r"flag takes true or false, got 'False' .*'flag=false'"
    ):
        call_for(regional, "r", {"flag": "False"})
    with pytest.raises(ParameterError, match=r"cfg takes a JSON object, got 'x' .*a dict\)"):
        call_for(regional, "r", {"cfg": "x"})
    # what fits goes through as it is: a JSON list, null, text for text or None, any
    # value for a number (as Prefect; text there fails loudly in the flow)
    given = {"regions": ["eu"], "flag": True, "cfg": None, "n": "x", "label": "eu", "opt": "y"}
    assert call_for(regional, "r", given) == ((["eu"], True, None, "x", "eu", "y"), {})
    # @flow(validate_parameters=False): nothing checked, as Prefect
    assert call_for(regional, "r", {"regions": "eu"}, typed=False) == (("eu",), {})


def test_flowtop_run_refuses_the_text_before_the_run(tmp_path: Path) -> None:
    (tmp_path / "report.py").write_text(
        textwrap.dedent(
            """
            from flowtop import flow, task

            @task
            def fetch(endpoint):
                print("GET", endpoint)

            @flow(name="regional-report")
            def regional_report(regions=("eu", "us")):
                for region in regions:
                    fetch(f"/sales/{region}")
            """
        )
    )
    done = fork_cli.run(
        ["run", "report.py", "-p", "regions=eu", "--no-history"],
        cwd=tmp_path,
        timeout=60,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "parameter regions takes a JSON list, got 'eu'" in done.stderr
    assert "/sales/e" not in done.stdout  # old: fetched /sales/e and /sales/u, exit 0


def test_options_before_the_command_say_to_put_them_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``flowtop --flow etl run flows`` read as ``open``'s options: ``flowtop open:
    unrecognized arguments: --flow run flows``, naming no command the user typed."""
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--flow", "etl", "run", "flows"]) == 2
    assert capsys.readouterr().err == (
        "flowtop: options go after the command 'run': flowtop run --flow etl flows "
        "(see flowtop --help)\n"
    )
    assert cli.main(["--json", "history", "my flows"]) == 2
    assert "flowtop history --json 'my flows'" in capsys.readouterr().err
    # (a process of its own: --prefect-compat turns drop-in mode on for the process)
    kept = flowtop("--prefect-compat", "--json", "list", "flows", cwd=tmp_path)
    assert kept.returncode == 2
    assert "flowtop list --prefect-compat --json flows" in kept.stderr
    assert cli.main(["--flow", "list", "run", "flows"]) == 2  # `list` is --flow's value
    assert "flowtop run --flow list flows" in capsys.readouterr().err
    (tmp_path / "run").mkdir()  # a folder of that name is the path to open
    assert not cli.command_after_options(["--no-watch", "run"])
