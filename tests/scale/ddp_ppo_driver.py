"""Run under `accelerate launch`: PPO on the toy digit reward with 2 data-parallel ranks (tests/scale).

argv: MODEL_DIR OUT_DIR STEPS. Rank 0 writes OUT_DIR/history.json; the checkpoint is OUT_DIR/policy.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

from align.config import load_config
from align.data import Item
from align.ppo.trainer import PPOTrainer

DIGITS = '["0","1","2","3","4","5","6","7","8","9"]'
PROMPTS = [Item(prompt=p) for p in ["Say something.", "Count.", "What is it?", "Tell me more."]]


def main(model: str, out: str, steps: int) -> None:
    torch.set_num_threads(1)
    pairs = [("model.path", model), ("data.path", "unused"), ("train.output_dir", str(Path(out) / "policy")),
             ("train.learning_rate", "1e-3"), ("train.logging_steps", "1"), ("train.seed", "0"),
             ("train.save_steps", str(steps // 2)),
             ("reward.kind", "rule"), ("reward.contains", DIGITS), ("ppo.rollout_batch_size", "8"),
             ("ppo.mini_batch_size", "8"), ("ppo.max_new_tokens", "12"), ("ppo.total_steps", str(steps))]
    trainer = PPOTrainer(load_config("ppo", None, pairs), items=PROMPTS)
    history = trainer.train()
    trainer.save(Path(out) / "policy")
    if trainer.accelerator.is_main_process:
        (Path(out) / "history.json").write_text(json.dumps({
            "history": history, "world_size": trainer.accelerator.num_processes}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
