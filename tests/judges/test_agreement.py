"""Judge agreement statistics: hand-computed kappa, a perfect judge, and a position-biased judge."""

import pytest

from eval_anything.registry import register_model
from judges.agreement import cohen_kappa, correlation_report, judge_agreement, load_items, DEFAULT_DATA


def test_cohen_kappa_by_hand():
    human = ["A", "A", "B", "B", "tie", "A"]
    judge = ["A", "B", "B", "B", "A", "A"]
    # p_o = 4/6; p_e = (3/6)(3/6) + (2/6)(3/6) + (1/6)(0) = 15/36
    assert cohen_kappa(human, judge) == pytest.approx((4 / 6 - 15 / 36) / (1 - 15 / 36))
    assert cohen_kappa(["A", "B"], ["A", "B"]) == 1.0


def test_correlations_by_hand():
    r = correlation_report([1, 2, 3, 4], [2, 4, 6, 9])
    assert r["spearman"] == pytest.approx(1.0) and r["pearson"] == pytest.approx(11.5 / (5 * 26.75) ** 0.5)  # sums of products / squares of deviations
    assert r["mean_abs_error"] == pytest.approx((1 + 2 + 3 + 5) / 4)


def test_perfect_and_position_biased_judges():
    register_model("oracle", "judge_fakes:load_oracle_judge")
    items = load_items(DEFAULT_DATA)
    perfect = judge_agreement("oracle:", {}, None, None)
    assert perfect["pointwise"]["spearman"] == pytest.approx(1.0) and perfect["pointwise"]["pearson"] == pytest.approx(1.0)
    assert perfect["pairwise"]["accuracy"] == 1.0 and perfect["pairwise"]["cohen_kappa"] == 1.0
    assert perfect["pairwise"]["position_bias_rate"] == 0.0
    lo, hi = perfect["pairwise"]["accuracy_ci95"]
    assert lo == hi == 1.0
    biased = judge_agreement("oracle:first", {}, None, None)["pairwise"]
    human = [r["human_winner"] for r in items if r["kind"] == "pairwise"]
    # Both orders cancel: every pair becomes a tie, so accuracy = share of human ties, kappa = 0.
    assert biased["position_bias_rate"] == 1.0
    assert biased["accuracy"] == pytest.approx(human.count("tie") / len(human))
    assert biased["cohen_kappa"] == pytest.approx(0.0)
