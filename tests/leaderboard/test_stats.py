"""Golden values for the site's statistics (leaderboard/stats.py) and model comparisons (leaderboard/compare.py).

Every expected number is worked out in the comment beside it. Bootstrap results are checked against the exact
bootstrap distribution (tiny samples, where it can be enumerated) or its normal limit (large samples), with a
tolerance several Monte Carlo standard errors wide.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from leaderboard import stats
from leaderboard.compare import compare_models
from leaderboard.stats import group_mean, paired_test, rank_ranges


# ----- rank ranges ------------------------------------------------------------------------------------------------
def test_rank_ranges_higher_is_better_by_hand():
    # A [0.8, 0.9], B [0.5, 0.85], C [0.1, 0.2], D no interval.
    # A: nobody's lower bound is above 0.9 -> best 1; C's upper 0.2 < 0.8 -> one certainly behind -> worst 3-1 = 2.
    # B: nobody above 0.85 -> best 1; C behind -> worst 2.  C: A and B both certainly ahead -> [3, 3].
    cis = [(0.8, 0.9), (0.5, 0.85), (0.1, 0.2), None]
    assert rank_ranges(cis) == [[1, 2], [1, 2], [3, 3], None]


def test_rank_ranges_lower_is_better_by_hand():
    # Same intervals, lower is better (an error rate): C is certainly ahead of A and B -> C [1, 1]; A and B each
    # have C ahead (best 2) and nobody certainly behind (worst 3).
    cis = [(0.8, 0.9), (0.5, 0.85), (0.1, 0.2), None]
    assert rank_ranges(cis, higher_is_better=False) == [[2, 3], [2, 3], [1, 1], None]


def test_touching_intervals_overlap():
    # [0.5, 0.6] and [0.6, 0.7] share the point 0.6: neither is certainly ahead, in either direction.
    cis = [(0.5, 0.6), (0.6, 0.7)]
    assert rank_ranges(cis) == [[1, 2], [1, 2]]
    assert rank_ranges(cis, higher_is_better=False) == [[1, 2], [1, 2]]
    assert rank_ranges([]) == []
    assert rank_ranges([None, (0.1, 0.2)]) == [None, [1, 1]]


# ----- group mean -------------------------------------------------------------------------------------------------
def test_group_mean_both_bounds_by_hand():
    # 0.5 (se 0.1), 0.9 (se 0.2): mean 0.7, se sqrt(0.01 + 0.04)/2 = 0.1118033989, CI 0.7 -/+ 1.96 * that
    # = [0.4808653382, 0.9191346618]
    g = group_mean([0.5, 0.9], [0.1, 0.2])
    assert g["value"] == pytest.approx(0.7, abs=1e-12)
    assert g["stderr"] == pytest.approx(0.1118033989, abs=1e-9)
    lo, hi = g["ci95"]
    assert lo == pytest.approx(0.4808653382, abs=1e-9) and hi == pytest.approx(0.9191346618, abs=1e-9)
    # three tasks: se sqrt(0.03^2 + 0.04^2 + 0.12^2)/3 = sqrt(0.0169)/3 = 0.13/3
    g = group_mean([0.3, 0.6, 0.9], [0.03, 0.04, 0.12])
    assert g["value"] == pytest.approx(0.6) and g["stderr"] == pytest.approx(0.13 / 3)


def test_group_mean_without_a_stderr_has_no_interval():
    assert group_mean([0.2, 0.4], [0.1, None]) == {"value": pytest.approx(0.3), "stderr": None, "ci95": None}


# ----- McNemar ----------------------------------------------------------------------------------------------------
def test_mcnemar_counts_only_discordant_pairs():
    # pairs (a, b): (1,0) x4, (0,1) x1, (1,1) x3, (0,0) x2. Discordant: A-only 4, B-only 1 (m = 5, k = 1).
    # p = 2 * P(X <= 1), X ~ Bin(5, 1/2) = 2 * (1 + 5)/32 = 0.375. diff = (4 - 1)/10 = 0.3.
    a = np.array([1, 1, 1, 1, 0, 1, 1, 1, 0, 0], dtype=float)
    b = np.array([0, 0, 0, 0, 1, 1, 1, 1, 0, 0], dtype=float)
    r = paired_test(a, b)
    assert r == {"test": "mcnemar_exact", "a_only": 4, "b_only": 1, "n": 10, "diff": pytest.approx(0.3),
                 "p": pytest.approx(0.375), "significant": False}
    # swapped models: the counts swap, the p-value does not change, diff changes sign
    r = paired_test(b, a)
    assert (r["a_only"], r["b_only"], r["p"], r["diff"]) == (1, 4, pytest.approx(0.375), pytest.approx(-0.3))


def test_mcnemar_significant_and_capped():
    # 6 A-only, 0 B-only: p = 2 * (1/2)^6 = 1/32 = 0.03125 < 0.05 -> significant
    a, b = np.array([1.0] * 6 + [0.0]), np.array([0.0] * 6 + [0.0])
    r = paired_test(a, b)
    assert (r["a_only"], r["b_only"], r["p"], r["significant"]) == (6, 0, pytest.approx(0.03125), True)
    # 5 A-only: p = 2/32 = 0.0625 -> not significant
    r = paired_test(np.array([1.0] * 5), np.array([0.0] * 5))
    assert (r["p"], r["significant"]) == (pytest.approx(0.0625), False)
    # 2 and 2: 2 * P(X <= 2 | Bin(4, 1/2)) = 2 * 11/16 = 1.375 -> capped at 1
    r = paired_test(np.array([1, 1, 0, 0.0]), np.array([0, 0, 1, 1.0]))
    assert r["p"] == 1.0 and r["diff"] == 0.0
    # no discordant pair: p = 1
    assert paired_test(np.array([1.0, 0.0]), np.array([1.0, 0.0]))["p"] == 1.0


def test_empty_comparison():
    assert paired_test(np.array([]), np.array([])) == {"n": 0, "diff": None, "p": None, "test": None,
                                                       "significant": False}


# ----- paired bootstrap -------------------------------------------------------------------------------------------
def test_constant_difference_gives_a_point_interval():
    # every difference is 0.2: every resample mean is 0.2 (any scaling by n would show); no resample <= 0 -> p 0
    r = paired_test(np.array([0.7, 0.3, 0.5]), np.array([0.5, 0.1, 0.3]))
    assert r["test"] == "paired_bootstrap" and r["resamples"] == 1000 and r["n"] == 3
    assert r["ci95"] == [pytest.approx(0.2), pytest.approx(0.2)]
    assert r["diff"] == pytest.approx(0.2) and r["p"] == 0.0 and r["significant"] is True
    # identical graded scores: every resample mean is 0 -> both tails hold everything -> p = min(1, 2) = 1
    same = paired_test(np.array([0.3, 0.6]), np.array([0.3, 0.6]))
    assert same["ci95"] == [0.0, 0.0] and same["p"] == 1.0 and same["significant"] is False


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_two_sample_bootstrap_by_enumeration(sign):
    # differences (1, 0) (or (-1, 0)): a resample of two is 0, 0.5 or 1 with probability 1/4, 1/2, 1/4 ->
    # CI [0, 1]; the tail on the far side of 0 has probability 1/4 -> p = 2 * 1/4 = 0.5.
    # 1,000 resamples: the tail fraction has a standard error of 0.014, so p is 0.5 +/- 0.06 (4 s.e.).
    a, b = np.array([0.25 + 0.5 * sign, 0.25]), np.array([0.25 - 0.5 * sign, 0.25])
    r = paired_test(a, b)
    assert r["ci95"] == sorted([0.0, sign])
    assert r["diff"] == pytest.approx(0.5 * sign)
    assert r["p"] == pytest.approx(0.5, abs=0.06) and not r["significant"]


def test_large_sample_bootstrap_matches_the_normal_interval(monkeypatch):
    # d = linspace(-1, 1, 101) + 0.1: mean 0.1; population variance sum((k/50)^2, k=-50..50)/101 = 34.34/101
    # = 0.34 -> sd 0.58310, se = 0.58310/sqrt(101) = 0.058020. Resample means are close to normal (uniform
    # values, n = 101), so the percentile interval is 0.1 -/+ 1.96 se = [-0.013720, 0.213720] and
    # p = 2 * Phi(-0.1/0.058020) = 2 * Phi(-1.7235) = 0.0848.
    # 20,000 resamples: Monte Carlo s.e. 0.0011 for each bound and 0.003 for p; tolerances are ~4 s.e.
    # (The 1.5th/98.5th percentiles, 0.1 -/+ 2.17 se, lie 0.012 away; the 3.5th/96.5th 0.0086 away.)
    monkeypatch.setattr(stats, "BOOTSTRAP_RESAMPLES", 20000)
    stats._weights.cache_clear()
    try:
        d = np.linspace(-1.0, 1.0, 101) + 0.1
        r = paired_test(d + 1.0, np.ones(101))
    finally:
        stats._weights.cache_clear()
    assert r["resamples"] == 20000 and r["diff"] == pytest.approx(0.1)
    lo, hi = r["ci95"]
    assert lo == pytest.approx(-0.013720, abs=0.004)
    assert hi == pytest.approx(0.213720, abs=0.004)
    assert r["p"] == pytest.approx(0.0848, abs=0.012) and r["significant"] is False


def test_bootstrap_is_deterministic_and_every_resample_has_n_draws():
    w = stats._weights(7)
    assert w.shape == (1000, 7) and (w.sum(axis=1) == 7).all() and (w >= 0).all()
    assert (w[:, 0] > 0).any() and (w[:, 6] > 0).any()  # first and last samples are drawn
    x = np.array([0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.6])
    assert paired_test(x, x[::-1].copy()) == paired_test(x, x[::-1].copy())


# ----- compare_models ---------------------------------------------------------------------------------------------
def _summary():
    def row(key, cells):
        return {"key": key, "label": key.upper(), "model": f"hf:/m/{key}",
                "cells": {f"t:{t}": {"run": run} for t, run in cells.items()}}
    return {"columns": [{"kind": "group", "name": "text", "key": "g:text"},
                        {"kind": "task", "name": "w", "key": "t:w"},
                        {"kind": "task", "name": "t", "key": "t:t"},
                        {"kind": "task", "name": "u", "key": "t:u"}],
            "views": {"latest": [row("a", {"w": "ra", "t": "ra", "u": "ra"}), row("b", {"w": "rb", "t": "rb"}),
                                 row("c", {"u": "rc"})]}}


def test_compare_models_pairs_by_hand():
    values = {
        # w: no model has sample values -> no comparison at all
        ("ra", "t"): {"s1": 1.0, "s2": 1.0, "s3": 0.0, "s4": 1.0},
        ("rb", "t"): {"s2": 0.0, "s3": 0.0, "s4": 1.0, "s5": 1.0},
        ("ra", "u"): {"s1": 0.5, "s2": 0.25},
        ("rc", "u"): {"s2": 0.25, "s1": 0.25},
        ("rb", "u"): {"s1": 0.0},  # b's table cell for u does not exist: its values are not used
    }
    out = compare_models(_summary(), values)
    assert out["models"] == [{"key": "a", "label": "A", "model": "hf:/m/a"}, {"key": "b", "label": "B",
                             "model": "hf:/m/b"}, {"key": "c", "label": "C", "model": "hf:/m/c"}]
    pairs = out["pairs"]
    assert sorted(pairs) == ["0|1", "0|2", "1|2"]
    # a vs b on t: shared s2, s3, s4 -> a (1, 0, 1), b (0, 0, 1): A-only 1, B-only 0, diff 1/3 (6 decimals),
    # p = 2 * P(X <= 0 | Bin(1, 1/2)) = 1
    assert pairs["0|1"] == {"t": {"test": "mcnemar_exact", "a_only": 1, "b_only": 0, "n": 3, "diff": 0.333333,
                                  "p": 1.0, "significant": False}}
    # a vs c on u: s1 (0.5 vs 0.25), s2 (0.25 vs 0.25) -> d = (0.25, 0): graded, diff 0.125, CI [0, 0.25]
    u = pairs["0|2"]["u"]
    assert list(pairs["0|2"]) == ["u"]
    assert (u["test"], u["n"], u["diff"], u["ci95"]) == ("paired_bootstrap", 2, 0.125, [0.0, 0.25])
    assert pairs["1|2"] == {}  # b has no u cell, c has no t cell


def test_compare_models_rounds_to_six_decimals():
    summary = {"columns": [{"kind": "task", "name": "t", "key": "t:t"}],
               "views": {"latest": [{"key": "a", "label": "A", "model": "a", "cells": {"t:t": {"run": "ra"}}},
                                    {"key": "b", "label": "B", "model": "b", "cells": {"t:t": {"run": "rb"}}}]}}
    vals = {("ra", "t"): {"x": 0.3, "y": 0.3, "z": 0.3}, ("rb", "t"): {"x": 0.1, "y": 0.2, "z": 0.2}}
    r = compare_models(summary, vals)["pairs"]["0|1"]["t"]
    # d = (0.2, 0.1, 0.1): diff 0.4/3 = 0.1333333... -> 0.133333
    assert r["diff"] == 0.133333 and math.isclose(r["ci95"][0], round(r["ci95"][0], 6))


@pytest.mark.parametrize("a,b", [
    (np.array([1.0] * 5 + [0.0]), np.array([0.0] * 6)),  # McNemar: p = 2/32 = 0.0625
    (np.array([0.9, 0.4, 0.7, 0.2]), np.array([0.5, 0.5, 0.5, 0.5])),  # paired bootstrap
])
def test_significant_means_p_strictly_below_alpha(monkeypatch, a, b):
    p = paired_test(a, b)["p"]
    assert 0.0 < p < 1.0
    monkeypatch.setattr(stats, "ALPHA", p)
    assert paired_test(a, b)["significant"] is False  # p == alpha: not significant
    monkeypatch.setattr(stats, "ALPHA", p + 1e-9)
    assert paired_test(a, b)["significant"] is True
