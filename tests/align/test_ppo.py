"""PPO on tiny random models: exact start-state figures, and a toy reward that must rise."""

import pytest
import torch

from align.config import load_config
from align.data import Item

DIGITS = '["0","1","2","3","4","5","6","7","8","9"]'
PROMPTS = [Item(prompt=p) for p in ["Say something.", "Count.", "What is it?", "Tell me more."]]


def _cfg(model, out, **over):
    pairs = [("model.path", str(model)), ("data.path", "unused"), ("train.output_dir", str(out)),
             ("train.learning_rate", "1e-3"), ("train.logging_steps", "1"), ("train.seed", "0"),
             ("reward.kind", "rule"), ("reward.contains", DIGITS), ("ppo.rollout_batch_size", "16"),
             ("ppo.mini_batch_size", "8"), ("ppo.max_new_tokens", "12"), ("ppo.total_steps", "30")]
    return load_config("ppo", None, pairs + list(over.items()))


def test_ppo_at_init_kl_zero_ratio_one(tiny_llama, tmp_path):
    from align.ppo.trainer import PPOTrainer

    tr = PPOTrainer(_cfg(tiny_llama, tmp_path), items=PROMPTS)
    ro = tr.rollout(PROMPTS * 4)
    assert ro.mask.sum() > 0
    assert torch.equal(ro.kl, torch.zeros_like(ro.kl))  # policy is an exact copy of the reference
    assert torch.equal(ro.values, torch.zeros_like(ro.values))  # zero-initialised value head
    stats = tr.update(ro)
    assert stats["policy/ratio_first"] == pytest.approx(1.0, abs=1e-5)
    assert stats["policy/clipfrac_first"] == 0.0
    assert stats["policy/approx_kl_first"] == pytest.approx(0.0, abs=1e-6)
    assert stats["kl/mean"] == 0.0


def test_ppo_toy_reward_rises(tiny_llama, tmp_path):
    from align.ppo.trainer import PPOTrainer

    tr = PPOTrainer(_cfg(tiny_llama, tmp_path), items=PROMPTS)
    hist = [h["reward/mean"] for h in tr.train()]
    first, last = sum(hist[:5]) / 5, sum(hist[-5:]) / 5
    # reward = number of distinct digits in a 12-token reply; measured about 2.6 -> 7.0 with these seeds
    assert last > first + 1.5, hist
    assert len([h for h in tr.state.log_history if "reward/mean" in h]) == 30


def test_ppo_image_text_policy_runs(tiny_llava, tmp_path):
    from PIL import Image

    from align.models import load_policy
    from align.ppo.trainer import PPOTrainer

    img = tmp_path / "red.png"
    Image.new("RGB", (32, 32), (255, 0, 0)).save(img)
    items = [Item(prompt="What colour?", images=(str(img),))] * 4
    cfg = _cfg(tiny_llava, tmp_path, **{"model.modality": "image-text", "ppo.total_steps": "2",
                                        "ppo.rollout_batch_size": "4", "ppo.mini_batch_size": "2"})
    tr = PPOTrainer(cfg, items=items)
    hist = tr.train()
    assert hist[0]["kl/mean"] == 0.0 and hist[0]["policy/clipfrac_first"] == 0.0
    assert hist[0]["policy/ratio_first"] == pytest.approx(1.0, abs=1e-5)
    out = tr.save(tmp_path / "saved")
    model, proc = load_policy(cfg.model.model_copy(update={"path": str(out)}))
    assert model.__class__.__name__.startswith("Llava")


def test_ppo_audio_text_policy_runs(tiny_qwen2_audio, tmp_path):
    import numpy as np
    import soundfile as sf

    from align.ppo.rollout import encode_prompts
    from align.ppo.trainer import PPOTrainer

    wav = tmp_path / "tone.wav"
    sf.write(wav, (0.5 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)).astype("float32"), 16000)
    items = [Item(prompt="High or low?", audios=(str(wav),))] * 4
    cfg = _cfg(tiny_qwen2_audio, tmp_path, **{"model.modality": "audio-text", "ppo.total_steps": "2",
                                              "ppo.rollout_batch_size": "4", "ppo.mini_batch_size": "2"})
    tr = PPOTrainer(cfg, items=items)
    assert "input_features" in encode_prompts(tr.processor, items).media  # the audio reaches the model
    hist = tr.train()
    assert hist[0]["kl/mean"] == 0.0 and hist[0]["policy/clipfrac_first"] == 0.0


def test_ppo_task_reward_scores_generated_answers(tiny_llama, tmp_path):
    """reward.kind task: synth_text items as prompts, 1 when the reply starts with the gold choice."""
    from align.config import DataSpec, RewardSpec
    from align.data import load_items
    from align.ppo.rewards import build_reward
    from align.ppo.trainer import PPOTrainer

    items = load_items(DataSpec(task="synth_text", split="train", chat=False, limit=4))
    fn = build_reward(RewardSpec(kind="task", task="synth_text"))
    golds = [it.extra["sample"].choices[it.extra["sample"].target] for it in items]
    wrong = [c for c in items[0].extra["sample"].choices if c != golds[0]][0]
    assert fn([""] * 4, [f" {g} because" for g in golds], items) == [1.0] * 4
    assert fn([""], [wrong], items[:1]) == [0.0]
    cfg = _cfg(tiny_llama, tmp_path, **{"data.task": "synth_text", "data.path": "null", "data.chat": "false",
                                        "data.limit": "8", "reward.kind": "task", "reward.task": "synth_text",
                                        "ppo.total_steps": "1", "ppo.rollout_batch_size": "4",
                                        "ppo.mini_batch_size": "4", "ppo.max_new_tokens": "3"})
    hist = PPOTrainer(cfg).train()
    assert hist[0]["reward/mean"] in (0.0, 0.25, 0.5, 0.75, 1.0)
