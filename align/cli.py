"""`align sft|rm|dpo|ppo|llf --config FILE.yaml [--section.key value ...]` (also `python -m align`).

Deliberately argparse-free: every `--key value` after --config is a config override, validated by the same
strict pydantic models as the YAML, so a misspelt key is an error that names it. Trainers are imported only
after the config validates (TRL's import takes seconds).
"""

from __future__ import annotations

import importlib
import os
import sys

from align.config import CONFIGS, ConfigError, load_config

USAGE = """usage: align {sft,rm,dpo,ppo,llf} --config CONFIG.yaml [--section.key value ...]

  sft   supervised fine-tuning (TRL SFTTrainer)
  rm    reward model (TRL RewardTrainer)
  dpo   direct preference optimisation (TRL DPOTrainer)
  ppo   PPO with a rule, reward-model or task reward (align.ppo)
  llf   learning from language feedback: feedback SFT -> sample -> critique -> refine -> DPO

Example: align dpo --config align/configs/dpo_text.yaml --dpo.beta 0.2 --train.max_steps 50
Shipped configs: align/configs/*.yaml. Multi-GPU: accelerate launch --config_file align/configs/accelerate/ddp.yaml -m align dpo ...
"""


def parse_args(argv: list[str]) -> tuple[str, str | None, list[tuple[str, str]]]:
    if not argv or argv[0] in ("-h", "--help"):
        raise SystemExit(USAGE)
    algorithm, rest = argv[0], argv[1:]
    if algorithm not in CONFIGS:
        raise ConfigError(f"unknown command {algorithm!r}; expected one of {', '.join(CONFIGS)}")
    config, overrides = None, []
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg in ("-h", "--help"):
            raise SystemExit(USAGE)
        if not arg.startswith("--"):
            raise ConfigError(f"unexpected argument {arg!r}; overrides look like --section.key value")
        key, eq, value = arg[2:].partition("=")
        if not eq:
            if i + 1 >= len(rest):
                raise ConfigError(f"--{key} needs a value")
            value, i = rest[i + 1], i + 1
        if key == "config":
            config = value
        else:
            overrides.append((key.replace("-", "_"), value))
        i += 1
    return algorithm, config, overrides


def run(argv: list[str]):
    algorithm, config, overrides = parse_args(argv)
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")  # per-map bars drown the training log
    cfg = load_config(algorithm, config, overrides)
    module = importlib.import_module(f"align.{'ppo.trainer' if algorithm == 'ppo' else algorithm}")
    return module.run(cfg)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or "-h" in argv or "--help" in argv:
        print(USAGE)
        return 0 if argv else 2
    try:
        out = run(argv)
    except ConfigError as e:
        print(f"align: error: {e}", file=sys.stderr)
        return 2
    if out is not None:
        print(f"saved: {out}")
    return 0
