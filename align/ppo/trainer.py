"""PPO for text and multimodal causal policies (TRL 1.16 has none): rollout -> score -> KL-shaped rewards ->
GAE -> clipped policy and value updates. The tensor maths lives in align.ppo.core.

The value head is a linear layer on the policy's last hidden state (shared backbone). Transformers callbacks
(e.g. eval_anything.callbacks.EvalCallback) receive the usual on_train_begin/on_log/on_save/on_train_end events.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import torch

from align.config import PPOConfig
from align.data import Item, load_items
from align.evalhook import attach, eval_callbacks
from align.models import (common_training_args, configure_threads, disable_dropout, load_policy, on_cpu,
                          save_pretrained, tokenizer_of)
from align.ppo import core
from align.ppo.rewards import RewardFn, build_reward
from align.ppo.rollout import encode_prompts, forward_tokens, generate, response_mask


@dataclass
class Rollout:
    batch: Any
    response: torch.Tensor
    mask: torch.Tensor
    logp: torch.Tensor
    ref_logp: torch.Tensor
    values: torch.Tensor
    scores: torch.Tensor
    texts: list[str]
    kl: torch.Tensor = field(init=False)


class PolicyWithValue(torch.nn.Module):
    """Policy + value head as one module, so `accelerate` wraps (DDP/FSDP/DeepSpeed) and syncs both together."""

    def __init__(self, policy, value_head: torch.nn.Module) -> None:
        super().__init__()
        self.policy, self.value_head = policy, value_head

    def forward(self, batch, response, mask, temperature, rows):
        return forward_tokens(self.policy, batch, response, mask, temperature, self.value_head, rows)


class PPOTrainer:
    def __init__(self, cfg: PPOConfig, model=None, processor=None, ref_model=None, reward_fn: RewardFn | None = None,
                 items: Sequence[Item] | None = None, callbacks: Sequence = ()) -> None:
        from accelerate import Accelerator
        from transformers import TrainerControl, TrainerState, TrainingArguments
        from transformers.trainer_callback import CallbackHandler, DefaultFlowCallback

        configure_threads(cfg.train.num_threads)
        torch.manual_seed(cfg.train.seed)
        self.cfg, self.p = cfg, cfg.ppo
        if model is None:
            model, processor = load_policy(cfg.model)
        self.model, self.processor = model, processor
        disable_dropout(self.model)
        self.ref_model = (ref_model or copy.deepcopy(model)).eval().requires_grad_(False)
        hidden = self._hidden_size(model)
        self.value_head = torch.nn.Linear(hidden, 1)
        torch.nn.init.zeros_(self.value_head.weight)  # V = 0 at start: no arbitrary value bias
        torch.nn.init.zeros_(self.value_head.bias)
        self.reward_fn = reward_fn or build_reward(cfg.reward, cfg.data.task_paths)
        self.items = list(items if items is not None else load_items(cfg.data))
        self.args = TrainingArguments(**common_training_args(cfg.train))  # before Accelerator: it resets the state

        # Under `accelerate launch` this wraps the policy for DDP/FSDP/DeepSpeed; in one CPU process it is a no-op.
        self.accelerator = Accelerator(cpu=on_cpu())
        joint = PolicyWithValue(self.model, self.value_head)
        optimizer = torch.optim.AdamW([q for q in joint.parameters() if q.requires_grad], lr=cfg.train.learning_rate,
                                      weight_decay=cfg.train.weight_decay)
        self.joint, self.optimizer = self.accelerator.prepare(joint, optimizer)
        self.ref_model = self.ref_model.to(self.accelerator.device)
        self.state, self.control = TrainerState(), TrainerControl()
        self.state.is_world_process_zero = self.accelerator.is_main_process
        cbs = eval_callbacks(cfg.eval, cfg.train.output_dir) + list(callbacks)
        self.callback_handler = CallbackHandler([DefaultFlowCallback(), *cbs], self.model, processor, self.optimizer, None)
        attach(self, cbs)
        self._rng = random.Random(cfg.train.seed + self.accelerator.process_index)  # distinct prompts per rank
        self.history: list[dict[str, float]] = []

    @staticmethod
    def _hidden_size(model) -> int:
        cfg = model.config
        return getattr(cfg, "hidden_size", None) or cfg.get_text_config().hidden_size

    # ----- the transformers-callback surface ---------------------------------------------------------------
    @property
    def processing_class(self):
        return self.processor

    def log(self, logs: dict[str, float]) -> None:
        entry = {**logs, "step": self.state.global_step}
        self.state.log_history.append(entry)
        self.control = self.callback_handler.on_log(self.args, self.state, self.control, logs=logs)

    def save(self, out: str | Path) -> Path:
        """Every rank calls this; the main process alone writes (one checkpoint, not one per rank)."""
        self.accelerator.wait_for_everyone()
        if self.accelerator.is_main_process:
            self.write_checkpoint(out)
        self.accelerator.wait_for_everyone()
        return Path(out)

    def write_checkpoint(self, out: str | Path) -> Path:
        """Policy (full Hugging Face model) + value head; call on the main process only."""
        joint = self.accelerator.unwrap_model(self.joint)
        save_pretrained(joint.policy, self.processor, out)
        torch.save(joint.value_head.state_dict(), Path(out) / "value_head.pt")
        return Path(out)

    def _sum_across_ranks(self):
        """A sum over data-parallel ranks for statistics the maths defines over the whole rollout batch."""
        if self.accelerator.num_processes == 1:
            return None
        return lambda t: self.accelerator.reduce(t, "sum")

    # ----- one PPO round ------------------------------------------------------------------------------------
    @torch.no_grad()
    def rollout(self, items: Sequence[Item]) -> Rollout:
        self.model.eval()
        tok = tokenizer_of(self.processor)
        batch = encode_prompts(self.processor, items, chat=self.cfg.data.chat)
        response = generate(self.model, self.processor, batch, self.p.max_new_tokens, self.p.temperature, self.p.top_k)
        mask = response_mask(response, tok.eos_token_id, tok.pad_token_id, self.p.stop_at_eos)
        logp, values = forward_tokens(self.model, batch, response, mask, self.p.temperature, self.value_head)
        ref_logp, _ = forward_tokens(self.ref_model, batch, response, mask, self.p.temperature)
        texts = [tok.decode(r[m.bool()], skip_special_tokens=True) for r, m in zip(response, mask)]
        scores = torch.tensor(self.reward_fn(batch.prompts, texts, items), dtype=torch.float32)
        ro = Rollout(batch, response, mask, logp, ref_logp, values, scores, texts)
        ro.kl = core.kl_estimate(logp, ref_logp, self.p.kl_estimator) * mask
        return ro

    def update(self, ro: Rollout) -> dict[str, float]:
        p = self.p
        rewards = core.token_rewards(ro.scores, ro.kl, ro.mask, p.kl_coef)
        adv, returns = core.gae(rewards, ro.values, ro.mask, p.gamma, p.lam)
        if p.whiten_advantages:  # over every rank's tokens: what one process holding all rollouts would compute
            adv = core.masked_whiten(adv, ro.mask, sum_across=self._sum_across_ranks())
        self.model.train()
        disable_dropout(self.model)
        n = ro.response.shape[0]
        stats: dict[str, list[float]] = {}
        for epoch in range(p.ppo_epochs):
            order = torch.randperm(n)
            for start in range(0, n, p.mini_batch_size):
                rows = order[start:start + p.mini_batch_size]
                logp, values = self.joint(ro.batch, ro.response, ro.mask, p.temperature, rows)
                m = ro.mask[rows]
                pl = core.policy_loss(logp, ro.logp[rows], adv[rows], m, p.clip_eps)
                vl = core.value_loss(values, ro.values[rows], returns[rows], m, p.value_clip_eps)
                loss = pl.loss + p.vf_coef * vl.loss
                self.optimizer.zero_grad()
                self.accelerator.backward(loss)
                self.accelerator.clip_grad_norm_(self.joint.parameters(), self.cfg.train.max_grad_norm)
                self.optimizer.step()
                for k, v in {"loss/policy": pl.loss, "loss/value": vl.loss, "policy/clipfrac": pl.clip_fraction,
                             "policy/ratio": pl.ratio_mean, "policy/approx_kl": pl.approx_kl,
                             "value/clipfrac": vl.clip_fraction}.items():
                    stats.setdefault(k, []).append(v.item())
                    if epoch == 0 and start == 0:  # before any update of this round: ratio 1 expected
                        stats.setdefault(k + "_first", []).append(v.item())
        out = {k: sum(v) / len(v) for k, v in stats.items()}
        out["reward/mean"] = float(ro.scores.mean())
        out["kl/mean"] = float((ro.kl.sum(1)).mean())  # per-sequence KL
        out["response/length"] = float(ro.mask.sum(1).mean())
        if self.accelerator.num_processes > 1:  # logged as means over ranks (equal rollout sizes per rank)
            values = self.accelerator.reduce(torch.tensor(list(out.values()), dtype=torch.float64), "mean")
            out = dict(zip(out, values.tolist()))
        return out

    def train(self) -> list[dict[str, float]]:
        cfg, p = self.cfg, self.p
        self.state.max_steps = p.total_steps
        self.control = self.callback_handler.on_train_begin(self.args, self.state, self.control)
        for step in range(1, p.total_steps + 1):
            items = [self.items[self._rng.randrange(len(self.items))] for _ in range(p.rollout_batch_size)]
            stats = self.update(self.rollout(items))
            self.state.global_step = step
            self.history.append(stats)
            if step % cfg.train.logging_steps == 0 or step == 1:
                self.log(stats)
            if cfg.train.save_steps and step % cfg.train.save_steps == 0:
                self.save(Path(cfg.train.output_dir) / f"checkpoint-{step}")
                self.control = self.callback_handler.on_save(self.args, self.state, self.control)
        self.control = self.callback_handler.on_train_end(self.args, self.state, self.control)
        return self.history


def run(cfg: PPOConfig, **kwargs) -> Path:
    trainer = PPOTrainer(cfg, **kwargs)
    trainer.train()
    return trainer.save(cfg.train.output_dir)
