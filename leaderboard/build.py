"""build_site: run directories -> a static site (summarise, process samples, render, then swap into place)."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

from leaderboard.compare import compare_models
from leaderboard.discover import load_runs
from leaderboard.media import MediaStore
from leaderboard.render import Site
from leaderboard.samples import TaskSamples, process_task
from leaderboard.summarise import summarise

log = logging.getLogger("leaderboard")

# Marks a directory as a site this module built, so a rebuild may replace it and nothing else.
MARKER = ".eval-anything-leaderboard"


def build_site(paths: list[Path], out: Path, all_runs: bool = False) -> Path:
    """Build the site for every run directory under `paths` into `out`; returns `out`.

    `all_runs` makes "one row per run" the view the overview opens with (both views are always in the site).
    The same inputs always give byte-identical files.
    """
    paths = [Path(p) for p in paths]
    out = Path(out).resolve()
    runs = load_runs(paths)
    if not runs:
        raise ValueError(f"no run directories (run.json + results.json) under: {', '.join(map(str, paths))}")
    _check_replaceable(out)
    summary = summarise(runs)
    tmp = out.parent / f".{out.name}.building"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)

    store = MediaStore(tmp)
    infos: dict[tuple[str, str], TaskSamples] = {}
    for run in runs:
        for task in sorted(run.tasks):
            src = run.sample_file(task)
            if src is None:
                continue
            primary = run.tasks[task].get("primary_metric")
            infos[(run.key, task)] = process_task(src, run.path, run.key, task, primary, tmp / "runs" / run.key / "data",
                                                  _slug(summary, task), store, media_prefix="../../")
    sample_pages: dict[str, dict[str, str]] = {}
    for (run_key, task) in sorted(infos):
        sample_pages.setdefault(run_key, {})[task] = f"{_slug(summary, task)}.html"

    site = Site(tmp, summary, "runs" if all_runs else "latest")
    site.assets()
    site.overview(sample_pages)
    for col in summary["columns"]:
        if col["kind"] == "group":
            site.group(col)
    for run in runs:
        bad = {t: infos[(run.key, t)].bad_lines for t in run.tasks if (run.key, t) in infos}
        site.run_page(run, sample_pages.get(run.key, {}), bad)
        for task in sorted(run.tasks):
            if (run.key, task) in infos:
                site.samples_page(run, task, infos[(run.key, task)], _slug(summary, task))
    comparison = compare_models(summary, {k: v.values for k, v in infos.items()})
    (tmp / "data").mkdir(exist_ok=True)
    (tmp / "data" / "compare.js").write_text(
        "EA.compare(" + json.dumps(comparison, sort_keys=True, separators=(",", ":")) + ");\n", encoding="ascii")
    site.compare()
    (tmp / "data" / "summary.json").write_text(
        json.dumps(summary, sort_keys=True, indent=1) + "\n", encoding="utf-8")
    (tmp / MARKER).write_text("built by eval-anything leaderboard\n", encoding="utf-8")
    _swap(tmp, out)
    log.info("leaderboard: %d runs -> %s", len(runs), out)
    return out


def _slug(summary: dict, task: str) -> str:
    for c in summary["columns"]:
        if c["kind"] == "task" and c["name"] == task:
            return c["slug"]
    from leaderboard.discover import safe_name

    return safe_name(task)


def _check_replaceable(out: Path) -> None:
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise FileExistsError(f"{out} exists and is not a site built by this tool; refusing to replace it")


def _swap(tmp: Path, out: Path) -> None:
    """Put the new site in place; a failed build never leaves a half-written `out`."""
    old = out.parent / f".{out.name}.old"
    if old.exists():
        shutil.rmtree(old)
    if out.exists():
        os.replace(out, old)
    os.replace(tmp, out)
    if old.exists():
        shutil.rmtree(old)
