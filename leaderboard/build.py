"""build_site: run directories -> a static site (summarise, process samples, render, then swap into place)."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from leaderboard.compare import compare_models
from leaderboard.discover import load_runs, safe_name
from leaderboard.media import MediaStore
from leaderboard.render import Site
from leaderboard.samples import TaskSamples, process_task
from leaderboard.siteio import write_site_text
from leaderboard.summarise import summarise

log = logging.getLogger("leaderboard")

# Marks a directory as a site this module built, so a rebuild may replace it and nothing else.
MARKER = ".eval-anything-leaderboard"
WORKERS = 4


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
    tmp = out.parent / f".{out.name}.building"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        _build_into(tmp, runs, all_runs)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _swap(tmp, out)
    log.info("leaderboard: %d runs -> %s", len(runs), out)
    return out


def _build_into(tmp: Path, runs: list, all_runs: bool) -> None:
    clock = _Clock()
    summary = summarise(runs)
    clock.lap("summarise")
    jobs = [(src, run.path, run.key, task, run.tasks[task].get("primary_metric"), tmp / "runs" / run.key / "data",
             _slug(summary, task), run.media_roots(task), tmp)
            for run in runs for task in sorted(run.tasks) if (src := run.sample_file(task)) is not None]
    infos = dict(zip(((j[2], j[3]) for j in jobs), _process_samples(jobs)))
    clock.lap(f"samples ({len(jobs)} files)")
    sample_pages: dict[str, dict[str, str]] = {}
    for (run_key, task) in sorted(infos):
        sample_pages.setdefault(run_key, {})[task] = f"{_slug(summary, task)}.html"

    site = Site(tmp, summary, "runs" if all_runs else "latest")
    site.assets()
    site.overview(sample_pages)
    for col in summary["columns"]:
        if col["kind"] == "group":
            site.group(col, sample_pages)
    for run in runs:
        bad = {t: infos[(run.key, t)].bad_lines for t in run.tasks if (run.key, t) in infos}
        site.run_page(run, sample_pages.get(run.key, {}), bad)
        for task in sorted(run.tasks):
            if (run.key, task) in infos:
                site.samples_page(run, task, infos[(run.key, task)], _slug(summary, task))
    clock.lap("pages")
    comparison = compare_models(summary, {k: v.values for k, v in infos.items()})
    (tmp / "data").mkdir(exist_ok=True)
    write_site_text(tmp / "data" / "compare.js",
                    "EA.compare(" + json.dumps(comparison, sort_keys=True, separators=(",", ":")) + ");\n", "ascii")
    site.compare()
    clock.lap("paired tests")
    # The summary as plain JSON too, for anyone who wants the numbers without the pages.
    write_site_text(tmp / "data" / "summary.json", json.dumps(summary, sort_keys=True, indent=1) + "\n")
    (tmp / MARKER).write_text("built by eval-anything leaderboard\n", encoding="utf-8")


class _Clock:
    """Phase timings at debug level (perf/leaderboard_build.py prints them); never written into the site."""

    def __init__(self) -> None:
        self.t = time.perf_counter()

    def lap(self, what: str) -> None:
        now = time.perf_counter()
        log.debug("leaderboard build: %-24s %.2f s", what, now - self.t)
        self.t = now


def _process_job(job: tuple) -> TaskSamples:
    *args, roots, site = job
    return process_task(*args, store=MediaStore(site, roots), media_prefix="../../")


def _process_samples(jobs: list[tuple]) -> list[TaskSamples]:
    """Sample files are independent: spread them over processes when there are many (results keep job order)."""
    workers = min(WORKERS, os.cpu_count() or 1)
    if workers < 2 or len(jobs) < 16:
        return [_process_job(j) for j in jobs]
    # spawn, not fork: the caller may hold threads (a browser driver, a web server) that fork would copy badly.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(_process_job, jobs, chunksize=4))


def _slug(summary: dict, task: str) -> str:
    """The task's file name: its column's slug (tasks skipped everywhere have no column, yet may have samples)."""
    return next((c["slug"] for c in summary["columns"] if c["kind"] == "task" and c["name"] == task), safe_name(task))


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
