"""Tiny multimodal checkpoints (and adapters on them) built once per test session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # so that `tests.fixtures` imports when pytest runs from anywhere
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def llava_path(tmp_path_factory) -> Path:
    from tests.fixtures.tiny_multimodal import build_tiny_llava

    return build_tiny_llava(tmp_path_factory.mktemp("mm") / "tiny-llava", seed=0)


@pytest.fixture(scope="session")
def qwen_audio_path(tmp_path_factory) -> Path:
    from tests.fixtures.tiny_multimodal import build_tiny_qwen2_audio

    return build_tiny_qwen2_audio(tmp_path_factory.mktemp("mm") / "tiny-qwen2-audio", seed=0)


@pytest.fixture(scope="session")
def llava(llava_path):
    from eval_anything.models.hf_multimodal import HFMultimodal

    return HFMultimodal.from_path(str(llava_path), {})


@pytest.fixture(scope="session")
def qwen_audio(qwen_audio_path):
    from eval_anything.models.hf_multimodal import HFMultimodal

    return HFMultimodal.from_path(str(qwen_audio_path), {})
