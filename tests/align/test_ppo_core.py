"""PPO tensor functions against hand-written per-sequence loops and hand-computed numbers."""

import math

import pytest
import torch

from align.ppo import core


def gae_loop(rewards, values, length, gamma, lam):
    """Textbook GAE on one sequence of `length` real tokens, episode ending after the last one."""
    adv = [0.0] * length
    running = 0.0
    for t in reversed(range(length)):
        next_v = values[t + 1] if t + 1 < length else 0.0
        delta = rewards[t] + gamma * next_v - values[t]
        running = delta + gamma * lam * running
        adv[t] = running
    return adv


@pytest.mark.parametrize("gamma,lam", [(1.0, 1.0), (1.0, 0.0), (0.9, 0.95), (0.5, 0.0)])
def test_gae_matches_loop_with_masked_tail(gamma, lam):
    g = torch.Generator().manual_seed(0)
    rewards = torch.randn(3, 6, generator=g, dtype=torch.float64)
    values = torch.randn(3, 6, generator=g, dtype=torch.float64)
    lengths = [6, 4, 1]
    mask = torch.tensor([[1.0] * n + [0.0] * (6 - n) for n in lengths], dtype=torch.float64)
    # garbage after the end must not leak in
    rewards_dirty = rewards + (1 - mask) * 100.0
    values_dirty = values + (1 - mask) * 100.0
    adv, ret = core.gae(rewards_dirty, values_dirty, mask, gamma, lam)
    for i, n in enumerate(lengths):
        expected = gae_loop(rewards[i].tolist(), values[i].tolist(), n, gamma, lam)
        assert adv[i, :n].tolist() == pytest.approx(expected, abs=1e-12)
        assert adv[i, n:].abs().sum() == 0
        assert ret[i, :n].tolist() == pytest.approx([a + v for a, v in zip(expected, values[i, :n].tolist())])
        assert ret[i, n:].abs().sum() == 0


def test_gae_hand_numbers():
    # rewards (0, 0, 1), values (0.5, 0.5, 0.5), one sequence of 3 tokens.
    r = torch.tensor([[0.0, 0.0, 1.0]])
    v = torch.tensor([[0.5, 0.5, 0.5]])
    m = torch.ones(1, 3)
    # gamma = lambda = 1: advantage = (sum of future rewards) - V_t = 1 - 0.5 each
    adv, ret = core.gae(r, v, m, 1.0, 1.0)
    assert adv[0].tolist() == pytest.approx([0.5, 0.5, 0.5])
    assert ret[0].tolist() == pytest.approx([1.0, 1.0, 1.0])
    # lambda = 0: one-step TD errors: r_t + V_{t+1} - V_t = (0, 0, 0.5) with gamma 1
    adv, _ = core.gae(r, v, m, 1.0, 0.0)
    assert adv[0].tolist() == pytest.approx([0.0, 0.0, 0.5])
    # gamma 0.5, lambda 0: (0 + 0.25 - 0.5, -0.25, 0.5)
    adv, _ = core.gae(r, v, m, 0.5, 0.0)
    assert adv[0].tolist() == pytest.approx([-0.25, -0.25, 0.5])


def test_kl_estimators():
    logp = torch.tensor([math.log(0.5), math.log(0.2)])
    ref = torch.tensor([math.log(0.25), math.log(0.2)])
    assert core.kl_estimate(logp, ref, "k1").tolist() == pytest.approx([math.log(2), 0.0])
    assert core.kl_estimate(logp, ref, "k2").tolist() == pytest.approx([0.5 * math.log(2) ** 2, 0.0])
    # k3 = ref/p - 1 - log(ref/p) = 0.5 - 1 + log 2
    assert core.kl_estimate(logp, ref, "k3").tolist() == pytest.approx([-0.5 + math.log(2), 0.0])
    with pytest.raises(ValueError, match="k4"):
        core.kl_estimate(logp, ref, "k4")


def test_token_rewards_put_score_on_last_real_token():
    kl = torch.tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    r = core.token_rewards(torch.tensor([2.0, -1.0]), kl, mask, kl_coef=0.5)
    assert r[0].tolist() == pytest.approx([-0.05, -0.1, 2.0 - 0.15])
    assert r[1].tolist() == pytest.approx([-1.0 - 0.2, 0.0, 0.0])


def test_policy_loss_at_init_ratio_one_no_clipping():
    logp = torch.tensor([[-1.0, -2.0, -3.0]])
    adv = torch.tensor([[1.0, -2.0, 5.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0]])
    out = core.policy_loss(logp, logp.clone(), adv, mask, clip_eps=0.2)
    assert out.ratio_mean.item() == 1.0
    assert out.clip_fraction.item() == 0.0
    assert out.approx_kl.item() == 0.0
    assert out.loss.item() == pytest.approx(-(1.0 - 2.0) / 2)  # -mean(A) over real tokens


def test_policy_loss_clips_hand_computed():
    # ratio 2 with A=+1: clipped to 1.2 -> loss term max(-2, -1.2) = -1.2, clipped counts.
    # ratio 0.5 with A=+1: max(-0.5, -0.8) = -0.5, not clipped.
    old = torch.zeros(1, 2)
    logp = torch.tensor([[math.log(2.0), math.log(0.5)]])
    out = core.policy_loss(logp, old, torch.ones(1, 2), torch.ones(1, 2), clip_eps=0.2)
    assert out.loss.item() == pytest.approx((-1.2 - 0.5) / 2)
    assert out.clip_fraction.item() == 0.5


def test_value_loss_hand_computed():
    old = torch.tensor([[0.0, 0.0]])
    new = torch.tensor([[1.0, 0.1]])
    ret = torch.tensor([[1.0, 1.0]])
    # token 0: unclipped err 0, clipped v=0.2 err 0.64 -> 0.64 (clipped). token 1: err 0.81 both.
    out = core.value_loss(new, old, ret, torch.ones(1, 2), clip_eps=0.2)
    assert out.loss.item() == pytest.approx(0.5 * (0.64 + 0.81) / 2)
    assert out.clip_fraction.item() == 0.5


def test_masked_whiten_ignores_padding():
    x = torch.tensor([[1.0, 3.0, 99.0]])
    m = torch.tensor([[1.0, 1.0, 0.0]])
    w = core.masked_whiten(x, m)
    assert w[0].tolist() == pytest.approx([-1.0, 1.0, 0.0], abs=1e-6)
