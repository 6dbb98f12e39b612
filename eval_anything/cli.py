"""`eval-anything` command line. Heavy libraries are imported inside commands so `--help` stays fast."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Evaluate all-modality models (text, image, audio, video) on registered tasks.\n\n"
    "Quick start: `eval-anything run --task all` (built-in tiny model, a pipeline check), "
    "`eval-anything run --model hf:PATH --task mmlu_mini,gsm8k_mini --limit 50`.",
)


def _fail(message: str, code: int = 2) -> None:
    from rich.console import Console

    from eval_anything.scrub import scrub_text

    # soft_wrap: one line however wide the terminal (tests and scripts grep it).
    Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {scrub_text(message)}", highlight=False)
    raise typer.Exit(code)


@app.command()
def run(
    ctx: typer.Context,
    model: str = typer.Option("default", "--model", "-m", help="hf:PATH_OR_ID, openai:MODEL, vllm:PATH_OR_ID, or "
                              "'default' (a tiny model built locally on first use; its scores are a pipeline check)."),
    task: List[str] = typer.Option(["all"], "--task", "-t", help="Task names, groups (text, image, audio, video, "
                                   "cross-modal, amu, amg, all_modality, ...) or 'all'; comma-separated or repeated."),
    model_args: str = typer.Option("", help="Adapter settings as k=v,k2=v2 (e.g. dtype=bfloat16,chat_template=never)."),
    task_path: List[Path] = typer.Option([], help="Extra folder of task.yaml files (repeatable)."),
    limit: Optional[int] = typer.Option(None, help="Evaluate only the first N samples of each task."),
    num_fewshot: Optional[int] = typer.Option(None, help="Override every task's few-shot count."),
    batch_size: str = typer.Option("auto", help="Local-model batch size: a number or 'auto' (16 on CPU, 32 on GPU)."),
    seed: int = typer.Option(1234, help="Seed for sampling, few-shot selection and bootstrap CIs."),
    output: Path = typer.Option(Path("runs"), "--output", "-o", help="Where run directories are written."),
    run_id: Optional[str] = typer.Option(None, help="Run directory name (default: UTC time + config hash)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write the response cache."),
    cache_path: Optional[Path] = typer.Option(None, help="SQLite cache file (default ~/.cache/eval-anything/cache.sqlite)."),
    data_dir: Optional[Path] = typer.Option(None, help="Folder with local data copies: DATA_DIR/<task>/<data_files>."),
    use_hub: bool = typer.Option(False, help="Load the real data sets through datasets.load_dataset (needs network)."),
    base_url: Optional[str] = typer.Option(None, help="Base URL of an OpenAI-compatible server (openai: models)."),
    api_key: Optional[str] = typer.Option(None, help="API key (default: $OPENAI_API_KEY). Never written to disk."),
    concurrency: int = typer.Option(8, help="API calls in flight at once (openai: models)."),
    judge: Optional[str] = typer.Option(None, help="Model that judges judge-scored tasks (any model spec)."),
    judge_args: str = typer.Option("", help="Judge adapter settings as k=v,..."),
    judge_base_url: Optional[str] = typer.Option(None, help="Base URL for an openai: judge."),
    task_option: str = typer.Option("", help="Settings read by task hooks as k=v,... (e.g. synth_count=600)."),
    bootstrap_iters: int = typer.Option(1000, help="Bootstrap resamples for 95% CIs (0 disables)."),
    config: Optional[Path] = typer.Option(None, help="YAML file of run settings (same names as these options); "
                                          "command-line options override it."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress bars."),
) -> None:
    """Evaluate a model on tasks and write a run directory (run.json, results.json, samples/, media/).

    Exit codes: 0 every task that could run was scored; 1 a task failed entirely (every sample errored) or the
    run stopped early after repeated identical 401/403/404 or connection-refused errors; 2 invalid input (checked
    before the first model call); 3 every task was skipped; 130 interrupted.
    """
    from eval_anything.config import ConfigError, RunConfig, format_validation_error, load_yaml_file, parse_kv_args
    from eval_anything.failfast import RunAborted
    from pydantic import ValidationError

    try:
        settings: dict = {}
        if config is not None:
            loaded = load_yaml_file(config)
            if not isinstance(loaded, dict):
                raise ConfigError(f"{config} must be a YAML mapping of run settings")
            settings.update(loaded)
        cli_values = {
            "model": model, "tasks": task, "model_args": parse_kv_args(model_args),
            "task_paths": [str(p) for p in task_path], "limit": limit, "num_fewshot": num_fewshot,
            "batch_size": batch_size if batch_size == "auto" else _int(batch_size, "--batch-size"),
            "seed": seed, "output": str(output), "run_id": run_id, "use_cache": not no_cache,
            "cache_path": str(cache_path) if cache_path else None, "data_dir": str(data_dir) if data_dir else None,
            "use_hub": use_hub, "base_url": base_url, "concurrency": concurrency, "judge": judge,
            "judge_args": parse_kv_args(judge_args, "--judge-args"), "judge_base_url": judge_base_url,
            "bootstrap_iters": bootstrap_iters, "show_progress": progress,
            "task_options": parse_kv_args(task_option, "--task-option"),
        }
        for key, value in cli_values.items():
            # A YAML value stands unless the option was given on the command line.
            if key not in settings or _given(ctx, key):
                settings[key] = value
        try:
            run_config = RunConfig(**settings)
        except ValidationError as e:
            raise ConfigError(format_validation_error(e, str(config) if config else "command-line options")) from None
        if api_key:
            os.environ["OPENAI_API_KEY"] = api_key  # in-process only; never recorded
        from eval_anything.runner import run as run_eval

        result = run_eval(run_config)
    except ConfigError as e:
        _fail(str(e))
        return
    except RunAborted as e:
        _fail(str(e), code=1)
        return
    from eval_anything.distributed import current as data_parallel
    from eval_anything.summary import print_summary

    if data_parallel().is_writer:  # one summary per data-parallel run
        print_summary(result)
    if result.status is not None and result.status.code != 0:
        raise typer.Exit(result.status.code)  # the codes are listed in `eval-anything run --help`


_OPTION_OF = {"tasks": "task", "task_paths": "task_path", "task_options": "task_option", "use_cache": "no_cache", "show_progress": "progress"}


def _given(ctx: typer.Context, key: str) -> bool:
    source = ctx.get_parameter_source(_OPTION_OF.get(key, key))
    return source is not None and getattr(source, "name", str(source)) not in ("DEFAULT",)


def _int(text: str, flag: str) -> int:
    try:
        return int(text)
    except ValueError:
        _fail(f"{flag} takes a whole number or 'auto', not {text!r}")
        raise


@app.command()
def tasks(
    task_path: List[Path] = typer.Option([], help="Extra folder of task.yaml files (repeatable)."),
    data_dir: Optional[Path] = typer.Option(None, help="Folder with local data copies (checked for availability)."),
) -> None:
    """List every registered task: modalities, request kind, metric, samples, offline availability, version."""
    from eval_anything.config import ConfigError
    from eval_anything.summary import print_task_table

    try:
        print_task_table([str(p) for p in task_path], data_dir)
    except ConfigError as e:
        _fail(str(e))


@app.command()
def rescore(
    run_dir: Path = typer.Argument(..., help="A finished run directory."),
    judge: str = typer.Option(..., help="Judge model spec."),
    judge_args: str = typer.Option("", help="Judge adapter settings as k=v,..."),
    judge_base_url: Optional[str] = typer.Option(None, help="Base URL for an openai: judge."),
    template: Optional[str] = typer.Option(None, help="Judge prompt template name or file."),
    output: Optional[Path] = typer.Option(None, help="Where the new run directory goes (default: beside RUN_DIR)."),
) -> None:
    """Re-judge a finished run's saved responses with another judge, without calling the evaluated model."""
    from eval_anything.config import ConfigError, parse_kv_args

    try:
        from eval_anything.rescore import rescore as do_rescore

        new_dir = do_rescore(run_dir, judge, parse_kv_args(judge_args), judge_base_url, output, template)
    except (ConfigError, FileNotFoundError) as e:
        _fail(str(e))
        return
    typer.echo(f"rescored run written to {new_dir}")


