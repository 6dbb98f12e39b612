"""lm-evaluation-harness vs eval-anything on the same model and the same four-choice data: time ratio and equality
of acc / acc_norm (and of every per-choice log-likelihood).

lm_eval is never a project dependency: it runs in its own virtualenv, whose python is passed with --lmeval-python:

    python3 -m venv /tmp/lmeval-venv && /tmp/lmeval-venv/bin/pip install torch==2.13.0 \
        && /tmp/lmeval-venv/bin/pip install "lm-eval[hf]"
    .venv/bin/python perf/bench_lm_eval.py --lmeval-python /tmp/lmeval-venv/bin/python [--size tiny] [--items 500]

Both sides get the same jsonl file. lm_eval reads it through a custom task (dataset_path: json + data_files,
--include_path, offline); eval-anything through a task folder (--task-path). Timings, interleaved and medians:
  in process  : model loaded and imports done; lm_eval.simple_evaluate(HFLM instance) vs eval_anything.evaluate(
                HFCausalLM instance). Each includes its own data loading, request building and scoring.
  as processes: `python -m lm_eval run ...` vs `eval-anything run ...`, wall time from start to exit.
Exits 1 when acc or acc_norm differ.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402

LMEVAL_TASK = """task: perf_mc_lmeval
dataset_path: json
dataset_kwargs:
  data_files:
    test: {data}
test_split: test
output_type: multiple_choice
doc_to_text: "Question: {{{{question}}}}\\nAnswer:"
doc_to_choice: "{{{{choices}}}}"
doc_to_target: "{{{{answer}}}}"
target_delimiter: " "
metric_list:
  - metric: acc
    aggregation: mean
    higher_is_better: true
  - metric: acc_norm
    aggregation: mean
    higher_is_better: true
