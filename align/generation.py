"""Batched sampling from a policy (text or with media), used by the LLF pipeline."""

from __future__ import annotations

from typing import Sequence

import torch

from align.data import Item
from align.models import tokenizer_of
from align.ppo.rollout import encode_prompts, generate, response_mask


def sample_texts(model, processor, items: Sequence[Item], max_new_tokens: int, temperature: float = 1.0,
                 batch_size: int = 8, chat: bool = True, seed: int = 0) -> list[str]:
    """One sampled reply per item (greedy when temperature is 0), decoded up to the first EOS."""
    tok = tokenizer_of(processor)
    torch.manual_seed(seed)
    model.eval()
    out: list[str] = []
    for start in range(0, len(items), batch_size):
        chunk = list(items[start:start + batch_size])
        batch = encode_prompts(processor, chunk, chat=chat)
        do_sample = temperature > 0
        resp = generate(model, processor, batch, max_new_tokens, temperature if do_sample else 1.0, 0, do_sample)
        mask = response_mask(resp, tok.eos_token_id, tok.pad_token_id, True)
        out += [tok.decode(r[m.bool()], skip_special_tokens=True).strip() for r, m in zip(resp, mask)]
    return out
