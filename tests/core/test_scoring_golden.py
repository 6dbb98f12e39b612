"""More golden values for eval_anything.scoring: every number is worked out by hand in the comment beside it.

Written to catch a wrong number: each assertion fails when a comparison, a bound, an index or a constant in the
scoring code changes (see tests/MUTATION.md).
"""

import math

import pytest

from eval_anything.scoring import (
    exact_match,
    extract_choice_letter,
    extract_first_line,
    extract_gsm8k_number,
    extract_last_number,
    extract_strip,
    macro_mean_with_uncertainty,
    mean_with_uncertainty,
    normalise_number,
    score_generation,
    score_mc_by_generation,
    score_multiple_choice,
)
from eval_anything.types import Message, Response, Sample


# ----- mean_with_uncertainty ------------------------------------------------------------------------------------
def test_mean_of_three_rounds_to_twelve_digits_and_bounds_are_ordered():
    # 0, 0, 1: mean 1/3; sd (ddof 1) = sqrt(((1/3)^2 * 2 + (2/3)^2) / 2) = sqrt(1/3); se = sqrt(1/3)/sqrt(3) = 1/3.
    # Bootstrap mean k/3, k ~ Binomial(3, 1/3): P(k = 0) = 8/27 = 30% -> 2.5th percentile 0;
    # P(k = 3) = 1/27 = 3.7% > 2.5% -> 97.5th percentile 1.
    stats = mean_with_uncertainty([0, 0, 1], n_resamples=2000, seed=3)
    assert stats == {"value": 0.333333333333, "stderr": 0.333333333333, "ci95": [0.0, 1.0], "n": 3}


def test_no_resamples_gives_a_point_interval_but_keeps_the_stderr():
    # 0.2, 0.6: mean 0.4, sd = sqrt(2 * 0.2^2 / 1) = 0.28284271, se = 0.28284271 / sqrt(2) = 0.2
    stats = mean_with_uncertainty([0.2, 0.6], n_resamples=0)
    assert stats == {"value": 0.4, "stderr": 0.2, "ci95": [0.4, 0.4], "n": 2}


def test_two_values_bootstrap_reaches_both_ends():
    # 0, 1 resampled twice: means 0, 0.5, 1 with probability 1/4, 1/2, 1/4 -> [0, 1]
    assert mean_with_uncertainty([0.0, 1.0], n_resamples=1000, seed=5)["ci95"] == [0.0, 1.0]


def test_none_values_are_dropped_before_counting():
    assert mean_with_uncertainty([None, None]) == {"value": None, "stderr": None, "ci95": None, "n": 0}
    assert mean_with_uncertainty([None, 0.25]) == {"value": 0.25, "stderr": None, "ci95": [0.25, 0.25], "n": 1}


# ----- macro_mean_with_uncertainty (AMU's overall score) ---------------------------------------------------------
def test_one_sample_stratum_has_zero_stderr_not_nan():
    # a = [1] (se 0: one sample has no spread to estimate), b = [0, 1] (se = 0.70710678 / sqrt(2) = 0.5):
    # value (1 + 0.5)/2 = 0.75, stderr sqrt(0 + 0.25)/2 = 0.25. Bootstrap: a is always 1, b is 0, 0.5 or 1
    # -> macro 0.5 (p 1/4), 0.75 (1/2), 1.0 (1/4) -> [0.5, 1.0]
    stats = macro_mean_with_uncertainty({"a": [1.0], "b": [0.0, 1.0]}, n_resamples=2000, seed=0)
    assert not math.isnan(stats["stderr"])
    assert stats == {"value": 0.75, "stderr": 0.25, "ci95": [0.5, 1.0], "n": 3, "strata": {"a": 1.0, "b": 0.5}}


def test_stratified_bootstrap_draws_every_sample_of_a_stratum():
    # One stratum [0, 0, 1]: resampling all three (each index, the first included) gives the interval [0, 1]
    # as in test_mean_of_three...; drawing one extra sample per resample would give k/4 with P(4 ones) = 1/81
    # < 2.5% -> 0.75, and never drawing the first sample would shift the lower end up.
    stats = macro_mean_with_uncertainty({"a": [0.0, 0.0, 1.0]}, n_resamples=2000, seed=1)
    assert stats["ci95"] == [0.0, 1.0]
    # The first sample is the only 1: if it were never drawn, every resample would be 0.
    stats = macro_mean_with_uncertainty({"a": [1.0, 0.0], "b": [1.0, 1.0, 1.0]}, n_resamples=2000, seed=2)
    assert stats["ci95"] == [0.5, 1.0]
    stats = macro_mean_with_uncertainty({"a": [0.0, 1.0], "b": [1.0, 1.0, 1.0]}, n_resamples=2000, seed=2)
    assert stats["ci95"] == [0.5, 1.0]


def test_macro_divides_by_the_number_of_strata_and_sorts_them():
    # strata z = [0.9] and a = [0.1, 0.3]: means 0.9 and 0.2 -> 0.55; se_a = sd(0.1, 0.3)/sqrt 2 = 0.1414/1.414
    # = 0.1 -> stderr sqrt(0.01)/2 = 0.05. No resamples: the interval is the point.
    stats = macro_mean_with_uncertainty({"z": [0.9], "a": [0.1, 0.3], "empty": [None]}, n_resamples=0)
    assert stats == {"value": 0.55, "stderr": 0.05, "ci95": [0.55, 0.55], "n": 3, "strata": {"a": 0.2, "z": 0.9}}
    assert list(stats["strata"]) == ["a", "z"]
    assert macro_mean_with_uncertainty({"a": [None]}) == {"value": None, "stderr": None, "ci95": None, "n": 0}


