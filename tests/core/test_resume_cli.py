"""Whole-process behaviour: SIGKILL + rerun, CLI start-up time, CLI errors, two writers on one cache."""

import json
import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path


from eval_anything.cache import ResponseCache
from eval_anything.types import Response
from tests.fixtures.cachewatch import wait_until_cached
from tests.fixtures.taskgen import write_gen_task

CLI = [sys.executable, "-m", "eval_anything.cli"]


def _cli(args, **kw):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run(CLI + args, capture_output=True, text=True, env=env, timeout=300, **kw)


def _strip_run_id(text: str, run_id: str) -> str:
    return text.replace(run_id, "RUN")


def test_sigkill_then_rerun_matches_uninterrupted(tiny_llama_path, tmp_path):
    # Start-up (imports, model load) dominates on a busy machine, so the task is small (12 samples in 6 batches of
    # 2) and the uninterrupted reference runs beside the run that gets killed.
    n = 12
    tasks = tmp_path / "tasks"
    write_gen_task(tasks, n=n, max_new_tokens=8)
    common = ["run", "--model", f"hf:{tiny_llama_path}", "--task", "tgen", "--task-path", str(tasks),
              "--batch-size", "2", "--output", str(tmp_path / "runs"), "--no-progress", "--bootstrap-iters", "100"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    ref = subprocess.Popen(CLI + common + ["--cache-path", str(tmp_path / "ref.sqlite"), "--run-id", "ref"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # Interrupted run: killed as soon as its first batch is committed to the cache (watched, not slept on).
    cache = tmp_path / "killed.sqlite"
    proc = subprocess.Popen(CLI + common + ["--cache-path", str(cache), "--run-id", "resumed"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = wait_until_cached(cache, 2, proc, timeout=240, poll=0.01)
    assert proc.poll() is None, "the run finished before it could be killed; make the task longer"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 2 <= done < n
    assert not list((tmp_path / "runs").glob("*/resumed"))  # no run directory from the killed run
    assert ref.wait(timeout=300) == 0, ref.stderr.read()
    rerun = _cli(common + ["--cache-path", str(cache), "--run-id", "resumed"])
    assert rerun.returncode == 0, rerun.stderr
    run_dirs = {p.name: p for p in (tmp_path / "runs").glob("*/*")}
    a, b = run_dirs["ref"], run_dirs["resumed"]
    info = json.loads((b / "run.json").read_text())
    # every response the killed run committed is reused, the rest are generated now
    assert done <= info["timing"]["cache_hits"] <= n
    assert _strip_run_id((a / "results.json").read_text(), "ref") == \
        _strip_run_id((b / "results.json").read_text(), "resumed")
    lines = (b / "samples" / "tgen.jsonl").read_text().splitlines()
    assert (a / "samples" / "tgen.jsonl").read_text().splitlines() == lines
    assert len(lines) == n and len(set(lines)) == n


def test_help_is_fast():
    best = min(_timed(["--help"]) for _ in range(3))
    assert best < 1.0, f"--help took {best:.2f}s"


def _timed(args):
    t = time.perf_counter()
    out = _cli(args)
    assert out.returncode == 0 and "Usage" in out.stdout
    return time.perf_counter() - t


def test_unknown_task_error_suggests_and_exits_2():
    out = _cli(["run", "--task", "gsm8k_mnii", "--no-progress"])
    assert out.returncode == 2
    assert "gsm8k_mini" in out.stderr and "Traceback" not in out.stderr


def test_unknown_config_key_in_yaml(tmp_path):
    cfg = tmp_path / "run.yaml"
    cfg.write_text("model: default\nbatchsize: 4\n")
    out = _cli(["run", "--config", str(cfg)])
    assert out.returncode == 2 and "unknown key 'batchsize'" in out.stderr


def test_tasks_lists_shipped_benchmarks():
    out = _cli(["tasks"])
    assert out.returncode == 0
    for name in ("mmlu_mini", "gsm8k_mini", "arc_mini"):
        assert name in out.stdout


def _writer(path, start):
    cache = ResponseCache(path)
    for i in range(start, start + 200, 10):
        cache.put_many((f"k{j}", "fp", "tv", "rh", Response(text=str(j))) for j in range(i, i + 10))


def test_two_processes_write_one_cache(tmp_path):
    path = tmp_path / "shared.sqlite"
    ResponseCache(path)
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, s)) for s in (0, 200)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    cache = ResponseCache(path)
    assert cache.count() == 400
    got = cache.get_many([f"k{j}" for j in range(400)])
    assert got["k399"].text == "399" and len(got) == 400
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_errors_are_not_cached(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    cache.put_many([("a", "fp", "tv", "rh", Response.failed("HTTP 500")), ("b", "fp", "tv", "rh", Response(text="ok"))])
    assert set(cache.get_many(["a", "b"])) == {"b"}
