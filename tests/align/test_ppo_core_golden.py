"""More hand-computed values for align/ppo/core.py: each case pins a sign, a bound or a constant."""

import dataclasses
import math

import pytest
import torch

from align.ppo import core


def test_masked_sum_and_mean_by_hand():
    x, m = torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[1.0, 0.0, 1.0]])
    assert core.masked_sum(x, m).item() == 4.0
    assert core.masked_mean(x, m).item() == 2.0
    # one real token: its own value (the clamp only guards an empty mask)
    assert core.masked_mean(torch.tensor([[5.0, 7.0]]), torch.tensor([[0.0, 1.0]])).item() == 7.0
    assert core.masked_mean(torch.tensor([[5.0, 7.0]]), torch.zeros(1, 2)).item() == 0.0
    # variance is the population variance over real tokens: 1, 3 -> mean 2, var 1
    assert core.masked_var(torch.tensor([[1.0, 3.0, 50.0]]), torch.tensor([[1.0, 1.0, 0.0]])).item() == 1.0


def test_whiten_golden_values_and_shift_mean():
    # 1, 2, 3, 4: mean 2.5, population variance 1.25 -> (x - 2.5) / sqrt(1.25)
    x, m = torch.tensor([[1.0, 2.0, 3.0, 4.0]], dtype=torch.float64), torch.ones(1, 4, dtype=torch.float64)
    s = math.sqrt(1.25)
    expected = [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]
    assert core.masked_whiten(x, m).tolist()[0] == pytest.approx(expected, abs=1e-7)
    # shift_mean=False keeps the mean: whitened + 2.5
    assert core.masked_whiten(x, m, shift_mean=False).tolist()[0] == pytest.approx([e + 2.5 for e in expected],
                                                                                  abs=1e-7)
    # constant values: zero spread -> all zeros (eps keeps it finite)
    flat = core.masked_whiten(torch.full((1, 3), 4.0), torch.ones(1, 3))
    assert torch.equal(flat, torch.zeros(1, 3))


def test_gae_single_step():
    # T = 1: the only token is terminal, so advantage = r - V and the return is r
    adv, ret = core.gae(torch.tensor([[2.0]]), torch.tensor([[0.5]]), torch.ones(1, 1), gamma=0.9, lam=0.8)
    assert adv.tolist() == [[1.5]] and ret.tolist() == [[2.0]]


def test_policy_loss_diagnostics_away_from_one():
    # ratios 2 and 0.5 (log +-ln 2): ratio_mean 1.25; approx KL (k3) = mean(expm1(lr) - lr)
    # = ((1 - ln 2) + (-0.5 + ln 2)) / 2 = 0.25
    logp = torch.tensor([[math.log(2.0), math.log(0.5)]])
    out = core.policy_loss(logp, torch.zeros(1, 2), torch.ones(1, 2), torch.ones(1, 2), clip_eps=0.2)
    assert out.ratio_mean.item() == pytest.approx(1.25)
    assert out.approx_kl.item() == pytest.approx(0.25)
    # negative advantage: ratio 0.5 with A = -1 -> terms max(0.5, 0.8) = 0.8 (clipped), ratio 2 -> max(2, 1.2) = 2
    neg = core.policy_loss(logp, torch.zeros(1, 2), -torch.ones(1, 2), torch.ones(1, 2), clip_eps=0.2)
    assert neg.loss.item() == pytest.approx((2.0 + 0.8) / 2) and neg.clip_fraction.item() == 0.5


def test_value_loss_clips_downward_moves():
    # old 0, new -1, return -1: unclipped error 0; clipped value -0.2 -> error 0.64 -> loss 0.5 * 0.64
    out = core.value_loss(torch.tensor([[-1.0]]), torch.zeros(1, 1), torch.tensor([[-1.0]]), torch.ones(1, 1), 0.2)
    assert out.loss.item() == pytest.approx(0.32) and out.clip_fraction.item() == 1.0
    # inside the clip range nothing changes: new 0.1 -> error (0.1 - 1)^2 = 0.81 -> 0.405, not clipped
    out = core.value_loss(torch.tensor([[0.1]]), torch.zeros(1, 1), torch.ones(1, 1), torch.ones(1, 1), 0.2)
    assert out.loss.item() == pytest.approx(0.405) and out.clip_fraction.item() == 0.0


def test_loss_outputs_are_immutable():
    p = core.policy_loss(torch.zeros(1, 1), torch.zeros(1, 1), torch.ones(1, 1), torch.ones(1, 1), 0.2)
    v = core.value_loss(torch.zeros(1, 1), torch.zeros(1, 1), torch.ones(1, 1), torch.ones(1, 1), 0.2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.loss = torch.ones(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.loss = torch.ones(1)


def test_approx_kl_of_one_ratio_and_value_clip_around_a_nonzero_old_value():
    # one token, ratio 2: k3 = expm1(ln 2) - ln 2 = 1 - 0.693147 = 0.306853
    out = core.policy_loss(torch.tensor([[math.log(2.0)]]), torch.zeros(1, 1), torch.ones(1, 1), torch.ones(1, 1), 0.2)
    assert out.approx_kl.item() == pytest.approx(1.0 - math.log(2.0))
    # old 1, new 2, return 2: the move of +1 is clipped to +0.2 -> v 1.2, error 0.64 -> loss 0.32
    v = core.value_loss(torch.tensor([[2.0]]), torch.ones(1, 1), torch.tensor([[2.0]]), torch.ones(1, 1), 0.2)
    assert v.loss.item() == pytest.approx(0.32) and v.clip_fraction.item() == 1.0


def test_value_clip_uses_the_change_from_the_old_value():
    # old 1, new 1.1 (a change of 0.1, inside the clip range 0.2), return 0: error 1.1^2 = 1.21 -> loss 0.605
    v = core.value_loss(torch.tensor([[1.1]]), torch.ones(1, 1), torch.zeros(1, 1), torch.ones(1, 1), 0.2)
    assert v.loss.item() == pytest.approx(0.605) and v.clip_fraction.item() == 0.0
