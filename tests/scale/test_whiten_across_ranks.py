"""PPO's advantage whitening over data-parallel ranks equals whitening the whole rollout batch in one process."""

from __future__ import annotations

import threading

import torch

from align.ppo import core


class TwoRankSum:
    """A sum over two ranks played by two threads: each call blocks until both ranks contributed."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(2)
        self.slots: list[torch.Tensor | None] = [None, None]

    def for_rank(self, rank: int):
        def total(t: torch.Tensor) -> torch.Tensor:
            self.slots[rank] = t.clone()
            self.barrier.wait()
            out = self.slots[0] + self.slots[1]
            self.barrier.wait()  # both read before the next call overwrites
            return out
        return total


def test_whitening_over_two_ranks_equals_one_process_over_all_rows():
    torch.manual_seed(0)
    x = torch.randn(6, 5) * 3 + 2
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0],
                         [1, 1, 1, 1, 0], [1, 1, 0, 0, 0], [0, 0, 0, 0, 0]], dtype=torch.float32)
    whole = core.masked_whiten(x, mask)
    reducer, halves = TwoRankSum(), [None, None]

    def rank(r: int) -> None:
        rows = slice(0, 3) if r == 0 else slice(3, 6)
        halves[r] = core.masked_whiten(x[rows], mask[rows], sum_across=reducer.for_rank(r))

    threads = [threading.Thread(target=rank, args=(r,)) for r in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    together = torch.cat([halves[0], halves[1]])
    assert torch.allclose(together, whole, atol=1e-6)
    # Per-rank whitening (what DDP without the reduction would do) differs: the test can tell them apart.
    separate = torch.cat([core.masked_whiten(x[:3], mask[:3]), core.masked_whiten(x[3:], mask[3:])])
    assert not torch.allclose(separate, whole, atol=1e-3)


def test_whitening_golden_values_and_identity_reduction():
    x = torch.tensor([[1.0, 2.0, 3.0, 100.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 0.0]])
    # mean 2, population variance 2/3 -> (x - 2) / sqrt(2/3); the masked token stays 0
    expected = torch.tensor([[-1.0, 0.0, 1.0, 0.0]]) / (2.0 / 3.0) ** 0.5
    assert torch.allclose(core.masked_whiten(x, mask), expected, atol=1e-6)
    assert torch.allclose(core.masked_whiten(x, mask, sum_across=lambda t: t), expected, atol=1e-6)
    # shift_mean=False keeps the mean: (x - 2) / std + 2 on real tokens
    kept = core.masked_whiten(x, mask, shift_mean=False, sum_across=lambda t: t)
    assert torch.allclose(kept, (expected + 2.0) * mask, atol=1e-6)
