"""flowtop side by side with a raw thread pool, Prefect 3 and Dask (issue 5).

Run: ``python tests/benchmarks/compare.py`` (``--quick`` for a smoke run, ``--only
flowtop,raw`` to skip the extra venv, ``--markdown`` for the README table).

Every engine runs the same workloads (``compare_workloads/_common.py``) in its own fresh
subprocess, so import time and time to first result are cold, and a crash in one engine
cannot take the others down. flowtop and the raw pool run under this interpreter; Prefect
and Dask under a separate venv (``.venv-compare`` here, gitignored) so they never become
flowtop dependencies. Rounds are interleaved (raw, flowtop, prefect, dask, raw, ...) so
machine drift hits every engine alike, and ratios divide by the raw pool's median from
the same invocation.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _util import table  # noqa: E402 - needs the sys.path line above

WORKLOADS = HERE / "compare_workloads"
RESULT_MARK = "COMPARE-RESULT "  # keep in step with compare_workloads/_common.py
VENV_ENV = "FLOWTOP_COMPARE_VENV"  # override the venv location (the smoke test uses it)
VENV_REQUIREMENTS = ("prefect==3.*", "dask[distributed]")
ENGINES = ("raw", "flowtop", "prefect", "dask")
IN_VENV = {"prefect", "dask"}
LABELS = {
    "raw": "raw ThreadPoolExecutor(8)",
    "flowtop": "flowtop",
    "prefect": "Prefect",
    "dask": "Dask",
}
CHILD_TIMEOUT_S = 900


@dataclass(frozen=True)
class Sizes:
    trivial: tuple[int, int]
    flaky: int
    wait: int
    delay: float
    repeat: int


FULL = Sizes(trivial=(100, 1000), flaky=100, wait=200, delay=0.5, repeat=3)
QUICK = Sizes(trivial=(10, 50), flaky=10, wait=16, delay=0.2, repeat=1)


@dataclass
class EngineRuns:
    name: str
    samples: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


# -- the extra venv -------------------------------------------------------------------
def venv_dir() -> Path:
    return Path(os.environ.get(VENV_ENV) or HERE / ".venv-compare")


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv(venv: Path) -> Path:
    """Reuse the venv when Prefect and Dask import there; otherwise create it and pip install."""
    python = venv_python(venv)
    check = [str(python), "-c", "import prefect, distributed"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    print(f"compare: setting up {venv} with {' '.join(VENV_REQUIREMENTS)} ...", file=sys.stderr)
    if not python.exists():
        _must([sys.executable, "-m", "venv", str(venv)], "create the venv")
    _must(
        [str(python), "-m", "pip", "install", "-q", *VENV_REQUIREMENTS], "install Prefect and Dask"
    )
    _must(check, "import prefect and distributed after installing")
    return python


def _must(cmd: list[str], what: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-15:]
        raise SystemExit(
            f"compare: could not {what}: `{' '.join(cmd)}` exited {done.returncode}\n"
            + "\n".join(tail)
        )


# -- one engine, one round ------------------------------------------------------------
def child_env(engine: str, home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if engine == "prefect":
        for key in ("PREFECT_API_URL", "PREFECT_API_KEY", "PREFECT_PROFILE"):
            env.pop(key, None)
        env.update(
            DO_NOT_TRACK="1",
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_HOME=str(home),  # a fresh SQLite database each round
            PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
        )
    return env


def run_once(engine: str, python: str, sizes: Sizes, logs: Path, round_no: int) -> dict[str, Any]:
    """One fresh subprocess running every workload once; its JSON, or RuntimeError saying why not."""
    log = logs / f"{engine}-{round_no}.log"
    with tempfile.TemporaryDirectory(prefix=f"compare-{engine}-") as home:
        config = {
            "trivial": list(sizes.trivial),
            "flaky": sizes.flaky,
            "wait": sizes.wait,
            "delay": sizes.delay,
            "launched": time.time(),
        }
        cmd = [python, str(WORKLOADS / f"run_{engine}.py"), json.dumps(config)]
        with log.open("w") as err:
            try:
                done = subprocess.run(
                    cmd,
                    stdout=subprocess.PIPE,
                    stderr=err,
                    text=True,
                    env=child_env(engine, Path(home)),
                    cwd=home,
                    timeout=CHILD_TIMEOUT_S,
                )
            except subprocess.TimeoutExpired as exc:
                raise RuntimeError(f"timed out after {CHILD_TIMEOUT_S} s (log: {log})") from exc
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    tail = [t for t in log.read_text(errors="replace").splitlines() if t.strip()][-3:]
    raise RuntimeError(f"exit {done.returncode}, no result (log: {log}): " + " / ".join(tail))


# -- figures ----------------------------------------------------------------------------
def metrics(sample: dict[str, Any], sizes: Sizes) -> dict[str, float]:
    small, large = sizes.trivial
    walls = sample["trivial"]
    return {
        "import": sample["import_s"],
        "startup": sample["startup_s"],
        "first": sample["first_result_s"],
        "one_task": sample["one_task_s"],
        "small": walls[str(small)],
        "large": walls[str(large)],
        "per_task": (walls[str(large)] - walls[str(small)]) / (large - small),
        "catch_up": sample["settle"][f"trivial-{large}"] - sample["one_task_s"],
        "flaky": sample["flaky"]["wall"],
        "attempts": sample["flaky"]["attempts"],
        "wait": sample["wait"]["wall"],
    }


def summary(runs: EngineRuns, sizes: Sizes) -> dict[str, tuple[float, float, float]]:
    """(median, min, max) of every metric over the engine's rounds."""
    per_round = [metrics(s, sizes) for s in runs.samples]
    return {
        key: (statistics.median(v), min(v), max(v))
        for key in per_round[0]
        for v in [[m[key] for m in per_round]]
    }


