"""A Task turns a TaskSpec (+ optional hooks.py) into samples, requests and scores.

Hooks a task's `hooks.py` may define (all optional, module-level functions):
    load_rows(task, ctx) -> list[dict]                      replace data loading (procedural data, custom files)
    doc_to_sample(task, row, index, ctx) -> Sample           replace sample building (e.g. attach media parts)
    build_requests(task, sample, fewshot_rows) -> list[Request]
    score(task, sample, responses) -> Score                  per-sample scoring
    score_batch(task, samples, responses, ctx) -> list[Score]  batch scoring, e.g. through a judge
    aggregate(task, samples, scores) -> dict[str, float]     extra task-level numbers (e.g. S_AMG)
"""

from __future__ import annotations

import hashlib
import importlib.util
import random
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any, Sequence

from eval_anything.config import ConfigError, TaskSpec
from eval_anything.registry import TaskEntry
from eval_anything.types import GenerationSettings, Message, Request, Response, Sample, Score, canonical_json


@dataclass
class TaskContext:
    """Run-wide settings a task needs while loading and scoring."""

    data_dir: Path | None = None
    cache_dir: Path = field(default_factory=lambda: Path.home() / ".cache" / "eval-anything")
    use_hub: bool = False
    seed: int = 1234
    num_fewshot: int | None = None
    limit: int | None = None
    judge_adapter: Any = None  # ModelAdapter serving as judge (from --judge), or None
    judge_spec: str | None = None  # the --judge string, recorded in judge records
    scheduler: Any = None  # eval_anything.scheduler.Scheduler: judge calls go through it (cached, batched)
    run_dir: Path | None = None  # the run directory being written (for media the model produced)
    options: dict[str, Any] = field(default_factory=dict)


class MissingTarget(ValueError):
    """A record has no value for the task's target field."""


def jinja2_undefined() -> type[Exception]:
    import jinja2

    return jinja2.UndefinedError


def _jinja_env():
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    # Prompts are plain text, not HTML: no autoescape here (the leaderboard escapes on output). Sandboxed: a task
    # file's template cannot reach Python internals (code belongs in hooks.py, where it is visible as code).
    return SandboxedEnvironment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)


