"""Supervised fine-tuning through TRL's SFTTrainer (prompt-completion rows; images ride along for VLMs)."""

from __future__ import annotations

from pathlib import Path

from align.audio import AudioSFTCollator, audio_sft_dataset
from align.config import SFTConfig
from align.data import load_items, sft_dataset
from align.evalhook import attach, eval_callbacks
from align.models import common_training_args, configure_threads, disable_dropout, load_policy, save_trained


def make_dataset(modality: str, items, chat: bool = True):
    return audio_sft_dataset(items) if modality == "audio-text" else sft_dataset(items, chat=chat)


def build_trainer(cfg: SFTConfig, model=None, processor=None, dataset=None, callbacks=()):
    from trl import SFTConfig as TRLSFTConfig, SFTTrainer

    configure_threads(cfg.train.num_threads)
    if model is None:
        model, processor = load_policy(cfg.model)
    disable_dropout(model)
    audio = cfg.model.modality == "audio-text"
    if dataset is None:
        dataset = make_dataset(cfg.model.modality, load_items(cfg.data), chat=cfg.data.chat)
    max_length = cfg.train.max_length if cfg.model.modality == "text" else None
    extra: dict = {}
    if audio:  # TRL has no audio path: keep raw rows and let our collator build features and labels
        extra = dict(dataset_kwargs={"skip_prepare_dataset": True}, remove_unused_columns=False)
    args = TRLSFTConfig(**common_training_args(
        cfg.train, max_length=max_length, completion_only_loss=cfg.sft.completion_only_loss,
        packing=cfg.sft.packing, **extra))
    cbs = eval_callbacks(cfg.eval, cfg.train.output_dir) + list(callbacks)
    trainer = SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=processor, callbacks=cbs,
                         data_collator=AudioSFTCollator(processor) if audio else None)
    attach(trainer, cbs)
    return trainer


def run(cfg: SFTConfig, **kwargs) -> Path:
    trainer = build_trainer(cfg, **kwargs)
    trainer.train()
    return save_trained(trainer)
