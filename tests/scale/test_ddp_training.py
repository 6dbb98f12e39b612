"""Training under the real launcher: 2 CPU processes (gloo) through `accelerate launch`, for TRL's DPO and this
project's PPO. Each trains, writes one checkpoint per save (not one per rank), and the harness evaluates it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.taskgen import write_mc_task

ROOT = Path(__file__).resolve().parents[2]
LAUNCH = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
          "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", "0"]

pytestmark = pytest.mark.slow


def _env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "ALIGN_DISABLE_TQDM": "1",
           "EVAL_ANYTHING_HOME": str(tmp_path / "home")}
    env.pop("WORLD_SIZE", None)
    return env


def _launch(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([*LAUNCH, *args], capture_output=True, text=True, env=_env(tmp_path), timeout=500)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return proc


def _evaluate(checkpoint: Path, tmp_path: Path) -> dict:
    tasks = tmp_path / "tasks"
    write_mc_task(tasks, n=6)
    proc = subprocess.run([sys.executable, "-m", "eval_anything", "run", "--model", f"hf:{checkpoint}", "--task",
                           "tmc", "--task-path", str(tasks), "--output", str(tmp_path / "runs"), "--run-id", "ckpt",
                           "--no-cache", "--no-progress"], capture_output=True, text=True, env=_env(tmp_path),
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (results,) = (tmp_path / "runs").glob("*/ckpt/results.json")
    return json.loads(results.read_text())


def test_dpo_two_processes_trains_saves_once_and_is_evaluated(tiny_llama_path, tmp_path):
    rows = [{"prompt": f"Say the word {w}.", "chosen": f"{w} yes", "rejected": f"{w} no"}
            for w in ["red", "green", "blue", "apple", "book", "train", "water", "sun"]]
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "dpo"
    _launch(["-m", "align", "dpo", "--config", str(ROOT / "align/configs/dpo_text.yaml"),
                    "--model.path", str(tiny_llama_path), "--data.path", str(data), "--train.output_dir", str(out),
                    "--train.max_steps", "6", "--train.save_steps", "3", "--train.learning_rate", "1e-3",
                    "--train.per_device_train_batch_size", "2"], tmp_path)
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-3", "checkpoint-6"]
    state = json.loads((out / "checkpoint-6" / "trainer_state.json").read_text())
    losses = [h["loss"] for h in state["log_history"] if "loss" in h]
    assert len(losses) == 6
    assert losses[0] == pytest.approx(0.693147, abs=1e-4)  # policy == reference at step 1: ln 2
    assert losses[-1] < losses[0] - 0.05
    # Two ranks x 2 pairs per step: an epoch of the 8 pairs takes 2 steps (one process would take 4)
    assert state["train_batch_size"] == 2 and state["log_history"][-1]["epoch"] == pytest.approx(3.0)
    results = _evaluate(out, tmp_path)
    assert results["tasks"]["tmc"]["n"] == 6 and results["tasks"]["tmc"]["n_errors"] == 0


def test_ppo_two_processes_reward_rises_saves_once_and_is_evaluated(tiny_llama_path, tmp_path):
    out = tmp_path / "ppo"
    _launch([str(Path(__file__).with_name("ddp_ppo_driver.py")), str(tiny_llama_path), str(out), "24"], tmp_path)
    record = json.loads((out / "history.json").read_text())
    assert record["world_size"] == 2
    rewards = [h["reward/mean"] for h in record["history"]]
    assert len(rewards) == 24
    first, last = sum(rewards[:4]) / 4, sum(rewards[-4:]) / 4
    assert last > first + 1.0, rewards
    assert record["history"][0]["kl/mean"] == 0.0  # policy == reference before the first update, on both ranks
    policy = out / "policy"
    assert sorted(p.name for p in policy.glob("checkpoint-*")) == ["checkpoint-12", "checkpoint-24"]
    assert (policy / "value_head.pt").exists() and (policy / "config.json").exists()
    results = _evaluate(policy, tmp_path)
    assert results["tasks"]["tmc"]["n"] == 6 and results["tasks"]["tmc"]["n_errors"] == 0
