"""Reward-model judge: a transformers sequence-classification head scores (prompt, response) pairs.

The model is wrapped as a ModelAdapter whose "generation" is the reward written as text, so reward calls go through
the same scheduler and cache as every other judge call. Text goes through the tokenizer's chat template (or a plain
"USER:/ASSISTANT:" layout); images and audio go through the checkpoint's processor when it has one.
`--judge rm:PATH` loads it as a run's judge (see `load`).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from eval_anything.models.base import Capabilities, ModelAdapter
from eval_anything.types import JudgeRecord, Message, Request, Response
from judges.base import JudgeEnv, JudgeItem, Verdict


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def _dir_fingerprint(path: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(path.glob("*")):
        if f.is_file() and f.suffix in (".json", ".safetensors", ".bin", ".model", ".txt", ".jinja"):
            h.update(f.name.encode())
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


@dataclass
class RewardModelAdapter(ModelAdapter):
    path: str = ""
    batch_size: int = 8
    model: Any = None
    tokenizer: Any = None
    processor: Any = None
    _fp: str = field(default="", repr=False)

    @staticmethod
    def from_path(path: str, model_args: dict | None = None) -> "RewardModelAdapter":
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        args = dict(model_args or {})
        p = Path(path).expanduser()
        model = AutoModelForSequenceClassification.from_pretrained(str(p), dtype=torch.float32).eval()
        if model.config.num_labels != 1:
            raise ValueError(f"{path}: a reward model has one output (num_labels=1), this one has {model.config.num_labels}")
        tokenizer = AutoTokenizer.from_pretrained(str(p))
        processor, inputs = None, {"text"}
        try:  # a processor makes media inputs possible; a text-only checkpoint simply has none
            from transformers import AutoProcessor

            proc = AutoProcessor.from_pretrained(str(p))
            if proc is not tokenizer and not getattr(proc, "is_fast", False):
                processor = proc
                inputs |= {m for m, attr in (("image", "image_processor"), ("audio", "feature_extractor"))
                           if getattr(proc, attr, None) is not None}
        except Exception:
            processor = None
        fp = hashlib.sha256(f"rm\x1f{_dir_fingerprint(p) if p.is_dir() else path}".encode()).hexdigest()
        return RewardModelAdapter(name=f"rm:{p.name}", capabilities=Capabilities(frozenset(inputs), frozenset({"text"}), False),
                                  path=str(p), batch_size=int(args.get("batch_size", 8)), model=model,
                                  tokenizer=tokenizer, processor=processor, _fp=fp)

    def fingerprint(self) -> str:
        return self._fp

    def batch_plan(self, requests: Sequence[Request]) -> list[list[int]]:
        n, b = len(requests), max(1, self.batch_size)
        return [list(range(i, min(i + b, n))) for i in range(0, n, b)]

    def _text(self, messages: Sequence[Message]) -> str:
        chat = [{"role": m.role, "content": m.text} for m in messages]
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(chat, tokenize=False)
        return "\n".join(f"{m['role'].upper()}: {m['content']}" for m in chat)

    def generate(self, requests: Sequence[Request], progress=None) -> list[Response]:
        import torch

        out: list[Response] = []
        for start in range(0, len(requests), self.batch_size):
            batch = list(requests[start:start + self.batch_size])
            try:
                if any(p.type != "text" for r in batch for m in r.messages for p in m.parts):
                    rewards = [self._media_reward(r) for r in batch]
                else:
                    enc = self.tokenizer([self._text(r.messages) for r in batch], return_tensors="pt", padding=True,
                                         truncation=True)
                    with torch.no_grad():
                        rewards = self.model(**enc).logits[:, 0].float().tolist()
                out += [Response(text=json.dumps(round(x, 6)), n_output_tokens=0) for x in rewards]
            except Exception as e:  # a bad item fails its batch, recorded per request (never cached)
                out += [Response.failed(f"reward model failed: {type(e).__name__}: {e}") for _ in batch]
            if progress:
                progress(len(batch))
        return out

    def _media_reward(self, request: Request) -> float:
        import torch
        from eval_anything.media import load_audio, load_image

        if self.processor is None:
            raise ValueError(f"{self.path} has no processor, so it cannot read media")
        parts = [p for m in request.messages for p in m.parts if p.type != "text"]
        kwargs: dict[str, Any] = {}
        images = [load_image(p.path) for p in parts if p.type == "image"]
        audios = [load_audio(p.path, self.processor.feature_extractor.sampling_rate)[0] for p in parts if p.type == "audio"]
        if images:
            kwargs["images"] = images
        if audios:
            kwargs["audio"] = audios
        chat = [{"role": m.role, "content": [{"type": p.type} if p.type != "text" else {"type": "text", "text": p.text}
                                             for p in m.parts]} for m in request.messages]
        text = self.processor.apply_chat_template(chat, tokenize=False)
        enc = self.processor(text=text, return_tensors="pt", **kwargs)
        with torch.no_grad():
            return float(self.model(**enc).logits[0, 0])


def load(rest: str, model_args: dict[str, Any], base_url: str | None = None) -> RewardModelAdapter:
    """Model-spec factory for `rm:PATH` (register with eval_anything.registry.register_model("rm", ...))."""
    return RewardModelAdapter.from_path(rest, model_args)


class RewardModelJudge:
    """Verdict value = sigmoid(reward) in (0, 1) (or the raw reward with `squash=False`)."""

    name = "reward_model"

    def __init__(self, path: str | None = None, adapter: RewardModelAdapter | None = None, squash: bool = True,
                 model_args: dict | None = None) -> None:
        if adapter is None and path is None:
            raise ValueError("RewardModelJudge needs a checkpoint path or a RewardModelAdapter")
        self._adapter, self.path, self.squash, self.model_args = adapter, path, squash, model_args

    @property
    def adapter(self) -> RewardModelAdapter:
        if self._adapter is None:
            self._adapter = RewardModelAdapter.from_path(str(self.path), self.model_args)
        return self._adapter

    def judge(self, items: Sequence[JudgeItem], env: JudgeEnv | None = None) -> list[Verdict]:
        adapter = env.adapter if env is not None and isinstance(env.adapter, RewardModelAdapter) else self.adapter
        scheduler = env.scheduler if env is not None else JudgeEnv(adapter).scheduler
        reqs = [Request(kind="judge", messages=(Message.user(*it.parts, it.prompt),
                                                Message.assistant(it.response or "")), task="judge", sample_id=it.id)
                for it in items]
        version = f"judge:reward_model:{adapter.fingerprint()[:16]}"
        verdicts = []
        for resp in scheduler.run(adapter, reqs, version, "reward model"):
            rec = JudgeRecord(judge_model=adapter.name, template="reward_model", template_hash=adapter.fingerprint(),
                              raw_output=resp.text, parsed=None if resp.error else float(resp.text or "nan"),
                              parse_error=resp.error)
            if resp.error:
                verdicts.append(Verdict(None, (rec,), resp.error))
                continue
            reward = float(resp.text or "nan")
            verdicts.append(Verdict(sigmoid(reward) if self.squash else reward, (rec,), None, {"reward": reward}))
        return verdicts
