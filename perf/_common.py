"""Shared pieces of the perf/ benchmarks: models, generated task folders, the plain-transformers floor, timing.

The floor functions import only torch and transformers (of eval_anything only the dependency-free word list of
its default model), so `bench_core.py floor ...` run as its own process measures what a user with a hand-written
loop would pay.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
# Which eval_anything to measure: this checkout by default. EA_PERF_HARNESS_ROOT=DIR measures the copy in DIR
# (e.g. `git archive HEAD eval_anything | tar -x -C DIR; mkdir DIR/benchmarks`), which keeps half-written task
# folders that others have in benchmarks/ out of the registry while you measure.
HARNESS_ROOT = Path(os.environ.get("EA_PERF_HARNESS_ROOT") or ROOT).resolve()
sys.path.insert(0, str(HARNESS_ROOT))

from eval_anything.models.default_model import CORPUS_WORDS  # noqa: E402  (after choosing HARNESS_ROOT)


def harness_cli() -> tuple[list[str], dict[str, str]]:
    """The command that runs `eval-anything` from HARNESS_ROOT, and the environment it needs."""
    exe = Path(PY).parent / "eval-anything"
    if HARNESS_ROOT == ROOT and exe.exists():
        return [str(exe)], {}
    return [PY, "-m", "eval_anything.cli"], {"PYTHONPATH": str(HARNESS_ROOT)}

# Model sizes used by the benchmarks. "tiny" = build_tiny_llama defaults; "100m" ~ 86M parameters.
MODEL_SIZES: dict[str, dict[str, int]] = {
    "tiny": {},
    "100m": {"hidden_size": 768, "layers": 12, "heads": 12, "intermediate_size": 2048},
}

WORDS = CORPUS_WORDS  # the built-in tokenizer's training words: ~2 tokens per word, not raw bytes

MC_TEMPLATE = "Question: {question}\nAnswer:"  # = lm_eval doc_to_text and our prompt.template


def cache_dir() -> Path:
    root = os.environ.get("EVAL_ANYTHING_PERF_CACHE") or (Path.home() / ".cache" / "eval-anything" / "perf-models")
    return Path(root)


def ensure_model(size: str) -> Path:
    """Build (once, seeded) and cache the random Llama of the given size; return its folder."""
    path = cache_dir() / f"llama-{size}-seed0"
    if not (path / "config.json").exists():
        from eval_anything.models.default_model import build_tiny_llama

        path.parent.mkdir(parents=True, exist_ok=True)
        build_tiny_llama(path, seed=0, **MODEL_SIZES[size])
    return path


# ----- data ---------------------------------------------------------------------------------------------------
def make_mc_rows(n: int, context_words: int = 100, seed: int = 0) -> list[dict]:
    """Four-choice items with a long question (~2 tokens/word with the built-in tokenizer) and 1-3 word choices."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        k = context_words + rng.randint(-10, 10)
        question = " ".join(rng.choice(WORDS) for _ in range(k)) + " which word comes next"
        choices = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3))) for _ in range(4)]
        rows.append({"id": f"mc{i}", "question": question, "choices": choices, "answer": rng.randrange(4)})
    return rows


