"""Print align's sanity figures on tiny random models (CPU, 1 thread, fixed seeds):
DPO first loss / margins over steps, and the PPO toy-reward curve.

    .venv/bin/python perf/align_figures.py
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("ALIGN_DISABLE_TQDM", "1")
os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")


def main() -> None:
    import torch

    from align.config import load_config
    from align.data import Item
    from eval_anything.models.default_model import build_tiny_llama

    torch.set_num_threads(1)
    tmp = Path(tempfile.mkdtemp())
    model = build_tiny_llama(tmp / "tiny", seed=0)
    pairs = tmp / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"prompt": f"Say the word {w}.", "chosen": f"{w} yes", "rejected": f"{w} no"})
                             + "\n" for w in ["red", "green", "blue", "apple", "book", "train", "water", "sun"]))

    from align import dpo

    cfg = load_config("dpo", None, [("model.path", str(model)), ("data.path", str(pairs)),
                                    ("train.output_dir", str(tmp / "dpo")), ("train.learning_rate", "1e-3"),
                                    ("train.max_steps", "30"), ("train.logging_steps", "1"),
                                    ("train.per_device_train_batch_size", "8"), ("dpo.beta", "0.1")])
    tr = dpo.build_trainer(cfg)
    from transformers import PrinterCallback, ProgressCallback

    tr.remove_callback(PrinterCallback)  # the per-step dicts; the summary below is what we want
    tr.remove_callback(ProgressCallback)
    ref = {k: v.clone() for k, v in tr.ref_model.state_dict().items()}
    t = time.time()
    tr.train()
    logs = [h for h in tr.state.log_history if "loss" in h]
    print(f"DPO (8 pairs, batch 8, lr 1e-3, beta 0.1, {30 / (time.time() - t):.1f} steps/s)")
    print(f"  first loss {logs[0]['loss']:.10f} (ln 2 = {math.log(2):.10f}), first margin {logs[0]['rewards/margins']}")
    for i in (4, 9, 29):
        print(f"  step {i + 1}: loss {logs[i]['loss']:.4f}, margin {logs[i]['rewards/margins']:.3f}")
    diff = max((v - ref[k]).abs().max().item() for k, v in tr.ref_model.state_dict().items())
    print(f"  reference max |change| {diff}")

    from align.ppo.trainer import PPOTrainer

    digits = json.dumps([str(d) for d in range(10)])
    cfg = load_config("ppo", None, [("model.path", str(model)), ("data.path", "unused"),
                                    ("train.output_dir", str(tmp / "ppo")), ("train.learning_rate", "1e-3"),
                                    ("train.seed", "0"), ("reward.contains", digits), ("ppo.rollout_batch_size", "16"),
                                    ("ppo.mini_batch_size", "8"), ("ppo.max_new_tokens", "12"),
                                    ("ppo.total_steps", "30")])
    ppo = PPOTrainer(cfg, items=[Item(prompt=p) for p in ["Say something.", "Count.", "What is it?", "Tell me more."]])
    t = time.time()
    hist = ppo.train()
    print(f"PPO toy reward = distinct digits in a 12-token reply (16 rollouts/step, {30 / (time.time() - t):.1f} steps/s)")
    h0 = hist[0]
    print(f"  step 1: KL {h0['kl/mean']}, ratio {h0['policy/ratio_first']}, clipfrac {h0['policy/clipfrac_first']}")
    print("  mean reward per step: " + " ".join(f"{h['reward/mean']:.2f}" for h in hist))
    print(f"  first 5 mean {sum(h['reward/mean'] for h in hist[:5]) / 5:.2f} -> last 5 mean "
          f"{sum(h['reward/mean'] for h in hist[-5:]) / 5:.2f}; final KL {hist[-1]['kl/mean']:.2f}")


if __name__ == "__main__":
    main()
