"""Session-wide test settings: an isolated eval-anything home (cache, data, default model) and one torch thread."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_HOME = Path(tempfile.mkdtemp(prefix="eval-anything-test-home-"))
os.environ.setdefault("EVAL_ANYTHING_HOME", str(_HOME))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def pytest_configure(config):
    try:
        import torch

        torch.set_num_threads(1)  # tiny models run faster single-threaded (NOTES.md)
    except ImportError:
        pass


@pytest.fixture(scope="session")
def tiny_llama_path(tmp_path_factory) -> Path:
    from eval_anything.models.default_model import build_tiny_llama

    return build_tiny_llama(tmp_path_factory.mktemp("models") / "tiny-llama", seed=0)
