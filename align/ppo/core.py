"""Pure tensor functions of PPO: masked statistics, KL estimators, GAE, clipped policy and value losses.

No model, no optimiser, no state: every function maps tensors to tensors so each can be tested against a
hand-written loop. Shapes are (batch, T) over response tokens; `mask` is 1 for real tokens and 0 after the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

import torch

KLEstimator = Literal["k1", "k2", "k3"]
SumAcross = Callable[[torch.Tensor], torch.Tensor]  # a sum over data-parallel ranks


def masked_sum(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (x * mask).sum()


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    # clamp: an all-masked batch gives 0, not NaN
    return (x * mask).sum() / mask.sum().clamp(min=1)


def masked_var(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    mean = masked_mean(x, mask)
    return masked_mean((x - mean) ** 2, mask)


def masked_whiten(x: torch.Tensor, mask: torch.Tensor, shift_mean: bool = True, eps: float = 1e-8,
                  sum_across: SumAcross | None = None) -> torch.Tensor:
    """(x - mean) / std over the masked tokens. With `sum_across` the mean and variance are those of every rank's
    tokens together (token counts and sums are added across ranks), as one process holding all would get."""
    if sum_across is None:
        mean, var = masked_mean(x, mask), masked_var(x, mask)
    else:
        n = sum_across(mask.sum()).clamp(min=1)
        mean = sum_across((x * mask).sum()) / n
        var = sum_across((((x - mean) ** 2) * mask).sum()) / n
    out = (x - mean) * torch.rsqrt(var + eps)
    if not shift_mean:
        out = out + mean
    return out * mask


def kl_estimate(logp: torch.Tensor, ref_logp: torch.Tensor, kind: KLEstimator = "k1") -> torch.Tensor:
    """Per-token estimate of KL(pi || ref) from samples of pi (Schulman's k1/k2/k3).

    k1 = log(pi/ref) (unbiased, can be negative), k2 = 0.5 log^2(pi/ref), k3 = (ref/pi - 1) - log(ref/pi)
    (unbiased and non-negative). All three are exactly 0 where pi == ref.
    """
    log_ratio = logp - ref_logp
    if kind == "k1":
        return log_ratio
    if kind == "k2":
        return 0.5 * log_ratio**2
    if kind == "k3":
        return torch.expm1(-log_ratio) + log_ratio
    raise ValueError(f"unknown KL estimator {kind!r}; expected k1, k2 or k3")


def last_token_index(mask: torch.Tensor) -> torch.Tensor:
    """Index of the last real token per row (0 for an empty row)."""
    positions = torch.arange(mask.shape[1], device=mask.device).expand_as(mask)
    return (positions * mask.long()).max(dim=1).values


def token_rewards(scores: torch.Tensor, kl: torch.Tensor, mask: torch.Tensor, kl_coef: float) -> torch.Tensor:
    """RLHF shaping: -kl_coef * KL on every token, plus the sequence score on the last real token."""
    rewards = -kl_coef * kl * mask
    idx = last_token_index(mask)
    rewards[torch.arange(len(scores)), idx] += scores.to(rewards.dtype)
    return rewards * mask


def gae(rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, gamma: float, lam: float
        ) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimation over masked sequences.

    Tokens after the end (mask 0) are terminal: they bootstrap nothing and carry no advantage, so the last real
    token's next value is 0. Returns (advantages, returns) with returns = advantages + values on real tokens.
    """
    rewards, values, mask = rewards * mask, values * mask, mask.to(values.dtype)
    T = rewards.shape[1]
    adv = torch.zeros_like(rewards)
    last = torch.zeros_like(rewards[:, 0])
    for t in reversed(range(T)):
        next_mask = mask[:, t + 1] if t + 1 < T else torch.zeros_like(last)
        next_value = values[:, t + 1] if t + 1 < T else torch.zeros_like(last)
        delta = rewards[:, t] + gamma * next_value * next_mask - values[:, t]
        last = (delta + gamma * lam * last * next_mask) * mask[:, t]
        adv[:, t] = last
    return adv, (adv + values) * mask


@dataclass(frozen=True)
class PolicyLossOut:
    loss: torch.Tensor
    clip_fraction: torch.Tensor
    ratio_mean: torch.Tensor
    approx_kl: torch.Tensor  # k3 estimate of KL(old || new), a step-size diagnostic


def policy_loss(logp: torch.Tensor, old_logp: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor,
                clip_eps: float) -> PolicyLossOut:
    """PPO clipped surrogate: mean over real tokens of max(-A r, -A clip(r, 1-eps, 1+eps))."""
    log_ratio = logp - old_logp
    ratio = torch.exp(log_ratio)
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1.0 - clip_eps, 1.0 + clip_eps)
    loss = masked_mean(torch.maximum(unclipped, clipped), mask)
    with torch.no_grad():
        clip_fraction = masked_mean((clipped > unclipped).float(), mask)
        ratio_mean = masked_mean(ratio, mask)
        approx_kl = masked_mean(torch.expm1(log_ratio) - log_ratio, mask)
    return PolicyLossOut(loss, clip_fraction, ratio_mean, approx_kl)


@dataclass(frozen=True)
class ValueLossOut:
    loss: torch.Tensor
    clip_fraction: torch.Tensor


def value_loss(values: torch.Tensor, old_values: torch.Tensor, returns: torch.Tensor, mask: torch.Tensor,
               clip_eps: float) -> ValueLossOut:
    """Clipped value loss: 0.5 * mean over real tokens of max((v - R)^2, (v_clipped - R)^2)."""
    v_clipped = old_values + torch.clamp(values - old_values, -clip_eps, clip_eps)
    err, err_clipped = (values - returns) ** 2, (v_clipped - returns) ** 2
    loss = 0.5 * masked_mean(torch.maximum(err, err_clipped), mask)
    with torch.no_grad():
        clip_fraction = masked_mean((err_clipped > err).float(), mask)
    return ValueLossOut(loss, clip_fraction)
