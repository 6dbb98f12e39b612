"""Data-parallel evaluation under the real launcher: `accelerate launch` with 2 CPU processes (gloo).

The bar: the run directory's samples and results are byte-identical to a single-process run, for multiple choice,
generation and a multimodal task, also when a partly filled cache from a run with another process count is resumed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.taskgen import write_gen_task, write_mc_task

ROOT = Path(__file__).resolve().parents[2]
# accelerate's torchrun launcher (named --multi_gpu) starts the processes; on CPU the harness picks gloo itself.
LAUNCH = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_machines", "1",
          "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", "0"]

pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    env.pop("WORLD_SIZE", None)
    return env


def _run(args: list[str], processes: int, expect: int = 0) -> subprocess.CompletedProcess:
    cmd = ([*LAUNCH, "--num_processes", str(processes), "-m", "eval_anything"] if processes > 1
           else [sys.executable, "-m", "eval_anything"])
    proc = subprocess.run([*cmd, "run", *args], capture_output=True, text=True, env=_env(), timeout=400)
    assert proc.returncode == expect, proc.stdout[-2000:] + proc.stderr[-4000:]
    return proc


def _files(run_dir: Path) -> dict[str, bytes]:
    out = {p.relative_to(run_dir).as_posix(): p.read_bytes() for p in sorted((run_dir / "samples").glob("*.jsonl"))}
    out["results.json"] = (run_dir / "results.json").read_bytes()
    return out


def _common(model: str, tasks: Path, task: str, out: Path, run_id: str, *extra: str) -> list[str]:
    return ["--model", model, "--task", task, "--task-path", str(tasks), "--output", str(out), "--run-id", run_id,
            "--batch-size", "4", "--no-progress", "--bootstrap-iters", "50", *extra]


def _only_run(out: Path, run_id: str) -> Path:
    (found,) = [p for p in out.glob(f"*/{run_id}") if p.is_dir()]
    return found


def test_two_processes_equal_one_for_choice_and_generation(tiny_llama_path, tmp_path):
    tasks = tmp_path / "tasks"
    write_mc_task(tasks, n=18)
    write_gen_task(tasks, n=10, max_new_tokens=6)
    model = f"hf:{tiny_llama_path}"
    _run(_common(model, tasks, "tmc,tgen", tmp_path / "one", "r", "--no-cache"), 1)
    two = _run(_common(model, tasks, "tmc,tgen", tmp_path / "two", "r", "--no-cache"), 2)
    one_dir, two_dir = _only_run(tmp_path / "one", "r"), _only_run(tmp_path / "two", "r")
    assert _files(two_dir) == _files(one_dir)
    assert set(_files(one_dir)) == {"samples/tmc.jsonl", "samples/tgen.jsonl", "results.json"}
    run_info = json.loads((two_dir / "run.json").read_text())
    assert run_info["data_parallel"] == {"world_size": 2}
    assert json.loads((one_dir / "run.json").read_text())["data_parallel"] == {"world_size": 1}
    # One process writes and reports: a single summary, one run directory.
    assert two.stdout.count("run directory:") == 1
    assert len(list((tmp_path / "two").glob("*/*"))) == 1


def test_resume_with_another_process_count_is_identical(tiny_llama_path, tmp_path):
    """A cache filled by a 1-process run over part of the data, then resumed by 2 processes (and the reverse)."""
    tasks = tmp_path / "tasks"
    write_mc_task(tasks, n=22)
    model = f"hf:{tiny_llama_path}"
    _run(_common(model, tasks, "tmc", tmp_path / "ref", "r", "--no-cache"), 1)
    cache = tmp_path / "partial.sqlite"
    _run(_common(model, tasks, "tmc", tmp_path / "part", "p", "--cache-path", str(cache), "--limit", "9"), 1)
    _run(_common(model, tasks, "tmc", tmp_path / "res", "r", "--cache-path", str(cache)), 2)
    assert _files(_only_run(tmp_path / "res", "r")) == _files(_only_run(tmp_path / "ref", "r"))
    run_info = json.loads((_only_run(tmp_path / "res", "r") / "run.json").read_text())
    assert 0 < run_info["timing"]["cache_hits"] < 22 * 4  # partly resumed, partly computed
    # The reverse: the cache the 2-process run completed answers a 1-process rerun entirely.
    _run(_common(model, tasks, "tmc", tmp_path / "again", "r", "--cache-path", str(cache)), 1)
    assert _files(_only_run(tmp_path / "again", "r")) == _files(_only_run(tmp_path / "ref", "r"))
    info = json.loads((_only_run(tmp_path / "again", "r") / "run.json").read_text())
    assert info["timing"]["computed"] == 0


def test_two_processes_equal_one_for_an_image_task(tmp_path):
    from tests.fixtures.tiny_multimodal import build_tiny_llava

    llava = build_tiny_llava(tmp_path / "tiny-llava", seed=0)
    args = ["--model", f"hf:{llava}", "--task", "synth_image", "--limit", "10", "--batch-size", "4",
            "--no-progress", "--bootstrap-iters", "50", "--no-cache", "--task-option", "synth_count=40"]
    _run([*args, "--output", str(tmp_path / "one"), "--run-id", "r"], 1)
    _run([*args, "--output", str(tmp_path / "two"), "--run-id", "r"], 2)
    one, two = _files(_only_run(tmp_path / "one", "r")), _files(_only_run(tmp_path / "two", "r"))
    assert two == one
    assert b'"synth_image"' in one["results.json"]


def test_a_local_judge_is_data_parallel_too(tiny_llama_path, tmp_path):
    """A judge-scored task with a local judge model: the judge's calls are sharded like the model's, and the
    samples (judge prompts, raw judge outputs, parse failures) equal a 1-process run's byte for byte."""
    args = ["--task", "amg_if_text", "--limit", "6", "--judge", f"hf:{tiny_llama_path}", "--no-progress",
            "--no-cache", "--bootstrap-iters", "50", "--batch-size", "2"]
    # A random judge never gives a readable verdict: every sample is a parse failure, so the task fails (exit 1)
    _run([*args, "--output", str(tmp_path / "one"), "--run-id", "r"], 1, expect=1)
    _run([*args, "--output", str(tmp_path / "two"), "--run-id", "r"], 2, expect=1)
    one, two = _files(_only_run(tmp_path / "one", "r")), _files(_only_run(tmp_path / "two", "r"))
    assert two == one
    lines = [json.loads(x) for x in one["samples/amg_if_text.jsonl"].decode().splitlines()]
    assert len(lines) == 6 and all("judge" in json.dumps(x) for x in lines)


def test_killed_data_parallel_run_resumes_with_one_process(tiny_llama_path, tmp_path):
    import signal

    from tests.fixtures.cachewatch import wait_until_cached

    tasks = tmp_path / "tasks"
    write_gen_task(tasks, n=40, max_new_tokens=24)
    model = f"hf:{tiny_llama_path}"
    _run(_common(model, tasks, "tgen", tmp_path / "ref", "r", "--no-cache"), 1)
    cache = tmp_path / "killed.sqlite"
    cmd = [*LAUNCH, "--num_processes", "2", "-m", "eval_anything", "run",
           *_common(model, tasks, "tgen", tmp_path / "res", "r", "--cache-path", str(cache))]
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    done = wait_until_cached(cache, 8, proc, timeout=300, poll=0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the launcher and both ranks
    proc.wait()
    assert 8 <= done < 40
    assert not list((tmp_path / "res").glob("*/r"))  # no half-written run directory
    _run(_common(model, tasks, "tgen", tmp_path / "res", "r", "--cache-path", str(cache)), 1)
    assert _files(_only_run(tmp_path / "res", "r")) == _files(_only_run(tmp_path / "ref", "r"))
