"""Checks run before the first model call (and before a model is loaded), so that bad input fails in a second
with a one-line error (exit 2) instead of after the evaluation. The output folder and the cache file are checked
where they are opened (`RunWriter.open`, `ResponseCache`), also before any model call."""

from __future__ import annotations

import difflib
import os
import re
from typing import TYPE_CHECKING, Iterable
from urllib.parse import urlsplit

from eval_anything.config import ConfigError

if TYPE_CHECKING:
    from eval_anything.config import RunConfig
    from eval_anything.tasks import Task

RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
MC_METRICS = ("acc", "acc_norm")
NEEDS_NAME = frozenset({"hf", "openai", "vllm", "rm"})  # built-in prefixes that take a name or path (plugins decide)  # what scoring.score_multiple_choice reports


def check_run(config: "RunConfig", tasks: Iterable["Task"], check_model: bool = True) -> None:
    if config.run_id is not None and not RUN_ID.match(config.run_id):
        raise ConfigError(f"--run-id {config.run_id!r} must be a plain name: letters, digits, '.', '_', '-' "
                          "(starting with a letter or digit, at most 200 characters)")
    check_url("--base-url", config.base_url)
    check_url("--model-args base_url", config.model_args.get("base_url"))
    check_url("--judge-base-url", config.judge_base_url)
    check_url("--judge-args base_url", config.judge_args.get("base_url"))
    uses_env_url = (config.model.startswith("openai:") and not config.base_url) or (
        (config.judge or "").startswith("openai:") and not config.judge_base_url)
    if uses_env_url:
        check_url("OPENAI_BASE_URL", os.environ.get("OPENAI_BASE_URL") or None)
    if check_model:
        check_model_spec("--model", config.model)
    if config.judge is not None:
        check_model_spec("--judge", config.judge)
    for task in tasks:
        check_task_scoring(task)


def _shown(url: str) -> str:
    """The URL as safe to print: without user:password@ or a query (either may carry a credential)."""
    parts = url.split("?", 1)[0]
    return re.sub(r"//[^/@]*@", "//***@", parts)


def check_url(flag: str, url: object) -> None:
    if url is None:
        return
    text = str(url)
    problem = None
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as e:
        problem = str(e)
    else:
        if any(c.isspace() for c in text):
            problem = "it contains whitespace"
        elif parts.scheme not in ("http", "https"):
            problem = "it must start with http:// or https://"
        elif not parts.hostname:
            problem = "it names no host"
    if problem:
        raise ConfigError(f"{flag} {_shown(text)!r} is not a valid URL: {problem} "
                          "(e.g. http://127.0.0.1:8000/v1)")


def check_model_spec(flag: str, spec: str) -> None:
    from eval_anything.registry import model_prefixes

    prefixes = model_prefixes()
    prefix, sep, rest = spec.partition(":")
    if spec == "default" or prefix == "default":
        return
    if prefix not in prefixes:
        raise ConfigError(f"{flag} {spec!r}: unknown model spec. Use one of: "
                          + ", ".join(f"{p}:..." for p in sorted(prefixes) if p != "default")
                          + " (or 'default' for the built-in tiny model).")
    if prefix in NEEDS_NAME and not rest.strip():
        raise ConfigError(f"{flag} {spec!r}: nothing after '{prefix}:' (e.g. {prefix}:NAME_OR_PATH)")


def _unknown(kind: str, name: str, known: Iterable[str], where: str) -> ConfigError:
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return ConfigError(f"{where}: unknown {kind} {name!r}{hint}; known: {', '.join(known)}")


def check_task_scoring(task: "Task") -> None:
    """Metric and extractor names of a task scored by the built-in scorer (no score hook, no judge)."""
    from eval_anything.registry import EXTRACTORS, METRICS
    import eval_anything.scoring  # noqa: F401 - registers the built-in metrics and extractors

    spec = task.spec
    if task.hook("score") or task.hook("score_batch") or spec.judge is not None:
        return  # the hook or the judge defines the metrics
    where = f"{task.entry.yaml_path}: metric"
    m = spec.metric
    if m.extractor is not None and m.extractor not in EXTRACTORS:
        raise _unknown("extractor", m.extractor, EXTRACTORS, where)
    known = MC_METRICS if spec.kind == "multiple_choice" else tuple(METRICS)
    for name in task.metric_names:
        if name not in known:
            raise _unknown(f"{spec.kind} metric", name, known, where)
