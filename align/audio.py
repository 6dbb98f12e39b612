"""Audio-text preference training on top of TRL's DPOTrainer.

TRL 1.16 processes images on the fly (DataCollatorForVisionPreference) but has no audio path: its dataset
preparation would tokenise prompts without the audio. `AudioPreferenceCollator` mirrors TRL's vision collator for
audio (features from the processor, repeated for chosen and rejected), and `AudioDPOTrainer` keeps the raw rows
(prompt/chosen/rejected/audios) for it. Depends on TRL internals (`_prepare_dataset`, signature columns): trl is
pinned to 1.16.0 for that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch


def load_audios(paths: list[Any], sampling_rate: int) -> list:
    from eval_anything.media import load_audio

    return [load_audio(p, sampling_rate)[0] if isinstance(p, str) else p for p in paths]


def render_pair(processor, example: dict[str, Any]) -> dict[str, str]:
    """Chat-template a row; the completions keep the template's own end-of-turn text (TRL's split)."""
    from trl.data_utils import apply_chat_template

    content = [{"type": "audio"}] * len(example["audios"]) + [{"type": "text", "text": example["prompt"]}]
    conv = {"prompt": [{"role": "user", "content": content}]}
    for key in ("chosen", "rejected"):
        conv[key] = [{"role": "assistant", "content": [{"type": "text", "text": example[key]}]}]
    return apply_chat_template(conv, processor)


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
        proc = self.processor
        tok = proc.tokenizer
        sr = proc.feature_extractor.sampling_rate
        texts = [render_pair(proc, e) for e in examples]
        prompts = [t["prompt"] for t in texts] * 2
        audios = [a for e in examples for a in load_audios(list(e["audios"]), sr)] * 2
        enc = proc(text=prompts, audio=audios, padding=True, padding_side="left", return_tensors="pt",
                   add_special_tokens=False, sampling_rate=sr)
        completions = [t["chosen"] for t in texts] + [t["rejected"] for t in texts]
        comp = tok(completions, padding=True, padding_side="right", return_tensors="pt", add_special_tokens=False)
        input_ids = torch.cat([enc["input_ids"], comp["input_ids"]], dim=1)
        attention_mask = torch.cat([enc["attention_mask"], comp["attention_mask"]], dim=1)
        completion_mask = torch.cat([torch.zeros_like(enc["attention_mask"]), comp["attention_mask"]], dim=1)
        out = {k: v for k, v in enc.items() if k not in ("input_ids", "attention_mask")}
        out.update(input_ids=input_ids, attention_mask=attention_mask, completion_mask=completion_mask)
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


def audio_preference_dataset(items) -> Any:
    from datasets import Dataset

    from align.config import ConfigError

    rows = []
    for i, it in enumerate(items):
        if it.chosen is None or it.rejected is None or not it.audios:
            raise ConfigError(f"data row {i}: audio-text DPO needs chosen, rejected and an audio path")
        rows.append({"prompt": it.prompt, "chosen": it.chosen, "rejected": it.rejected, "audios": list(it.audios)})
    return Dataset.from_list(rows)
