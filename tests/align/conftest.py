"""Shared tiny models for the align tests: built offline once per session, seeded, dropout off."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

os.environ.setdefault("ALIGN_DISABLE_TQDM", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _one_thread_private_cache(monkeypatch, tmp_path_factory):
    torch.set_num_threads(1)
    # evaluation caches and default models go to a throwaway home, never the user's
    monkeypatch.setenv("EVAL_ANYTHING_HOME", str(tmp_path_factory.getbasetemp() / "ea-home"))
    yield


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory) -> Path:
    from eval_anything.models.default_model import build_tiny_llama

    return build_tiny_llama(tmp_path_factory.mktemp("models") / "tiny-llama", seed=0)


@pytest.fixture(scope="session")
def tiny_llava(tmp_path_factory) -> Path:
    from tests.fixtures.tiny_multimodal import build_tiny_llava

    return build_tiny_llava(tmp_path_factory.mktemp("models") / "tiny-llava", seed=0)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture()
def pairs_file(tmp_path) -> Path:
    rows = [{"prompt": f"Say the word {w}.", "chosen": f"{w} yes", "rejected": f"{w} no"}
            for w in ["red", "green", "blue", "apple", "book", "train", "water", "sun"]]
    return write_jsonl(tmp_path / "pairs.jsonl", rows)


@pytest.fixture(scope="session")
def tiny_qwen2_audio(tmp_path_factory) -> Path:
    from tests.fixtures.tiny_multimodal import build_tiny_qwen2_audio

    return build_tiny_qwen2_audio(tmp_path_factory.mktemp("models") / "tiny-qwen2-audio", seed=0)
