"""Judge meta-evaluation: run a judge over human-labelled items and report how far it agrees.

The shipped set (judges/data/agreement.jsonl, self-authored, small: treat its numbers as a smoke check, not a
certificate) has pointwise items (`human_score` 1..10) and pairwise items (`human_winner` A, B or tie).
Pointwise: Spearman and Pearson correlation (scipy) with seeded bootstrap 95% CIs. Pairwise (both orders, see
judges.pairwise): accuracy with a bootstrap CI, Cohen's kappa over {A, B, tie}, and the position-bias rate (share
of pairs where the two orders disagreed). Parse failures are counted and left out of the statistics.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from judges.base import JudgeEnv, JudgeItem
from judges.llm import PointwiseJudge
from judges.pairwise import PairwiseJudge

DEFAULT_DATA = Path(__file__).resolve().parent / "data" / "agreement.jsonl"
LABELS = ("A", "B", "tie")


def _bootstrap_ci(n: int, stat: Callable[[np.ndarray], float], iters: int = 1000, seed: int = 0) -> list | None:
    if n < 3:
        return None
    rng = np.random.default_rng(seed)
    vals = []
    for _ in range(iters):
        v = stat(rng.integers(0, n, n))
        if v is not None and np.isfinite(v):
            vals.append(v)
    if not vals:
        return None
    return [float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))]


def correlation_report(human: Sequence[float], judge: Sequence[float], iters: int = 1000, seed: int = 0) -> dict:
    from scipy.stats import pearsonr, spearmanr

    h, j = np.asarray(human, float), np.asarray(judge, float)

    def corr(fn, idx=None):
        a, b = (h, j) if idx is None else (h[idx], j[idx])
        if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
            return None  # undefined for constant inputs
        return float(fn(a, b)[0])

    return {
        "n": int(len(h)),
        "spearman": corr(spearmanr), "spearman_ci95": _bootstrap_ci(len(h), lambda i: corr(spearmanr, i), iters, seed),
        "pearson": corr(pearsonr), "pearson_ci95": _bootstrap_ci(len(h), lambda i: corr(pearsonr, i), iters, seed),
        "mean_abs_error": float(np.mean(np.abs(h - j))) if len(h) else None,
    }


def cohen_kappa(a: Sequence[str], b: Sequence[str], labels: Sequence[str] = LABELS) -> float | None:
    """(p_observed - p_chance) / (1 - p_chance); None when chance agreement is already 1."""
    n = len(a)
    if n == 0:
        return None
    po = sum(x == y for x, y in zip(a, b)) / n
    pe = sum((list(a).count(lab) / n) * (list(b).count(lab) / n) for lab in labels)
    return None if pe == 1 else (po - pe) / (1 - pe)


def pairwise_report(human: Sequence[str], judge: Sequence[str], consistent: Sequence[bool], iters: int = 1000,
                    seed: int = 0) -> dict:
    h, j = np.asarray(human), np.asarray(judge)
    n = len(h)
    acc = lambda idx: float(np.mean(h[idx] == j[idx]))  # noqa: E731
    return {
        "n": n,
        "accuracy": acc(np.arange(n)) if n else None,
        "accuracy_ci95": _bootstrap_ci(n, acc, iters, seed),
        "cohen_kappa": cohen_kappa(list(h), list(j)),
        "position_bias_rate": float(np.mean([not c for c in consistent])) if n else None,
    }


def _winner(value: float) -> str:
    return "A" if value > 0.5 else "B" if value < 0.5 else "tie"


def load_items(path: Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"agreement data {path} not found (JSONL with kind, prompt, response(s), human label)")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run_agreement(env: JudgeEnv, items: list[dict], template: str | None = None) -> dict[str, Any]:
    point = [r for r in items if r["kind"] == "pointwise"]
    pair = [r for r in items if r["kind"] == "pairwise"]
    report: dict[str, Any] = {"judge": env.model_name, "n_items": len(items)}
    if point:
        verdicts = PointwiseJudge(template).judge(
            [JudgeItem(id=r["id"], prompt=r["prompt"], response=r["response"]) for r in point], env)
        kept = [(r["human_score"], v.value) for r, v in zip(point, verdicts) if v.value is not None]
        report["pointwise"] = correlation_report([h for h, _ in kept], [j for _, j in kept])
        report["pointwise"]["n_failed"] = sum(v.value is None for v in verdicts)
    if pair:
        verdicts = PairwiseJudge().judge([JudgeItem(id=r["id"], prompt=r["prompt"], response=r["response_a"],
                                                    other=r["response_b"]) for r in pair], env)
        kept = [(r["human_winner"], _winner(v.value), v.detail["consistent"])
                for r, v in zip(pair, verdicts) if v.value is not None]
        report["pairwise"] = pairwise_report([k[0] for k in kept], [k[1] for k in kept], [k[2] for k in kept])
        report["pairwise"]["n_failed"] = sum(v.value is None for v in verdicts)
    return report


def judge_agreement(judge: str, judge_args: dict, judge_base_url: str | None, data: Path | None) -> dict:
    """CLI entry (`eval-anything judge-agreement`): load the judge, run it over the labelled set (cached calls)."""
    from eval_anything.cache import ResponseCache
    from eval_anything.registry import load_model
    from eval_anything.runner import home_dir
    from eval_anything.scheduler import Scheduler

    items = load_items(data or DEFAULT_DATA)
    adapter = load_model(judge, dict(judge_args), base_url=judge_base_url)
    env = JudgeEnv(adapter, Scheduler(ResponseCache(home_dir() / "cache.sqlite")), model_name=judge)
    report = run_agreement(env, items)
    report["data"] = str(data or DEFAULT_DATA)
    return report
