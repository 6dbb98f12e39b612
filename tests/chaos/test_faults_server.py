"""Server faults through the whole command line (real processes, the loopback fault server): a run that cannot
succeed stops early and exits non-zero with the reason; exit codes say what happened."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.chaos.chaos_runs import ROOT, leftovers, run_dirs
from tests.fixtures.taskgen import write_gen_task
from tests.servers.fault_server import FaultServer

from eval_anything.failfast import FAIL_FAST_AFTER

N = 30
CONCURRENCY = 2


@pytest.fixture(scope="module")
def server():
    with FaultServer(lifetime=300) as s:
        yield s


@pytest.fixture(scope="module")
def tasks(tmp_path_factory):
    root = tmp_path_factory.mktemp("fault-tasks")
    write_gen_task(root, n=N)
    return root


def _run(base_url: str, tasks: Path, out: Path, task: str = "tgen", model_args: str = "",
         real: bool = False) -> subprocess.CompletedProcess:
    """The command line, in a real process (`real`) or in this one (same code path, no interpreter start-up)."""
    args = ["run", "--model", "openai:fault-model", "--base-url", base_url, "--task", task, "--task-path", str(tasks),
            "--output", str(out), "--no-cache", "--no-progress", "--concurrency", str(CONCURRENCY),
            "--bootstrap-iters", "0", "--model-args", "max_retries=1,backoff_base=0.01,backoff_max=0.02" + model_args]
    if real:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENAI_API_KEY": "sk-test-not-a-real-key"}
        return subprocess.run([sys.executable, "-m", "eval_anything.cli", *args], capture_output=True, text=True,
                              env=env, timeout=120)
    from typer.testing import CliRunner

    from eval_anything.cli import app

    r = CliRunner(env={"OPENAI_API_KEY": "sk-test-not-a-real-key"}).invoke(app, args)
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    return subprocess.CompletedProcess(args, r.exit_code, r.stdout, r.stderr)


def _one_line_error(proc: subprocess.CompletedProcess) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


@pytest.mark.parametrize("status,hint", [("401", "Check the API key"), ("403", "Check the API key"),
                                         ("404", "Check the model name and --base-url")])
def test_repeated_auth_or_not_found_stops_early(server, tasks, tmp_path, status, hint):
    server.configure(fail_rate=1.0, fail_kinds=[status])
    proc = _run(server.base_url, tasks, tmp_path / "out", real=status == "401")
    assert proc.returncode == 1
    line = _one_line_error(proc)
    assert line.startswith(f"error: stopped after {FAIL_FAST_AFTER} identical failures in a row from the server "
                           f"at {server.base_url}: HTTP {status}")
    assert hint in line and "no run directory was written" in line
    sent = len(server.log())
    assert FAIL_FAST_AFTER <= sent <= FAIL_FAST_AFTER + CONCURRENCY < N  # not every request was sent
    assert run_dirs(tmp_path / "out") == [] and leftovers(tmp_path / "out") == []


def test_connection_refused_stops_early(tasks, tmp_path):
    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = _run(f"http://127.0.0.1:{port}/v1", tasks, tmp_path / "out")
    assert proc.returncode == 1
    line = _one_line_error(proc)
    assert f"identical failures in a row from the server at http://127.0.0.1:{port}/v1: connection error" in line
    assert "Check that the server is running" in line
    assert run_dirs(tmp_path / "out") == [] and leftovers(tmp_path / "out") == []


def test_every_request_failing_otherwise_exits_1_with_the_reason(server, tasks, tmp_path):
    server.configure(fail_rate=1.0, fail_kinds=["500"])  # not fatal by kind: every request is tried (and retried)
    proc = _run(server.base_url, tasks, tmp_path / "out")
    assert proc.returncode == 1, proc.stderr
    assert len(server.log()) == 2 * N
    why = "exit 1: task tgen failed: all 30 samples errored (30x: gave up after 2 attempts: HTTP 500"
    assert why in proc.stdout
    [run] = run_dirs(tmp_path / "out")
    status = json.loads((run / "run.json").read_text())["status"]
    assert status["exit_code"] == 1 and status["reason"].startswith("task tgen failed: all 30 samples errored")
    assert len((run / "samples" / "tgen.jsonl").read_text().splitlines()) == N


def test_some_failures_still_exit_0(server, tasks, tmp_path):
    server.configure(script=["401", "404"] + ["ok"] * N)  # two fatal-looking errors, then the server recovers
    proc = _run(server.base_url, tasks, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "exit 0: 1 task scored" in proc.stdout
    [run] = run_dirs(tmp_path / "out")
    results = json.loads((run / "results.json").read_text())["tasks"]["tgen"]
    assert (results["n"], results["n_errors"]) == (N, 2)


def test_every_task_skipped_exits_3(server, tasks, tmp_path):
    server.configure()
    proc = _run(server.base_url, tasks, tmp_path / "out", task="mmmu_mini", model_args=",modalities=text")
    assert proc.returncode == 3, proc.stderr
    assert "exit 3: every task was skipped (1); most common reason: model lacks input modality: image" in proc.stdout
    assert server.log() == []
    [run] = run_dirs(tmp_path / "out")
    assert json.loads((run / "run.json").read_text())["status"]["exit_code"] == 3
