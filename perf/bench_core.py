"""Harness vs plain-transformers floor: multiple choice (shared long contexts) and greedy generation.

Runs the same requests through
  (a) the harness: HFCausalLM + Scheduler in process (model loaded once, imports done; a fresh adapter per
      measurement so no token cache carries over), and `eval-anything run` on a generated task folder as a process;
  (b) the floor: a minimal plain-transformers loop (perf/_common.py: floor_mc / floor_generate), in process on the
      same loaded model, and as its own process (`bench_core.py floor ...`, imports only torch + transformers).
Measurements are interleaved in ABBA order (harness, floor, floor, harness, ...) and medians reported, so
background load on this shared machine hits both alike. Prints harness/floor ratios of wall time (ratio of medians
and median of adjacent-pair ratios) and of CPU time (user+sys of the process: far less sensitive to other
processes' load than wall time), and items per second.

Floor choices (documented, "what a hand-written loop would do"):
  multiple choice: every context+choice sequence in full, sorted by length (longest first), 16 sequences per
    forward, right-padded, one forward per batch, log-probs gathered at the continuation positions;
  generation: prompts sorted by token length (longest first), 16 per model.generate call, left padding, greedy.
The harness's generation prompts use chat_template=never so both see the exact same tokens.

    .venv/bin/python perf/bench_core.py                               # defaults: 500 MC + 500 gen items, both sizes
    .venv/bin/python perf/bench_core.py --sizes tiny --threads 1,2
    .venv/bin/python perf/bench_core.py --sizes 100m --mc-items 32 --gen-items 32 --threads 1,2 --modes in-process
    .venv/bin/python perf/bench_core.py floor --model DIR --data FILE --kind mc|gen   # the floor as a process
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402


def per_size(value: str, sizes: list[str]) -> dict[str, int]:
    """'500' or 'tiny=500,100m=32'."""
    if "=" not in value:
        return {s: int(value) for s in sizes}
    out = {}
    for item in value.split(","):
        k, v = item.split("=")
        out[k.strip()] = int(v)
    return {s: out.get(s, out.get("default", 500)) for s in sizes}


def harness_requests(mc_rows, gen_rows, max_new_tokens):
    from eval_anything.types import GenerationSettings, Message, Request

    mc = []
    for r in mc_rows:
        ctx = C.MC_TEMPLATE.format(question=r["question"])
        for c in r["choices"]:
            mc.append(Request(kind="loglikelihood", messages=(Message.user(ctx),), context_text=ctx,
                              continuation=" " + c, task="perf_mc", sample_id=r["id"]))
    gen = [Request(kind="generate", messages=(Message.user(r["question"]),), context_text=r["question"],
                   generation=GenerationSettings(max_new_tokens=max_new_tokens), chat_template="never",
                   task="perf_gen", sample_id=r["id"]) for r in gen_rows]
    return mc, gen


def in_process(size: str, path: Path, threads: int, mc_rows, gen_rows, args) -> list[dict]:
    import torch

    from eval_anything.models.hf_causal import HFCausalLM
    from eval_anything.scheduler import Scheduler

    torch.set_num_threads(threads)
    model, tok = C.load_plain(path)
    mc_reqs, gen_reqs = harness_requests(mc_rows, gen_rows, args.max_new_tokens)
    bs = args.batch_size

    def adapter():
        return HFCausalLM(model, tok, name=f"perf-{size}", fingerprint=f"perf-{size}", batch_size=bs)

    results: dict[str, object] = {}

    def h_mc() -> float:
        t, out = C.timed(lambda: Scheduler(cache=None).run(adapter(), mc_reqs, "perf"))
        results["h_mc"] = out
        return t

    def f_mc() -> float:
        t, out = C.timed(lambda: C.floor_mc(model, tok, mc_rows, bs))
        results["f_mc"] = out
        return t

    def h_gen() -> float:
        t, out = C.timed(lambda: Scheduler(cache=None).run(adapter(), gen_reqs, "perf"))
        results["h_gen"] = out
        return t

    def f_gen() -> float:
        t, out = C.timed(lambda: C.floor_generate(model, tok, [r["question"] for r in gen_rows],
                                                  args.max_new_tokens, bs))
        results["f_gen"] = out
        return t

    # Warm-up (first-call allocations, lazy imports inside transformers), not timed.
    Scheduler(cache=None).run(adapter(), mc_reqs[:8], "warm")
    C.floor_mc(model, tok, mc_rows[:2], bs)
    if gen_rows:
        Scheduler(cache=None).run(adapter(), gen_reqs[:2], "warm")
        C.floor_generate(model, tok, [r["question"] for r in gen_rows[:2]], 2, bs)

    rows = []
    if mc_rows:
        times = C.interleaved({"harness": h_mc, "floor": f_mc}, args.repeats)
        h_ll = [r.logprob for r in results["h_mc"]]
        f_ll = [x for item in results["f_mc"] for x in item]
        diff = max(abs(a - b) for a, b in zip(h_ll, f_ll))
        h_pred = [max(range(4), key=lambda j: h_ll[4 * i + j]) for i in range(len(mc_rows))]
        f_pred = [max(range(4), key=lambda j: results["f_mc"][i][j]) for i in range(len(mc_rows))]
        rows.append(summary(size, threads, "mc", len(mc_rows), times, "in-process",
                            {"max_abs_logprob_diff": diff, "same_predictions": h_pred == f_pred}))
    if gen_rows:
        times = C.interleaved({"harness": h_gen, "floor": f_gen}, args.repeats)
        same = sum(r.text == t for r, t in zip(results["h_gen"], results["f_gen"]))
        rows.append(summary(size, threads, "gen", len(gen_rows), times, "in-process",
                            {"same_text": f"{same}/{len(gen_rows)}"}))
    del model
    return rows


def whole_process(size: str, path: Path, threads: int, task_dir: Path, n_mc: int, n_gen: int, args) -> list[dict]:
    harness, extra_env = C.harness_cli()
    env = {"OMP_NUM_THREADS": str(threads), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "EVAL_ANYTHING_HOME": str(task_dir / "home"), **extra_env}
    rows = []
    for kind, task, n in (("mc", "perf_mc", n_mc), ("gen", "perf_gen", n_gen)):
        if not n:
            continue
        h_cmd = harness + ["run", "--model", f"hf:{path}", "--task", task, "--task-path", str(task_dir / "tasks"),
                           "--no-cache", "--no-progress", "--batch-size", str(args.batch_size),
                           "--model-args", f"num_threads={threads}", "--output", str(task_dir / "runs")]
        f_cmd = [C.PY, str(Path(__file__).resolve()), "floor", "--model", str(path), "--data",
                 str(task_dir / "tasks" / task / "test.jsonl"), "--kind", kind, "--threads", str(threads),
                 "--batch-size", str(args.batch_size), "--max-new-tokens", str(args.max_new_tokens)]
        times = C.interleaved({"harness": lambda: C.run_process(h_cmd, env),
                               "floor": lambda: C.run_process(f_cmd, env)}, args.repeats)
        rows.append(summary(size, threads, kind, n, times, "process", {}))
    return rows


def summary(size, threads, kind, n, times, mode, extra) -> dict:
    c = C.compare(times, "harness", "floor")
    h, f = c["wall_a"], c["wall_b"]
    row = {"size": size, "threads": threads, "kind": kind, "mode": mode, "n": n,
           "harness_s": round(h, 3), "floor_s": round(f, 3), "ratio": round(h / f, 3),
           "paired_ratio": round(c["paired_wall_ratio"], 3), "harness_cpu_s": round(c["cpu_a"], 3),
           "floor_cpu_s": round(c["cpu_b"], 3), "cpu_ratio": round(c["cpu_ratio"], 3),
           "harness_items_s": round(n / h, 2), "floor_items_s": round(n / f, 2),
           "harness_runs": c["runs_a"], "floor_runs": c["runs_b"], "load": C.load_average(), **extra}
    print(fmt(row), flush=True)
    return row


HEADER = (f"{'model':>5} {'thr':>3} {'kind':>4} {'mode':>10} {'items':>5} {'harness s':>9} {'floor s':>8} "
          f"{'h/f':>6} {'paired':>6} {'cpu h/f':>7} {'h items/s':>9} {'f items/s':>9}  notes\n"
          "(seconds: median wall; h/f: ratio of medians; paired: median of adjacent-run ratios; "
          "cpu h/f: ratio of median CPU seconds)")


def fmt(r: dict) -> str:
    notes = {k: v for k, v in r.items() if k in ("max_abs_logprob_diff", "same_predictions", "same_text")}
    notes_s = " ".join(f"{k}={v:.2e}" if isinstance(v, float) else f"{k}={v}" for k, v in notes.items())
    return (f"{r['size']:>5} {r['threads']:>3} {r['kind']:>4} {r['mode']:>10} {r['n']:>5} {r['harness_s']:>9.2f} "
            f"{r['floor_s']:>8.2f} {r['ratio']:>6.3f} {r['paired_ratio']:>6.3f} {r['cpu_ratio']:>7.3f} {r['harness_items_s']:>9.2f} {r['floor_items_s']:>9.2f}  "
            f"{notes_s} load[{r['load']}] runs h={r['harness_runs']} f={r['floor_runs']}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["floor"]:
        return C.floor_main(argv[1:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="tiny,100m", help="comma list of: " + ", ".join(C.MODEL_SIZES))
    ap.add_argument("--mc-items", default="500", help="N, or per size: tiny=500,100m=48")
    ap.add_argument("--gen-items", default="500", help="N, or per size: tiny=500,100m=32")
    ap.add_argument("--context-words", type=int, default=80, help="words per MC question (~2 tokens each)")
    ap.add_argument("--max-new-tokens", type=int, default=16)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--threads", default="1,2", help="torch thread counts to try")
    ap.add_argument("--repeats", type=int, default=2, help="interleaved repeats per measurement (median reported)")
    ap.add_argument("--modes", default="in-process,process")
    ap.add_argument("--json", type=Path, help="also write all rows to this JSON file")
    args = ap.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    n_mc, n_gen = per_size(args.mc_items, sizes), per_size(args.gen_items, sizes)
    threads = [int(t) for t in args.threads.split(",")]
    modes = set(args.modes.split(","))
    import torch

    import eval_anything

    print(f"eval_anything from {Path(eval_anything.__file__).parent}")
    print(f"python {platform.python_version()}, torch {torch.__version__}, {os.cpu_count()} CPUs, "
          f"torch default threads {torch.get_num_threads()}, load average {C.load_average()}; batch {args.batch_size}, "
          f"max_new_tokens {args.max_new_tokens}, repeats {args.repeats} (interleaved, medians)")
    all_rows = []
    with tempfile.TemporaryDirectory(prefix="ea-perf-") as tmp:
        for size in sizes:
            path = C.ensure_model(size)
            mc_rows = C.make_mc_rows(n_mc[size], args.context_words)
            gen_rows = C.make_gen_rows(n_gen[size])
            work = Path(tmp) / size
            C.write_task_folder(work / "tasks", mc_rows, gen_rows, args.max_new_tokens)
            from transformers import AutoTokenizer

            tok = AutoTokenizer.from_pretrained(str(path))
            ctx_lens = [len(tok(C.MC_TEMPLATE.format(question=r["question"]), add_special_tokens=False)["input_ids"])
                        for r in mc_rows[:50]]
            gen_lens = [len(tok(r["question"], add_special_tokens=False)["input_ids"]) for r in gen_rows[:50]]
            print(f"\n== {size}: {path} ; {n_mc[size]} MC items (4 choices, context ~{sum(ctx_lens) // max(1, len(ctx_lens))}"
                  f" tokens), {n_gen[size]} generation items (prompt ~{sum(gen_lens) // max(1, len(gen_lens))} tokens)")
            print(HEADER)
            for t in threads:
                if "in-process" in modes:
                    all_rows += in_process(size, path, t, mc_rows, gen_rows, args)
                if "process" in modes:
                    all_rows += whole_process(size, path, t, work, n_mc[size], n_gen[size], args)
    if args.json:
        args.json.write_text(json.dumps(all_rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
