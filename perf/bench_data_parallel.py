"""Data-parallel evaluation: 1 process vs N processes under `accelerate launch`, whole processes, same task.

Each process runs one torch thread, so N processes use N cores (this machine: 2). Prints items/s for each, the
speed-up, and the sharding overhead: N-process wall time over the ideal (1-process time / N). Both runs must write
byte-identical samples and results (checked; a mismatch is an error, not a figure).

    .venv/bin/python perf/bench_data_parallel.py                          # ~86M model, 64 MC items, 2 processes
    .venv/bin/python perf/bench_data_parallel.py --size tiny --items 400 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PY, ensure_model, interleaved, load_average, make_mc_rows, median, run_process  # noqa: E402
from _common import write_task_folder  # noqa: E402

LAUNCH = [PY, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_machines", "1", "--mixed_precision", "no",
          "--dynamo_backend", "no", "--main_process_port", "0"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="100m", choices=["tiny", "100m"])
    ap.add_argument("--items", type=int, default=64)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    model = ensure_model(args.size)
    work = Path(tempfile.mkdtemp(prefix="ea-dp-bench-"))
    tasks = write_task_folder(work / "tasks", make_mc_rows(args.items), None)
    env = {"OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    os.environ.pop("WORLD_SIZE", None)
    base = ["-m", "eval_anything", "run", "--model", f"hf:{model}", "--task", "perf_mc", "--task-path", str(tasks),
            "--no-cache", "--no-progress", "--batch-size", "16", "--model-args", "num_threads=1",
            "--bootstrap-iters", "0"]
    counter = iter(range(10**6))

    def one() -> tuple[float, float]:
        return run_process([PY, *base, "--output", str(work / "one"), "--run-id", f"r{next(counter)}"], env)

    def many() -> tuple[float, float]:
        return run_process([*LAUNCH, "--num_processes", str(args.processes), *base, "--output", str(work / "many"),
                            "--run-id", f"r{next(counter)}"], env)

    times = interleaved({"1 process": one, f"{args.processes} processes": many}, args.repeats)
    ones = sorted((work / "one").glob("*/*"))
    manys = sorted((work / "many").glob("*/*"))
    for a in ones[:1]:
        for b in manys:
            for name in ("results.json", "samples/perf_mc.jsonl"):
                ra, rb = (a / name).read_text().replace(a.name, "RUN"), (b / name).read_text().replace(b.name, "RUN")
                if ra != rb:
                    raise SystemExit(f"outputs differ: {a / name} vs {b / name}")
    t1 = median([t[0] for t in times["1 process"]])
    tn = median([t[0] for t in times[f"{args.processes} processes"]])
    print(f"model {args.size}, {args.items} items x 4 choices, load average {load_average()}")
    print(f"1 process:  {t1:.2f} s wall, {args.items / t1:.2f} items/s (whole process, 1 thread)")
    print(f"{args.processes} processes: {tn:.2f} s wall, {args.items / tn:.2f} items/s")
    print(f"speed-up {t1 / tn:.2f}x; sharding overhead (wall / ideal 1-process/N): {tn / (t1 / args.processes):.2f}")
    print("outputs byte-identical: yes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
