"""Reward-model judge: a transformers sequence-classification head scores (prompt, response) pairs.

The model is wrapped as a ModelAdapter whose "generation" is the reward written as text, so reward calls go through
the same scheduler and cache as every other judge call. Text goes through the tokenizer's chat template (or a plain
"USER:/ASSISTANT:" layout); images and audio go through the checkpoint's processor when it has one.
`--judge rm:PATH` loads it as a run's judge (see `load`).

Custom-code reward models (the paper's any-modality reward model ships its own modelling code, named by `auto_map`
in config.json) run that code only when the user opts in: `--judge-args trust_remote_code=true`. Without it, loading
stops with an error that says so. The reward is read from the model's output: `end_scores` (one score per sequence,
as safe-rlhf-style score models return), `rewards`, `logits` (sequence classification, one label), a plain tensor,
a tuple's first tensor or a scalar; anything with more than one value per item is an error. The judge maps a reward r to sigmoid(r) in (0, 1), as the
paper does.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from eval_anything.config import ConfigError
from eval_anything.models.base import Capabilities, ModelAdapter
from eval_anything.types import JudgeRecord, Message, Request, Response
from judges.base import JudgeEnv, JudgeItem, Verdict


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def _dir_fingerprint(path: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(path.glob("*")):
        if f.is_file() and f.suffix in (".json", ".safetensors", ".bin", ".model", ".txt", ".jinja", ".py"):
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
        from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer

        args = dict(model_args or {})
        trust = _flag(args.get("trust_remote_code", False))
        p = Path(path).expanduser()
        auto_map = _auto_map(p)
        if auto_map is not None and not trust:
            raise ConfigError(f"rm:{path} ships its own model code (auto_map in config.json: "
                              f"{', '.join(sorted(auto_map.values()))}); loading it runs that code. If you trust "
                              f"it, pass --judge-args trust_remote_code=true")
        kw = {"trust_remote_code": trust}
        try:
            if auto_map is not None and "AutoModelForSequenceClassification" not in auto_map:
                model = AutoModel.from_pretrained(str(p), dtype=torch.float32, **kw).eval()
            else:
                model = AutoModelForSequenceClassification.from_pretrained(str(p), dtype=torch.float32, **kw).eval()
        except ValueError as e:
            if "trust_remote_code" in str(e):
                raise ConfigError(f"rm:{path} needs its own model code; if you trust it, pass "
                                  f"--judge-args trust_remote_code=true") from None
            raise
        if auto_map is None and model.config.num_labels != 1:
            raise ValueError(f"{path}: a reward model has one output (num_labels=1), this one has {model.config.num_labels}")
        tokenizer = AutoTokenizer.from_pretrained(str(p), **kw)
        processor, inputs = None, {"text"}
        try:  # a processor makes media inputs possible; a text-only checkpoint simply has none
            from transformers import AutoProcessor

            proc = AutoProcessor.from_pretrained(str(p), **kw)
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
                        rewards = reward_values(self.model(**self._accepted(enc)))
                    if len(rewards) != len(batch):
                        raise ValueError(f"{len(rewards)} rewards for a batch of {len(batch)}")
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
            rewards = reward_values(self.model(**self._accepted(dict(enc))))
        if len(rewards) != 1:
            raise ValueError(f"{len(rewards)} rewards for one item")
        return rewards[0]

    def _accepted(self, enc: Any) -> dict[str, Any]:
        """Encoder outputs the model's forward accepts (custom models may not take token_type_ids, say)."""
        import inspect

        params = inspect.signature(self.model.forward).parameters
        if any(p.kind == p.VAR_KEYWORD for p in params.values()):
            return dict(enc)
        return {k: v for k, v in dict(enc).items() if k in params}


def _flag(value: Any) -> bool:
    """trust_remote_code as given: a bool, or "true"/"false" (any case) from a config file or the Python API."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ConfigError(f"--judge-args trust_remote_code={value!r}: use true or false")


def _auto_map(path: Path) -> dict[str, str] | None:
    """config.json's auto_map (custom model code), or None for a model transformers ships."""
    cfg = path / "config.json"
    if not cfg.is_file():
        return None
    try:
        data = json.loads(cfg.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ConfigError(f"{cfg}: unreadable model config ({e})") from None
    auto_map = data.get("auto_map") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in auto_map.items()} if isinstance(auto_map, dict) else None


def reward_values(output: Any) -> list[float]:
    """One reward per item from a model's output: `end_scores`, `rewards`, `logits` (in that order) or a tensor."""
    import torch

    tensor, name = None, "output"
    if isinstance(output, (int, float)) and not isinstance(output, bool):
        return [float(output)]
    if isinstance(output, torch.Tensor):
        tensor = output
    elif isinstance(output, (tuple, list)) and output and isinstance(output[0], torch.Tensor):
        tensor = output[0]  # return_dict=False: the first element
    else:
        for name in ("end_scores", "rewards", "logits"):
            value = output.get(name) if isinstance(output, dict) else getattr(output, name, None)
            if value is not None:
                tensor = value
                break
    if tensor is None:
        raise ValueError("the reward model's output has no end_scores, rewards or logits")
    t = tensor.detach().float()
    if t.dim() == 0:  # a scalar: one item
        t = t.reshape(1)
    if t.dim() == 2 and t.shape[-1] == 1:
        t = t[:, 0]
    if t.dim() != 1:
        raise ValueError(f"the reward model's {name} has shape {tuple(t.shape)}; expected one value per item")
    return [float(x) for x in t.tolist()]


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
