"""Model and processor factories: one place that knows which Auto class serves which modality."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from align.config import ModelSpec

_AUTO_CLASS = {
    "text": "AutoModelForCausalLM",
    "image-text": "AutoModelForImageTextToText",
    "audio-text": "AutoModelForMultimodalLM",
}


def configure_threads(n: int | None) -> None:
    if n:
        import torch

        torch.set_num_threads(n)


def on_cpu() -> bool:
    import torch

    return not torch.cuda.is_available()


def _dtype(name: str):
    import torch

    return getattr(torch, name)


def load_processor(spec: ModelSpec):
    """Tokenizer for text models, the multimodal processor otherwise; a pad token is guaranteed."""
    import transformers

    cls = transformers.AutoTokenizer if spec.modality == "text" else transformers.AutoProcessor
    proc = cls.from_pretrained(spec.path, trust_remote_code=spec.trust_remote_code)
    tok = tokenizer_of(proc)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return proc


def load_model(spec: ModelSpec, path: str | None = None):
    import transformers

    cls = getattr(transformers, _AUTO_CLASS[spec.modality])
    model = cls.from_pretrained(path or spec.path, dtype=_dtype(spec.dtype), trust_remote_code=spec.trust_remote_code)
    return model


def load_policy(spec: ModelSpec) -> tuple[Any, Any]:
    return load_model(spec), load_processor(spec)


def load_reward_model(path: str, dtype: str = "float32"):
    from transformers import AutoModelForSequenceClassification

    return AutoModelForSequenceClassification.from_pretrained(path, num_labels=1, dtype=_dtype(dtype))


def reward_model_from_policy(spec: ModelSpec):
    """A 1-label sequence classifier initialised from a (text) policy's weights, with a fresh score head."""
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(spec.path, num_labels=1, dtype=_dtype(spec.dtype))
    tok = tokenizer_of(load_processor(spec))
    model.config.pad_token_id = tok.pad_token_id
    return model


def tokenizer_of(processor):
    return getattr(processor, "tokenizer", processor)


def save_pretrained(model, processor, out: str | Path) -> Path:
    """Write model + processor in Hugging Face format (what the harness's hf and vllm adapters load)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    processor.save_pretrained(out)
    return out


def save_trained(trainer) -> Path:
    """A TRL trainer's final model, written once as a full Hugging Face model: `Trainer.save_model` writes on the
    main process only (gathering sharded FSDP / ZeRO-3 weights first) and saves the processor beside it."""
    out = Path(trainer.args.output_dir)
    trainer.save_model(str(out))
    trainer.accelerator.wait_for_everyone()  # no rank goes on (e.g. to evaluate) before the files exist
    return out


def disable_dropout(model) -> None:
    import torch

    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0


def common_training_args(train, **extra) -> dict[str, Any]:
    """TrainingArguments shared by every TRL config here; CPU needs bf16 off and use_cpu on (see docs/align.md)."""
    save = train.save_steps
    args = dict(
        output_dir=train.output_dir,
        learning_rate=train.learning_rate,
        num_train_epochs=train.num_train_epochs,
        max_steps=train.max_steps,
        per_device_train_batch_size=train.per_device_train_batch_size,
        gradient_accumulation_steps=train.gradient_accumulation_steps,
        lr_scheduler_type=train.lr_scheduler_type,
        warmup_steps=train.warmup_steps,
        weight_decay=train.weight_decay,
        max_grad_norm=train.max_grad_norm,
        logging_steps=train.logging_steps,
        save_strategy="steps" if save else "no",
        save_steps=save or 500,
        save_total_limit=train.save_total_limit,
        seed=train.seed,
        data_seed=train.seed,
        gradient_checkpointing=train.gradient_checkpointing,
        bf16=train.bf16,
        use_cpu=on_cpu(),
        report_to=train.report_to,
        dataloader_num_workers=0,
        disable_tqdm=os.environ.get("ALIGN_DISABLE_TQDM", "") == "1",
    )
    args.update(extra)
    return args
