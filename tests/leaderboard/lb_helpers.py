"""Write small run directories by hand, following docs/run-directory.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _dump(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, sort_keys=True, indent=1), encoding="utf-8")


def task_result(value: float, ci: tuple[float, float] | None, *, metric: str = "acc", groups=("text",), n: int = 10,
                n_errors: int = 0, hib: bool = True, stderr: float | None = None, version: int = 1) -> dict:
    return {"version": version, "groups": list(groups), "modalities": {"input": ["text"], "output": ["text"]},
            "primary_metric": metric, "higher_is_better": hib, "n": n, "n_scored": n - n_errors,
            "n_errors": n_errors, "skipped": None,
            "metrics": {metric: {"value": value, "stderr": stderr, "ci95": list(ci) if ci else None, "n": n}},
            "extra": {}, "scale": scale_block(value, stderr, ci, (0.0, 1.0) if metric == "acc" else None)}


def scale_block(value, stderr, ci, rng=(0.0, 1.0)) -> dict:
    """results.json's `scale` for a task (eval_anything/scales.py); rng None: no declared range."""
    if rng is None:
        return {"range": None, "raw": value, "normalised": None, "normalised_stderr": None, "normalised_ci95": None,
                "problem": "no declared range"}
    lo, hi = rng
    w = hi - lo
    return {"range": [lo, hi], "raw": value, "normalised": (value - lo) / w,
            "normalised_stderr": None if stderr is None else stderr / w,
            "normalised_ci95": [(c - lo) / w for c in ci] if ci else None, "normalisation": "linear"}


def group_entry(tasks, value, stderr, ci, scored=None) -> dict:
    """A group as results.json writes it; `scored` (default: all tasks) below len(tasks) makes it partial."""
    scored = sorted(tasks) if scored is None else sorted(scored)
    return {"tasks": sorted(tasks), "tasks_scored": scored, "n_tasks": len(scored), "n_member_tasks": len(tasks),
            "partial": len(scored) < len(tasks), "coverage": f"{len(scored)} of {len(tasks)}", "value": value,
            "stderr": stderr, "ci95": list(ci) if ci else None, "normalisation": "linear", "scale": [0.0, 1.0]}


def skipped_task(reason: str = "model lacks input modality: image") -> dict:
    return {"skipped": reason, "n": 0, "metrics": {}, "groups": ["image"], "primary_metric": "acc"}


def write_run(root: Path, spec: str, run_id: str, created_at: str, tasks: dict[str, dict], *, name: str | None = None,
              groups: dict[str, dict] | None = None, samples: dict[str, list[dict]] | None = None,
              judge: Any = None) -> Path:
    slug = spec.replace(":", "__").replace("/", "_")
    d = root / slug / run_id
    model = {"spec": spec, "name": name or spec.split("/")[-1], "fingerprint": "f" * 64}
    _dump(d / "run.json", {
        "schema_version": 1, "run_id": run_id, "created_at": created_at,
        "config": {"model": spec, "api_key": "***"}, "config_hash": "c" * 64,
        "model": {**model, "capabilities": {"input": ["text"], "output": ["text"]}}, "judge": judge,
        "tasks": {t: {"version": 1, "version_key": f"{t}@v1:abcd", "prompt_hash": "p" * 64, "num_fewshot": 0,
                      "n_samples": 10} for t in tasks},
        "seeds": {"seed": 1234, "bootstrap_seed": 1234}, "versions": {"python": "3.11.7", "eval_anything": "0.1.0"},
        "git_revision": None, "timing": {"wall_s": 1.0, "requests": 10, "cache_hits": 0}})
    _dump(d / "results.json", {"schema_version": 1, "run_id": run_id, "model": model, "tasks": tasks,
                               "groups": groups or {}})
    for task, rows in (samples or {}).items():
        p = d / "samples" / f"{task}.jsonl"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows), encoding="utf-8")
    return d


def sample(i: int, correct: bool | None, *, response: str = "answer", error: str | None = None, metric: str = "acc",
           value: float | None = None, judge: list | None = None, output_parts: list | None = None,
           messages: list | None = None) -> dict:
    v = value if value is not None else (None if error else (1.0 if correct else 0.0))
    return {"id": str(i), "prompt": f"question {i}", "messages": messages or [
        {"role": "user", "parts": [{"type": "text", "text": f"question {i}"}]}], "choices": None, "target": "A",
        "response": None if error else response, "logprobs": None, "extracted": None if error else "A",
        "metrics": {metric: v}, "correct": None if error else correct, "error": error, "judge": judge or [],
        "output_parts": output_parts or []}
