"""Run directories -> one JSON-able summary of the leaderboard (columns, rows per view, rank ranges).

Two views: "latest" (one row per model; each task from the newest run of that model that scored it) and "runs"
(one row per run, exactly as its results.json says). Rendering reads only this summary.
"""

from __future__ import annotations

from typing import Any

from eval_anything.scales import DEFAULT_RANGES, combine
from leaderboard.discover import Run, safe_name
from leaderboard.stats import rank_ranges

# Column order for the groups the harness defines; any other group follows in name order.
GROUP_ORDER = ("text", "image", "audio", "video", "cross-modal", "amu", "amg", "all_modality")


def _num(x: Any) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def _int(x: Any) -> int:
    return int(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else 0


def _ci(x: Any) -> list[float] | None:
    if isinstance(x, (list, tuple)) and len(x) == 2 and all(_num(v) is not None for v in x):
        return [float(x[0]), float(x[1])]
    return None


def task_cell(run: Run, task: str) -> dict[str, Any] | None:
    """The primary-metric cell of one task in one run, or None when it was skipped or has no value."""
    t = run.tasks.get(task) or {}
    if t.get("skipped"):
        return None
    pm = t.get("primary_metric")
    m = (t.get("metrics") or {}).get(pm) if pm else None
    if not isinstance(m, dict) or _num(m.get("value")) is None:
        return None
    cell = {
        "v": float(m["value"]),
        "ci": _ci(m.get("ci95")),
        "se": _num(m.get("stderr")),
        "n": _int(t.get("n_scored") if t.get("n_scored") is not None else (m.get("n") or t.get("n"))),
        "err": _int(t.get("n_errors")),
        "run": run.key,
    }
    cell.update(_normalised(t, cell))
    return cell


def _normalised(t: dict[str, Any], cell: dict[str, Any]) -> dict[str, Any]:
    """The cell's value on [0, 1] (from results.json's `scale`; results without one: only built-in 0-1 metrics)."""
    scale = t.get("scale")
    if isinstance(scale, dict):
        nv = _num(scale.get("normalised"))
        return {"nv": nv, "nse": _num(scale.get("normalised_stderr")), "nci": _ci(scale.get("normalised_ci95"))}
    if DEFAULT_RANGES.get(str(t.get("primary_metric"))) == (0.0, 1.0) and t.get("higher_is_better", True) is not False:
        return {"nv": cell["v"], "nse": cell["se"], "nci": cell["ci"]}
    return {"nv": None, "nse": None, "nci": None}


def group_cell(run: Run, group: str) -> dict[str, Any] | None:
    """A stored group: ranked only when complete and normalised (results written before scales were declared
    carry no `normalisation` and are shown, unranked)."""
    g = (run.results.get("groups") or {}).get(group)
    if not isinstance(g, dict) or _num(g.get("value")) is None:
        return None
    members = [str(t) for t in g.get("tasks") or []]
    scored = [str(t) for t in g.get("tasks_scored") or []] if "tasks_scored" in g else None
    cell = {"v": float(g["value"]), "ci": _ci(g.get("ci95")), "se": _num(g.get("stderr")), "run": run.key,
            "tasks": members, "scored": scored}
    if "normalisation" not in g:
        cell["unranked"] = True
        cell["note"] = "older results: group not normalised to 0-1, not ranked"
    elif g.get("partial"):
        cell["partial"] = True
        cell["coverage"] = str(g.get("coverage") or f"{len(scored or [])} of {len(members)}")
        cell["note"] = f"partial: {cell['coverage']} tasks scored, not ranked"
    return cell


def _group_sort_key(name: str) -> tuple[int, str]:
    return (GROUP_ORDER.index(name), "") if name in GROUP_ORDER else (len(GROUP_ORDER), name)


def build_columns(runs: list[Run]) -> list[dict[str, Any]]:
    """Group columns (fixed order), then task columns ordered by their first group, then name."""
    groups: dict[str, set[str]] = {}
    tasks: dict[str, dict[str, Any]] = {}
    for r in runs:
        for g in r.results.get("groups") or {}:
            if group_cell(r, g):
                groups.setdefault(str(g), set()).update(group_cell(r, g)["tasks"])  # type: ignore[index]
        for name, t in r.tasks.items():
            info = tasks.setdefault(name, {"metric": None, "hib": True, "groups": set(), "versions": set()})
            if task_cell(r, name) is None:
                continue
            # The newest run decides the metric name and direction shown in the header.
            info["metric"] = t.get("primary_metric")
            info["hib"] = t.get("higher_is_better", True) is not False
            info["groups"].update(str(g) for g in t.get("groups") or [])
            info["versions"].add(str(t.get("version")))
    cols: list[dict[str, Any]] = []
    for g in sorted(groups, key=_group_sort_key):
        members = sorted(groups[g])
        # group values are normalised so that 1 is best, whatever their tasks' directions
        cols.append({"key": f"g:{g}", "kind": "group", "name": g, "hib": True, "tasks": members, "slug": safe_name(g)})
    for name in sorted(tasks, key=lambda n: (min((_group_sort_key(g) for g in tasks[n]["groups"]),
                                                 default=(99, "")), n)):
        info = tasks[name]
        if info["metric"] is None:
            continue  # skipped in every run: nothing to show
        cols.append({"key": f"t:{name}", "kind": "task", "name": name, "metric": info["metric"], "hib": info["hib"],
                     "groups": sorted(info["groups"], key=_group_sort_key), "versions": sorted(info["versions"]),
                     "slug": safe_name(name)})
    return cols


def _latest_row(model_runs: list[Run], columns: list[dict[str, Any]]) -> dict[str, Any]:
    """One model's row: each task from the newest run that scored it.

    A group covers every member task (over all the model's runs) that has a cell in the row. When all those cells
    come from one run whose stored group has exactly those members, that stored group is used; otherwise the group
    is recomputed from the cells with the contract's formula, so a group always agrees with the tasks beside it.
    """
    cells: dict[str, dict[str, Any]] = {}
    by_key = {r.key: r for r in model_runs}
    for col in columns:
        if col["kind"] == "task":
            for r in reversed(model_runs):
                c = task_cell(r, col["name"])
                if c:
                    cells[col["key"]] = c
                    break
    for col in columns:
        if col["kind"] != "group":
            continue
        stored = {r.key: c for r in model_runs if (c := group_cell(r, col["name"]))}
        if not stored:
            continue
        listed = {m for c in stored.values() for m in c["tasks"]}
        members = sorted(m for m in listed if f"t:{m}" in cells and cells[f"t:{m}"]["nv"] is not None)
        from_runs = {cells[f"t:{m}"]["run"] for m in members}
        if not members:  # the group's tasks have no usable cells: show it as stored
            source = stored[next(r.key for r in reversed(model_runs) if r.key in stored)]
        elif len(from_runs) == 1 and (run := from_runs.pop()) in stored and set(members) == set(
                stored[run]["scored"] if stored[run]["scored"] is not None else
                [m for m in stored[run]["tasks"] if task_cell(by_key[run], m)]):  # listed but skipped: not scored
            source = stored[run]
        else:
            source = None
        if source is not None:
            cells[col["key"]] = {k: v for k, v in source.items() if k not in ("tasks", "scored")}
            continue
        g = combine([cells[f"t:{m}"]["nv"] for m in members], [cells[f"t:{m}"]["nse"] for m in members],
                    cells[f"t:{members[0]}"]["nci"] if len(members) == 1 else None)
        cell = {"v": g["value"], "ci": g["ci95"], "se": g["stderr"], "run": None,
                "note": f"recomputed on 0-1 from {len(members)} tasks taken from different runs"}
        if len(members) < len(listed):
            cell.update(partial=True, coverage=f"{len(members)} of {len(listed)}")
            cell["note"] += f"; partial: {cell['coverage']} tasks scored, not ranked"
        cells[col["key"]] = cell
    return cells


def _run_row(run: Run, columns: list[dict[str, Any]]) -> dict[str, Any]:
    cells = {}
    for col in columns:
        c = task_cell(run, col["name"]) if col["kind"] == "task" else group_cell(run, col["name"])
        if c:
            cells[col["key"]] = {k: v for k, v in c.items() if k not in ("tasks", "scored")}
    return cells


def _add_ranks(rows: list[dict[str, Any]], columns: list[dict[str, Any]]) -> None:
    """Rank ranges per column; a partial or unnormalised group cell gets none (never ranked against complete)."""
    for col in columns:
        cis = []
        for row in rows:
            c = row["cells"].get(col["key"])
            skip = c is None or c.get("partial") or c.get("unranked")
            cis.append(None if skip else tuple(c["ci"] or (c["v"], c["v"])))
        for row, rr in zip(rows, rank_ranges(cis, col["hib"])):
            if rr is not None:
                row["cells"][col["key"]]["rank"] = rr


def summarise(runs: list[Run]) -> dict[str, Any]:
    """The whole leaderboard as plain data (deterministic for the same runs)."""
    columns = build_columns(runs)
    by_model: dict[str, list[Run]] = {}
    for r in runs:  # runs are oldest first, so each list is too
        by_model.setdefault(r.model_key, []).append(r)
    latest = []
    for model_key in sorted(by_model, key=lambda k: (by_model[k][-1].model_label, k)):
        mr = by_model[model_key]
        latest.append({"key": "m_" + safe_name(model_key), "label": mr[-1].model_label, "model": model_key,
                       "runs": sorted({r.key for r in mr}), "newest": mr[-1].key, "cells": _latest_row(mr, columns)})
    per_run = [{"key": r.key, "label": r.model_label, "model": r.model_key, "run_id": r.run_id,
                "created_at": r.created_at, "runs": [r.key], "newest": r.key, "cells": _run_row(r, columns)}
               for r in sorted(runs, key=lambda r: (r.model_label, r.created_at, r.key))]
    _add_ranks(latest, columns)
    _add_ranks(per_run, columns)
    keys = [c["key"] for c in columns]
    default_sort = "g:all_modality" if "g:all_modality" in keys else (keys[0] if keys else None)
    return {
        "columns": columns,
        "views": {"latest": latest, "runs": per_run},
        "runs": {r.key: {"label": r.model_label, "model": r.model_key, "run_id": r.run_id, "created_at": r.created_at}
                 for r in runs},
        "default_sort": default_sort,
    }
