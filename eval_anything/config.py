"""Pydantic models at the boundaries: task specs (YAML) and run configs. Unknown keys are errors everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from eval_anything.scrub import public_url


class ConfigError(Exception):
    """A user-facing configuration problem; the message names the file and the fix."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatasetSpec(Strict):
    """Where the rows come from, through `datasets.load_dataset`.

    With `data_files`, files are resolved relative to the task folder (or `--data-dir/<task>/` when given) and
    loaded with the `path` builder (json, parquet, csv). `hub_path`/`hub_name` name the real data set whose schema
    the shipped sample follows; `--use-hub` loads it instead (needs network).
    """

    path: str = "json"
    name: str | None = None
    data_files: str | list[str] | dict[str, str | list[str]] | None = None
    split: str = "test"
    fewshot_split: str | None = None
    hub_path: str | None = None
    hub_name: str | None = None


class PromptSpec(Strict):
    """Jinja2 templates over one data row. `choices`/`target` are Jinja expressions (e.g. `choices.text`)."""

    system: str | None = None
    template: str = "{{ question }}"
    answer_template: str | None = None  # a few-shot example's answer text; defaults to the gold choice/target
    choices: str | None = None
    target: str = "answer"
    target_delimiter: str = " "
    fewshot_delimiter: str = "\n\n"
    chat_template: Literal["auto", "always", "never"] = "auto"


class FewshotSpec(Strict):
    n: int = 0
    split: str | None = None  # defaults to dataset.fewshot_split
    seed: int = 1234


class GenerationSpec(Strict):
    max_new_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    stop: list[str] = Field(default_factory=list)


class MetricSpec(Strict):
    primary: str
    metrics: list[str] = Field(default_factory=list)  # reported alongside; the primary is always included
    extractor: str | None = None  # how a generated answer is read (generate tasks)
    # Report every metric as the unweighted mean of per-stratum means, strata named by this sample metadata key
    # (e.g. AMU: `dimension`). Unset: the plain mean over samples.
    macro_over: str | None = None
    higher_is_better: bool = True
    # The primary metric's scale [lo, hi] (e.g. [0, 1], [1, 10], [0, 10]). Results carry the raw value and the value
    # mapped onto [0, 1]; groups average mapped values only (eval_anything/scales.py). Unset: a default for the
    # built-in 0-1 metrics (acc, acc_norm, exact_match), else the task cannot join a group's mean.
    range: tuple[float, float] | None = None

    @field_validator("range")
    @classmethod
    def _range_is_ordered(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not v[0] < v[1]:
            raise ValueError(f"range {list(v)} must be [low, high] with low < high")
        return v


class ModalitySpec(Strict):
    input: list[Literal["text", "image", "audio", "video"]] = Field(default_factory=lambda: ["text"])
    output: list[Literal["text", "image", "audio", "video"]] = Field(default_factory=lambda: ["text"])


class TaskSpec(Strict):
    """One task.yaml. Hooks in `hooks.py` beside it can replace any step YAML cannot express."""

    name: str
    version: int = 1
    description: str = ""
    groups: list[str] = Field(default_factory=list)
    kind: Literal["multiple_choice", "generate"] = "generate"
    modalities: ModalitySpec = ModalitySpec()
    dataset: DatasetSpec = DatasetSpec()
    prompt: PromptSpec = PromptSpec()
    fewshot: FewshotSpec = FewshotSpec()
    generation: GenerationSpec = GenerationSpec()
    metric: MetricSpec
    judge: dict[str, Any] | None = None  # judge settings for judge-scored tasks (see judges/)
    options: dict[str, Any] = Field(default_factory=dict)  # free-form settings read by this task's hooks

    @field_validator("name")
    @classmethod
    def _name_is_identifier(cls, v: str) -> str:
        if not v.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"task name {v!r} must be letters, digits, '_' or '-'")
        return v

    @property
    def request_kind(self) -> str:
        return "loglikelihood" if self.kind == "multiple_choice" else "generate"


def load_yaml_file(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"malformed YAML at {where}: {getattr(e, 'problem', e)}") from None
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror}") from None


def format_validation_error(err: ValidationError, source: str, overridden: frozenset[str] | set[str] = frozenset()
                            ) -> str:
    """One line per problem, naming the key; keys in `overridden` came from a `--key value` override."""
    lines = [f"invalid config in {source}:"]
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"])
        via = f" (from --{loc})" if loc in overridden else ""
        if e["type"] == "extra_forbidden":
            lines.append(f"  - unknown key '{loc}'{via} (remove it or check its spelling)")
        elif e["type"] == "missing":
            lines.append(f"  - missing required key '{loc}'")
        else:
            lines.append(f"  - {loc}: {e['msg']}{via}")
    return "\n".join(lines)


def load_task_spec(path: Path) -> TaskSpec:
    raw = load_yaml_file(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a task file must be a YAML mapping, got {type(raw).__name__}")
    try:
        return TaskSpec.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(format_validation_error(e, str(path))) from None


class RunConfig(Strict):
    """Everything that defines a run. Recorded in run.json (minus secrets) and hashed into the run id."""

    model: str = "default"
    model_args: dict[str, Any] = Field(default_factory=dict)
    base_url: str | None = None
    tasks: list[str] = Field(default_factory=lambda: ["all"])
    task_paths: list[str] = Field(default_factory=list)
    data_dir: str | None = None
    use_hub: bool = False
    limit: int | None = None
    num_fewshot: int | None = None
    batch_size: int | Literal["auto"] = "auto"
    concurrency: int = 8
    seed: int = 1234
    output: str = "runs"
    run_id: str | None = None
    use_cache: bool = True
    cache_path: str | None = None
    bootstrap_iters: int = 1000
    judge: str | None = None
    judge_args: dict[str, Any] = Field(default_factory=dict)
    judge_base_url: str | None = None
    task_options: dict[str, Any] = Field(default_factory=dict)  # read by task hooks, e.g. synth_count=600
    show_progress: bool = True

    @field_validator("limit")
    @classmethod
    def _positive_limit(cls, v: int | None) -> int | None:
        if v is not None and v <= 0:
            raise ValueError("--limit must be a positive number of samples")
        return v

    def public_dict(self) -> dict[str, Any]:
        """The config as recorded on disk: secrets removed."""
        d = self.model_dump()
        for key in ("model_args", "judge_args"):
            d[key] = {k: ("***" if _is_secret(k) else v) for k, v in d[key].items()}
        for key in ("base_url", "judge_base_url"):  # recorded without user:password@ or secret query parameters
            d[key] = public_url(d.get(key))
        return d


def _is_secret(key: str) -> bool:
    k = key.lower()
    return any(s in k for s in ("key", "token", "secret", "password"))


def parse_kv_args(text: str | None, flag: str = "--model-args") -> dict[str, Any]:
    """Parse `k=v,k2=v2` with YAML scalars (so 1 -> int, true -> bool)."""
    out: dict[str, Any] = {}
    if not text:
        return out
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        if "=" not in item:
            raise ConfigError(f"{flag} item {item!r} is not key=value (example: {flag} a=1,b=text)")
        k, v = item.split("=", 1)
        out[k.strip()] = yaml.safe_load(v) if v.strip() else ""
    return out
