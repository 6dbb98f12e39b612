"""A tiny custom-code any-modality reward model, written to a folder as a hub repository would ship it.

Its config names its own classes through `auto_map` (so loading needs trust_remote_code), its forward returns a
safe-rlhf-style output with `end_scores` (no `logits`), and its processor reads images and audio. The reward depends
on the text and on simple statistics of the media, so tests can tell which media were scored.
"""

from __future__ import annotations

import json
from pathlib import Path

CONFIG_PY = '''
from transformers import PretrainedConfig


class TinyRewardConfig(PretrainedConfig):
    model_type = "tiny_any_reward"

    def __init__(self, vocab_size=64, hidden_size=16, **kwargs):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        super().__init__(**kwargs)
'''

MODELING_PY = '''
from dataclasses import dataclass
from typing import Optional

import torch
from transformers import PreTrainedModel
from transformers.utils import ModelOutput

from .configuration_tiny_any_reward import TinyRewardConfig


@dataclass
class ScoreOutput(ModelOutput):
    scores: Optional[torch.Tensor] = None  # per token
    end_scores: Optional[torch.Tensor] = None  # per sequence: (batch, 1)


class TinyRewardModel(PreTrainedModel):
    config_class = TinyRewardConfig
    base_model_prefix = "tiny"

    def __init__(self, config):
        super().__init__(config)
        self.embed = torch.nn.Embedding(config.vocab_size, config.hidden_size)
        self.image_proj = torch.nn.Linear(3, config.hidden_size)
        self.audio_proj = torch.nn.Linear(1, config.hidden_size)
        self.head = torch.nn.Linear(config.hidden_size, 1)
        self.post_init()

    def forward(self, input_ids, attention_mask=None, pixel_values=None, audio_values=None, **kwargs):
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        mask = attention_mask.to(torch.float32)
        # running mean of the token embeddings: each position sees everything before it
        h = (self.embed(input_ids) * mask[..., None]).cumsum(1) / mask.cumsum(1).clamp(min=1)[..., None]
        if pixel_values is not None:
            h = h + self.image_proj(pixel_values)[:, None, :]
        if audio_values is not None:
            h = h + self.audio_proj(audio_values)[:, None, :]
        scores = self.head(h)  # (batch, length, 1)
        last = attention_mask.sum(dim=1) - 1
        end = scores[torch.arange(scores.shape[0]), last]  # (batch, 1)
        return ScoreOutput(scores=scores, end_scores=end)
'''

PROCESSING_PY = '''
import numpy as np
import torch
from transformers import AutoTokenizer


class _Images:
    """Marks that this processor reads images."""


class _Audio:
    sampling_rate = 16000


class TinyRewardProcessor:
    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.image_processor = _Images()
        self.feature_extractor = _Audio()

    @classmethod
    def register_for_auto_class(cls, auto_class="AutoProcessor"):
        pass

    @classmethod
    def from_pretrained(cls, path, **kwargs):
        kwargs.pop("trust_remote_code", None)
        return cls(AutoTokenizer.from_pretrained(path, trust_remote_code=True))

    def apply_chat_template(self, chat, tokenize=False, **kwargs):
        out = []
        for m in chat:
            parts = [p["text"] if p["type"] == "text" else "<" + p["type"] + ">" for p in m["content"]]
            out.append(m["role"].upper() + ": " + " ".join(parts))
        return "\\n".join(out)

    def __call__(self, text=None, images=None, audio=None, return_tensors="pt", **kwargs):
        enc = dict(self.tokenizer(text, return_tensors="pt"))
        if images:
            arr = np.stack([np.asarray(im.convert("RGB"), dtype=np.float32).mean(axis=(0, 1)) / 255.0 for im in images])
            enc["pixel_values"] = torch.tensor(arr.mean(axis=0, keepdims=True))
        if audio:
            enc["audio_values"] = torch.tensor([[float(np.mean([np.abs(a).mean() for a in audio]))]])
        return enc
'''


def build_custom_rm(path: Path) -> Path:
    """Write the model (seeded weights), its code, tokenizer and processor config to `path`."""
    import importlib.util
    import sys

    import torch

    from eval_anything.models.default_model import build_tokenizer

    path.mkdir(parents=True, exist_ok=True)
    (path / "configuration_tiny_any_reward.py").write_text(CONFIG_PY)
    (path / "modeling_tiny_any_reward.py").write_text(MODELING_PY)
    (path / "processing_tiny_any_reward.py").write_text(PROCESSING_PY)
    # Build the weights with the same code, imported as a throwaway package.
    pkg = f"_tiny_rm_{abs(hash(str(path)))}"
    (path / "__init__.py").write_text("")
    spec = importlib.util.spec_from_file_location(pkg, path / "__init__.py", submodule_search_locations=[str(path)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[pkg] = module
    spec.loader.exec_module(module)
    modeling = __import__(f"{pkg}.modeling_tiny_any_reward", fromlist=["TinyRewardModel"])
    configuration = sys.modules[f"{pkg}.configuration_tiny_any_reward"]
    tok = build_tokenizer()
    config = configuration.TinyRewardConfig(vocab_size=len(tok), hidden_size=16)
    torch.manual_seed(0)
    model = modeling.TinyRewardModel(config).eval()
    with torch.no_grad():  # rewards of order 1, so that items differ visibly after the sigmoid
        for param in model.parameters():
            param.normal_(0.0, 1.0)
    model.save_pretrained(path)
    (path / "__init__.py").unlink()
    tok.save_pretrained(path)
    cfg = json.loads((path / "config.json").read_text())
    cfg["model_type"] = "tiny_any_reward"
    cfg["architectures"] = ["TinyRewardModel"]
    cfg["auto_map"] = {"AutoConfig": "configuration_tiny_any_reward.TinyRewardConfig",
                       "AutoModel": "modeling_tiny_any_reward.TinyRewardModel"}
    (path / "config.json").write_text(json.dumps(cfg, indent=1))
    (path / "processor_config.json").write_text(json.dumps({
        "processor_class": "TinyRewardProcessor",
        "auto_map": {"AutoProcessor": "processing_tiny_any_reward.TinyRewardProcessor"}}))
    return path
