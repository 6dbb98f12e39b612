"""EvalCallback: a run directory per save (in-process and subprocess), scores in the trainer's logs, and a
leaderboard built from those run directories."""

import json

from align.config import load_config
from align.data import Item


def _dpo_cfg(model, data, out, runs, mode):
    return load_config("dpo", None, [
        ("model.path", str(model)), ("data.path", str(data)), ("train.output_dir", str(out)),
        ("train.learning_rate", "1e-3"), ("train.max_steps", "4"), ("train.save_steps", "2"),
        ("train.logging_steps", "1"), ("train.num_threads", "1"),
        ("eval.tasks", "[synth_text]"), ("eval.limit", "8"), ("eval.output", str(runs)),
        ("eval.mode", mode), ("eval.model_name", "tiny"), ("eval.at_start", "true")])


def _run_dirs(runs):
    return sorted(p.parent for p in runs.rglob("results.json"))


def test_callback_in_process_writes_run_per_save_and_leaderboard_builds(tiny_llama, pairs_file, tmp_path):
    from align import dpo
    from leaderboard.build import build_site

    runs = tmp_path / "runs"
    trainer = dpo.build_trainer(_dpo_cfg(tiny_llama, pairs_file, tmp_path / "out", runs, "in_process"))
    for cb in trainer.callback_handler.callbacks:
        if type(cb).__name__ == "EvalCallback":
            cb.options["use_cache"] = False
    trainer.train()
    dirs = _run_dirs(runs)
    assert [d.parent.name for d in dirs] == ["adapter__tiny_step-0", "adapter__tiny_step-2", "adapter__tiny_step-4"]
    for d in dirs:
        res = json.loads((d / "results.json").read_text())
        assert res["tasks"]["synth_text"]["n"] == 8
        lines = (d / "samples" / "synth_text.jsonl").read_text().splitlines()
        assert len(lines) == 8  # one line per evaluated sample
    logged = [h for h in trainer.state.log_history if "eval/synth_text/acc" in h]
    assert [h["step"] for h in logged] == [0, 2, 4]
    site = build_site([runs], tmp_path / "site")
    html = (site / "index.html").read_text()
    assert "tiny@step-2" in html and "tiny@step-4" in html


def test_callback_subprocess_mode(tiny_llama, pairs_file, tmp_path):
    from eval_anything.callbacks import EvalCallback
    from transformers import TrainerControl, TrainerState, TrainingArguments

    from align.models import save_pretrained, load_policy
    from align.config import ModelSpec

    model, tok = load_policy(ModelSpec(path=str(tiny_llama)))
    save_pretrained(model, tok, tmp_path / "out" / "checkpoint-3")
    cb = EvalCallback(["synth_text"], mode="subprocess", output=tmp_path / "runs", limit=4, model_name="sub",
                      use_cache=False)
    state = TrainerState()
    state.global_step = 3
    cb.on_save(TrainingArguments(output_dir=str(tmp_path / "out"), report_to="none"), state, TrainerControl())
    assert cb.history[0].run_dir.parent.name == "adapter__sub_step-3"
    assert 0.0 <= cb.history[0].metrics["eval/synth_text/acc"] <= 1.0
    assert state.log_history[-1]["step"] == 3


def test_callback_with_ppo(tiny_llama, tmp_path):
    from align.ppo.trainer import PPOTrainer

    cfg = load_config("ppo", None, [
        ("model.path", str(tiny_llama)), ("data.path", "unused"), ("train.output_dir", str(tmp_path / "out")),
        ("train.save_steps", "1"), ("reward.contains", '["a"]'), ("ppo.total_steps", "2"),
        ("ppo.rollout_batch_size", "4"), ("ppo.mini_batch_size", "4"), ("ppo.max_new_tokens", "4"),
        ("eval.tasks", "[synth_text]"), ("eval.limit", "4"), ("eval.output", str(tmp_path / "runs")),
        ("eval.model_name", "ppo")])
    tr = PPOTrainer(cfg, items=[Item(prompt="hi")])
    tr.train()
    assert [d.parent.name for d in _run_dirs(tmp_path / "runs")] == ["adapter__ppo_step-1", "adapter__ppo_step-2"]
    from tests.fixtures.checkpoints import assert_trained_from

    assert_trained_from(tiny_llama, tmp_path / "out" / "checkpoint-2", changed=None)  # a loadable checkpoint
    assert sum("eval/synth_text/acc" in h for h in tr.state.log_history) == 2
