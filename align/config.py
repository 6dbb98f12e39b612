"""Typed, strict configs for every `align` entry point. Unknown keys (in YAML or `--key value`) are errors.

One YAML file per algorithm and modality; `--section.key value` overrides any field, parsed as a YAML scalar.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eval_anything.config import ConfigError, format_validation_error, load_yaml_file

Modality = Literal["text", "image-text", "audio-text"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelSpec(Strict):
    path: str  # a Hugging Face model folder (or hub id when online)
    modality: Modality = "text"
    dtype: Literal["float32", "bfloat16", "float16"] = "float32"
    trust_remote_code: bool = False


class DataSpec(Strict):
    """Training rows, read through `datasets`. Either local files (`path`) or an eval-anything task's split."""

    path: str | None = None  # file or folder (json/jsonl/parquet/csv), or a hub data set name when online
    builder: str | None = None  # datasets builder; inferred from the file extension when omitted
    split: str = "train"
    task: str | None = None  # eval-anything task name: its `split` rows become training data
    task_paths: list[str] = Field(default_factory=list)
    limit: int | None = None
    media_root: str | None = None  # base folder of relative image/audio paths (default: the data file's folder)
    chat: bool = True  # conversational rows (chat template) or raw prompt/completion strings
    seed: int = 0


class TrainSpec(Strict):
    """The TrainingArguments fields we expose; the rest keep transformers' defaults (CPU-safe ones set for you)."""

    output_dir: str
    learning_rate: float = 1e-5
    num_train_epochs: float = 1.0
    max_steps: int = -1
    per_device_train_batch_size: int = 8
    gradient_accumulation_steps: int = 1
    lr_scheduler_type: str = "linear"
    warmup_steps: int = 0
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    logging_steps: int = 10
    save_steps: int | None = None  # None: save once, at the end
    save_total_limit: int | None = None
    seed: int = 42
    max_length: int | None = 512
    num_threads: int | None = None  # torch.set_num_threads; 1 is fastest for tiny models on a busy CPU
    gradient_checkpointing: bool = False
    bf16: bool = False
    report_to: list[str] = Field(default_factory=lambda: ["none"])


class EvalSpec(Strict):
    """Training-time evaluation through eval_anything.callbacks.EvalCallback (empty `tasks`: off)."""

    tasks: list[str] = Field(default_factory=list)
    mode: Literal["in_process", "subprocess"] = "in_process"
    limit: int | None = None
    output: str = "runs"
    seed: int = 1234
    model_name: str | None = None  # name the runs are filed under (default: the output folder's name)
    task_paths: list[str] = Field(default_factory=list)
    at_start: bool = False  # also evaluate the untrained model before step 1 (the base point of the curve)


class SFTSpec(Strict):
    completion_only_loss: bool = True
    packing: bool = False


class DPOSpec(Strict):
    beta: float = 0.1
    loss_type: list[str] = Field(default_factory=lambda: ["sigmoid"])  # any of TRL's DPO loss variants
    label_smoothing: float = 0.0
    ref_model: str | None = None  # default: a frozen copy of the starting policy


class RMSpec(Strict):
    center_rewards_coefficient: float | None = None


class RewardSpec(Strict):
    """Where PPO's sequence score comes from."""

    kind: Literal["rule", "model", "callable", "task"] = "rule"
    contains: list[str] = Field(default_factory=list)  # rule: +1 per listed string found in the response
    model: str | None = None  # model: a reward model folder (AutoModelForSequenceClassification, 1 label)
    function: str | None = None  # callable: "module:function" taking (prompts, responses, rows) -> list[float]
    task: str | None = None  # task: an eval-anything task whose scorer grades generated answers
    scale: float = 1.0


class PPOSpec(Strict):
    rollout_batch_size: int = 16
    mini_batch_size: int = 8
    ppo_epochs: int = 2
    max_new_tokens: int = 16
    temperature: float = 1.0
    top_k: int = 0
    kl_coef: float = 0.05
    kl_estimator: Literal["k1", "k2", "k3"] = "k1"
    gamma: float = 1.0
    lam: float = 0.95
    clip_eps: float = 0.2
    value_clip_eps: float = 0.2
    vf_coef: float = 0.1
    whiten_advantages: bool = True
    total_steps: int = 50  # rollout + update rounds
    stop_at_eos: bool = True