def make_gen_rows(n: int, min_words: int = 20, max_words: int = 80, seed: int = 1) -> list[dict]:
    """Generation prompts of varied length (so length sorting matters)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        k = rng.randint(min_words, max_words)
        q = " ".join(rng.choice(WORDS) for _ in range(k))
        rows.append({"id": f"gen{i}", "question": MC_TEMPLATE.format(question=q), "answer": "42"})
    return rows


def write_jsonl(path: Path, rows: Sequence[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_task_folder(root: Path, mc_rows: Sequence[dict] | None, gen_rows: Sequence[dict] | None,
                      max_new_tokens: int = 16, mc_name: str = "perf_mc", gen_name: str = "perf_gen") -> Path:
    """Task folders in the format of benchmarks/ (for --task-path)."""
    if mc_rows is not None:
        write_jsonl(root / mc_name / "test.jsonl", mc_rows)
        (root / mc_name / "task.yaml").write_text(
            f"name: {mc_name}\nversion: 1\nkind: multiple_choice\n"
            "dataset:\n  path: json\n  data_files:\n    test: test.jsonl\n  split: test\n"
            "prompt:\n  template: \"Question: {{ question }}\\nAnswer:\"\n  choices: \"choices\"\n"
            "  target: \"answer\"\n  target_delimiter: \" \"\n"
            "metric:\n  primary: acc\n  metrics: [acc_norm]\n", encoding="utf-8")
    if gen_rows is not None:
        write_jsonl(root / gen_name / "test.jsonl", gen_rows)
        (root / gen_name / "task.yaml").write_text(
            f"name: {gen_name}\nversion: 1\nkind: generate\n"
            "dataset:\n  path: json\n  data_files:\n    test: test.jsonl\n  split: test\n"
            "prompt:\n  template: \"{{ question }}\"\n  target: \"answer\"\n  chat_template: never\n"
            f"generation:\n  max_new_tokens: {max_new_tokens}\n  temperature: 0.0\n"
            "metric:\n  primary: exact_match\n", encoding="utf-8")
    return root


# ----- the floor: a minimal plain-transformers loop -----------------------------------------------------------
def load_plain(path: Path):
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    tok = AutoTokenizer.from_pretrained(str(path))
    model = AutoModelForCausalLM.from_pretrained(str(path)).eval()
    return model, tok


def split_pair(tok, context: str, continuation: str) -> tuple[list[int], list[int]]:
    """(context ids, continuation ids): encode context and context+continuation, the continuation is the rest."""
    ctx = tok(context, add_special_tokens=False)["input_ids"]
    whole = tok(context + continuation, add_special_tokens=False)["input_ids"]
    return ctx, whole[len(ctx):]


def floor_mc(model, tok, rows: Sequence[dict], batch_size: int = 16) -> list[list[float]]:
    """Per item, the summed log-prob of each choice. Every (context + choice) sequence is run in full:
    sequences sorted by length (longest first), `batch_size` per forward, right-padded, one forward per batch."""
    import torch

    seqs = []  # (item, choice, ids, n_cont)
    for i, r in enumerate(rows):
        context = MC_TEMPLATE.format(question=r["question"])
        for j, c in enumerate(r["choices"]):
            ctx, cont = split_pair(tok, context, " " + str(c))
            seqs.append((i, j, ctx + cont, len(cont)))
    order = sorted(range(len(seqs)), key=lambda k: -len(seqs[k][2]))
    out = [[0.0] * len(r["choices"]) for r in rows]
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    with torch.inference_mode():
        for b in range(0, len(order), batch_size):
            batch = [seqs[k] for k in order[b : b + batch_size]]
            width = max(len(s[2]) for s in batch)
            ids = torch.full((len(batch), width), pad, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for r, s in enumerate(batch):
                ids[r, : len(s[2])] = torch.tensor(s[2])
                mask[r, : len(s[2])] = 1
            logits = model(input_ids=ids, attention_mask=mask).logits
            for r, (i, j, seq, n) in enumerate(batch):
                lp = torch.log_softmax(logits[r, len(seq) - n - 1 : len(seq) - 1].float(), dim=-1)
                tgt = torch.tensor(seq[len(seq) - n :])
                out[i][j] = float(lp.gather(-1, tgt[:, None]).sum())
    return out


def floor_generate(model, tok, prompts: Sequence[str], max_new_tokens: int, batch_size: int = 16) -> list[str]:
    """Greedy generation: prompts sorted by token length (longest first, ties by index), `batch_size` per
    model.generate call, left padding."""
    import torch

    lens = [len(tok(p, add_special_tokens=False)["input_ids"]) for p in prompts]
    order = sorted(range(len(prompts)), key=lambda i: (-lens[i], i))
    tok.padding_side = "left"
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    out = [""] * len(prompts)
    with torch.inference_mode():
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            enc = tok([prompts[i] for i in idx], return_tensors="pt", padding=True, add_special_tokens=False)
            gen = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=pad,
                                 temperature=None, top_p=None, top_k=None)
            for i, row in zip(idx, gen[:, enc["input_ids"].shape[1]:]):
                out[i] = tok.decode(row, skip_special_tokens=True)
    return out


def floor_main(argv: Sequence[str]) -> int:
    """`floor --model DIR --data FILE --kind mc|gen [--threads N] [--batch-size 16] [--max-new-tokens 16]`:
    the floor as a whole process (load, run, print one JSON line)."""
    import argparse

    ap = argparse.ArgumentParser(prog="bench_core.py floor")
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--kind", choices=["mc", "gen"], required=True)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-new-tokens", type=int, default=16)
    a = ap.parse_args(argv)
    import torch

    if a.threads:
        torch.set_num_threads(a.threads)
    model, tok = load_plain(Path(a.model))
    rows = read_jsonl(Path(a.data))
    if a.kind == "mc":
        lls = floor_mc(model, tok, rows, a.batch_size)
        acc = sum(max(range(len(l)), key=l.__getitem__) == r["answer"] for l, r in zip(lls, rows)) / len(rows)
        print(json.dumps({"n": len(rows), "acc": acc}))
    else:
        texts = floor_generate(model, tok, [r["question"] for r in rows], a.max_new_tokens, a.batch_size)
        print(json.dumps({"n": len(texts)}))
    return 0


# ----- timing -------------------------------------------------------------------------------------------------
Timing = tuple  # (wall seconds, CPU seconds of this process or of the child process)


def timed(fn: Callable[[], Any]) -> tuple[Timing, Any]:
    """Wall time and this process's CPU time (user + sys, all threads) of fn()."""
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return (time.perf_counter() - t, time.process_time() - c), out


def run_process(cmd: Sequence[str], env: dict | None = None) -> Timing:
    """Wall time and the child's CPU time (user + sys) of a whole process."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(list(cmd), capture_output=True, text=True, env={**os.environ, **(env or {})})
    elapsed = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def interleaved(runs: dict[str, Callable[[], Timing]], repeats: int) -> dict[str, list[Timing]]:
    """Run the measurements in turn, in ABBA order (a b, b a, a b, ...), so background load and any
    order effect hit all of them alike."""
    times: dict[str, list[Timing]] = {k: [] for k in runs}
    keys = list(runs)
    for r in range(repeats):
        for k in (keys if r % 2 == 0 else keys[::-1]):
            times[k].append(runs[k]())
    return times


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def compare(times: dict[str, list[Timing]], a: str, b: str) -> dict[str, float]:
    """Medians of wall and CPU time of a and b, their ratios, and the median of the per-pair (adjacent runs)
    wall ratios, which cancels slow drifts in background load."""
    wa, wb = [t[0] for t in times[a]], [t[0] for t in times[b]]
    ca, cb = [t[1] for t in times[a]], [t[1] for t in times[b]]
    return {"wall_a": median(wa), "wall_b": median(wb), "wall_ratio": median(wa) / median(wb),
            "paired_wall_ratio": median([x / y for x, y in zip(wa, wb)]),
            "cpu_a": median(ca), "cpu_b": median(cb), "cpu_ratio": median(ca) / median(cb),
            "runs_a": [round(x, 2) for x in wa], "runs_b": [round(x, 2) for x in wb]}


def load_average() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"
