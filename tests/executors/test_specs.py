"""Executor specs: accepted forms, clear errors, and the extra named when it is missing."""

from __future__ import annotations

from typing import Any

import pytest

from flowtop.engine import dask_connect
from flowtop.engine import spec as spec_module
from flowtop.engine.backends import hand_over
from flowtop.engine.executors import (
    DaskBackend,
    ExecutorError,
    ProcessBackend,
    make_backend,
    parse_spec,
)
from flowtop.workspace import Workspace


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("thread", ("thread", None)),
        ("process", ("process", None)),
        ("dask", ("dask", None)),
        ("dask:tcp://10.0.0.5:8786", ("dask", "tcp://10.0.0.5:8786")),
        ("dask:tls://scheduler.example.org:8786", ("dask", "tls://scheduler.example.org:8786")),
        ("dask:tcp://[::1]:8786", ("dask", "tcp://[::1]:8786")),
    ],
)
def test_valid_specs(spec, expected):
    assert parse_spec(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "procss",
            "executor must be 'thread', 'process', 'dask' or 'dask:tcp://HOST:PORT', "
            "got 'procss' (did you mean 'process'?)",
        ),
        (
            "dask:localhost",
            "executor 'dask:localhost': 'localhost' is not a scheduler address like tcp://HOST:PORT",
        ),
        ("dask:tcp://host:port", "is not a scheduler address"),
        ("dask:tcp://localhost", "'tcp://localhost' has no port, as in tcp://HOST:PORT"),
        (3, "got int 3"),
    ],
)
def test_bad_specs_say_what_is_accepted(spec, message):
    with pytest.raises(ExecutorError) as info:
        parse_spec(spec)
    assert message in str(info.value)


def test_make_backend_per_spec():
    assert make_backend("thread") is None and make_backend(None) is None
    for spec, kind in (("process", ProcessBackend), ("dask", DaskBackend)):
        backend = make_backend(spec, workers=2)
        try:
            assert isinstance(backend, kind) and backend.workers == 2
        finally:
            backend.close()
    remote = make_backend("dask:tcp://127.0.0.1:8786")
    assert remote.address == "tcp://127.0.0.1:8786" and remote._client is None  # connects on use


@pytest.mark.parametrize("spec", ["dask", "dask:tcp://127.0.0.1:8786", "process"])
def test_missing_extra_is_named(monkeypatch, spec):
    monkeypatch.setattr(spec_module, "_missing", lambda module: True)
    with pytest.raises(ExecutorError, match=r'pip install -e "\.\[dask\]"'):
        make_backend(spec)


def test_an_encrypted_address_without_certificates_is_one_clear_error():
    """It was a TypeError traceback from inside Dask, then a 20 s wait to close."""
    pytest.importorskip("distributed")
    backend = DaskBackend("tls://127.0.0.1:1")
    try:
        with pytest.raises(ExecutorError, match="needs TLS certificates, and Dask's config"):
            backend.start()
    finally:
        backend.close()


def test_a_certificate_file_dask_names_but_cannot_read_is_one_clear_error(tmp_path):
    """It was a FileNotFoundError traceback from inside Dask's ``Security``."""
    pytest.importorskip("distributed")
    import dask.config

    missing = tmp_path / "ca.pem"
    tls = {"ca-file": str(missing), "client.cert": str(tmp_path / "client.pem")}
    backend = DaskBackend("tls://127.0.0.1:1")
    try:
        with (
            dask.config.set({f"distributed.comm.tls.{k}": v for k, v in tls.items()}),
            pytest.raises(ExecutorError, match=r"cannot be used: .*ca\.pem: No such file"),
        ):
            backend.start()
    finally:
        backend.close()


def test_unreachable_scheduler_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(dask_connect, "CONNECT_TIMEOUT", 0.5)
    backend = DaskBackend("tcp://127.0.0.1:9")
    try:
        with pytest.raises(
            ExecutorError, match=r"cannot connect to the Dask scheduler at tcp://127\.0\.0\.1:9"
        ):
            backend.start()
        outcomes: list[tuple[Any, BaseException | None, str]] = []
        hand_over(
            backend,
            len,
            [[1]],
            {},
            timeout=None,
            abandoned=lambda: False,
            on_done=lambda *outcome: outcomes.append(outcome),
        )
        [(value, error, _)] = outcomes
        assert value is None and "cannot connect" in str(error)
    finally:
        backend.close()


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('executor = "process"', None),
        ('executor = "dask:tcp://10.0.0.5:8786"', None),
        (
            'executor = "threads"',
            "flowtop.toml:2: [defaults]: executor must be 'thread', 'process', 'dask' or "
            "'dask:tcp://HOST:PORT', got 'threads' (did you mean 'thread'?)",
        ),
        (
            'executor = "dask:8786"',
            "flowtop.toml:2: [defaults]: executor 'dask:8786': '8786' is not",
        ),
    ],
)
def test_settings_executor_is_validated(tmp_path, monkeypatch, toml, expected):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flows.py").write_text("from flowtop import Flow\nflow = Flow('f')\n")
    (tmp_path / "flowtop.toml").write_text(f"[defaults]\n{toml}\n")
    with Workspace(tmp_path) as ws:
        ws.load()
        if expected is None:
            assert ws.settings_error is None
            assert ws.settings.executor == toml.split('"')[1]
        else:
            assert expected in str(ws.settings_error)
            assert ws.settings.executor == "thread"
