"""DPO on text and image-text models through TRL's DPOTrainer (trl==1.16.0 pinned: its internals move)."""

from __future__ import annotations

import copy
from pathlib import Path

from align.audio import AudioPreferenceCollator, audio_dpo_trainer_class, audio_preference_dataset
from align.config import DPOConfig
from align.data import load_items, preference_dataset
from align.evalhook import attach, eval_callbacks
from align.models import common_training_args, configure_threads, load_model, load_policy, save_trained


def build_trainer(cfg: DPOConfig, model=None, processor=None, dataset=None, ref_model=None, callbacks=()):
    from trl import DPOConfig as TRLDPOConfig, DPOTrainer

    configure_threads(cfg.train.num_threads)
    if model is None:
        model, processor = load_policy(cfg.model)
    if ref_model is None:
        # Never ref_model=None: TRL would reload the reference from config._name_or_path, not from memory.
        ref_model = load_model(cfg.model, cfg.dpo.ref_model) if cfg.dpo.ref_model else copy.deepcopy(model)
    ref_model.eval().requires_grad_(False)
    audio = cfg.model.modality == "audio-text"
    if dataset is None:
        items = load_items(cfg.data)
        dataset = audio_preference_dataset(items) if audio else preference_dataset(items, chat=cfg.data.chat)
    # Truncating multimodal rows can cut image tokens; let them be as long as they are.
    max_length = cfg.train.max_length if cfg.model.modality == "text" else None
    args = TRLDPOConfig(**common_training_args(
        cfg.train, beta=cfg.dpo.beta, loss_type=cfg.dpo.loss_type, label_smoothing=cfg.dpo.label_smoothing,
        max_length=max_length, disable_dropout=True))
    cbs = eval_callbacks(cfg.eval, cfg.train.output_dir) + list(callbacks)
    trainer_cls, collator = DPOTrainer, None
    if audio:  # TRL has no audio path: our collator + a trainer that keeps raw rows for it
        trainer_cls, collator = audio_dpo_trainer_class(), AudioPreferenceCollator(processor)
    trainer = trainer_cls(model=model, ref_model=ref_model, args=args, train_dataset=dataset,
                          processing_class=processor, data_collator=collator, callbacks=cbs)
    attach(trainer, cbs)
    return trainer


def run(cfg: DPOConfig, **kwargs) -> Path:
    trainer = build_trainer(cfg, **kwargs)
    trainer.train()
    return save_trained(trainer)
