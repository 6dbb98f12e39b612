"""Shared by the chaos tests: a tiny generation task, the default model built once, runs forked together."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FORKRUN = Path(__file__).resolve().with_name("forkrun.py")


def ensure_default_model() -> None:
    """Build the default model in this process, once, so forked children only load it."""
    from eval_anything.models.default_model import ensure_default_model as ensure

    ensure()


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}


def forkrun(rounds: list[list[dict]], work: Path, timeout: float = 240) -> list[list[dict]]:
    """Run rounds of `eval-anything` jobs (see forkrun.py); returns per job pid, rc, killed, wall_s, stdout, stderr."""
    spec, out = work / "forkrun-spec.json", work / "forkrun-out.json"
    spec.write_text(json.dumps({"rounds": rounds}))
    proc = subprocess.run([sys.executable, str(FORKRUN), str(spec), str(out)], env=env(), capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())["rounds"]


def run_argv(tasks: Path, output: Path, cache: Path, *extra: str) -> list[str]:
    return ["run", "--model", "default", "--task", "tgen", "--task-path", str(tasks), "--output", str(output),
            "--cache-path", str(cache), "--no-progress", "--bootstrap-iters", "50", *extra]


def run_dirs(output: Path) -> list[Path]:
    """Finished run directories (hidden temp directories are not runs)."""
    return sorted(p for p in output.glob("*/*") if p.is_dir() and not p.name.startswith("."))


def leftovers(output: Path) -> list[str]:
    return sorted(p.name for p in output.glob("*/.*"))


def comparable_results(run_dir: Path) -> str:
    """results.json with the run id taken out (two runs of one config must match byte for byte otherwise)."""
    results = json.loads((run_dir / "results.json").read_text())
    results.pop("run_id")
    return json.dumps(results, sort_keys=True)


def check_complete(run_dir: Path, task: str, n: int) -> list[dict]:
    """A complete run directory: run.json, results.json, samples/<task>.jsonl with n distinct samples."""
    assert (run_dir / "run.json").is_file() and (run_dir / "results.json").is_file(), run_dir
    info = json.loads((run_dir / "run.json").read_text())
    assert info["run_id"] == run_dir.name
    lines = (run_dir / "samples" / f"{task}.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == n and len({r["id"] for r in records}) == n, (run_dir, len(records))
    return records


# ----- one forked session for the kill and concurrency suites (one interpreter start-up for both) -------------
SEED = 20261201
PAIRS = 10
N_PAIR, N_KILL = 4, 16  # samples per run in the pairs / in the kill-and-resume runs


class ChaosPlan:
    """Paths, seeded kill points and the forked runs' outcomes, shared by test_kill_* and test_concurrent_*."""

    def __init__(self, root: Path) -> None:
        import random

        from tests.fixtures.taskgen import write_gen_task

        self.root = root
        self.tasks = root / "tasks"
        write_gen_task(self.tasks, n=N_KILL, max_new_tokens=4)
        rng = random.Random(SEED)
        self.kill_rows = rng.randint(2, N_KILL // 2)  # kill once this many samples are cached ...
        self.kill_extra = rng.uniform(0.0, 0.03)  # ... plus this many seconds
        self.kill_delay = rng.uniform(0.05, 1.5)  # the second kill: this long after the start, wherever that is
        self.pair_out, self.pair_cache = root / "pairs", root / "pairs.sqlite"
        self.kill_out, self.ref_cache, self.kill_cache = root / "kill", root / "ref.sqlite", root / "kill.sqlite"

    def rounds(self) -> list[dict]:
        def pair_job(k: int, *extra: str) -> dict:
            return {"argv": run_argv(self.tasks, self.pair_out, self.pair_cache, "--limit", str(N_PAIR),
                                     "--seed", str(k), "--batch-size", "2", *extra)}

        def kill_job(cache: Path, *extra: str, **kill) -> dict:
            return {"argv": run_argv(self.tasks, self.kill_out, cache, "--batch-size", "2", *extra), **kill}

        pairs = [pair_job(k // 2) for k in range(2 * PAIRS)] + [pair_job(0, "--run-id", "same")] * 2
        kc = str(self.kill_cache)
        return [
            {"jobs": pairs, "count_rows": str(self.pair_cache)},
            {"jobs": [kill_job(self.ref_cache, "--run-id", "ref")], "count_rows": str(self.ref_cache)},
            {"jobs": [kill_job(self.kill_cache, kill_when_rows=[kc, self.kill_rows, self.kill_extra])],
             "count_rows": kc, "list_hidden": str(self.kill_out)},
            {"jobs": [kill_job(self.kill_cache, kill_after=self.kill_delay)], "count_rows": kc},
            {"jobs": [kill_job(self.kill_cache, "--run-id", "resumed")], "count_rows": kc},
        ]

    def run(self) -> "ChaosPlan":
        ensure_default_model()
        self.results = forkrun(self.rounds(), self.root, timeout=400)
        return self


_PLAN: ChaosPlan | None = None


def chaos_plan(tmp_root: Path) -> ChaosPlan:
    """Run the plan once per test session (both suites read the same outcomes)."""
    global _PLAN
    if _PLAN is None:
        _PLAN = ChaosPlan(tmp_root).run()
    return _PLAN