def test_macro_interval_is_ordered_and_inside_the_range():
    # strata of spread values: the 2.5th percentile is below the mean, the 97.5th above it
    stats = macro_mean_with_uncertainty({"a": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0], "b": [0.5, 0.7]}, 2000, seed=4)
    lo, hi = stats["ci95"]
    # a: mean 0.5, b: mean 0.6 -> 0.55
    assert stats["value"] == 0.55
    assert 0.3 < lo < 0.55 < hi < 0.8


# ----- extractors and metrics -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    (" $1,000 ", "1000"), ("2.5", "2.5"), ("3.0", "3"), ("-4", "-4"), ("", None), ("  ", None), ("abc", None),
    ("inf", "inf"), ("0", "0"),
])
def test_normalise_number(text, expected):
    assert normalise_number(text) == expected


def test_extractors():
    assert extract_last_number("1, then 2, then -3.50") == "-3.5"
    assert extract_last_number(None) is None
    assert extract_gsm8k_number("7 before #### none after") == "7"  # nothing after ####: the last number
    assert extract_choice_letter("my pick: (C), not D") == "C"
    assert extract_choice_letter("answer: K") is None
    assert extract_choice_letter(None) is None
    assert extract_first_line("  first \n second") == "first"
    assert extract_strip("  x y \n") == "x y"
    assert extract_strip(None) == ""


def test_exact_match_text_and_numbers():
    assert exact_match("1,000", "1000") == 1.0
    assert exact_match("0.5", "1/2") == 0.0  # "1/2" is not a number here: compared as text
    assert exact_match("yes", "no") == 0.0
    assert exact_match(3, 3) == 1.0


def _mc(choices, target):
    return Sample(id="s", messages=(Message.user("q"),), target=target, choices=tuple(choices))


def test_multiple_choice_rejects_unknown_metric():
    with pytest.raises(ValueError, match=r"acc and acc_norm, not \['f1'\]"):
        score_multiple_choice(_mc(["a", "b"], 0), [Response(logprob=-1.0), Response(logprob=-2.0)], ["acc", "f1"])


def test_multiple_choice_picks_the_largest_not_the_smallest():
    score = score_multiple_choice(_mc(["a", "b", "c"], 1), [Response(logprob=x) for x in (-3.0, -1.0, -2.0)],
                                  ["acc_norm", "acc"])
    assert score.metrics == {"acc_norm": 1.0, "acc": 1.0} and score.extracted == 1


def test_mc_by_generation():
    sample = _mc(["red", "green", "blue"], 2)
    ok = score_mc_by_generation(sample, Response(text="C. blue"), ["acc", "acc_norm"])
    assert ok.metrics == {"acc": 1.0, "acc_norm": None} and ok.extracted == 2 and ok.error is None
    wrong = score_mc_by_generation(sample, Response(text="A"), ["acc"])
    assert wrong.metrics == {"acc": 0.0} and wrong.extracted == 0
    failed = score_mc_by_generation(sample, Response(error="timeout"), ["acc", "acc_norm"])
    assert failed.metrics == {"acc": None, "acc_norm": None} and failed.error == "timeout"


def test_score_generation_default_extractor_and_unknown_metric():
    sample = Sample(id="g", messages=(Message.user("q"),), target="Paris")
    assert score_generation(sample, Response(text="  Paris \n"), None, ["exact_match"]).metrics == {
        "exact_match": 1.0}
    assert score_generation(sample, Response(text=None), None, ["exact_match"]).extracted == ""
    with pytest.raises(ValueError, match="unknown metric 'bleu'"):
        score_generation(sample, Response(text="Paris"), None, ["bleu"])


def test_defaults_are_1000_resamples_and_seed_1234():
    vals = [(k / 40) ** 2 for k in range(41)]  # many distinct values: any change of draws moves the bounds
    assert mean_with_uncertainty(vals) == mean_with_uncertainty(vals, n_resamples=1000, seed=1234)
    assert mean_with_uncertainty(vals) != mean_with_uncertainty(vals, n_resamples=1001, seed=1234)
    strata = {"a": vals, "b": [0.5, 0.8, 0.05]}
    assert macro_mean_with_uncertainty(strata) == macro_mean_with_uncertainty(strata, n_resamples=1000, seed=1234)
    assert macro_mean_with_uncertainty(strata) != macro_mean_with_uncertainty(strata, n_resamples=1001, seed=1234)


def test_stratified_interval_matches_the_normal_limit():
    # one stratum d = linspace(-1, 1, 101) + 0.1: mean 0.1, population sd sqrt(0.34) = 0.58310, se 0.058020;
    # resample means are close to normal -> 2.5th/97.5th percentiles 0.1 -/+ 1.96 se = -0.013720 / 0.213720.
    # 20,000 resamples: Monte Carlo s.e. ~0.0011 per bound; the 3.5th/96.5th percentiles lie 0.0086 away.
    import numpy as np

    stats = macro_mean_with_uncertainty({"a": list(np.linspace(-1.0, 1.0, 101) + 0.1)}, n_resamples=20000, seed=9)
    lo, hi = stats["ci95"]
    assert lo == pytest.approx(-0.013720, abs=0.004) and hi == pytest.approx(0.213720, abs=0.004)
