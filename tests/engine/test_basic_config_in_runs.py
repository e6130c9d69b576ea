"""``logging.basicConfig()`` called while a run is live configures, as without flowtop.

flowtop's handler is on the root logger while a capture is open (and for good under
``flowtop run``), and ``basicConfig`` configures only a root logger with no handlers: in
a task, a ``@flow`` body, or at a flow module's top under ``flowtop run``, it did nothing,
so the script's log lines were lost or kept flowtop's format. Each line still shows once,
on stderr, and is still the attempt's (or the run's) output, written as the program's
handler writes it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path


def python(source: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args, *(["-c", textwrap.dedent(source)] if source else [])],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


def test_basic_config_in_a_task_configures_the_program_s_logging() -> None:
    done = python(
        """
        import logging
        from flowtop import Flow, task

        log = logging.getLogger("etl")

        @task
        def load():
            logging.basicConfig(level=logging.INFO, format="mine %(name)s %(message)s")
            log.info("loading rows")
            return type(logging.getLogger().handlers[0]).__name__  # the program's, first

        with Flow("etl") as etl:
            load()
        result = etl.run()
        print(result["load"].result, repr(result.attempts["load"][0].output))
        log.info("after the run")
        print(logging.getLogger().handlers)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "StreamHandler 'mine etl loading rows\\n'\n[<StreamHandler <stderr> (NOTSET)>]\n"
    )
    assert done.stderr == "mine etl loading rows\nmine etl after the run\n"  # each once


def test_basic_config_in_a_flow_body_under_flowtop_run(tmp_path: Path) -> None:
    (tmp_path / "etl.py").write_text(
        textwrap.dedent(
            """
            import logging
            from flowtop import flow, task

            log = logging.getLogger("etl")

            @task
            def load():
                log.info("loading rows")
                return 1

            @flow
            def etl():
                logging.basicConfig(format="mine %(levelname)s %(name)s %(message)s")
                log.info("in body")
                return load()
            """
        )
    )
    done = python("", "-m", "flowtop", "run", "etl.py", "--json", "--no-history", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    completed = next(e for e in events if e.get("state") == "COMPLETED")
    assert completed["output"] == "mine INFO etl loading rows\n"  # the attempt's, once
    assert events[-1]["output"] == "mine INFO etl in body\n"  # the run's own, once
    assert done.stderr == "mine INFO etl in body\n"


def test_a_line_the_program_s_handler_filters_out_is_still_the_attempt_s_output() -> None:
    """flowtop left a record to the program's handler writing into the capture, which
    then dropped it by its filter: the line was in no output at all."""
    done = python(
        """
        import logging
        from flowtop import Flow, task

        log = logging.getLogger("etl")

        @task
        def load():
            logging.basicConfig(level=logging.INFO, format="mine %(message)s")
            logging.getLogger().handlers[0].addFilter(lambda r: r.levelno >= logging.WARNING)
            log.info("quiet line")
            log.warning("loud line")

        with Flow("etl") as etl:
            load()
        print(repr(etl.run().attempts["load"][0].output))
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "'INFO etl: quiet line\\nmine loud line\\n'\n"


def test_basic_config_configures_after_assert_logs_put_back_a_plain_list(tmp_path: Path) -> None:
    """``unittest``'s ``assertLogs`` restores the root's handlers as a plain list, which
    under ``flowtop run`` holds flowtop's handler: ``basicConfig()`` then did nothing for
    the rest of the run."""
    (tmp_path / "etl.py").write_text(
        textwrap.dedent(
            """
            import logging, unittest
            from flowtop import Flow, task

            @task
            def checked():
                case = unittest.TestCase()
                with case.assertLogs(level="INFO"):
                    logging.getLogger("etl").info("asserted")
                return 1

            @task
            def configured(after):
                logging.basicConfig(level=logging.INFO, format="mine %(message)s")
                logging.getLogger("etl").info("after")

            with Flow("etl") as etl:
                configured(checked())
            """
        )
    )
    done = python("", "-m", "flowtop", "run", "etl.py", "--json", "--no-history", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    (configured,) = [e for e in events if e.get("task") == "configured" and "output" in e]
    assert configured["output"] == "mine after\n"


def test_a_later_attempt_is_captured_after_an_earlier_one_took_flowtop_s_handler_off() -> None:
    """A run keeps flowtop's handler on the root logger for its whole life (its attempts
    no longer each put it on): ``basicConfig(force=True)`` in one task removes it, and
    the next attempt puts it back before it runs, so its log lines are still its output."""
    done = python(
        """
        import logging
        from flowtop import Flow, task

        @task
        def reset():
            logging.basicConfig(force=True, handlers=[logging.NullHandler()])

        @task
        def later(_):
            logging.getLogger("etl").warning("still mine")

        with Flow("etl") as etl:
            later(reset())
        result = etl.run(workers=1)
        print(repr(result.attempts["later"][-1].output))
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "'WARNING etl: still mine\\n'\n"
