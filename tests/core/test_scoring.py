"""Golden tests: every number here is computed by hand in the comment beside it."""

import math

import pytest

from eval_anything.scoring import (exact_match, extract_gsm8k_number, extract_last_number, macro_group,
                                   mean_with_uncertainty, score_generation, score_multiple_choice)
from eval_anything.types import Message, Response, Sample


def test_mean_stderr_and_ci_by_hand():
    # values 1,0,1,1: mean 0.75; sample sd = sqrt((3*0.25^2 + 0.75^2)/3) = 0.5; stderr = 0.5/sqrt(4) = 0.25
    stats = mean_with_uncertainty([1, 0, 1, 1], n_resamples=2000, seed=0)
    assert stats["value"] == 0.75 and stats["n"] == 4
    assert stats["stderr"] == pytest.approx(0.25, abs=1e-12)
    # A bootstrap mean of four 0/1 values is k/4 with k ~ Binomial(4, 0.75): P(k = 0) = 1/256 = 0.4% and
    # P(k <= 1) = 13/256 = 5.1%, so the 2.5th percentile is 1/4; P(k = 4) = 81/256 = 32%, so the 97.5th is 1.
    # (2,000 resamples put the 2.5% point ~4 standard errors away from either edge: any seed gives this.)
    assert stats["ci95"] == [0.25, 1.0]


def test_bootstrap_is_seeded_and_none_is_ignored():
    vals = [0.1, 0.9, 0.4, 0.7, 0.3, None]
    a = mean_with_uncertainty(vals, 500, seed=7)
    b = mean_with_uncertainty(vals, 500, seed=7)
    assert a == b and a["n"] == 5
    assert a["value"] == pytest.approx(0.48)  # (0.1+0.9+0.4+0.7+0.3)/5
    lo, hi = a["ci95"]
    assert 0.48 - 0.3 < lo < 0.48 < hi < 0.48 + 0.3  # se = 0.1393; the interval is about mean +/- 2 se
    assert mean_with_uncertainty(vals, 500, seed=8) != a  # the seed is used


def test_degenerate_samples():
    assert mean_with_uncertainty([], 100)["value"] is None
    one = mean_with_uncertainty([0.5], 100)
    assert one["value"] == 0.5 and one["stderr"] is None and one["ci95"] == [0.5, 0.5]
    same = mean_with_uncertainty([1, 1, 1], 100)
    assert same["stderr"] == 0.0 and same["ci95"] == [1.0, 1.0]


def test_macro_group_weights_tasks_equally():
    # tasks 0.5 (se 0.1) and 0.9 (se 0.2): mean 0.7, se = sqrt(0.01 + 0.04)/2 = 0.1118034
    g = macro_group([{"value": 0.5, "stderr": 0.1}, {"value": 0.9, "stderr": 0.2}, {"value": None}])
    assert g["value"] == pytest.approx(0.7) and g["n_tasks"] == 2
    assert g["stderr"] == pytest.approx(math.sqrt(0.05) / 2)
    half = 1.96 * math.sqrt(0.05) / 2
    assert g["ci95"] == [pytest.approx(0.7 - half), pytest.approx(0.7 + half)]


def _mc(choices, target):
    return Sample(id="s", messages=(Message.user("q"),), target=target, choices=tuple(choices))


def test_multiple_choice_acc_and_acc_norm_by_hand():
    # log-likelihoods -4, -6, -3.5 for choices of 2, 6, 1 characters:
    # acc picks the max (-3.5 -> index 2); per character: -2, -1, -3.5 -> acc_norm picks index 1
    sample = _mc(["ab", "abcdef", "a"], target=1)
    score = score_multiple_choice(sample, [Response(logprob=x) for x in (-4.0, -6.0, -3.5)], ["acc", "acc_norm"])
    assert score.metrics == {"acc": 0.0, "acc_norm": 1.0}
    assert score.extracted == 2


def test_multiple_choice_tie_takes_first_choice():
    score = score_multiple_choice(_mc(["x", "y"], 0), [Response(logprob=-1.0), Response(logprob=-1.0)], ["acc"])
    assert score.metrics["acc"] == 1.0


@pytest.mark.parametrize("text,expected", [
    ("so 3 + 4 = 7 #### 7", "7"),
    ("#### 1,234", "1234"),
    ("The answer is $56.", "56"),
    ("it is 2.50 dollars", "2.5"),
    ("first 3 then 12.0", "12"),
    ("no number here", None),
])
def test_gsm8k_extractor(text, expected):
    assert extract_gsm8k_number(text) == expected


def test_extractor_prefers_hash_answer_over_last_number():
    assert extract_gsm8k_number("#### 5 and later 9") == "5"
    assert extract_last_number("#### 5 and later 9") == "9"


def test_exact_match_numeric_and_text():
    assert exact_match("42", "42.0") == 1.0
    assert exact_match("42", "43") == 0.0
    assert exact_match(None, "1") == 0.0
    assert exact_match("Paris", " Paris ") == 1.0


def test_score_generation_records_extracted_answer():
    sample = Sample(id="g", messages=(Message.user("q"),), target="18")
    score = score_generation(sample, Response(text="She pays 9*2 = 18 dollars.\n#### 18"), "gsm8k_number",
                             ["exact_match"])
    assert score.metrics == {"exact_match": 1.0} and score.extracted == "18"


def test_single_task_group_keeps_the_task_interval():
    g = macro_group([{"value": 0.5, "stderr": 0.3, "ci95": [0.0, 1.0]}])
    assert g == {"value": 0.5, "stderr": 0.3, "ci95": [0.0, 1.0], "n_tasks": 1}


def test_macro_over_strata_by_hand():
    from eval_anything.scoring import macro_mean_with_uncertainty

    # strata means: a = (1+0)/2 = 0.5, b = (1+1+1)/3 = 1.0 -> macro 0.75 (the plain mean would be 0.8)
    # se_a = sd(1,0)/sqrt(2) = 0.70710678/1.41421356 = 0.5, se_b = 0 -> stderr = sqrt(0.25)/2 = 0.25
    stats = macro_mean_with_uncertainty({"a": [1, 0], "b": [1, 1, 1, None]}, n_resamples=500, seed=0)
    assert stats["value"] == 0.75 and stats["n"] == 5
    assert stats["stderr"] == pytest.approx(0.25)
    assert stats["strata"] == {"a": 0.5, "b": 1.0}
    # stratum a resamples to a mean of 0, 0.5 or 1 (probability 1/4, 1/2, 1/4), b always to 1: the macro mean's
    # 2.5th percentile is (0 + 1)/2 = 0.5 and its 97.5th is (1 + 1)/2 = 1.0
    assert stats["ci95"] == [0.5, 1.0]
