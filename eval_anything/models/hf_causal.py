"""Local Hugging Face causal LMs: batched, length-sorted, with shared-context multiple choice.

Multiple choice: all choices of a sample share one context. The context is run once (per batch of samples,
left-padded), its KV cache is then indexed out to one row per choice and only the continuation tokens are run.
lm-evaluation-harness instead runs context + choice in full for every choice.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Sequence

from eval_anything.config import ConfigError
from eval_anything.models.base import Capabilities, ModelAdapter, ProgressFn
from eval_anything.models.generation import decode_generations, generate_kwargs
from eval_anything.models.hf_common import check_known_args, checkpoint_fingerprint, load_settings, module_fingerprint
from eval_anything.types import Request, Response

AUTO_BATCH_CPU = 16
AUTO_BATCH_GPU = 32
KNOWN_ARGS = {"dtype", "device", "batch_size", "chat_template", "max_length", "trust_remote_code", "num_threads",
              "revision", "attn_implementation", "add_bos_token", "device_map",
              "max_memory"}


class HFCausalLM(ModelAdapter):
    def __init__(self, model, tokenizer, *, name: str, fingerprint: str, batch_size: int | str = "auto",
                 chat_template: str = "auto", max_length: int | None = None,
                 add_bos_token: bool | None = None) -> None:
        import torch

        super().__init__(name=name, capabilities=Capabilities(frozenset({"text"}), frozenset({"text"}), True))
        self.model = model.eval()
        self.tok = tokenizer
        self.device = next(model.parameters()).device
        if self.tok.pad_token_id is None:
            self.tok.pad_token = self.tok.eos_token
        self.batch_size = self._resolve_batch_size(batch_size, torch)
        self.chat_template_mode = chat_template
        self.add_bos_token = add_bos_token  # None: the tokenizer's default, as lm-evaluation-harness
        cfg_len = getattr(model.config, "max_position_embeddings", None)
        self.max_length = int(max_length or cfg_len or 2048)
        self._fingerprint = fingerprint
        self._token_cache: dict[str, tuple[list[int], list[int]]] = {}
        self._prompt_cache: dict[str, list[int]] = {}
        # transformers >= 5.2x renamed `past_key_values` to `cache`; accept both.
        import inspect

        self._cache_arg = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"

    # ----- construction ---------------------------------------------------------------------------------------
    @classmethod
    def from_path(cls, path: str, model_args: dict[str, Any], display_name: str | None = None) -> "HFCausalLM":
        check_known_args(model_args, KNOWN_ARGS, "hf:")
        from transformers import AutoModelForCausalLM, AutoTokenizer

        settings = load_settings(model_args)
        try:
            tok = AutoTokenizer.from_pretrained(path, **settings.hub)
            model = settings.place(AutoModelForCausalLM.from_pretrained(path, **settings.model_kwargs))
        except OSError as e:
            raise ConfigError(f"could not load a causal LM from {path}: {e}") from None
        extra = {"dtype": settings.dtype_name, "chat_template": model_args.get("chat_template", "auto"),
                 "add_bos_token": model_args.get("add_bos_token"),
                 "max_length": model_args.get("max_length"), "revision": model_args.get("revision")}
        return cls(model, tok, name=display_name or Path(path).name or path,
                   fingerprint=checkpoint_fingerprint(path, extra), batch_size=model_args.get("batch_size", "auto"),
                   chat_template=model_args.get("chat_template", "auto"), max_length=model_args.get("max_length"),
                   add_bos_token=model_args.get("add_bos_token"))

    @classmethod
    def from_model(cls, model, tokenizer, name: str = "in-memory", **kwargs: Any) -> "HFCausalLM":
        return cls(model, tokenizer, name=name, fingerprint=module_fingerprint(model, tokenizer), **kwargs)

    def _resolve_batch_size(self, batch_size: int | str, torch) -> int:
        if batch_size in (None, "auto"):
            # A fixed, documented choice (not a memory probe) so that batch composition, and so the numbers,
            # never depend on free memory at the time of the run.
            return AUTO_BATCH_GPU if self.device.type == "cuda" else AUTO_BATCH_CPU
        if int(batch_size) < 1:
            raise ConfigError("--batch-size must be >= 1 or auto")
        return int(batch_size)

    def fingerprint(self) -> str:
        return self._fingerprint

    # ----- prompt rendering -----------------------------------------------------------------------------------
    def _use_chat(self, req: Request) -> bool:
        mode = self.chat_template_mode if self.chat_template_mode != "auto" else req.chat_template
        if mode == "never":
            return False
        has_template = bool(getattr(self.tok, "chat_template", None))
        if mode == "always":
            if not has_template:
                raise ConfigError(f"{self.name}: chat_template=always but the tokenizer has no chat template")
            return True
        # auto: chat for generation when available; raw text for log-likelihoods (as lm-evaluation-harness does)
        return has_template and req.kind != "loglikelihood"

    def render(self, req: Request) -> str:
        if self._use_chat(req):
            msgs = [{"role": m.role, "content": m.text} for m in req.messages]
            return self.tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
        if req.context_text is not None:
            return req.context_text
        return "\n\n".join(m.text for m in req.messages)

    def _encode(self, text: str) -> list[int]:
        """Token ids as lm-evaluation-harness makes them: the tokenizer's own special tokens (e.g. a Llama BOS),
        unless the text already starts with the BOS string (a chat template wrote it) or `add_bos_token` says."""
        add = self.add_bos_token
        if add is None:
            bos = self.tok.bos_token
            add = not (bos and text.startswith(bos))
        return self.tok(text, add_special_tokens=add)["input_ids"]

    def _pair(self, req: Request) -> tuple[list[int], list[int]]:
        """(context ids, continuation ids), split the way lm-evaluation-harness splits them."""
        key = req.key()
        if key not in self._token_cache:
            context, cont = self.render(req), req.continuation or ""
            n_spaces = len(context) - len(context.rstrip())
            if n_spaces:  # trailing spaces belong to the continuation (better tokenisation)
                context, cont = context[:-n_spaces], context[-n_spaces:] + cont
            if context:
                ctx_ids = self._encode(context)
                cont_ids = self._encode(context + cont)[len(ctx_ids):]
            else:
                prefix = self.tok.bos_token_id if self.tok.bos_token_id is not None else self.tok.eos_token_id
                ctx_ids, cont_ids = [prefix], self._encode(cont)
            if not cont_ids:
                raise ConfigError(f"task {req.task} sample {req.sample_id}: empty continuation after tokenisation")
            self._token_cache[key] = (ctx_ids, cont_ids)
        return self._token_cache[key]

    def _prompt_ids(self, req: Request) -> list[int]:
        """A generation prompt's ids, encoded once (the batch plan sorts by them, the batch then runs them)."""
        key = req.key()
        if key not in self._prompt_cache:
            self._prompt_cache[key] = self._encode(self.render(req))
        return self._prompt_cache[key]

    # ----- batching -------------------------------------------------------------------------------------------
    def batch_plan(self, requests: Sequence[Request]) -> list[list[int]]:
        if not requests:
            return []
        if requests[0].kind == "loglikelihood":
            return self._plan_loglikelihood(requests)
        return self._plan_generate(requests)

    def _plan_loglikelihood(self, requests: Sequence[Request]) -> list[list[int]]:
        groups: dict[tuple[int, ...], list[int]] = {}
        for i, r in enumerate(requests):
            groups.setdefault(tuple(self._pair(r)[0]), []).append(i)
        # Longest first: the slowest batch runs first (so memory errors show at once), and similar lengths share
        # a batch (less padding).
        order = sorted(groups.items(), key=lambda kv: (-(len(kv[0]) + max(len(self._pair(requests[i])[1])
                                                                          for i in kv[1])), kv[1][0]))
        batches: list[list[int]] = []
        current: list[int] = []
        for _, idx in order:
            if current and len(current) + len(idx) > self.batch_size:
                batches.append(current)
                current = []
            current.extend(idx)
        if current:
            batches.append(current)
        return batches

    def _plan_generate(self, requests: Sequence[Request]) -> list[list[int]]:
        by_settings: dict[str, list[int]] = {}
        for i, r in enumerate(requests):
            by_settings.setdefault(json.dumps(r.generation.to_dict(), sort_keys=True), []).append(i)
        batches = []
        for key in sorted(by_settings):
            idx = sorted(by_settings[key], key=lambda i: (-len(self._prompt_ids(requests[i])), i))
            batches += [idx[j : j + self.batch_size] for j in range(0, len(idx), self.batch_size)]
        return batches

    # ----- log-likelihood -------------------------------------------------------------------------------------
    def loglikelihood(self, requests: Sequence[Request], progress: ProgressFn | None = None) -> list[Response]:
        return self._run_planned(requests, self._loglikelihood_batch, progress)

    def _run_planned(self, requests: Sequence[Request], run_batch, progress: ProgressFn | None) -> list[Response]:
        """Run `requests` in planned batches (the scheduler passes one planned batch at a time, run whole)."""
        out: list[Response] = [None] * len(requests)  # type: ignore[list-item]
        plan = self.batch_plan(requests) if len(requests) > self.batch_size else [list(range(len(requests)))]
        for batch in plan:
            for i, resp in zip(batch, run_batch([requests[i] for i in batch])):
                out[i] = resp
            if progress:
                progress(len(batch))
        return out

    def _loglikelihood_batch(self, reqs: Sequence[Request]) -> list[Response]:
        import torch

        started = time.perf_counter()
        pairs = [self._pair(r) for r in reqs]
        contexts: list[tuple[int, ...]] = []
        group_of: list[int] = []
        for ctx_ids, _ in pairs:
            key = tuple(ctx_ids)
            if key not in contexts:
                contexts.append(key)
            group_of.append(contexts.index(key))
        # Truncate from the left so that context + continuation fits the model (as lm-eval does).
        limit = self.max_length
        ctx_list = [list(c) for c in contexts]
        for gi, c in enumerate(ctx_list):
            longest = max(len(pairs[i][1]) for i in range(len(reqs)) if group_of[i] == gi)
            if len(c) + longest > limit:
                ctx_list[gi] = c[-max(1, limit - longest):]
        pad = self.tok.pad_token_id
        dev = self.device
        lc = max(len(c) for c in ctx_list)
        ctx_ids = torch.full((len(ctx_list), lc), pad, dtype=torch.long)
        ctx_mask = torch.zeros((len(ctx_list), lc), dtype=torch.long)
        for gi, c in enumerate(ctx_list):  # left padding: every context ends at the same column
            ctx_ids[gi, lc - len(c):] = torch.tensor(c)
            ctx_mask[gi, lc - len(c):] = 1
        ctx_pos = (ctx_mask.cumsum(-1) - 1).clamp(min=0)
        with torch.inference_mode():
            out = self.model(input_ids=ctx_ids.to(dev), attention_mask=ctx_mask.to(dev),
                             position_ids=ctx_pos.to(dev), use_cache=True)
            last_logp = torch.log_softmax(out.logits[:, -1, :].float(), dim=-1)  # predicts 1st continuation token
            cache = out["cache"] if "cache" in out else out["past_key_values"]
            rows = torch.tensor(group_of, device=dev)
            cache.reorder_cache(rows)  # one cache row per choice, sharing the computed context
            conts = [p[1] for p in pairs]
            lk = max(len(c) for c in conts)
            cont_ids = torch.full((len(reqs), lk), pad, dtype=torch.long)
            cont_mask = torch.zeros((len(reqs), lk), dtype=torch.long)
            for i, c in enumerate(conts):
                cont_ids[i, : len(c)] = torch.tensor(c)
                cont_mask[i, : len(c)] = 1
            ctx_len = ctx_mask.sum(-1)[group_of]
            cont_pos = ctx_len[:, None] + torch.arange(lk)[None, :]
            full_mask = torch.cat([ctx_mask[group_of], cont_mask], dim=1)
            if lk > 1:
                step = self.model(input_ids=cont_ids[:, :-1].to(dev), attention_mask=full_mask[:, :-1].to(dev),
                                  position_ids=cont_pos[:, :-1].to(dev), use_cache=False, **{self._cache_arg: cache})
                logp = torch.cat([last_logp[rows][:, None, :], torch.log_softmax(step.logits.float(), dim=-1)], 1)
            else:
                logp = last_logp[rows][:, None, :]
        elapsed = (time.perf_counter() - started) / len(reqs)
        responses = []
        for i, c in enumerate(conts):
            lp = logp[i, : len(c)]
            target = torch.tensor(c, device=lp.device)
            token_lp = lp.gather(-1, target[:, None]).squeeze(-1)
            greedy = bool((lp.argmax(-1) == target).all())
            responses.append(Response(logprob=float(token_lp.double().sum()), is_greedy=greedy,
                                      n_input_tokens=len(ctx_list[group_of[i]]), n_output_tokens=len(c),
                                      latency_s=elapsed))
        return responses

    # ----- generation -----------------------------------------------------------------------------------------
    def generate(self, requests: Sequence[Request], progress: ProgressFn | None = None) -> list[Response]:
        return self._run_planned(requests, self._generate_batch, progress)

    def _generate_batch(self, reqs: Sequence[Request]) -> list[Response]:
        import torch

        started = time.perf_counter()
        g = reqs[0].generation
        self.tok.padding_side = "left"
        enc = self.tok.pad({"input_ids": [self._prompt_ids(r) for r in reqs]}, return_tensors="pt")
        max_prompt = self.max_length - g.max_new_tokens
        if max_prompt > 0 and enc["input_ids"].shape[1] > max_prompt:  # keep the end of over-long prompts
            enc = {k: v[:, -max_prompt:] for k, v in enc.items()}
        kwargs = generate_kwargs(reqs, self.tok)
        with torch.inference_mode():
            gen = self.model.generate(**{k: v.to(self.device) for k, v in enc.items()}, **kwargs)
        elapsed = (time.perf_counter() - started) / len(reqs)
        return decode_generations(gen, enc["input_ids"].shape[1], enc["attention_mask"], self.tok, g.stop, elapsed)
