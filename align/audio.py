"""Audio-text training on top of TRL's DPOTrainer and SFTTrainer.

TRL 1.16 processes images on the fly (its vision collators) but has no audio path: its dataset preparation would
tokenise prompts without the audio. `AudioPreferenceCollator` mirrors TRL's vision preference collator for audio
(features from the processor, repeated for chosen and rejected) and `AudioDPOTrainer` keeps the raw rows
(prompt/chosen/rejected/audios) for it; `AudioSFTCollator` does the same for SFT (with TRL's
`skip_prepare_dataset`). Depends on TRL internals (`_prepare_dataset`, signature columns): trl is
pinned to 1.16.0 for that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch


def load_audios(paths: list[Any], sampling_rate: int) -> list:
    from eval_anything.media import load_audio

    return [load_audio(p, sampling_rate)[0] if isinstance(p, str) else p for p in paths]


def render_pair(processor, example: dict[str, Any], keys: tuple[str, ...] = ("chosen", "rejected")) -> dict[str, str]:
    """Chat-template a row; the completions keep the template's own end-of-turn text (TRL's split)."""
    from trl.data_utils import apply_chat_template

    content = [{"type": "audio"}] * len(example["audios"]) + [{"type": "text", "text": example["prompt"]}]
    conv = {"prompt": [{"role": "user", "content": content}]}
    for key in keys:
        conv[key] = [{"role": "assistant", "content": [{"type": "text", "text": example[key]}]}]
    return apply_chat_template(conv, processor)


def _encode(processor, prompts: list[str], audios: list, completions: list[str]) -> dict[str, torch.Tensor]:
    """Left-padded prompts with their audio features + right-padded completions, concatenated."""
    sr = processor.feature_extractor.sampling_rate
    enc = processor(text=prompts, audio=load_audios(audios, sr), padding=True, padding_side="left",
                    return_tensors="pt", add_special_tokens=False, sampling_rate=sr)
    comp = processor.tokenizer(completions, padding=True, padding_side="right", return_tensors="pt",
                               add_special_tokens=False)
    out = {k: v for k, v in enc.items() if k not in ("input_ids", "attention_mask")}
    out["input_ids"] = torch.cat([enc["input_ids"], comp["input_ids"]], dim=1)
    out["attention_mask"] = torch.cat([enc["attention_mask"], comp["attention_mask"]], dim=1)
    out["completion_mask"] = torch.cat([torch.zeros_like(enc["attention_mask"]), comp["attention_mask"]], dim=1)
    return out


def _right_pad(seqs: list[torch.Tensor], value: int) -> torch.Tensor:
    width = max(s.shape[1] for s in seqs)
    return torch.cat([torch.nn.functional.pad(s, (0, width - s.shape[1]), value=value) for s in seqs])


@dataclass
class AudioPreferenceCollator:
    """Rows {prompt: str, chosen: str, rejected: str, audios: [path|array]} -> one chosen+rejected batch.

    Output layout matches TRL's preference collators: input_ids / attention_mask / completion_mask for the
    chosen half followed by the rejected half, plus the processor's audio features (input_features, ...)."""

    processor: Any

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        texts = [render_pair(self.processor, e) for e in examples]
        audios = [a for e in examples for a in e["audios"]] * 2
        return _encode(self.processor, [t["prompt"] for t in texts] * 2, audios,
                       [t["chosen"] for t in texts] + [t["rejected"] for t in texts])


@dataclass
class AudioSFTCollator:
    """Rows {prompt, completion, audios} -> input_ids / attention_mask / labels (loss on the completion only)
    plus the audio features, for TRL's SFTTrainer with dataset preparation skipped."""

    processor: Any

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        texts = [render_pair(self.processor, e, ("completion",)) for e in examples]
        out = _encode(self.processor, [t["prompt"] for t in texts], [a for e in examples for a in e["audios"]],
                      [t["completion"] for t in texts])
        mask = out.pop("completion_mask")
        out["labels"] = out["input_ids"].masked_fill(mask == 0, -100)
        return out


def audio_dpo_trainer_class():
    """Built lazily: subclassing needs TRL imported (seconds)."""
    from trl import DPOTrainer

    class AudioDPOTrainer(DPOTrainer):
        def _prepare_dataset(self, dataset, processing_class, args, dataset_name):
            return dataset  # the collator processes text and audio together, on the fly

        def _set_signature_columns_if_needed(self):
            if self._signature_columns is None:
                self._signature_columns = ["prompt", "chosen", "rejected", "audios"]

    return AudioDPOTrainer


def audio_sft_dataset(items) -> Any:
    from datasets import Dataset

    from align.config import ConfigError

    rows = []
    for i, it in enumerate(items):
        if it.completion is None or not it.audios:
            raise ConfigError(f"data row {i}: audio-text SFT needs a completion and an audio path")
        rows.append({"prompt": it.prompt, "completion": it.completion, "audios": list(it.audios)})
    return Dataset.from_list(rows)


def audio_preference_dataset(items) -> Any:
    from datasets import Dataset

    from align.config import ConfigError

    rows = []
    for i, it in enumerate(items):
        if it.chosen is None or it.rejected is None or not it.audios:
            raise ConfigError(f"data row {i}: audio-text DPO needs chosen, rejected and an audio path")
        rows.append({"prompt": it.prompt, "chosen": it.chosen, "rejected": it.rejected, "audios": list(it.audios)})
    return Dataset.from_list(rows)