class Task:
    def __init__(self, entry: TaskEntry) -> None:
        self.entry = entry
        self.spec: TaskSpec = entry.spec
        self.name = self.spec.name
        self.hooks: ModuleType | None = self._load_hooks(entry.hooks_path)
        env = _jinja_env()
        try:
            self._template = env.from_string(self.spec.prompt.template)
            self._system = env.from_string(self.spec.prompt.system) if self.spec.prompt.system else None
            self._answer = env.from_string(self.spec.prompt.answer_template) if self.spec.prompt.answer_template else None
            self._choices = env.compile_expression(self.spec.prompt.choices) if self.spec.prompt.choices else None
            self._target = env.compile_expression(self.spec.prompt.target)
        except Exception as e:  # jinja2.TemplateSyntaxError and friends
            raise ConfigError(f"{entry.yaml_path}: bad prompt template: {e}") from None

    # ----- identity -------------------------------------------------------------------------------------------
    @cached_property
    def prompt_hash(self) -> str:
        """Hash of everything that shapes prompts: the spec and the hooks' source."""
        h = hashlib.sha256(canonical_json(self.spec.model_dump()).encode())
        for path in self.code_files():
            h.update(path.name.encode())
            h.update(path.read_bytes())
        return h.hexdigest()

    def code_files(self) -> list[Path]:
        """Python files that can shape prompts or scores: every .py in the task's folder (hooks.py and what it
        loads, e.g. benchmarks/synth/generators.py). Tasks sharing code share a folder (`*.task.yaml`)."""
        return sorted(self.entry.directory.glob("*.py"))

    @property
    def version_key(self) -> str:
        return f"{self.name}@v{self.spec.version}:{self.prompt_hash[:16]}"

    @staticmethod
    def _load_hooks(path: Path | None) -> ModuleType | None:
        if path is None:
            return None
        mod_name = f"eval_anything_hooks_{path.parent.name}_{hashlib.sha1(str(path).encode()).hexdigest()[:8]}"
        spec = importlib.util.spec_from_file_location(mod_name, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def hook(self, name: str):
        return getattr(self.hooks, name, None) if self.hooks else None

    # ----- data -----------------------------------------------------------------------------------------------
    def _data_files(self, ctx: TaskContext, files: Any) -> Any:
        base = self.entry.directory
        if ctx.data_dir is not None and (Path(ctx.data_dir) / self.name).is_dir():
            base = Path(ctx.data_dir) / self.name

        def resolve(f: str) -> str:
            p = (base / f).resolve()
            if not p.exists():
                raise ConfigError(
                    f"task '{self.name}': data file {p} not found. Put the file there, point --data-dir at a folder "
                    f"holding {self.name}/{f}, or run with --use-hub to load {self.spec.dataset.hub_path or 'the hub copy'}."
                )
            return str(p)

        if isinstance(files, str):
            return resolve(files)
        if isinstance(files, list):
            return [resolve(f) for f in files]
        return {k: resolve(v) if isinstance(v, str) else [resolve(x) for x in v] for k, v in files.items()}

    def load_split(self, split: str, ctx: TaskContext) -> list[dict]:
        ds = self.spec.dataset
        if ctx.use_hub and ds.hub_path:
            from datasets import load_dataset

            try:
                return [dict(r) for r in load_dataset(ds.hub_path, ds.hub_name, split=split)]
            except Exception as e:  # network down, gated set, unknown split
                raise ConfigError(
                    f"task '{self.name}': could not load {ds.hub_path} ({ds.hub_name}) split '{split}' from the hub "
                    f"({type(e).__name__}: {e}). Drop --use-hub to use the shipped sample, or --data-dir for local "
                    "copies."
                ) from None
        if ds.data_files is None:
            raise ConfigError(f"task '{self.name}' has no data_files and no load_rows hook")
        files = self._data_files(ctx, ds.data_files)
        if not isinstance(files, dict):
            files = {ds.split: files}
        if split not in files:
            raise ConfigError(f"task '{self.name}': split '{split}' not in data_files ({', '.join(files)})")
        return _load_rows(ds.path, files, split, self.name)

    def rows(self, ctx: TaskContext) -> list[dict]:
        hook = self.hook("load_rows")
        rows = hook(self, ctx) if hook else self.load_split(self.spec.dataset.split, ctx)
        return rows[: ctx.limit] if ctx.limit else rows

    def fewshot_rows(self, ctx: TaskContext) -> list[dict]:
        n = self.num_fewshot(ctx)
        if n == 0:
            return []
        split = self.spec.fewshot.split or self.spec.dataset.fewshot_split
        if split is None:
            raise ConfigError(f"task '{self.name}' asks for {n} few-shot examples but names no fewshot split")
        pool = self.load_split(split, ctx)
        if len(pool) < n:
            raise ConfigError(f"task '{self.name}': {n} few-shot examples asked, split '{split}' has {len(pool)}")
        return pool

    def num_fewshot(self, ctx: TaskContext) -> int:
        return self.spec.fewshot.n if ctx.num_fewshot is None else ctx.num_fewshot

    def samples(self, ctx: TaskContext) -> list[Sample]:
        hook = self.hook("doc_to_sample")
        out = []
        for i, row in enumerate(self.rows(ctx)):
            try:
                out.append(hook(self, row, i, ctx) if hook else self.doc_to_sample(row, i))
            except ConfigError:
                raise
            except Exception as e:  # records are numbered from 1, like the lines of a JSONL file
                raise ConfigError(f"task '{self.name}': {self._source(ctx)} record {i + 1} could not be read "
                                  f"({type(e).__name__}: {e})") from e
        return out

    def _source(self, ctx: TaskContext) -> str:
        """Where the rows come from, for error messages."""
        ds = self.spec.dataset
        if self.hook("load_rows"):
            return f"rows of {self.entry.hooks_path} load_rows"
        if ctx.use_hub and ds.hub_path:
            return f"hub data set {ds.hub_path}"
        try:
            files = self._data_files(ctx, ds.data_files) if ds.data_files is not None else None
        except ConfigError:
            files = None
        if isinstance(files, dict):
            files = files.get(ds.split)
        return str(files if isinstance(files, str) else self.entry.yaml_path)

    # ----- prompts --------------------------------------------------------------------------------------------
    def render_question(self, row: dict) -> str:
        return self._template.render(**row)

    def row_choices(self, row: dict) -> list[str] | None:
        if self._choices is None:
            return None
        return [str(c) for c in self._choices(**row)]

    def row_target(self, row: dict) -> Any:
        return self._target(**row)

    def _required_target(self, row: dict) -> Any:
        expr, where = self.spec.prompt.target, f"prompt.target `{self.spec.prompt.target}` in {self.entry.yaml_path}"
        missing = [name for name in self._target_fields if row.get(name) is None]
        if missing:
            raise MissingTarget(f"no target: field {', '.join(repr(m) for m in missing)} is missing or null ({where})")
        try:
            target = self.row_target(row)
        except jinja2_undefined() as e:
            raise MissingTarget(f"no target: {e} ({where})") from None
        if target is None:
            raise MissingTarget(f"no target: `{expr}` gives nothing for this record ({where})")
        return target

    @cached_property
    def _target_fields(self) -> list[str]:
        """The row fields the target expression reads (e.g. `answer` in `answer.split('####')[-1]`)."""
        import jinja2.meta

        env = _jinja_env()
        return sorted(jinja2.meta.find_undeclared_variables(env.parse("{{ " + self.spec.prompt.target + " }}")))

    def answer_text(self, row: dict) -> str:
        if self._answer is not None:
            return self._answer.render(**row)
        choices = self.row_choices(row)
        target = self.row_target(row)
        return choices[int(target)] if choices is not None else str(target)

    def doc_to_sample(self, row: dict, index: int) -> Sample:
        choices = self.row_choices(row)
        target = self._required_target(row)
        if choices is not None:
            target = int(target)
            if not 0 <= target < len(choices):
                raise ValueError(f"target index {target} outside the {len(choices)} choices")
        sid = str(row.get("id", index))
        return Sample(
            id=sid,
            messages=(Message.user(self.render_question(row)),),
            target=target,
            choices=tuple(choices) if choices is not None else None,
            metadata={"row": row, "index": index},
        )

    def fewshot_for(self, sample: Sample, pool: list[dict], n: int) -> list[dict]:
        if n == 0:
            return []
        # Seeded per sample, so adding or removing other samples never changes this sample's prompt.
        rng = random.Random(f"{self.spec.fewshot.seed}:{sample.id}")
        candidates = [r for r in pool if str(r.get("id", "")) != sample.id or "id" not in r]
        return rng.sample(candidates, n)

    def build_requests(self, sample: Sample, fewshot: Sequence[dict], mc_by_generation: bool = False
                       ) -> list[Request]:
        if mc_by_generation:
            return [self.mc_generation_request(sample)]
        hook = self.hook("build_requests")
        if hook:
            return hook(self, sample, fewshot)
        p = self.spec.prompt
        question = sample.messages[-1].text if len(sample.messages) == 1 else None
        shots = [(self.render_question(r), self.answer_text(r)) for r in fewshot]
        system = self._system.render() if self._system else None
        # Chat form: few-shot pairs as turns. Raw form: lm-evaluation-harness style concatenation.
        msgs: list[Message] = [Message("system", (Message.user(system).parts[0],))] if system else []
        for q, a in shots:
            msgs += [Message.user(q), Message.assistant(a)]
        msgs += list(sample.messages)
        raw = None
        if question is not None:
            raw = "".join(f"{q}{p.target_delimiter}{a}{p.fewshot_delimiter}" for q, a in shots) + question
            if system:
                raw = system + p.fewshot_delimiter + raw
        common = dict(messages=tuple(msgs), context_text=raw, chat_template=p.chat_template,
                      task=self.name, sample_id=sample.id)
        if self.spec.kind == "multiple_choice":
            assert sample.choices is not None
            return [Request(kind="loglikelihood", continuation=p.target_delimiter + c, **common)
                    for c in sample.choices]
        g = self.spec.generation
        gen = GenerationSettings(g.max_new_tokens, g.temperature, g.top_p, tuple(g.stop))
        return [Request(kind="generate", generation=gen, output_modalities=tuple(self.spec.modalities.output),
                        **common)]

    def mc_generation_request(self, sample: Sample) -> Request:
        """Multiple choice for models without log-likelihoods (chat APIs): lettered options, answer by letter.
        Zero-shot; scored by `scoring.score_mc_by_generation`."""
        from eval_anything.models.request_building import multiple_choice_messages

        assert sample.choices is not None
        msgs = multiple_choice_messages(sample.messages, sample.choices)
        gen = GenerationSettings(max_new_tokens=int(self.spec.options.get("mc_max_new_tokens", 16)))
        return Request(kind="generate", messages=msgs, generation=gen, task=self.name, sample_id=sample.id)

    # ----- scoring --------------------------------------------------------------------------------------------
    def score_all(self, samples: list[Sample], responses: list[list[Response]], ctx: TaskContext) -> list[Score]:
        batch = self.hook("score_batch")
        if batch:
            return batch(self, samples, responses, ctx)
        return [self.score(s, r) for s, r in zip(samples, responses)]

    def score(self, sample: Sample, responses: list[Response]) -> Score:
        from eval_anything import scoring

        if sample.choices is not None and len(responses) == 1 and responses[0].logprob is None:
            return scoring.score_mc_by_generation(sample, responses[0], self.metric_names)
        hook = self.hook("score")
        if hook:
            return hook(self, sample, responses)
        errors = [r.error for r in responses if r.error]
        if errors:
            return Score(metrics={m: None for m in self.metric_names}, error=errors[0])
        if self.spec.kind == "multiple_choice":
            return scoring.score_multiple_choice(sample, responses, self.metric_names)
        return scoring.score_generation(sample, responses[0], self.spec.metric.extractor, self.metric_names)

    @property
    def metric_names(self) -> list[str]:
        m = self.spec.metric
        return [m.primary] + [x for x in m.metrics if x != m.primary]

    def aggregate_extra(self, samples: list[Sample], scores: list[Score]) -> dict[str, Any]:
        hook = self.hook("aggregate")
        return hook(self, samples, scores) if hook else {}


def _load_rows(builder: str, files: dict, split: str, task: str) -> list[dict]:
    """Load local files through `datasets`, with errors that name the file and record."""
    path = files[split]
    if builder == "json":
        # Validate line by line first: datasets' own JSON errors name neither the file nor the record.
        for f in [path] if isinstance(path, str) else path:
            _check_jsonl(f, task)
    from datasets import load_dataset

    try:
        ds = load_dataset(builder, data_files={split: path}, split=split)
    except Exception as e:
        raise ConfigError(f"task '{task}': could not load {path} with datasets ({type(e).__name__}: {e})") from None
    return [dict(r) for r in ds]


def _check_jsonl(path: str, task: str) -> None:
    import json

    if not path.endswith(".jsonl"):
        return
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise ConfigError(f"task '{task}': {path} record {lineno} is not valid JSON ({e.msg}); fix that line") from None
            if not isinstance(obj, dict):
                raise ConfigError(f"task '{task}': {path} record {lineno} is not a JSON object")
