"""`hf:PATH` -> the right local transformers adapter: multimodal when the checkpoint has a media processor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval_anything.config import ConfigError


def load(rest: str, model_args: dict[str, Any], base_url: str | None = None):
    if not rest:
        raise ConfigError("hf: needs a path or hub id, e.g. --model hf:/models/my-llama")
    path = Path(rest).expanduser()
    if not path.exists() and (rest.startswith((".", "/", "~")) or not _looks_like_hub_id(rest)):
        raise ConfigError(f"model path {path} does not exist. Pass a folder holding config.json, or a hub id.")
    from eval_anything.models.hf_multimodal import HFMultimodal, is_multimodal_checkpoint

    if is_multimodal_checkpoint(str(path) if path.exists() else rest):
        return HFMultimodal.from_path(str(path) if path.exists() else rest, model_args)
    from eval_anything.models.hf_causal import HFCausalLM

    return HFCausalLM.from_path(str(path) if path.exists() else rest, model_args)


def _looks_like_hub_id(s: str) -> bool:
    parts = s.split("/")
    return len(parts) == 2 and all(parts)
