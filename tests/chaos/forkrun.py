"""Runs many `eval-anything` command lines as real, separate processes, started together, cheaply.

Each job is a child process forked from this interpreter after the heavy imports (torch, transformers, the
harness), so twenty runs cost twenty evaluations rather than twenty interpreter start-ups. A child is a whole
process: its own pid, files and exit code (`eval_anything.cli.main`, exactly as the console script runs it).

    python tests/chaos/forkrun.py SPEC.json OUT.json

SPEC: {"rounds": [{"jobs": [job, ...], "count_rows": SQLITE_PATH or null}, ...]}: rounds run one after another,
      the jobs of a round all at once; count_rows: the cache's row count is recorded after the round;
      list_hidden: the hidden entries of OUTPUT/*/ are listed after the round.
job:  {"argv": [...], "kill_after": seconds or null, "kill_when_rows": [SQLITE_PATH, N, EXTRA_SECONDS] or null}:
      SIGKILL the job that many seconds after its start, or EXTRA_SECONDS after the cache holds N rows.
OUT:  {"rounds": [{"jobs": [{"pid", "rc", "killed", "wall_s", "stdout", "stderr"}, ...], "rows", "hidden"}]};
      rc is -9 for a killed job.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _preload() -> None:
    # Imports only: no torch op runs before the fork (a thread pool created here would not survive it).
    import datasets  # noqa: F401
    import torch  # noqa: F401
    import transformers  # noqa: F401
    from transformers import AutoTokenizer, LlamaForCausalLM  # noqa: F401

    import eval_anything.cli  # noqa: F401
    import eval_anything.models.default_model  # noqa: F401
    import eval_anything.models.hf_causal  # noqa: F401
    import eval_anything.runner  # noqa: F401
    import eval_anything.scoring  # noqa: F401


def _child(argv: list[str], log_dir: str, index: int) -> None:
    out = os.open(os.path.join(log_dir, f"{index}.out"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    err = os.open(os.path.join(log_dir, f"{index}.err"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(out, 1)
    os.dup2(err, 2)
    code = 99
    try:
        import torch

        torch.set_num_threads(1)
        from eval_anything.cli import main

        sys.argv = ["eval-anything", *argv]
        main()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _rows(path: str) -> int:
    if not os.path.exists(path):
        return 0
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _kill_due(job: dict, t0: float, state: dict) -> bool:
    now = time.monotonic()
    if job.get("kill_after") is not None and now - t0 >= float(job["kill_after"]):
        return True
    when = job.get("kill_when_rows")
    if when:
        path, n, extra = when
        if "reached" not in state and _rows(path) >= int(n):
            state["reached"] = now
        return "reached" in state and now - state["reached"] >= float(extra)
    return False


def run_round(jobs: list[dict], log_dir: str, base: int) -> list[dict]:
    started: list[tuple[int, float]] = []
    for i, job in enumerate(jobs):
        pid = os.fork()
        if pid == 0:
            _child(job["argv"], log_dir, base + i)
        started.append((pid, time.monotonic()))
    results: dict[int, dict] = {}
    pending = {pid: (t0, job, {}) for (pid, t0), job in zip(started, jobs, strict=True)}
    killed: set[int] = set()
    while pending:
        for pid, (t0, job, state) in list(pending.items()):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                rc = os.waitstatus_to_exitcode(status)
                results[pid] = {"pid": pid, "rc": rc, "killed": pid in killed, "wall_s": time.monotonic() - t0}
                del pending[pid]
            elif pid not in killed and _kill_due(job, t0, state):
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
        time.sleep(0.005)
    out = []
    for i, (pid, _) in enumerate(started):
        r = results[pid]
        r["stdout"] = Path(log_dir, f"{base + i}.out").read_text(errors="replace")
        r["stderr"] = Path(log_dir, f"{base + i}.err").read_text(errors="replace")
        out.append(r)
    return out


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    _preload()
    log_dir = tempfile.mkdtemp(prefix="forkrun-")
    rounds, base = [], 0
    for rnd in spec["rounds"]:
        jobs = run_round(rnd["jobs"], log_dir, base)
        base += len(jobs)
        hidden = sorted(p.name for p in Path(rnd["list_hidden"]).glob("*/.*")) if rnd.get("list_hidden") else None
        rounds.append({"jobs": jobs, "rows": _rows(rnd["count_rows"]) if rnd.get("count_rows") else None,
                       "hidden": hidden})
    shutil.rmtree(log_dir, ignore_errors=True)
    Path(sys.argv[2]).write_text(json.dumps({"rounds": rounds}))


if __name__ == "__main__":
    main()
