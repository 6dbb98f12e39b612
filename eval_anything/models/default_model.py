"""The built-in default model: a tiny random Llama with a byte-level BPE tokenizer trained on local text.

Built deterministically (fixed seed, fixed corpus) on first use and cached under ~/.cache/eval-anything/models,
so `eval-anything run` works offline with no download. Its scores are a pipeline check, not a measurement.
Tests and the align package use `build_tiny_llama` to make other tiny models the same way.
"""

from __future__ import annotations

import os
import string
from pathlib import Path
from typing import Any

DEFAULT_NAME = "tiny-llama-v1"
CHAT_TEMPLATE = (
    "{% for m in messages %}"
    "{% if m['content'] is string %}{% set text = m['content'] %}"
    "{% else %}{% set text = m['content'] | selectattr('type', 'equalto', 'text') | map(attribute='text') | join('') %}"
    "{% endif %}"
    "{{ '<|' + m['role'] + '|>' + text + '<|end|>' }}{{ '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}"
)
SPECIAL_TOKENS = ["<pad>", "<s>", "</s>", "<unk>", "<|user|>", "<|assistant|>", "<|system|>", "<|end|>"]


# Words the built-in tokenizer is trained on (benchmarks reuse them so contexts are words, not raw bytes).
CORPUS_WORDS = (
    "the a an of to and in is was what which who how many much answer question choice true false yes no "
    "image audio video sound picture red green blue yellow circle square triangle left right up down beep "
    "tone high low first second number count equal more less total each has have cost costs dollar dollars "
    "apple apples book books train hour hours minute minutes water energy plant plants animal cell sun earth "
    "because therefore so then if not all some none option best describe explain step think let us"
).split()


def _corpus() -> list[str]:
    """Deterministic local training text: words, digits and punctuation the shipped tasks use."""
    words = CORPUS_WORDS
    lines = [" ".join(words[i : i + 12]) for i in range(0, len(words), 12)]
    lines += [" ".join(str(n) for n in range(k, k + 20)) for k in range(0, 400, 20)]
    lines += [string.ascii_letters, string.punctuation, "A. B. C. D. Answer: #### = + - * / ( ) ? ! ,"]
    return lines * 3


def build_tokenizer(vocab_size: int = 512):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(_corpus(), trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>",
        additional_special_tokens=["<|user|>", "<|assistant|>", "<|system|>", "<|end|>"],
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def build_tiny_llama(path: str | Path, seed: int = 0, hidden_size: int = 64, layers: int = 2, heads: int = 4,
                     intermediate_size: int = 128, max_positions: int = 2048, tokenizer=None) -> Path:
    """Write a seeded random LlamaForCausalLM + tokenizer to `path` (safetensors, HF format)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    path = Path(path)
    tok = tokenizer or build_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tok), hidden_size=hidden_size, intermediate_size=intermediate_size,
        num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=heads,
        max_position_embeddings=max_positions, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id, tie_word_embeddings=False, attention_dropout=0.0,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).eval()
    model.generation_config.pad_token_id = tok.pad_token_id
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    model.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    try:
        tmp.rename(path)  # atomic; fails when another process finished first (runs started together)
    except OSError:
        if not (path / "config.json").exists():
            raise
        import shutil

        shutil.rmtree(tmp)
    return path


def default_model_dir() -> Path:
    root = Path(os.environ.get("EVAL_ANYTHING_HOME", Path.home() / ".cache" / "eval-anything"))
    return root / "models" / DEFAULT_NAME


def ensure_default_model() -> Path:
    path = default_model_dir()
    if not (path / "config.json").exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        build_tiny_llama(path, seed=0)
    return path


def load(rest: str, model_args: dict[str, Any], base_url: str | None = None):
    from eval_anything.models.hf_causal import HFCausalLM

    # A model this small is dominated by thread hand-offs: one thread is several times faster on a busy CPU.
    model_args = {"num_threads": 1, **model_args}
    return HFCausalLM.from_path(str(ensure_default_model()), model_args, display_name=f"default ({DEFAULT_NAME})")
