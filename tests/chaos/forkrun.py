"""Runs many `eval-anything` command lines as real, separate processes, started together, cheaply.

Each job is a child process forked from this interpreter after the heavy imports (torch, transformers, the
harness), so twenty runs cost twenty evaluations rather than twenty interpreter start-ups. A child is a whole
process: its own pid, files and exit code (`eval_anything.cli.main`, exactly as the console script runs it).

    python tests/chaos/forkrun.py SPEC.json OUT.json

SPEC: {"rounds": [[job, ...], ...]}: rounds run one after another, the jobs of a round all at once.
job:  {"argv": [...], "kill_after": seconds or null, "kill_after_frac": fraction of the previous round's
       longest job wall time, or null}. A killed job is sent SIGKILL at that moment (if still running).
OUT:  {"rounds": [[{"pid", "rc", "killed", "wall_s", "stdout", "stderr"}, ...], ...]}; rc is -9 when killed.
"""

from __future__ import annotations

import json
import os
import signal
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


def run_round(jobs: list[dict], log_dir: str, base: int, prev_wall: float) -> list[dict]:
    started: list[tuple[int, float, float | None]] = []
    for i, job in enumerate(jobs):
        pid = os.fork()
        if pid == 0:
            _child(job["argv"], log_dir, base + i)
        kill = job.get("kill_after")
        if job.get("kill_after_frac") is not None:
            kill = float(job["kill_after_frac"]) * prev_wall
        started.append((pid, time.monotonic(), kill))
    results: dict[int, dict] = {}
    pending = {pid: (t0, kill) for pid, t0, kill in started}
    killed: set[int] = set()
    while pending:
        for pid, (t0, kill) in list(pending.items()):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                rc = os.waitstatus_to_exitcode(status)
                results[pid] = {"pid": pid, "rc": rc, "killed": pid in killed, "wall_s": time.monotonic() - t0}
                del pending[pid]
            elif kill is not None and pid not in killed and time.monotonic() - t0 >= kill:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
        time.sleep(0.005)
    out = []
    for i, (pid, _, _) in enumerate(started):
        r = results[pid]
        r["stdout"] = Path(log_dir, f"{base + i}.out").read_text(errors="replace")
        r["stderr"] = Path(log_dir, f"{base + i}.err").read_text(errors="replace")
        out.append(r)
    return out


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    _preload()
    log_dir = tempfile.mkdtemp(prefix="forkrun-")
    rounds, base, prev_wall = [], 0, 0.0
    for jobs in spec["rounds"]:
        res = run_round(jobs, log_dir, base, prev_wall)
        base += len(jobs)
        prev_wall = max(r["wall_s"] for r in res)
        rounds.append(res)
    Path(sys.argv[2]).write_text(json.dumps({"rounds": rounds}))


if __name__ == "__main__":
    main()
