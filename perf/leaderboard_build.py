"""Time the leaderboard on a large synthetic input: 20 runs x 12 tasks x 2,000 samples.

Bars (issue 5): build under 30 s; overview page loads in Chromium under 2 s.
Usage: .venv/bin/python perf/leaderboard_build.py [--runs 20] [--tasks 12] [--samples 2000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import logging  # noqa: E402

from eval_anything.scales import group_aggregate, task_scale  # noqa: E402
from leaderboard.build import build_site  # noqa: E402

GROUPS = ["text", "text", "text", "image", "image", "audio", "audio", "video", "video", "cross-modal", "amu", "amg"]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]


def _mean_ci(xs: list[float]) -> dict:
    n = len(xs)
    m = sum(xs) / n
    se = math.sqrt(m * (1 - m) / n) if n else 0.0
    return {"value": m, "stderr": se, "ci95": [m - 1.96 * se, m + 1.96 * se], "n": n}


def make_runs(root: Path, n_runs: int, n_tasks: int, n_samples: int) -> None:
    rng = random.Random(0)
    tasks = [f"task_{k:02d}_{GROUPS[k % len(GROUPS)]}" for k in range(n_tasks)]
    for r in range(n_runs):
        skill = 0.3 + 0.5 * r / max(1, n_runs - 1)
        spec = f"hf:/models/model-{r:02d}"
        run_id = f"20261125T{r:02d}0000Z-{r:08x}"
        d = root / f"hf___models_model-{r:02d}" / run_id
        (d / "samples").mkdir(parents=True)
        results_tasks, groups = {}, {}
        for t in tasks:
            lines, scores = [], []
            for i in range(n_samples):
                ok = rng.random() < skill
                err = rng.random() < 0.01
                scores.append(0.0 if err or not ok else 1.0)
                rec = {"id": str(i), "prompt": f"Question {i} of {t}: which option is right? A) red B) blue C) green",
                       "messages": [{"role": "user", "parts": [{"type": "text", "text": f"Question {i} of {t}"}]}],
                       "choices": ["A", "B", "C"], "target": 1,
                       "response": None if err else f"The answer is {'B' if ok else 'A'}.",
                       "logprobs": None, "extracted": None if err else ("B" if ok else "A"),
                       "metrics": {"acc": scores[-1]}, "correct": None if err else ok,
                       "error": "timeout" if err else None, "judge": [], "output_parts": []}
                lines.append(json.dumps(rec, sort_keys=True))
            (d / "samples" / f"{t}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
            g = t.split("_", 2)[2]
            results_tasks[t] = {"version": 1, "groups": [g, "all_modality"], "primary_metric": "acc",
                                "higher_is_better": True, "n": n_samples, "n_scored": n_samples, "n_errors": 0,
                                "skipped": None, "metrics": {"acc": _mean_ci(scores)}, "extra": {}}
            results_tasks[t]["scale"] = task_scale(results_tasks[t]["metrics"]["acc"], (0.0, 1.0))
        for g in sorted({gg for t in results_tasks.values() for gg in t["groups"]}):
            members = sorted(t for t, v in results_tasks.items() if g in v["groups"])
            groups[g] = group_aggregate(members, results_tasks)  # as the runner writes it
        model = {"spec": spec, "name": f"model-{r:02d}", "fingerprint": f"{r:064x}"}
        (d / "run.json").write_text(json.dumps({"schema_version": 1, "run_id": run_id,
                                                "created_at": f"2026-11-25T{r:02d}:00:00Z", "model": model,
                                                "config": {}, "tasks": {}, "versions": {}}), encoding="utf-8")
        (d / "results.json").write_text(json.dumps({"schema_version": 1, "run_id": run_id, "model": model,
                                                    "tasks": results_tasks, "groups": groups}), encoding="utf-8")


def page_loads(site: Path) -> dict[str, float] | None:
    """Seconds from navigation to rendered content, per page kind; None when Chromium is not available."""
    if not Path(CHROMIUM).exists():
        print("chromium not found at /usr/bin/chromium: page load not measured")
        return None
    from playwright.sync_api import sync_playwright

    run = sorted((site / "runs").iterdir())[0]
    task_page = sorted(run.glob("*.html"))[-1]  # a sample browser (index.html sorts first)
    pages = {"overview": (site / "index.html", "#board tbody tr"), "sample browser": (task_page, ".sample"),
             "compare": (site / "compare.html", "#cmp tbody tr")}
    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for name, (path, selector) in pages.items():
            page = browser.new_page()  # a fresh page each time: nothing cached from the previous one
            page.goto("about:blank")
            t0 = time.perf_counter()
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_selector(selector)
            out[name] = time.perf_counter() - t0
            page.close()
        browser.close()
    return out


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--tasks", type=int, default=12)
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument("--keep", type=Path, help="write inputs and site here instead of a temp dir")
    a = ap.parse_args()
    logging.basicConfig(level=logging.DEBUG, format="  %(message)s")
    for noisy in ("asyncio", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    tmp = a.keep or Path(tempfile.mkdtemp(prefix="lb-perf-"))
    try:
        t = time.perf_counter()
        make_runs(tmp / "runs", a.runs, a.tasks, a.samples)
        print(f"generated {a.runs} runs x {a.tasks} tasks x {a.samples} samples in {time.perf_counter() - t:.1f} s")
        t, cpu = time.perf_counter(), _cpu()
        build_site([tmp / "runs"], tmp / "site")
        build_s, cpu = time.perf_counter() - t, _cpu() - cpu
        files = [p for p in (tmp / "site").rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files) / 1e6
        verdict = "OK" if build_s < 30 else "FAIL"
        print(f"build: {build_s:.2f} s wall, {cpu:.2f} s CPU incl. workers ({len(files)} files, {size:.1f} MB)"
              f"   bar: < 30 s   {verdict}")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (other work slows wall time)")
        loads = page_loads(tmp / "site")
        load_s = loads["overview"] if loads else None
        for name, took in (loads or {}).items():
            bar = f"   bar: < 2 s   {'OK' if took < 2 else 'FAIL'}" if name == "overview" else ""
            print(f"{name} load in Chromium: {took:.2f} s{bar}")
        return 0 if build_s < 30 and (load_s is None or load_s < 2) else 1
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
