"""Terminal output: the end-of-run summary table and the task list."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from eval_anything.runner import RunResult


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.4f}"


def _console() -> Console:
    # Wide enough that names are never cut when output goes to a file or a pipe.
    return Console(width=None if sys.stdout.isatty() else 160)


def print_summary(result: "RunResult", console: Console | None = None) -> None:
    console = console or _console()
    res = result.results
    table = Table(title=f"{res['model']['name']}  ({res['run_id']})")
    for col in ("task", "metric", "value", "range", "0-1", "± stderr", "95% CI", "n", "errors", "note"):
        table.add_column(col, justify="right" if col in ("value", "0-1", "± stderr", "n", "errors") else "left")
    for name, t in sorted(res["tasks"].items()):
        if t["skipped"]:
            table.add_row(name, "-", "-", "-", "-", "-", "-", "0", "0", f"skipped: {t['skipped']}")
            continue
        m = t["metrics"].get(t["primary_metric"], {})
        ci = m.get("ci95")
        scale = t.get("scale") or {}
        rng = scale.get("range")
        table.add_row(name, t["primary_metric"], _fmt(m.get("value")), f"{rng[0]:g}-{rng[1]:g}" if rng else "?",
                      _fmt(scale.get("normalised")), _fmt(m.get("stderr")),
                      f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "-", str(t["n"]), str(t["n_errors"]),
                      scale.get("problem") or "")
    for g, info in sorted(res["groups"].items()):
        ci = info.get("ci95")
        coverage = info.get("coverage") or f"{info.get('n_tasks', 0)} tasks"
        note = f"[yellow]partial: {coverage} tasks scored, not ranked[/]" if info.get("partial") else ""
        table.add_row(f"[bold]{g}[/] (group)", "macro 0-1", _fmt(info.get("value")), "0-1", _fmt(info.get("value")),
                      _fmt(info.get("stderr")), f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "-",
                      f"{coverage} tasks", "", note)
    console.print(table)
    if res["groups"]:
        console.print("groups average each task's primary metric mapped onto 0-1 by its declared range")
    timing = result.run_info["timing"]
    console.print(f"requests: {timing['requests']} ({timing['cache_hits']} from cache), "
                  f"wall time {timing['wall_s']:.1f}s; run directory: {result.run_dir}")
    if result.status is not None:  # the exit code and why (eval_anything/exitcodes.py)
        style = "green" if result.status.code == 0 else "bold red"
        console.print(f"[{style}]exit {result.status.code}:[/] {result.status.reason}", highlight=False)


def print_task_table(task_paths: Iterable[str], data_dir: Path | None, console: Console | None = None) -> None:
    from eval_anything.registry import TaskRegistry
    from eval_anything.tasks import Task

    console = console or _console()
    registry = TaskRegistry(task_paths)
    table = Table(title=f"{len(registry.tasks)} tasks")
    from eval_anything.scales import declared_range

    for col in ("task", "groups", "input", "output", "request", "metric", "range", "samples", "offline data",
                "version"):
        table.add_column(col)
    for name, entry in sorted(registry.tasks.items()):
        spec = entry.spec
        count, offline = data_status(Task(entry), data_dir)
        rng = declared_range(spec.metric)
        table.add_row(name, ",".join(spec.groups), ",".join(spec.modalities.input), ",".join(spec.modalities.output),
                      spec.request_kind, spec.metric.primary, f"{rng[0]:g}-{rng[1]:g}" if rng else "undeclared",
                      count, offline, str(spec.version))
    console.print(table)


def data_status(task, data_dir: Path | None) -> tuple[str, str]:
    """(sample count, offline availability) without loading models or generating data."""
    spec = task.spec
    if task.hook("load_rows"):
        n = spec.options.get("n_items") or spec.options.get("count")
        return (str(n) if n else "generated"), "yes (generated)"
    files = spec.dataset.data_files
    if files is None:
        return "?", "no"
    if isinstance(files, dict):
        files = files.get(spec.dataset.split)
    files = [files] if isinstance(files, str) else list(files or [])
    base = Path(data_dir) / task.name if data_dir and (Path(data_dir) / task.name).is_dir() else task.entry.directory
    paths = [base / f for f in files]
    if not paths or not all(p.exists() for p in paths):
        return "?", "no (use --use-hub or --data-dir)"
    if all(p.suffix == ".jsonl" for p in paths):
        n = sum(sum(1 for line in p.open(encoding="utf-8") if line.strip()) for p in paths)
        return str(n), "yes"
    return "?", "yes"
