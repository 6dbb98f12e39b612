"""Sequence scores for PPO: a rule, a reward model, a Python callable, or an eval-anything task's scorer."""

from __future__ import annotations

import importlib
from typing import Any, Callable, Sequence

from align.config import ConfigError, RewardSpec

RewardFn = Callable[[Sequence[str], Sequence[str], Sequence[Any]], list[float]]


def contains_rule(needles: Sequence[str]) -> RewardFn:
    """+1 for each listed string that occurs in the response."""

    def fn(prompts, responses, items):
        return [float(sum(n in r for n in needles)) for r in responses]

    return fn


def reward_model_fn(path: str) -> RewardFn:
    """Score chat-formatted (prompt, response) with a 1-label sequence classifier (e.g. from `align rm`)."""
    import torch
    from transformers import AutoTokenizer

    from align.models import load_reward_model

    model = load_reward_model(path).eval()
    tok = AutoTokenizer.from_pretrained(path)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    model.config.pad_token_id = tok.pad_token_id

    def fn(prompts, responses, items):
        texts = [tok.apply_chat_template([{"role": "user", "content": p}, {"role": "assistant", "content": r}],
                                         tokenize=False) if tok.chat_template else p + r
                 for p, r in zip(prompts, responses)]
        enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.no_grad():
            return model(**enc).logits[:, 0].float().tolist()

    return fn


def task_fn(task_name: str, task_paths: Sequence[str] = ()) -> RewardFn:
    """Grade responses with an eval-anything task: its scorer for generate tasks; for multiple-choice tasks,
    1 when the response starts with the gold choice. Items must come from that task (`data.task`)."""
    from eval_anything.registry import TaskRegistry
    from eval_anything.tasks import Task
    from eval_anything.types import Response

    task = Task(TaskRegistry(task_paths).resolve([task_name])[0])

    def fn(prompts, responses, items):
        out = []
        for r, it in zip(responses, items):
            sample = it.extra.get("sample")
            if sample is None:
                raise ConfigError("reward.kind task needs data.task to be the same task")
            if sample.choices is not None:
                out.append(float(r.strip().startswith(sample.choices[int(sample.target)].strip())))
            else:
                score = task.score(sample, [Response(text=r)])
                value = score.metrics.get(task.spec.metric.primary)
                if value is None:  # an ungraded response is not a zero reward
                    raise ValueError(f"task {task.name} could not grade the response to sample {sample.id}: "
                                     f"{score.error or 'no value for ' + task.spec.metric.primary}")
                out.append(float(value))
        return out

    return fn


def build_reward(spec: RewardSpec, task_paths: Sequence[str] = ()) -> RewardFn:
    if spec.kind == "rule":
        if not spec.contains:
            raise ConfigError("reward.kind rule needs reward.contains: [strings to reward]")
        base = contains_rule(spec.contains)
    elif spec.kind == "model":
        if not spec.model:
            raise ConfigError("reward.kind model needs reward.model: a reward-model folder")
        base = reward_model_fn(spec.model)
    elif spec.kind == "callable":
        if not spec.function or ":" not in spec.function:
            raise ConfigError("reward.kind callable needs reward.function: 'module:function'")
        mod, _, attr = spec.function.partition(":")
        base = getattr(importlib.import_module(mod), attr)
    else:
        if not spec.task:
            raise ConfigError("reward.kind task needs reward.task: an eval-anything task name")
        base = task_fn(spec.task, task_paths)

    def scaled(prompts, responses, items):
        return [spec.scale * s for s in base(prompts, responses, items)]

    return scaled