def _scaled(seconds: float, unit: str) -> str:
    value = seconds / {"s": 1.0, "ms": 1e-3, "µs": 1e-6}[unit]
    return f"{value:.2f}" if unit == "s" else f"{value:.3g}"


def _unit(seconds: float) -> str:
    size = abs(seconds)
    return "s" if size >= 1 else "ms" if size >= 1e-3 else "µs"


def fmt_s(seconds: float) -> str:
    unit = _unit(seconds)
    return f"{_scaled(seconds, unit)} {unit}"


def fmt_range(med: float, lo: float, hi: float) -> str:
    """``5.23 ms (5.06–5.61)``: the range shares the median's unit when it reads well in it."""
    if lo == hi:
        return fmt_s(med)
    unit = _unit(med)
    if _unit(lo) == unit == _unit(hi):
        return f"{fmt_s(med)} ({_scaled(lo, unit)}–{_scaled(hi, unit)})"
    return f"{fmt_s(med)} ({fmt_s(lo)}–{fmt_s(hi)})"


RATIO_METRICS = {"first", "small", "large", "per_task", "flaky", "wait"}


def fmt_ratio(ratio: float) -> str:
    return f"{ratio:,.0f}×" if ratio >= 10 else f"{ratio:.2g}×"


def cell(
    key: str, stats: tuple[float, float, float], base: tuple[float, float, float] | None
) -> str:
    med, lo, hi = stats
    if key == "attempts":
        return f"{med:g}" if lo == hi else f"{med:g} ({lo:g}–{hi:g})"
    text = fmt_range(med, lo, hi)
    if base is not None and key in RATIO_METRICS and base[0] > 0:
        text += f" = {fmt_ratio(med / base[0])} raw"
    return text


def columns(sizes: Sizes) -> list[tuple[str, str]]:
    small, large = sizes.trivial
    return [
        ("import", "import"),
        ("startup", "fixed startup"),
        ("first", "first result"),
        ("one_task", "1-task run"),
        ("small", f"{small:,} tasks"),
        ("large", f"{large:,} tasks"),
        ("per_task", "per task"),
        ("catch_up", f"busy after {large:,}"),
        ("flaky", f"{sizes.flaky:,} × fail twice"),
        ("attempts", f"attempts (want {3 * sizes.flaky:,})"),
        ("wait", f"{sizes.wait:,} × {sizes.delay:g} s retry"),
    ]


def rows(all_runs: dict[str, EngineRuns], sizes: Sizes) -> list[tuple[str, ...]]:
    cols = columns(sizes)
    out: list[tuple[str, ...]] = [("engine", *(title for _, title in cols))]
    stats = {name: summary(r, sizes) for name, r in all_runs.items() if r.samples}
    base = stats.get("raw")
    for name, runs in all_runs.items():
        label = (
            f"{LABELS[name]} {runs.samples[0]['version']}"
            if name != "raw" and runs.samples
            else LABELS[name]
        )
        if name not in stats:
            why = runs.errors[0] if runs.errors else "not run"
            out.append((label, f"did not run: {why}", *("" for _ in cols[1:])))
            continue
        ref = None if name == "raw" or base is None else base
        out.append((label, *(cell(key, stats[name][key], ref and ref[key]) for key, _ in cols)))
    return out


def headline(all_runs: dict[str, EngineRuns], sizes: Sizes) -> str:
    stats = {name: summary(r, sizes) for name, r in all_runs.items() if r.samples}
    if "raw" not in stats or len(stats) < 2:
        return ""
    large = sizes.trivial[1]
    base = stats["raw"]["large"][0]
    parts = [f"{LABELS[n]} {fmt_ratio(stats[n]['large'][0] / base)}" for n in stats if n != "raw"]
    waits = ", ".join(f"{LABELS[n]} {fmt_s(stats[n]['wait'][0])}" for n in stats)
    return (
        f"On {large:,} trivial tasks, wall time against a raw ThreadPoolExecutor(8): "
        f"{', '.join(parts)}; {sizes.wait:,} tasks each waiting one {sizes.delay:g} s retry "
        f"took {waits}."
    )