class SFTConfig(Strict):
    model: ModelSpec
    data: DataSpec
    train: TrainSpec
    sft: SFTSpec = SFTSpec()
    eval: EvalSpec = EvalSpec()


class DPOConfig(Strict):
    model: ModelSpec
    data: DataSpec
    train: TrainSpec
    dpo: DPOSpec = DPOSpec()
    eval: EvalSpec = EvalSpec()


class RMConfig(Strict):
    model: ModelSpec
    data: DataSpec
    train: TrainSpec
    rm: RMSpec = RMSpec()
    eval: EvalSpec = EvalSpec()


class PPOConfig(Strict):
    model: ModelSpec
    data: DataSpec  # prompts (rows with `prompt`, or any format whose prompt we can read)
    train: TrainSpec
    ppo: PPOSpec = PPOSpec()
    reward: RewardSpec = RewardSpec()
    eval: EvalSpec = EvalSpec()


class LLFSpec(Strict):
    """Learning from language feedback: feedback SFT -> sample -> critique -> refine -> pairs -> DPO (or RM+PPO)."""

    output_dir: str
    feedback_model: ModelSpec | None = None  # default: start the feedback model from the policy's weights
    feedback_data: DataSpec  # rows with prompt, response, critique and refinement
    prompts: DataSpec  # prompts the policy answers in stage 2
    max_new_tokens: int = 32
    temperature: float = 1.0
    batch_size: int = 8
    seed: int = 0
    final: Literal["dpo", "rm_ppo"] = "dpo"
    stages: list[str] = Field(default_factory=list)  # run only these (default: all, skipping finished ones)


class LLFConfig(Strict):
    model: ModelSpec  # the policy
    llf: LLFSpec
    feedback_train: TrainSpec
    train: TrainSpec  # the final DPO (or RM) stage
    dpo: DPOSpec = DPOSpec()
    rm: RMSpec = RMSpec()
    ppo: PPOSpec = PPOSpec()
    eval: EvalSpec = EvalSpec()


CONFIGS: dict[str, type[Strict]] = {
    "sft": SFTConfig, "dpo": DPOConfig, "rm": RMConfig, "ppo": PPOConfig, "llf": LLFConfig,
}


def apply_overrides(raw: dict[str, Any], overrides: list[tuple[str, str]]) -> dict[str, Any]:
    """`("dpo.beta", "0.2")` -> raw["dpo"]["beta"] = 0.2 (YAML scalar parsing)."""
    for key, text in overrides:
        node = raw
        parts = key.split(".")
        for p in parts[:-1]:
            nxt = node.setdefault(p, {})
            if not isinstance(nxt, dict):
                raise ConfigError(f"override --{key}: '{p}' is not a section")
            node = nxt
        node[parts[-1]] = yaml.safe_load(text) if text.strip() else ""
    return raw


def load_config(algorithm: str, path: str | Path | None, overrides: list[tuple[str, str]] = ()):
    """Read YAML, apply overrides, validate against the algorithm's model. Raises ConfigError naming bad keys."""
    if algorithm not in CONFIGS:
        raise ConfigError(f"unknown algorithm {algorithm!r}; expected one of {', '.join(CONFIGS)}")
    raw: dict[str, Any] = {}
    if path is not None:
        raw = load_yaml_file(Path(path)) or {}
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: a config must be a YAML mapping")
    raw = apply_overrides(raw, list(overrides))
    try:
        cfg = CONFIGS[algorithm].model_validate(raw)
    except ValidationError as e:
        raise ConfigError(format_validation_error(e, f"{algorithm} config {path or '(overrides only)'}",
                                                  {k for k, _ in overrides})) from None
    if path is not None:
        resolve_paths(cfg, Path(path).resolve().parent)
    return cfg


def resolve_paths(node: BaseModel, base: Path) -> None:
    """Model and data paths written relative to the config file work from any working directory: a relative
    path that exists beside the config is made absolute (others are left for the current directory or the hub)."""
    for name in type(node).model_fields:
        value = getattr(node, name)
        if isinstance(value, BaseModel):
            resolve_paths(value, base)
        elif name in ("path", "media_root") and isinstance(value, str) and isinstance(node, (ModelSpec, DataSpec)):
            p = Path(value).expanduser()
            if not p.is_absolute() and (base / p).exists():
                setattr(node, name, str(base / p))
