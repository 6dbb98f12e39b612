"""The openai adapter against a real OpenAI-compatible server: `transformers serve` on tiny local models.

One server per session, models loaded on demand (the request's model is the checkpoint path, see NOTES.md).
"""

from __future__ import annotations

import importlib.util

import pytest

from eval_anything.media import media_part
from eval_anything.models.openai_api import load
from eval_anything.scheduler import Scheduler
from eval_anything.types import GenerationSettings, Message, Request

pytestmark = pytest.mark.slow
G = GenerationSettings(max_new_tokens=8)


def _adapter(url, path, **args):
    return load(path, {"max_retries": 1, "backoff_base": 0.05, "timeout": 120, **args}, base_url=url)


def test_text_generation_is_greedy_bounded_and_concurrent(transformers_serve, serve_models):
    a = _adapter(transformers_serve, serve_models["text"], concurrency=4)
    reqs = [Request("generate", (Message.user(f"count to {i}"),), generation=G) for i in range(6)]
    first = Scheduler().run(a, reqs, "serve@v1")
    assert all(r.ok for r in first), [r.error for r in first]
    assert all(isinstance(r.text, str) and r.text and 1 <= r.n_output_tokens <= 8 for r in first)
    again = Scheduler().run(a, reqs[:2], "serve@v1")  # temperature 0 = greedy: same answers on a second call
    assert [r.text for r in again] == [r.text for r in first[:2]]
    longer = Scheduler().run(a, [reqs[0].with_generation(max_new_tokens=3)], "serve@v1")[0]
    assert longer.ok and longer.n_output_tokens <= 3  # max_tokens reaches the server


def test_server_error_is_recorded_not_raised(transformers_serve, serve_models, tmp_path):
    a = _adapter(transformers_serve, str(tmp_path / "no-such-model"), max_retries=0)
    [r] = a.generate([Request("generate", (Message.user("x"),), generation=G)])
    assert not r.ok and r.text is None and "HTTP" in r.error and r.attempts == 1


def test_image_reaches_the_model(transformers_serve, serve_models, media):
    a = _adapter(transformers_serve, serve_models["image"])
    reqs = [Request("generate", (Message.user(media_part(media[k]), "what colour is it?"),), generation=G)
            for k in ("red", "blue")]
    red, blue = a.generate(reqs)
    assert red.ok and blue.ok, (red.error, blue.error)
    assert red.text != blue.text  # only the image differs: the answer changed, so the image got in
    assert red.n_input_tokens == blue.n_input_tokens > 16  # 16 image tokens plus the text


@pytest.mark.skipif(importlib.util.find_spec("soxr") is None,
                    reason="transformers serve decodes input_audio with soxr: pip install 'transformers[audio]'")
def test_audio_reaches_the_model(transformers_serve, serve_models, media):
    a = _adapter(transformers_serve, serve_models["audio"], modalities="text,audio")
    reqs = [Request("generate", (Message.user(media_part(media[k]), "higher or lower?"),), generation=G)
            for k in ("tone", "tone_hi")]
    low, high = a.generate(reqs)
    assert low.ok and high.ok, (low.error, high.error)
    assert low.text != high.text


def test_text_model_never_receives_dropped_images(transformers_serve, serve_models, media):
    # transformers serve silently drops image parts for a text model: the adapter refuses before sending.
    a = _adapter(transformers_serve, serve_models["text"], modalities="text")
    [r] = a.generate([Request("generate", (Message.user(media_part(media["red"]), "colour?"),), generation=G)])
    assert r.error and "does not take image input" in r.error and r.attempts == 0
