"""A task a flow calls on a plain thread (a ``ThreadPoolExecutor``'s, which carries no run)
runs as a task called outside any flow: under ``flowtop run`` its ``log_prints`` prints
and its INFO run-logger lines went nowhere (not the terminal, the history or the
monitor), where Prefect, and ``python FILE``, print them on stderr. Now ``flowtop run``
prints them there too (explorer rv352, finding 6)."""

from __future__ import annotations

from pathlib import Path

from cli_kit import flowtop

THREADED = """\
import threading
from concurrent.futures import ThreadPoolExecutor

from prefect import flow, get_run_logger, task


@task(log_prints=True)
def download(url: str) -> int:
    print(f"downloading {url}")
    return len(url)


@task
def work(i: int) -> int:
    get_run_logger().info("info from work %d", i)
    return i


@flow(log_prints=True)
def downloader(urls: list[str] = ["a.com", "bb.com"]) -> list[int]:
    with ThreadPoolExecutor(2) as pool:
        sizes = list(pool.map(download, urls))
    thread = threading.Thread(target=work, args=(1,))
    thread.start()
    thread.join()
    return sizes
"""


def test_a_task_on_a_plain_thread_of_a_flow_has_its_lines_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "threaded.py").write_text(THREADED)
    for args in ((), ("--json",)):
        done = flowtop("run", "--prefect-compat", "threaded.py", *args, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        for line in (
            "INFO prefect.task_runs: downloading a.com",
            "INFO prefect.task_runs: downloading bb.com",
            "INFO prefect.task_runs: info from work 1",
        ):
            assert line in done.stderr.splitlines(), done.stderr
            assert line not in done.stdout.splitlines()  # (--json: in the run's output)