def notes(all_runs: dict[str, EngineRuns], sizes: Sizes) -> list[str]:
    small, large = sizes.trivial
    out = [
        "Cells: median of the rounds (min–max), and the ratio to the raw pool's median from the same invocation.",
        "import: the engine's own imports. fixed startup: raw/flowtop create their pool/Runner; "
        "Prefect starts its ephemeral API server on a fresh SQLite database; Dask starts "
        "LocalCluster(processes=False, n_workers=1, threads_per_worker=8) and a Client.",
        "first result: from spawning the process (interpreter start included) to the first task's result. "
        "1-task run: one more run of a single task once warm and idle (Prefect: one flow run).",
        f"per task: marginal cost, ({large:,}-task wall − {small:,}-task wall) / {large - small:,}, "
        "so fixed per-run costs cancel out. "
        f"busy after {large:,}: how much longer a 1-task run takes right after the {large:,}-task run "
        "returned than when idle — work the engine still does after handing back the results "
        "(each workload is followed by such a run, so the next one starts idle).",
        "raw pool: retries are a hand-written loop in the worker thread, "
        "so its retry delay sleeps in (holds) the thread.",
        "Prefect: `@task(retries=…, retry_delay_seconds=…)`, `.submit` on ThreadPoolTaskRunner(max_workers=8), "
        "one flow run per workload, default logging; its delay also sleeps in the worker thread.",
        "Dask: `client.submit(…, retries=…, pure=False)`. Dask has no retry delay, so in the wait "
        f"workload the first attempt sleeps {sizes.delay:g} s in its thread, then raises.",
    ]
    flowtop = all_runs.get("flowtop")
    if flowtop and flowtop.samples:
        builds = [s["extra"]["build_s"].get(f"trivial-{large}") for s in flowtop.samples]
        builds = [b for b in builds if b is not None]
        if builds:
            out.append(
                f"flowtop: its {large:,}-task wall includes building the Flow "
                f"(`add_call` per task), median {fmt_s(statistics.median(builds))} of it."
            )
    return out


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average at start {load}"
    )


def markdown(grid: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(grid[0]) + " |", "|" + "---|" * len(grid[0])]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in grid[1:]]
    return "\n".join(lines)


# -- main -------------------------------------------------------------------------------
def parse_only(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in ENGINES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown engine(s) {', '.join(unknown) or '(none given)'}; choose from {','.join(ENGINES)}"
        )
    return [n for n in ENGINES if n in names]  # raw first, so ratios have their base


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, 1 round (smoke run)")
    parser.add_argument(
        "--only",
        type=parse_only,
        default=list(ENGINES),
        metavar="ENGINES",
        help=f"comma-separated subset of {','.join(ENGINES)}",
    )
    parser.add_argument(
        "--markdown", action="store_true", help="print the README section (Markdown)"
    )
    parser.add_argument(
        "--repeat", type=int, default=None, help="rounds per engine (default 3, 1 with --quick)"
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.repeat is not None:
        if args.repeat < 1:
            parser.error(f"--repeat must be >= 1, got {args.repeat}")
        sizes = Sizes(sizes.trivial, sizes.flaky, sizes.wait, sizes.delay, args.repeat)
    command = "python tests/benchmarks/compare.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    started = datetime.now(UTC)
    facts = machine()

    pythons: dict[str, str] = {}
    all_runs = {name: EngineRuns(name) for name in args.only}
    if IN_VENV & set(args.only):
        try:
            extra = str(ensure_venv(venv_dir()))
        except SystemExit as exc:
            for name in IN_VENV & set(args.only):
                all_runs[name].errors.append(str(exc).splitlines()[0])
            extra = ""
        pythons.update({name: extra for name in IN_VENV if extra})
    pythons.update({"raw": sys.executable, "flowtop": sys.executable})

    logs = Path(tempfile.mkdtemp(prefix="flowtop-compare-logs-"))
    for round_no in range(sizes.repeat):
        for name in args.only:
            if name not in pythons:
                continue
            print(
                f"compare: round {round_no + 1}/{sizes.repeat}: {name} ...",
                file=sys.stderr,
                flush=True,
            )
            try:
                all_runs[name].samples.append(run_once(name, pythons[name], sizes, logs, round_no))
            except RuntimeError as exc:
                all_runs[name].errors.append(str(exc))
                print(f"compare: {name} failed: {exc}", file=sys.stderr)

    grid = rows(all_runs, sizes)
    if args.markdown:
        print(headline(all_runs, sizes), end="\n\n")
        print(markdown(grid), end="\n\n")
        for note in notes(all_runs, sizes):
            print(f"- {note}")
        print(
            f"\nMeasured {started:%Y-%m-%d %H:%M} UTC on {facts}; {sizes.repeat} round(s) per engine.\n"
            f"Command: `{command.strip()}`"
        )
    else:
        print(table(grid))
        print()
        print(headline(all_runs, sizes))
        print(f"{started:%Y-%m-%d %H:%M} UTC; {facts}; {sizes.repeat} round(s); logs in {logs}")
    return 1 if any(r.errors for r in all_runs.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
