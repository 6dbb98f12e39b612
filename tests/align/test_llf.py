"""LLF end to end on tiny text and image-text models: every stage writes its data, pairs come out, DPO runs on
them, and a second run resumes (skips finished stages)."""

import json

from align.config import load_config


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path

QUESTIONS = ["Name a colour.", "Count to three.", "What is water?", "Describe the sun."]


def _cfg(model, tmp_path, feedback, prompts, modality="text"):
    return load_config("llf", None, [
        ("model.path", str(model)), ("model.modality", modality),
        ("llf.output_dir", str(tmp_path / "llf")), ("llf.feedback_data.path", str(feedback)),
        ("llf.prompts.path", str(prompts)), ("llf.max_new_tokens", "8"), ("llf.batch_size", "4"),
        ("feedback_train.output_dir", str(tmp_path / "fb")), ("feedback_train.max_steps", "2"),
        ("feedback_train.learning_rate", "1e-3"), ("feedback_train.per_device_train_batch_size", "4"),
        ("train.output_dir", str(tmp_path / "dpo")), ("train.max_steps", "2"), ("train.logging_steps", "1"),
        ("train.learning_rate", "1e-3"), ("train.per_device_train_batch_size", "4")])


def _data(tmp_path, image=None):
    extra = {"image": str(image)} if image else {}
    fb = write_jsonl(tmp_path / "feedback.jsonl", [
        {"question": q, "response": "no idea", "critique": "too vague", "refinement": "answer the question", **extra}
        for q in QUESTIONS])
    pr = write_jsonl(tmp_path / "prompts.jsonl", [{"prompt": q, **extra} for q in QUESTIONS])
    return fb, pr


def _check(tmp_path, pipeline, stages_seen, base):
    from align.llf import read_jsonl

    out = tmp_path / "llf"
    samples, crit, refined = (read_jsonl(out / f"{n}.jsonl") for n in ("samples", "critiques", "refined"))
    assert len(samples) == len(crit) == len(refined) == len(QUESTIONS)
    pairs = read_jsonl(out / "pairs.jsonl")
    assert pairs, "no pairs produced"
    for p in pairs:
        row = next(r for r in refined if r["id"] == p["id"])
        assert (p["chosen"], p["rejected"]) == (row["refined"], row["response"])
    from tests.fixtures.checkpoints import assert_trained_from

    assert_trained_from(base, out / "feedback_model")  # fine-tuned on the feedback data
    assert_trained_from(base, out / "policy")  # DPO on the pairs
    assert [s for s in stages_seen if s.endswith("running")] == [f"{s}: running" for s in
                                                                  ("feedback", "sample", "critique", "refine",
                                                                   "pairs", "train")]
    return pairs


def test_llf_text_end_to_end_and_resume(tiny_llama, tmp_path):
    from align.llf import LLFPipeline

    fb, pr = _data(tmp_path)
    seen: list[str] = []
    cfg = _cfg(tiny_llama, tmp_path, fb, pr)
    LLFPipeline(cfg, on_stage=seen.append).run()
    _check(tmp_path, None, seen, tiny_llama)
    again: list[str] = []
    LLFPipeline(cfg, on_stage=again.append).run()
    assert all(s.endswith("skipped") for s in again) and len(again) == 6


def test_llf_image_text_end_to_end(tiny_llava, tmp_path):
    from PIL import Image

    from align.llf import LLFPipeline

    img = tmp_path / "blue.png"
    Image.new("RGB", (32, 32), (0, 0, 255)).save(img)
    fb, pr = _data(tmp_path, img)
    seen: list[str] = []
    LLFPipeline(_cfg(tiny_llava, tmp_path, fb, pr, "image-text"), on_stage=seen.append).run()
    pairs = _check(tmp_path, None, seen, tiny_llava)
    assert all(p["images"] == [str(img.resolve())] for p in pairs)
    # the trained policy is a normal checkpoint for the harness's hf adapter, and DPO moved its weights
    import torch

    from eval_anything.registry import load_model

    adapter = load_model(f"hf:{tmp_path / 'llf' / 'policy'}")
    assert "image" in adapter.capabilities.input_modalities
    base = load_model(f"hf:{tiny_llava}")
    assert any(not torch.equal(a, b) for a, b in zip(adapter.model.state_dict().values(),
                                                     base.model.state_dict().values()))


def test_llf_rm_ppo_ending(tiny_llama, tmp_path):
    """final: rm_ppo trains a reward model on the LLF pairs, then PPO with it as the reward."""
    from align.llf import LLFPipeline

    fb, pr = _data(tmp_path)
    cfg = load_config("llf", None, [
        ("model.path", str(tiny_llama)), ("llf.output_dir", str(tmp_path / "llf")),
        ("llf.feedback_data.path", str(fb)), ("llf.prompts.path", str(pr)), ("llf.max_new_tokens", "8"),
        ("llf.final", "rm_ppo"), ("feedback_train.output_dir", str(tmp_path / "fb")),
        ("feedback_train.max_steps", "2"), ("train.output_dir", str(tmp_path / "t")), ("train.max_steps", "2"),
        ("train.per_device_train_batch_size", "4"), ("ppo.total_steps", "2"), ("ppo.rollout_batch_size", "4"),
        ("ppo.mini_batch_size", "4"), ("ppo.max_new_tokens", "4")])
    LLFPipeline(cfg, on_stage=lambda s: None).run()
    out = tmp_path / "llf"
    import json

    import torch

    from tests.fixtures.checkpoints import assert_trained_from

    rm = json.loads((out / "reward_model" / "config.json").read_text())
    assert rm["architectures"] == ["LlamaForSequenceClassification"] and len(rm["id2label"]) == 1  # one score
    assert_trained_from(tiny_llama, out / "reward_model", same_weights_layout=False)
    assert_trained_from(tiny_llama, out / "policy")  # PPO moved the policy
    head = torch.load(out / "policy" / "value_head.pt", weights_only=True)
    assert any(v.abs().sum() > 0 for v in head.values())  # the zero-initialised value head was trained


def test_llf_audio_text_end_to_end(tiny_qwen2_audio, tmp_path):
    import numpy as np
    import soundfile as sf

    from align.llf import LLFPipeline

    wav = tmp_path / "tone.wav"
    sf.write(wav, (0.5 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)).astype("float32"), 16000)
    fb = write_jsonl(tmp_path / "feedback.jsonl", [
        {"question": q, "response": "no idea", "critique": "too vague", "refinement": "say low", "audio": str(wav)}
        for q in QUESTIONS])
    pr = write_jsonl(tmp_path / "prompts.jsonl", [{"prompt": q, "audio": str(wav)} for q in QUESTIONS])
    seen: list[str] = []
    LLFPipeline(_cfg(tiny_qwen2_audio, tmp_path, fb, pr, "audio-text"), on_stage=seen.append).run()
    pairs = _check(tmp_path, None, seen, tiny_qwen2_audio)
    assert all(p["audios"] == [str(wav.resolve())] for p in pairs)