@app.command("judge-agreement")
def judge_agreement(
    judge: str = typer.Option(..., help="Judge model spec."),
    judge_args: str = typer.Option("", help="Judge adapter settings as k=v,..."),
    judge_base_url: Optional[str] = typer.Option(None, help="Base URL for an openai: judge."),
    data: Optional[Path] = typer.Option(None, help="Human-labelled JSONL (default: the shipped set)."),
) -> None:
    """Measure a judge against human labels before trusting it."""
    import json

    from eval_anything.config import ConfigError, parse_kv_args

    try:
        from judges.agreement import judge_agreement as run_agreement

        report = run_agreement(judge, parse_kv_args(judge_args), judge_base_url, data)
    except (ConfigError, FileNotFoundError) as e:
        _fail(str(e))
        return
    typer.echo(json.dumps(report, indent=2, sort_keys=True))


@app.command()
def leaderboard(
    paths: List[Path] = typer.Argument(..., help="Run directories, or folders holding them."),
    out: Path = typer.Option(Path("site"), "--out", help="Where the static site is written."),
    all_runs: bool = typer.Option(False, help="Keep every run, not only the latest per model and task."),
) -> None:
    """Build a static HTML leaderboard from run directories (opens from disk, no server needed)."""
    from leaderboard.build import build_site

    try:
        site = build_site(list(paths), out, all_runs=all_runs)
    except (FileExistsError, FileNotFoundError, ValueError) as e:
        _fail(str(e))
        return
    typer.echo(f"leaderboard written to {Path(site) / 'index.html'} (open it from disk)")


def main() -> None:
    from eval_anything.scrub import install_log_scrubbing

    install_log_scrubbing()
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: finished requests are in the cache; run the same command again to resume\n")
        sys.exit(130)


if __name__ == "__main__":
    main()
