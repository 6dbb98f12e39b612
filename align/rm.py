"""Reward-model training through TRL's RewardTrainer: a 1-label sequence classifier on chosen/rejected pairs.

The result scores (prompt, response) pairs for PPO (`reward.kind: model`) and can serve as a judge.
"""

from __future__ import annotations

from pathlib import Path

from align.config import ConfigError, RMConfig
from align.data import load_items, preference_dataset
from align.evalhook import attach, eval_callbacks
from align.models import common_training_args, configure_threads, load_processor, reward_model_from_policy, save_trained


def build_trainer(cfg: RMConfig, model=None, processor=None, dataset=None, callbacks=()):
    from trl import RewardConfig, RewardTrainer

    if cfg.model.modality != "text":
        raise ConfigError("rm: reward models are text sequence classifiers here; set model.modality: text")
    configure_threads(cfg.train.num_threads)
    if model is None:
        model, processor = reward_model_from_policy(cfg.model), load_processor(cfg.model)
    if dataset is None:
        dataset = preference_dataset(load_items(cfg.data), chat=cfg.data.chat)
    args = RewardConfig(**common_training_args(
        cfg.train, max_length=cfg.train.max_length, disable_dropout=True,
        center_rewards_coefficient=cfg.rm.center_rewards_coefficient))
    cbs = eval_callbacks(cfg.eval, cfg.train.output_dir) + list(callbacks)
    trainer = RewardTrainer(model=model, args=args, train_dataset=dataset, processing_class=processor, callbacks=cbs)
    attach(trainer, cbs)
    return trainer


def run(cfg: RMConfig, **kwargs) -> Path:
    trainer = build_trainer(cfg, **kwargs)
    trainer.train()
    return save_trained(trainer)