"""

# Runs inside the lm_eval virtualenv: load HFLM once, then time simple_evaluate `repeats` times when asked to.
LMEVAL_DRIVER = r'''
import json, sys, time
args = json.loads(sys.argv[1])
import torch
torch.set_num_threads(args["threads"])
import lm_eval
from lm_eval.models.huggingface import HFLM
from lm_eval.tasks import TaskManager
lm = HFLM(pretrained=args["model"], batch_size=args["batch_size"], device="cpu", dtype="float32")
tm = TaskManager(include_path=args["include"])
def once():
    t = time.perf_counter()
    res = lm_eval.simple_evaluate(model=lm, tasks=["perf_mc_lmeval"], task_manager=tm, log_samples=True,
                                  batch_size=args["batch_size"], bootstrap_iters=0)
    return time.perf_counter() - t, res
once_t, res = once()  # warm-up (and the figures we compare)
r = res["results"]["perf_mc_lmeval"]
samples = sorted(res["samples"]["perf_mc_lmeval"], key=lambda s: s["doc_id"])
lls = [[float(x[0]) for x in s["resps"] for x in ([x[0]] if isinstance(x[0], (list, tuple)) else [x])] for s in samples]
print(json.dumps({"event": "ready", "acc": r.get("acc,none"), "acc_norm": r.get("acc_norm,none"), "lls": lls,
                  "warmup_s": once_t, "version": getattr(lm_eval, "__version__", "?")}), flush=True)
for line in sys.stdin:  # one timed run per line received
    c = time.process_time()
    t, _ = once()
    print(json.dumps({"event": "timed", "s": t, "cpu": time.process_time() - c}), flush=True)
'''


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lmeval-python", default="/tmp/lmeval-venv/bin/python")
    ap.add_argument("--size", default="tiny", choices=list(C.MODEL_SIZES))
    ap.add_argument("--items", type=int, default=500)
    ap.add_argument("--context-words", type=int, default=80)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--modes", default="in-process,process")
    args = ap.parse_args(argv)
    check = subprocess.run([args.lmeval_python, "-c", "import lm_eval"], capture_output=True, text=True)
    if check.returncode != 0:
        print(f"lm_eval is not importable with {args.lmeval_python}; install it in its own venv (see --help). "
              "Skipping.")
        return 0
    modes = set(args.modes.split(","))
    import torch

    torch.set_num_threads(args.threads)
    path = C.ensure_model(args.size)
    rows = C.make_mc_rows(args.items, args.context_words)
    env = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "OMP_NUM_THREADS": str(args.threads),
           "TOKENIZERS_PARALLELISM": "false"}
    os.environ.update(env)
    from transformers import AutoTokenizer

    tk = AutoTokenizer.from_pretrained(str(path))
    ctx_tokens = [len(tk(C.MC_TEMPLATE.format(question=r["question"]))["input_ids"]) for r in rows[:50]]
    print(f"eval_anything from {C.HARNESS_ROOT}; lm_eval python {args.lmeval_python}")
    print(f"{args.size} model {path}, {args.items} four-choice items (context ~{sum(ctx_tokens) // len(ctx_tokens)} "
          f"tokens), "
          f"batch {args.batch_size}, torch threads {args.threads}, load {C.load_average()}")
    with tempfile.TemporaryDirectory(prefix="ea-lmeval-") as tmp:
        tmp = Path(tmp)
        C.write_task_folder(tmp / "tasks", rows, None)
        data = tmp / "tasks" / "perf_mc" / "test.jsonl"
        (tmp / "lmeval_tasks").mkdir()
        (tmp / "lmeval_tasks" / "perf_mc_lmeval.yaml").write_text(LMEVAL_TASK.format(data=data))
        (tmp / "driver.py").write_text(LMEVAL_DRIVER)

        # ---- ours, in process
        import eval_anything
        from eval_anything.models.hf_causal import HFCausalLM

        model, tok = C.load_plain(path)

        def ours_once():
            adapter = HFCausalLM(model, tok, name=f"perf-{args.size}", fingerprint=f"perf-{args.size}",
                                 batch_size=args.batch_size)
            t, c = time.perf_counter(), time.process_time()
            res = eval_anything.evaluate(adapter, ["perf_mc"], task_paths=[str(tmp / "tasks")], use_cache=False,
                                         output=str(tmp / "runs"), show_progress=False, bootstrap_iters=0)
            return (time.perf_counter() - t, time.process_time() - c), res

        _, res = ours_once()  # warm-up, and the figures we compare
        ours_acc = res.results["tasks"]["perf_mc"]["metrics"]["acc"]["value"]
        ours_norm = res.results["tasks"]["perf_mc"]["metrics"]["acc_norm"]["value"]
        recs = [json.loads(l) for l in (res.run_dir / "samples" / "perf_mc.jsonl").read_text().splitlines() if l]
        ours_lls = [r["logprobs"] for r in recs]

        # ---- lm_eval, in process (its own interpreter, kept alive between runs)
        drv_log = open(tmp / "driver.stderr", "w")
        drv = subprocess.Popen([args.lmeval_python, str(tmp / "driver.py"),
                                json.dumps({"threads": args.threads, "model": str(path), "batch_size": args.batch_size,
                                            "include": str(tmp / "lmeval_tasks")})],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=drv_log, text=True,
                               env={**os.environ, **env})  # stderr to a file: lm_eval logs a lot

        def read_event():
            while True:
                line = drv.stdout.readline()
                if not line:
                    raise RuntimeError("lm_eval driver died:\n" + (tmp / "driver.stderr").read_text()[-4000:])
                if line.startswith("{"):
                    return json.loads(line)

        ready = read_event()
        lm_acc, lm_norm, lm_lls = ready["acc"], ready["acc_norm"], ready["lls"]
        print(f"lm_eval {ready['version']} ready")

        # ---- equality
        diffs = [abs(a - b) for x, y in zip(ours_lls, lm_lls) for a, b in zip(x, y)]
        ours_pred = [max(range(4), key=lambda j: x[j]) for x in ours_lls]
        lm_pred = [max(range(4), key=lambda j: y[j]) for y in lm_lls]
        print(f"acc      ours {ours_acc:.6f}  lm_eval {lm_acc:.6f}  {'EQUAL' if ours_acc == lm_acc else 'DIFFERENT'}")
        print(f"acc_norm ours {ours_norm:.6f}  lm_eval {lm_norm:.6f}  "
              f"{'EQUAL' if ours_norm == lm_norm else 'DIFFERENT'}")
        print(f"per-choice log-likelihoods: {len(diffs)} compared, max |ours - lm_eval| {max(diffs):.2e}; "
              f"argmax differs on {sum(a != b for a, b in zip(ours_pred, lm_pred))} of {len(rows)} items")
        equal = ours_acc == lm_acc and ours_norm == lm_norm

        # ---- timings, interleaved
        if "in-process" in modes:
            def lm_once():
                drv.stdin.write("go\n")
                drv.stdin.flush()
                ev = read_event()
                return ev["s"], ev["cpu"]

            times = C.interleaved({"ours": lambda: ours_once()[0], "lm_eval": lm_once}, args.repeats)
            report("in-process", len(rows), times)
        drv.stdin.close()
        drv.wait()
        drv_log.close()
        del model
        if "process" in modes:
            harness, extra_env = C.harness_cli()
            ours_cmd = harness + ["run", "--model", f"hf:{path}", "--task", "perf_mc", "--task-path",
                        str(tmp / "tasks"), "--no-cache", "--no-progress", "--batch-size", str(args.batch_size),
                        "--model-args", f"num_threads={args.threads}", "--output", str(tmp / "runs2")]
            lm_cmd = [args.lmeval_python, "-m", "lm_eval", "run", "--model", "hf", "--model_args",
                      f"pretrained={path},dtype=float32", "--tasks", "perf_mc_lmeval", "--include_path",
                      str(tmp / "lmeval_tasks"), "--batch_size", str(args.batch_size), "--device", "cpu",
                      "--output_path", str(tmp / "lm_out")]
            times = C.interleaved({"ours": lambda: C.run_process(ours_cmd, {**env, **extra_env}),
                                   "lm_eval": lambda: C.run_process(lm_cmd, env)}, args.repeats)
            report("process", len(rows), times)
    return 0 if equal else 1


def report(mode: str, n: int, times: dict) -> None:
    c = C.compare(times, "ours", "lm_eval")
    o, l = c["wall_a"], c["wall_b"]
    print(f"{mode:>10}: ours {o:.2f} s ({n / o:.1f} items/s)  lm_eval {l:.2f} s ({n / l:.1f} items/s)  "
          f"ours/lm_eval wall {o / l:.3f} (paired {c['paired_wall_ratio']:.3f}), CPU {c['cpu_a']:.1f}/{c['cpu_b']:.1f} s "
          f"= {c['cpu_ratio']:.3f}  runs ours={c['runs_a']} lm_eval={c['runs_b']} load[{C.load_average()}]",
          flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
