"""Score scales: every task's primary metric has a declared range; groups average values mapped onto [0, 1].

A task's result carries its raw value and `scale`: the range, the value mapped linearly onto [0, 1] (oriented so
that 1 is best when lower is better), and the mapped stderr and CI. A group is the unweighted mean of its scored
members' mapped values, so 1-10 judge ratings, 0-10 TIFA scores and 0-1 accuracies never meet in one average
unconverted. A group whose member tasks were not all scored (skipped, not run, no value, no declared range) is marked
partial, "k of N"; the leaderboard never ranks a partial group against complete ones.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

# Built-in metrics whose scale is fixed by their definition; any other primary metric must declare `metric.range`.
DEFAULT_RANGES: dict[str, tuple[float, float]] = {"acc": (0.0, 1.0), "acc_norm": (0.0, 1.0), "exact_match": (0.0, 1.0)}

NORMALISATION = ("linear: (value - low) / (high - low) over the task's declared range "
                 "((high - value) / (high - low) if lower is better)")
GROUP_WEIGHTING = ("macro: unweighted mean of the scored member tasks' primary metrics, each mapped onto [0, 1] by "
                   "its declared range; stderr sqrt(sum se_i^2) / k; 95% CI the normal interval clipped to [0, 1] "
                   "(one scored task: its own bootstrap interval, mapped)")


def declared_range(metric_spec: Any) -> tuple[float, float] | None:
    rng = getattr(metric_spec, "range", None)
    if rng is not None:
        return float(rng[0]), float(rng[1])
    return DEFAULT_RANGES.get(getattr(metric_spec, "primary", ""))


def normalise(x: float, lo: float, hi: float, higher_is_better: bool = True) -> float:
    return (x - lo) / (hi - lo) if higher_is_better else (hi - x) / (hi - lo)


def task_scale(stats: Mapping[str, Any], rng: tuple[float, float] | None, higher_is_better: bool = True
               ) -> dict[str, Any]:
    """The `scale` block of a task result: range, raw value and its [0, 1] image (None with a reason if unusable)."""
    value = stats.get("value")
    out: dict[str, Any] = {"range": list(rng) if rng else None, "higher_is_better": higher_is_better,
                           "raw": value, "normalised": None, "normalised_stderr": None, "normalised_ci95": None,
                           "normalisation": NORMALISATION}
    if rng is None:
        out["problem"] = "no declared range (metric.range in the task spec)"
        return out
    if value is None:
        return out
    lo, hi = rng
    eps = 1e-9 * (hi - lo)
    if not lo - eps <= value <= hi + eps:
        out["problem"] = f"value {value:g} lies outside the declared range [{lo:g}, {hi:g}]"
        return out
    width = hi - lo
    out["normalised"] = _round(min(1.0, max(0.0, normalise(value, lo, hi, higher_is_better))))
    se = stats.get("stderr")
    out["normalised_stderr"] = None if se is None else _round(se / width)
    ci = stats.get("ci95")
    if ci:
        a, b = (normalise(c, lo, hi, higher_is_better) for c in ci)
        out["normalised_ci95"] = [_round(min(1.0, max(0.0, min(a, b)))), _round(min(1.0, max(0.0, max(a, b))))]
    return out


def group_aggregate(members: Sequence[str], tasks: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """One group's entry in results.json from its member tasks' results (`tasks`: name -> task result; a member
    missing from it was not run)."""
    members = sorted(set(members))
    scored, missing = [], {}
    for name in members:
        t = tasks.get(name)
        if t is None:
            missing[name] = "not run"
        elif t.get("skipped"):
            missing[name] = f"skipped: {t['skipped']}"
        elif (t.get("scale") or {}).get("normalised") is None:
            missing[name] = (t.get("scale") or {}).get("problem") or "no value (every sample failed)"
        else:
            scored.append(name)
    k, n = len(scored), len(members)
    out: dict[str, Any] = {"tasks": members, "tasks_scored": scored, "tasks_missing": missing, "n_tasks": k,
                           "n_member_tasks": n, "partial": k < n, "coverage": f"{k} of {n}", "scale": [0.0, 1.0],
                           "normalisation": NORMALISATION, "weighting": GROUP_WEIGHTING}
    stats = [tasks[m]["scale"] for m in scored]
    out.update(combine([s["normalised"] for s in stats], [s["normalised_stderr"] for s in stats],
                       stats[0]["normalised_ci95"] if k == 1 else None))
    return out


def combine(values: Sequence[float], stderrs: Sequence[float | None], single_ci: Sequence[float] | None = None
            ) -> dict[str, Any]:
    """Macro mean of [0, 1] values with its stderr and a 95% CI inside [0, 1]."""
    k = len(values)
    if k == 0:
        return {"value": None, "stderr": None, "ci95": None}
    mean = sum(values) / k
    if k == 1:
        return {"value": _round(mean), "stderr": stderrs[0],
                "ci95": list(single_ci) if single_ci else ([_round(mean)] * 2 if stderrs[0] is None else
                                                           clipped_interval(mean, stderrs[0]))}
    if any(s is None for s in stderrs):  # a member with one sample has no stderr: no honest interval
        return {"value": _round(mean), "stderr": None, "ci95": None}
    se = math.sqrt(sum(float(s) ** 2 for s in stderrs)) / k  # type: ignore[arg-type]
    return {"value": _round(mean), "stderr": _round(se), "ci95": clipped_interval(mean, se)}


def clipped_interval(mean: float, se: float, lo: float = 0.0, hi: float = 1.0) -> list[float]:
    """mean +/- 1.96 se, clipped to [lo, hi] (a mean of values in the range cannot lie outside it)."""
    return [_round(max(lo, mean - 1.96 * se)), _round(min(hi, mean + 1.96 * se))]


def _round(x: float) -> float:
    return float(f"{x:.12g}")
