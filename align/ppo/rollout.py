"""Rollouts for PPO: encode prompts (text or with media), sample responses, and score tokens with a model.

Works for any model whose forward takes input_ids/attention_mask plus media tensors (pixel_values,
input_features, ...): the processor decides which extra tensors a batch carries, and they are passed through.
Media tensors are sliced by row for minibatches, so each prompt carries exactly one image or audio clip (or none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import torch
import torch.nn.functional as F

from align.data import Item, open_image
from align.models import tokenizer_of


@dataclass
class Batch:
    prompt_ids: torch.Tensor  # (B, P), left-padded
    prompt_mask: torch.Tensor
    media: dict[str, torch.Tensor]  # extra model inputs (pixel_values, ...)
    prompts: list[str]
    items: list[Item]


def render_prompt(processor, item: Item, chat: bool) -> str:
    if not chat:
        return item.prompt
    content: Any = item.prompt
    if item.images or item.audios:
        content = ([{"type": "image"}] * len(item.images) + [{"type": "audio"}] * len(item.audios)
                   + [{"type": "text", "text": item.prompt}])
    msgs = [{"role": "user", "content": content}]
    return processor.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)


def encode_prompts(processor, items: Sequence[Item], chat: bool = True) -> Batch:
    tok = tokenizer_of(processor)
    tok.padding_side = "left"  # generation continues from the right edge
    texts = [render_prompt(processor, it, chat) for it in items]
    kwargs: dict[str, Any] = dict(return_tensors="pt", padding=True)
    if any(it.images for it in items):
        kwargs["images"] = [[open_image(i) for i in it.images] for it in items]
    if any(it.audios for it in items):
        from align.audio import load_audios

        sr = processor.feature_extractor.sampling_rate
        kwargs.update(audio=[a for it in items for a in load_audios(list(it.audios), sr)], sampling_rate=sr)
    if processor is tok:
        enc = tok(texts, add_special_tokens=not chat, **kwargs)
    else:
        enc = processor(text=texts, **kwargs)
    media = {k: v for k, v in enc.items() if k not in ("input_ids", "attention_mask")}
    return Batch(enc["input_ids"], enc["attention_mask"], media, texts, list(items))


def response_mask(response: torch.Tensor, eos_id: int | None, pad_id: int | None, stop_at_eos: bool) -> torch.Tensor:
    """1 up to and including the first EOS; 0 after it (generate pads finished rows)."""
    if not stop_at_eos or eos_id is None:
        return torch.ones_like(response, dtype=torch.float32)
    is_eos = (response == eos_id).long()
    after_eos = (is_eos.cumsum(dim=1) - is_eos) > 0
    return (~after_eos).float()


@torch.no_grad()
def generate(model, processor, batch: Batch, max_new_tokens: int, temperature: float, top_k: int,
             do_sample: bool = True) -> torch.Tensor:
    tok = tokenizer_of(processor)
    out = model.generate(input_ids=batch.prompt_ids, attention_mask=batch.prompt_mask, **batch.media,
                         max_new_tokens=max_new_tokens, do_sample=do_sample, temperature=temperature if do_sample else None,
                         top_k=top_k if do_sample else None, top_p=1.0 if do_sample else None,
                         pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
    resp = out[:, batch.prompt_ids.shape[1]:]
    if resp.shape[1] < max_new_tokens:  # everyone stopped early: pad to a fixed width
        resp = F.pad(resp, (0, max_new_tokens - resp.shape[1]), value=tok.pad_token_id)
    return resp


def forward_tokens(model, batch: Batch, response: torch.Tensor, resp_mask: torch.Tensor, temperature: float,
                   value_head: torch.nn.Module | None = None, rows: slice | torch.Tensor | None = None):
    """Log-probs of the response tokens (at the sampling temperature) and, with a value head, per-token values."""
    sel = slice(None) if rows is None else rows
    prompt_ids, prompt_mask = batch.prompt_ids[sel], batch.prompt_mask[sel]
    ids = torch.cat([prompt_ids, response[sel]], dim=1)
    attn = torch.cat([prompt_mask, resp_mask[sel].long()], dim=1)
    position_ids = (attn.cumsum(dim=1) - 1).clamp(min=0)  # as generate does with left padding
    media = {k: v[sel] for k, v in batch.media.items()}
    out = model(input_ids=ids, attention_mask=attn, position_ids=position_ids, **media,
                output_hidden_states=value_head is not None, use_cache=False)
    P = prompt_ids.shape[1]
    logits = out.logits[:, P - 1:-1].float() / temperature
    logp = torch.gather(F.log_softmax(logits, dim=-1), 2, response[sel].unsqueeze(-1)).squeeze(-1)
    values = None
    if value_head is not None:
        hidden = out.hidden_states[-1][:, P - 1:-1]
        values = value_head(hidden.to(value_head.weight.dtype)).squeeze(-1)
    return logp, values
