"""HFMultimodal on tiny random LLaVA-style and Qwen2-Audio-style checkpoints."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from eval_anything import media
from eval_anything.config import ConfigError
from eval_anything.models.hf_multimodal import HFMultimodal, checkpoint_media, is_multimodal_checkpoint
from eval_anything.types import GenerationSettings, Message, Request


def ll(parts, cont=" red", sid="s"):
    return Request("loglikelihood", (Message.user(*parts),), continuation=cont, sample_id=sid, task="t")


@pytest.fixture(scope="module")
def pics(tmp_path_factory):
    d = tmp_path_factory.mktemp("pics")
    out = {}
    for name, colour in [("red", (255, 0, 0)), ("blue", (0, 0, 255))]:
        Image.new("RGB", (40, 40), colour).save(d / f"{name}.png")
        out[name] = media.media_part(d / f"{name}.png")
    (d / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\ngarbage")
    out["corrupt"] = media.media_part(d / "corrupt.png")
    return out


@pytest.fixture(scope="module")
def tones(tmp_path_factory):
    d = tmp_path_factory.mktemp("tones")
    out = {}
    for f in (440, 2000):
        x = (0.5 * np.sin(2 * np.pi * f * np.arange(16000) / 16000)).astype(np.float32)
        (d / f"{f}.wav").write_bytes(media.encode_wav_bytes(x, 16000))
        out[f] = media.media_part(d / f"{f}.wav")
    return out


def test_detection_reads_processor_files_only(llava_path, qwen_audio_path, tiny_llama_path, tmp_path):
    assert checkpoint_media(str(llava_path)) == {"image"}
    assert checkpoint_media(str(qwen_audio_path)) == {"audio"}
    assert not is_multimodal_checkpoint(str(tiny_llama_path))
    assert not is_multimodal_checkpoint("no-such-org/no-such-model")  # a hub id not in the cache: no download
    (tmp_path / "preprocessor_config.json").write_text(json.dumps({"video_processor_type": "X"}))
    assert checkpoint_media(str(tmp_path)) == {"video"}


def test_hf_spec_dispatches_to_the_multimodal_adapter(llava_path):
    from eval_anything.registry import load_model

    adapter = load_model(f"hf:{llava_path}", {"batch_size": 2})
    assert isinstance(adapter, HFMultimodal) and adapter.batch_size == 2
    assert adapter.capabilities.input_modalities == {"text", "image", "video"}


def test_capabilities_and_unknown_args(qwen_audio, qwen_audio_path):
    assert qwen_audio.capabilities.input_modalities == {"text", "audio"}
    assert qwen_audio.sampling_rate == 16000
    with pytest.raises(ConfigError, match="unknown --model-args.*video_frames"):
        HFMultimodal.from_path(str(qwen_audio_path), {"video_frames": 4})


def test_image_alone_changes_the_loglikelihood(llava, pics):
    red, blue = llava.loglikelihood([ll([pics["red"], "What colour?"]), ll([pics["blue"], "What colour?"])])
    assert red.error is None and blue.error is None
    assert abs(red.logprob - blue.logprob) > 1e-3


def test_audio_alone_changes_the_loglikelihood(qwen_audio, tones):
    low, high = qwen_audio.loglikelihood([ll([tones[440], "Pitch?"], " low"), ll([tones[2000], "Pitch?"], " low")])
    assert low.error is None and abs(low.logprob - high.logprob) > 1e-4


def test_video_frames_alone_change_the_loglikelihood(llava, tmp_path):
    for name, step in (("up", 15), ("down", -15)):
        frames = [np.full((32, 32, 3), 120 + step * (i - 8), np.uint8) for i in range(16)]
        media.write_video(frames, tmp_path / f"{name}.mp4")
    a, b = llava.loglikelihood([ll([media.media_part(tmp_path / f"{n}.mp4"), "Brighter?"], " yes") for n in ("up", "down")])
    assert a.error is None and abs(a.logprob - b.logprob) > 1e-3
    # Without a video processor a video becomes num_frames images: 8 x 16 image tokens in the prompt.
    assert a.n_input_tokens > 8 * 16


def test_loglikelihood_matches_a_direct_forward_pass(llava, pics):
    req = ll([pics["red"], "What colour is it?"], " blue")
    got = llava.loglikelihood([req])[0]
    text = llava.render(req)
    proc, model = llava.processor, llava.model
    full = proc(text=[text + " blue"], images=[media.load_image(pics["red"].path)], return_tensors="pt")
    n_cont = len(proc.tokenizer(" blue", add_special_tokens=False)["input_ids"])  # after "<|assistant|>"
    with torch.inference_mode():
        logp = torch.log_softmax(model(**full).logits[0].float(), -1)
    ids = full["input_ids"][0]
    expected = sum(float(logp[i - 1, ids[i]]) for i in range(len(ids) - n_cont, len(ids)))
    assert got.n_output_tokens == n_cont
    assert got.logprob == pytest.approx(expected, abs=1e-4)


def test_batched_equals_one_by_one_and_corrupt_image_fails_alone(llava, pics):
    reqs = [ll([pics[c], "What colour?"], cont, sid=c) for c in ("red", "corrupt", "blue") for cont in (" red", " blue")]
    batched = llava.loglikelihood(reqs)
    single = [llava.loglikelihood([r])[0] for r in reqs]
    for b, s in zip(batched, single):
        assert (b.error is None) == (s.error is None)
        if b.error is None:
            assert b.logprob == pytest.approx(s.logprob, abs=1e-4)
    errors = [r.error for r in batched]
    assert errors[0] is None and errors[4] is None
    assert errors[2] == errors[3] and errors[2].startswith("sample corrupt: cannot read image file")
    assert pics["corrupt"].path in errors[2]


def test_missing_modality_is_a_per_request_error(qwen_audio, pics, tones):
    out = qwen_audio.loglikelihood([ll([pics["red"], "Colour?"]), ll([tones[440], "Pitch?"])])
    assert "takes no image input" in out[0].error and out[1].error is None


def test_greedy_generation_is_deterministic(llava, qwen_audio, pics, tones):
    g = GenerationSettings(max_new_tokens=6)
    for adapter, part in ((llava, pics["red"]), (qwen_audio, tones[440])):
        req = Request("generate", (Message.user(part, "Describe."),), generation=g)
        a, b = adapter.generate([req]), adapter.generate([req])
        assert a[0].error is None and a[0].text == b[0].text and a[0].n_output_tokens == 6


def test_fingerprint_covers_weights_and_media_settings(llava_path, llava, tmp_path):
    from tests.fixtures.tiny_multimodal import build_tiny_llava

    same = HFMultimodal.from_path(str(llava_path), {})
    fewer_frames = HFMultimodal.from_path(str(llava_path), {"num_frames": 4})
    other_seed = HFMultimodal.from_path(str(build_tiny_llava(tmp_path / "l2", seed=1)), {})
    assert same.fingerprint() == llava.fingerprint()
    assert len({llava.fingerprint(), fewer_frames.fingerprint(), other_seed.fingerprint()}) == 3
    mem = HFMultimodal.from_model(llava.model, llava.processor)
    assert mem.fingerprint() == HFMultimodal.from_model(llava.model, llava.processor).fingerprint()


@pytest.mark.parametrize("native", [True, False])
def test_video_goes_in_as_video_or_as_frames(tmp_path, native):
    """Processors with a video processor get the sampled frames as one video; others get them as images."""
    from types import SimpleNamespace

    tok = SimpleNamespace(pad_token_id=0)
    proc = SimpleNamespace(tokenizer=tok, image_processor=object(), chat_template="{{ x }}",
                           video_processor=object() if native else None)
    adapter = HFMultimodal(torch.nn.Linear(1, 1), proc, name="stub", fingerprint="f", video_frames=3)
    frames = [np.full((16, 24, 3), 20 * i, np.uint8) for i in range(12)]
    media.write_video(frames, tmp_path / "v.mp4", fps=4)
    req = ll([media.media_part(tmp_path / "v.mp4"), "What happens?"])
    content = adapter._content(req)[0]["content"]
    inputs = adapter.media_inputs(req)
    if native:
        assert [c["type"] for c in content] == ["video", "text"]
        assert len(inputs["videos"]) == 1 and len(inputs["videos"][0]) == 3 and inputs["images"] == []
    else:
        assert [c["type"] for c in content] == ["image", "image", "image", "text"]
        assert len(inputs["images"]) == 3 and inputs["videos"] == []
    levels = [round(float(np.asarray(f).mean()) / 20) for f in (inputs["videos"][0] if native else inputs["images"])]
    assert levels == [2, 6, 10]  # 12 frames over 3 s, midpoints of thirds: frames 2, 6 and 10


def test_templates_that_test_for_a_media_key_see_the_audio(qwen_audio_path, tones):
    """Qwen2-Audio's own template checks `'audio' in content` rather than the part's type."""
    adapter = HFMultimodal.from_path(str(qwen_audio_path), {})
    adapter.processor.chat_template = (
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% for c in m['content'] %}"
        "{% if 'audio' in c or 'audio_url' in c %}Audio: <|audio_bos|><|AUDIO|><|audio_eos|>\n"
        "{% elif 'text' in c %}{{ c['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
    req = ll([tones[440], "Pitch?"], " low")
    assert adapter.render(req) == ("<|im_start|>user\nAudio: <|audio_bos|><|AUDIO|><|audio_eos|>\nPitch?<|im_end|>\n"
                                   "<|im_start|>assistant\n")
    out = adapter.loglikelihood([req])[0]
    assert out.error is None and out.n_input_tokens > 25  # 1 s of audio expands to 25 audio tokens
