"""What the local transformers adapters share: reading the common --model-args and fingerprinting weights."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval_anything.config import ConfigError
from eval_anything.types import sha256_text

CHECKPOINT_SUFFIXES = {".json", ".safetensors", ".bin", ".model", ".jinja", ".txt", ".tiktoken"}


@dataclass(frozen=True)
class LoadSettings:
    """The --model-args every local adapter reads the same way, resolved against torch."""

    dtype: Any
    dtype_name: str
    device: str
    hub: dict[str, Any]  # revision / trust_remote_code, for every from_pretrained call
    model_kwargs: dict[str, Any]  # dtype (+ attn_implementation, device_map, max_memory) for the model
    device_map: Any = None  # set: transformers/accelerate place (and shard) the weights; the adapter never moves them

    def place(self, model: Any) -> Any:
        """The loaded model on its device: `.to(device)`, unless a device_map already placed it."""
        return model if self.device_map is not None else model.to(self.device)


def check_known_args(model_args: dict[str, Any], known: set[str], what: str) -> None:
    unknown = set(model_args) - known
    if unknown:
        raise ConfigError(f"unknown --model-args for {what}: {', '.join(sorted(unknown))}. "
                          f"Known: {', '.join(sorted(known))}")


def load_settings(model_args: dict[str, Any]) -> LoadSettings:
    """Validate dtype and device, apply num_threads, quiet transformers' per-file progress bars."""
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # the harness shows its own progress
    if "num_threads" in model_args:  # default: leave torch's setting alone
        torch.set_num_threads(int(model_args["num_threads"]))
    dtype_name = str(model_args.get("dtype", "float32"))
    dtype = getattr(torch, dtype_name, None)
    if not isinstance(dtype, torch.dtype):
        raise ConfigError(f"--model-args dtype={dtype_name} is not a torch dtype (float32, bfloat16, float16)")
    device = model_args.get("device") or ("cuda" if torch.cuda.is_available() else "cpu")
    hub = {"revision": model_args.get("revision"), "trust_remote_code": bool(model_args.get("trust_remote_code"))}
    model_kwargs: dict[str, Any] = {"dtype": dtype, **hub}
    if model_args.get("attn_implementation"):
        model_kwargs["attn_implementation"] = model_args["attn_implementation"]
    device_map = model_args.get("device_map")
    if model_args.get("max_memory") is not None and device_map is None:
        raise ConfigError("--model-args max_memory needs device_map (e.g. device_map=auto)")
    if device_map is not None:
        if "device" in model_args:
            raise ConfigError("--model-args: give device or device_map, not both")
        model_kwargs["device_map"] = device_map
        if model_args.get("max_memory") is not None:
            model_kwargs["max_memory"] = parse_max_memory(model_args["max_memory"])
    return LoadSettings(dtype, dtype_name, device, hub, model_kwargs, device_map)


def parse_max_memory(value: Any) -> dict[Any, str]:
    """`max_memory` as transformers takes it, from `0:20GiB;1:20GiB;cpu:64GiB` (`;` because `,` separates
    --model-args items) or a mapping. Device keys that are numbers become GPU indices."""
    if isinstance(value, dict):
        items = list(value.items())
    else:
        items = []
        for part in str(value).split(";"):
            key, sep, size = part.partition(":")
            if not sep or not key.strip() or not size.strip():
                raise ConfigError(f"--model-args max_memory item {part!r} is not DEVICE:SIZE (e.g. 0:20GiB;cpu:64GiB)")
            items.append((key.strip(), size.strip()))
    out: dict[Any, str] = {}
    for key, size in items:
        k = str(key)
        out[int(k) if k.isdigit() else k] = str(size)
    return out


def checkpoint_fingerprint(path: str, extra: dict) -> str:
    """sha256 over config, weights, tokenizer and processor files, plus settings that change outputs."""
    root = Path(path)
    if not root.is_dir():  # a hub id: the best we can do offline is the id and revision
        return sha256_text(json.dumps({"id": path, **extra}, sort_keys=True, default=str))
    h = hashlib.sha256()
    for p in sorted(q for q in root.iterdir() if q.is_file() and q.suffix in CHECKPOINT_SUFFIXES):
        h.update(p.name.encode())
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 22), b""):
                h.update(chunk)
    h.update(json.dumps(extra, sort_keys=True, default=str).encode())
    return h.hexdigest()


def module_fingerprint(model, tokenizer) -> str:
    """Fingerprint of an in-memory model: its parameters' bytes + the tokenizer's vocab and template."""
    import torch

    h = hashlib.sha256()
    with torch.no_grad():
        for name, t in sorted(model.state_dict().items()):
            h.update(name.encode())
            h.update(t.detach().to("cpu").contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    h.update(json.dumps(tokenizer.get_vocab(), sort_keys=True).encode())
    h.update(str(getattr(tokenizer, "chat_template", "")).encode())
    return h.hexdigest()
