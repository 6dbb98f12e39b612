"""DPO sanity figures on a tiny random Llama: ln 2 and zero margins at policy == reference, then learning."""

import math

import torch

from align.config import load_config


def _cfg(model, data, out, **over):
    pairs = [("model.path", str(model)), ("data.path", str(data)), ("train.output_dir", str(out)),
             ("train.learning_rate", "1e-3"), ("train.max_steps", "8"), ("train.logging_steps", "1"),
             ("train.per_device_train_batch_size", "8"), ("train.num_threads", "1"), ("dpo.beta", "0.1")]
    return load_config("dpo", None, pairs + list(over.items()))


def test_dpo_starts_at_ln2_and_learns(tiny_llama, pairs_file, tmp_path):
    from align import dpo

    trainer = dpo.build_trainer(_cfg(tiny_llama, pairs_file, tmp_path / "out"))
    ref_before = {k: v.clone() for k, v in trainer.ref_model.state_dict().items()}
    trainer.train()
    logs = [h for h in trainer.state.log_history if "loss" in h]
    assert len(logs) == 8
    first, last = logs[0], logs[-1]
    # Step 1 is computed before any update: policy == reference.
    assert abs(first["loss"] - math.log(2)) < 1e-6
    assert first["rewards/margins"] == 0.0
    assert last["loss"] < math.log(2) - 0.1
    assert last["rewards/margins"] > 0.5
    assert last["rewards/accuracies"] == 1.0
    for k, v in trainer.ref_model.state_dict().items():
        assert torch.equal(v, ref_before[k]), k
    # policy did move
    assert any(not torch.equal(p, ref_before[k]) for k, p in trainer.model.state_dict().items())


def test_dpo_image_text_starts_at_ln2_and_learns(tiny_llava, tmp_path):
    import json

    from PIL import Image

    from align import dpo

    rows = []
    for i, (colour, rgb) in enumerate([("red", (255, 0, 0)), ("blue", (0, 0, 255))] * 2):
        p = tmp_path / f"{i}.png"
        Image.new("RGB", (32, 32), rgb).save(p)
        rows.append({"prompt": "What colour?", "chosen": colour, "rejected": "green", "image": str(p)})
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = _cfg(tiny_llava, data, tmp_path / "out", **{"model.modality": "image-text", "train.max_steps": "6",
                                                       "train.per_device_train_batch_size": "4"})
    trainer = dpo.build_trainer(cfg)
    trainer.train()
    logs = [h for h in trainer.state.log_history if "loss" in h]
    assert abs(logs[0]["loss"] - math.log(2)) < 1e-6 and logs[0]["rewards/margins"] == 0.0
    assert logs[-1]["loss"] < math.log(2) - 0.05 and logs[-1]["rewards/margins"] > 0.1


def test_dpo_audio_text_starts_at_ln2_and_learns(tiny_qwen2_audio, tmp_path):
    import json

    import numpy as np
    import soundfile as sf

    from align import dpo

    rows = []
    for i, hz in enumerate([440, 2000, 440, 2000]):
        p = tmp_path / f"{i}.wav"
        sf.write(p, np.sin(2 * np.pi * hz * np.arange(16000) / 16000).astype("float32") * 0.5, 16000)
        rows.append({"prompt": "High or low?", "chosen": "high" if hz > 1000 else "low", "rejected": "maybe",
                     "audio": str(p)})
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = _cfg(tiny_qwen2_audio, data, tmp_path / "out", **{"model.modality": "audio-text", "train.max_steps": "6",
                                                             "train.per_device_train_batch_size": "4"})
    trainer = dpo.build_trainer(cfg)
    ref_before = {k: v.clone() for k, v in trainer.ref_model.state_dict().items()}
    trainer.train()
    logs = [h for h in trainer.state.log_history if "loss" in h]
    assert abs(logs[0]["loss"] - math.log(2)) < 1e-6 and logs[0]["rewards/margins"] == 0.0
    assert logs[-1]["loss"] < math.log(2) - 0.05 and logs[-1]["rewards/margins"] > 0.1
    assert all(torch.equal(v, ref_before[k]) for k, v in trainer.ref_model.state_dict().items())


def test_audio_collator_layout(tiny_qwen2_audio, tmp_path):
    """Chosen half then rejected half; every row carries the clip's 25 audio tokens (1 s at 16 kHz) and its
    features; only the completion (answer + end of turn) is in the completion mask."""
    import numpy as np
    import soundfile as sf
    from transformers import AutoProcessor

    from align.audio import AudioPreferenceCollator

    wav = tmp_path / "t.wav"
    sf.write(wav, (0.5 * np.sin(np.arange(16000) * 0.1)).astype("float32"), 16000)
    proc = AutoProcessor.from_pretrained(tiny_qwen2_audio)
    batch = AudioPreferenceCollator(proc)([{"prompt": "hi", "chosen": "high", "rejected": "low",
                                            "audios": [str(wav)]}])
    tok = proc.tokenizer
    assert batch["input_features"].shape[0] == 2
    assert (batch["input_ids"] == tok.convert_tokens_to_ids("<|AUDIO|>")).sum(1).tolist() == [25, 25]
    chosen = tok.decode(batch["input_ids"][0][batch["completion_mask"][0].bool()])
    rejected = tok.decode(batch["input_ids"][1][batch["completion_mask"][1].bool()])
    assert (chosen, rejected) == ("high<|end|>\n", "low<|end|>\n")
