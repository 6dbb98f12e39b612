"""Pieces shared by the local transformers adapters' generation and by the API adapters: decoding settings,
stop-sequence truncation and turning generated ids into Responses."""

from __future__ import annotations

from typing import Any, Sequence

from eval_anything.types import GenerationSettings, Request, Response, sha256_text


def truncate_at_stop(text: str, stops: Sequence[str]) -> str:
    """Cut at the earliest stop sequence. Backends differ in whether they honour stops; this makes them agree."""
    cut = len(text)
    for s in stops:
        if s:
            i = text.find(s)
            if i != -1:
                cut = min(cut, i)
    return text[:cut]


def generate_kwargs(reqs: Sequence[Request], tokenizer: Any) -> dict[str, Any]:
    """`model.generate` keyword arguments for a batch sharing one GenerationSettings."""
    import torch

    g: GenerationSettings = reqs[0].generation
    kwargs: dict[str, Any] = {"max_new_tokens": g.max_new_tokens, "pad_token_id": tokenizer.pad_token_id}
    if g.greedy:
        kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
    else:
        kwargs.update(do_sample=True, temperature=g.temperature, top_p=g.top_p)
        # Seeded from the batch's content, so a resumed run draws the same samples.
        torch.manual_seed(int(sha256_text(str(g.seed) + "".join(r.key() for r in reqs))[:8], 16))
    if g.stop:
        kwargs.update(stop_strings=list(g.stop), tokenizer=tokenizer)
    return kwargs


def decode_generations(generated: Any, prompt_len: int, attention_mask: Any, tokenizer: Any,
                       stops: Sequence[str], latency_s: float) -> list[Response]:
    """Generated ids (prompt included, left-padded batch) -> one Response per row."""
    out = []
    for row, mask in zip(generated[:, prompt_len:], attention_mask):
        text = truncate_at_stop(tokenizer.decode(row, skip_special_tokens=True), stops)
        out.append(Response(text=text, n_input_tokens=int(mask.sum()),
                            n_output_tokens=int((row != tokenizer.pad_token_id).sum()), latency_s=latency_s))
    return out
