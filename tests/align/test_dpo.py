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
