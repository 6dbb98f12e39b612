"""Extractors, per-sample metrics, and aggregation with standard errors and bootstrap confidence intervals.

One primary metric per task, declared in its spec; the reported number is that metric's mean (never a maximum over
several extractors).
"""

from __future__ import annotations

import math
import re
from typing import Any, Sequence

import numpy as np

from eval_anything.registry import EXTRACTORS, METRICS, register_extractor, register_metric
from eval_anything.types import Response, Sample, Score

# ----- extractors ---------------------------------------------------------------------------------------------
_NUMBER = re.compile(r"-?\$?\d[\d,]*(?:\.\d+)?")


def normalise_number(text: str) -> str | None:
    text = text.strip().replace("$", "").replace(",", "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return repr(value)


@register_extractor("last_number")
def extract_last_number(text: str) -> str | None:
    found = _NUMBER.findall(text or "")
    return normalise_number(found[-1]) if found else None


@register_extractor("gsm8k_number")
def extract_gsm8k_number(text: str) -> str | None:
    """The number after '####' when present (GSM8K's answer format), else the last number in the text."""
    text = text or ""
    if "####" in text:
        found = _NUMBER.findall(text.split("####", 1)[1])
        if found:
            return normalise_number(found[0])
    return extract_last_number(text)


@register_extractor("choice_letter")
def extract_choice_letter(text: str) -> str | None:
    """First standalone capital letter A-J, e.g. 'B', '(B)', 'Answer: B.'"""
    m = re.search(r"\b([A-J])\b", text or "")
    return m.group(1) if m else None


@register_extractor("first_line")
def extract_first_line(text: str) -> str:
    return (text or "").strip().split("\n", 1)[0].strip()


@register_extractor("strip")
def extract_strip(text: str) -> str:
    return (text or "").strip()


# ----- per-sample metrics -------------------------------------------------------------------------------------
@register_metric("exact_match")
def exact_match(extracted: Any, target: Any) -> float:
    if extracted is None:
        return 0.0
    norm_t = normalise_number(str(target))
    norm_e = normalise_number(str(extracted))
    if norm_t is not None and norm_e is not None:
        return float(norm_t == norm_e)
    return float(str(extracted).strip() == str(target).strip())


def score_multiple_choice(sample: Sample, responses: Sequence[Response], metric_names: Sequence[str]) -> Score:
    """acc: argmax of summed log-probs; acc_norm: argmax of log-prob per character of the choice text."""
    assert sample.choices is not None
    lls = np.array([r.logprob for r in responses], dtype=np.float64)
    lengths = np.array([float(len(c)) for c in sample.choices])
    pred = int(np.argmax(lls))
    pred_norm = int(np.argmax(lls / lengths))
    values = {
        "acc": float(pred == sample.target),
        "acc_norm": float(pred_norm == sample.target),
    }
    unknown = set(metric_names) - set(values)
    if unknown:
        raise ValueError(f"multiple-choice tasks report acc and acc_norm, not {sorted(unknown)}")
    return Score(metrics={m: values[m] for m in metric_names}, extracted=pred)


def score_mc_by_generation(sample: Sample, response: Response, metric_names: Sequence[str]) -> Score:
    """A lettered answer from a model without log-likelihoods: acc is defined, acc_norm is not (None)."""
    from eval_anything.models.request_building import parse_choice_letter

    if response.error:
        return Score(metrics={m: None for m in metric_names}, error=response.error)
    assert sample.choices is not None
    pred = parse_choice_letter(response.text, len(sample.choices))
    metrics = {m: None for m in metric_names}
    metrics["acc"] = float(pred == sample.target)
    return Score(metrics=metrics, extracted=pred)


def score_generation(sample: Sample, response: Response, extractor: str | None,
                     metric_names: Sequence[str]) -> Score:
    extract = EXTRACTORS[extractor] if extractor else extract_strip
    extracted = extract(response.text or "")
    metrics = {}
    for name in metric_names:
        if name not in METRICS:
            raise ValueError(f"unknown metric {name!r}; known: {sorted(METRICS)}")
        metrics[name] = METRICS[name](extracted, sample.target)
    return Score(metrics=metrics, extracted=extracted)


# ----- aggregation --------------------------------------------------------------------------------------------
def mean_with_uncertainty(values: Sequence[float], n_resamples: int = 1000, seed: int = 1234) -> dict[str, Any]:
    """Mean, standard error of the mean (ddof=1) and a seeded percentile-bootstrap 95% CI (scipy)."""
    arr = np.asarray([v for v in values if v is not None], dtype=np.float64)
    n = int(arr.size)
    if n == 0:
        return {"value": None, "stderr": None, "ci95": None, "n": 0}
    mean = float(arr.mean())
    if n == 1:
        return {"value": mean, "stderr": None, "ci95": [mean, mean], "n": 1}
    stderr = float(arr.std(ddof=1) / math.sqrt(n))
    if np.ptp(arr) == 0 or n_resamples <= 0:
        lo, hi = mean, mean
    else:
        from scipy.stats import bootstrap

        res = bootstrap((arr,), np.mean, n_resamples=n_resamples, method="percentile",
                        random_state=np.random.default_rng(seed), vectorized=True)
        lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return {"value": _round(mean), "stderr": _round(stderr), "ci95": [_round(lo), _round(hi)], "n": n}


def macro_mean_with_uncertainty(values_by_stratum: dict[str, Sequence[float]], n_resamples: int = 1000,
                                seed: int = 1234) -> dict[str, Any]:
    """Unweighted mean of per-stratum means (e.g. AMU's overall = mean of its 4 dimension means).

    stderr = sqrt(sum se_s^2) / S; the CI is a stratified percentile bootstrap (resampling within each stratum).
    """
    strata = {k: np.asarray([v for v in vals if v is not None], dtype=np.float64)
              for k, vals in sorted(values_by_stratum.items())}
    strata = {k: a for k, a in strata.items() if a.size}
    if not strata:
        return {"value": None, "stderr": None, "ci95": None, "n": 0}
    means = [float(a.mean()) for a in strata.values()]
    ses = [float(a.std(ddof=1) / math.sqrt(a.size)) if a.size > 1 else 0.0 for a in strata.values()]
    k = len(strata)
    value = sum(means) / k
    stderr = math.sqrt(sum(x * x for x in ses)) / k
    rng = np.random.default_rng(seed)
    if n_resamples > 0:
        boot = np.zeros(n_resamples)
        for a in strata.values():
            boot += a[rng.integers(0, a.size, size=(n_resamples, a.size))].mean(axis=1)
        boot /= k
        lo, hi = float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))
    else:
        lo = hi = value
    return {"value": _round(value), "stderr": _round(stderr), "ci95": [_round(lo), _round(hi)],
            "n": int(sum(a.size for a in strata.values())), "strata": {k2: _round(m) for k2, m in
                                                                       zip(strata, means)}}


def macro_group(task_stats: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Unweighted mean of tasks' primary metrics **already mapped onto [0, 1]** (eval_anything/scales.py; the runner
    groups with `scales.group_aggregate`). stderr assumes independent tasks: sqrt(sum se_i^2) / k; the CI is the
    normal interval mean +/- 1.96 stderr clipped to [0, 1]; one task keeps its own (bootstrap) interval."""
    from eval_anything.scales import combine

    vals = [s for s in task_stats if s.get("value") is not None]
    if not vals:
        return {"value": None, "stderr": None, "ci95": None, "n_tasks": 0}
    out = combine([s["value"] for s in vals], [s.get("stderr") or 0.0 for s in vals] if len(vals) > 1
                  else [vals[0].get("stderr")], vals[0].get("ci95") if len(vals) == 1 else None)
    return {**out, "n_tasks": len(vals)}


def _round(x: float) -> float:
    # Twelve significant digits: stable across platforms' last-bit float noise, far beyond any CI width.
    return float(f"{x:.12g}")
