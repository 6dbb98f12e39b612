"""SFT and reward-model training on tiny models, RM-scored PPO rewards, and data-format normalisation."""

import json
import math

import pytest

from align.config import ConfigError, DataSpec, load_config
from align.data import load_items, normalise


def _base(model, data, out, steps="10"):
    return [("model.path", str(model)), ("data.path", str(data)), ("train.output_dir", str(out)),
            ("train.learning_rate", "1e-3"), ("train.max_steps", steps), ("train.logging_steps", "1"),
            ("train.per_device_train_batch_size", "8"), ("train.num_threads", "1")]


def test_sft_loss_falls_and_checkpoint_reloads(tiny_llama, tmp_path):
    from align import sft
    from align.models import load_policy

    data = tmp_path / "sft.jsonl"
    data.write_text("".join(json.dumps({"prompt": f"Repeat {w}.", "completion": f"{w} {w}"}) + "\n"
                            for w in ["red", "blue", "green", "sun"] * 2))
    cfg = load_config("sft", None, _base(tiny_llama, data, tmp_path / "out"))
    out = sft.run(cfg)
    logs = [h["loss"] for h in _LAST["logs"]]
    assert logs[-1] < logs[0] - 1.0, logs  # random init starts near ln(vocab) = 6.2
    model, tok = load_policy(cfg.model.model_copy(update={"path": str(out)}))
    assert model.config.vocab_size == len(tok)


_LAST: dict = {}


@pytest.fixture(autouse=True)
def _capture_logs(monkeypatch):
    """Keep the log history of the last trainer run by align.*.run (they save only the final model)."""
    import transformers

    orig = transformers.Trainer.train

    def train(self, *a, **k):
        out = orig(self, *a, **k)
        _LAST["logs"] = [h for h in self.state.log_history if "loss" in h]
        return out

    monkeypatch.setattr(transformers.Trainer, "train", train)


def test_reward_model_learns_pairs_and_scores_them(tiny_llama, pairs_file, tmp_path):
    from align import rm
    from align.ppo.rewards import reward_model_fn

    cfg = load_config("rm", None, _base(tiny_llama, pairs_file, tmp_path / "rm", "15"))
    out = rm.run(cfg)
    logs = _LAST["logs"]
    assert abs(logs[0]["loss"] - math.log(2)) < 0.1  # near-equal scores at the start: -log sigmoid(~0)
    assert logs[-1]["loss"] < 0.3 and logs[-1]["accuracy"] == 1.0
    score = reward_model_fn(str(out))
    rows = [json.loads(line) for line in pairs_file.read_text().splitlines()]
    good = score([r["prompt"] for r in rows], [r["chosen"] for r in rows], rows)
    bad = score([r["prompt"] for r in rows], [r["rejected"] for r in rows], rows)
    assert all(g > b for g, b in zip(good, bad))
    # the same checkpoint serves as the harness's reward-model judge (`--judge rm:PATH`)
    from eval_anything.types import Message, Request
    from judges.reward_model import RewardModelAdapter

    judge = RewardModelAdapter.from_path(str(out))
    reqs = [Request(kind="judge", messages=(Message.user(r["prompt"]), Message.assistant(r[k])))
            for r in rows[:2] for k in ("chosen", "rejected")]
    judged = [float(x.text) for x in judge.generate(reqs)]
    assert judged[0] > judged[1] and judged[2] > judged[3]


def test_align_anything_rows_normalise():
    spec = DataSpec(path="x.jsonl")
    row = {"question": "Q?", "response_1": "bad", "response_2": "good", "overall_response": 2,
           "helpfulness_rate_1": 1, "helpfulness_rate_2": 3, "text_critique_1": "vague", "refinement_1": "be exact",
           "image": "img/a.png"}
    it = normalise(row, spec, 0)
    assert (it.prompt, it.chosen, it.rejected) == ("Q?", "good", "bad")
    assert it.extra == {"helpfulness_rate_1": 1, "helpfulness_rate_2": 3, "critique_1": "vague",
                        "refinement_1": "be exact"}
    assert it.images == ("img/a.png",)  # relative to the data file's folder ('.' here)
    with pytest.raises(ConfigError, match="overall_response must be 1 or 2"):
        normalise({**row, "overall_response": 3}, spec, 4)
    with pytest.raises(ConfigError, match="no prompt/question"):
        normalise({"text": "x"}, spec, 5)


def test_task_split_becomes_pairs():
    items = load_items(DataSpec(task="synth_text", split="train", chat=False, limit=20))
    assert len(items) == 20
    for it in items:
        sample = it.extra["sample"]
        assert it.chosen == " " + sample.choices[sample.target] and it.rejected != it.chosen
    test_q = {it.prompt for it in load_items(DataSpec(task="synth_text", split="test"))}
    train_q = {it.prompt for it in load_items(DataSpec(task="synth_text", split="train"))}
    assert len(test_q) == 400 and len(train_q) == 4000 and not test_q & train_q


def test_sft_audio_text_loss_falls(tiny_qwen2_audio, tmp_path):
    import numpy as np
    import soundfile as sf

    from align import sft

    rows = []
    for i, hz in enumerate([440, 2000] * 2):
        p = tmp_path / f"{i}.wav"
        sf.write(p, (0.5 * np.sin(2 * np.pi * hz * np.arange(16000) / 16000)).astype("float32"), 16000)
        rows.append({"prompt": "High or low?", "completion": "high" if hz > 1000 else "low", "audio": str(p)})
    data = tmp_path / "sft.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = load_config("sft", None, _base(tiny_qwen2_audio, data, tmp_path / "out") +
                      [("model.modality", "audio-text"), ("train.per_device_train_batch_size", "4")])
    sft.run(cfg)
    logs = [h["loss"] for h in _LAST["logs"]]
    assert logs[-1] < logs[0] - 1.0, logs
