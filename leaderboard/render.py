"""Summary data -> HTML pages (jinja2, autoescape on). Untrusted text reaches a page only through autoescaped
template variables or as JSON data that the page's scripts insert with textContent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from leaderboard.chart import bar_chart
from leaderboard.samples import CHUNK_SIZE
from leaderboard.siteio import write_site_text

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"


def fmt(v: Any) -> str:
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return "–"
    return f"{v:.3f}" if abs(v) < 100 else f"{v:.1f}"


def rank_text(rr: list[int] | None) -> str:
    if not rr:
        return ""
    return str(rr[0]) if rr[0] == rr[1] else f"{rr[0]}–{rr[1]}"


def pretty(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def make_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,  # every page: model outputs, names and configs are untrusted
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(fmt=fmt, rank=rank_text, pretty=pretty)
    # Our own stylesheet, inlined so every page stands alone; trusted, so not escaped.
    env.globals["css"] = Markup((STATIC / "site.css").read_text(encoding="utf-8"))
    return env


class Site:
    """Writes the pages of one site into `root`."""

    def __init__(self, root: Path, summary: dict[str, Any], default_view: str) -> None:
        self.root, self.summary, self.default_view = root, summary, default_view
        self.env = make_env()
        self.groups = [c for c in summary["columns"] if c["kind"] == "group"]

    def _write(self, rel: str, template: str, **ctx: Any) -> None:
        depth = rel.count("/")
        html = self.env.get_template(template).render(
            base="../" * depth, groups=self.groups, summary=self.summary, **ctx)
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        write_site_text(path, html)

    def assets(self) -> None:
        out = self.root / "assets"
        out.mkdir(parents=True, exist_ok=True)
        for f in sorted(STATIC.glob("*.js")):
            (out / f.name).write_bytes(f.read_bytes())
        (self.root / ".nojekyll").write_text("", encoding="utf-8")  # GitHub Pages: serve files as they are

    def overview(self, sample_pages: dict[str, dict[str, str]]) -> None:
        s = self.summary
        key = s["default_sort"]
        col = next((c for c in s["columns"] if c["key"] == key), None)
        chart = bar_chart(s["views"]["latest"], key, col["hib"]) if col else None
        data = {"columns": s["columns"], "views": s["views"], "default_sort": key,
                "default_view": self.default_view, "pages": sample_pages}
        self._write("index.html", "overview.html", title="Leaderboard", data=data, chart_data=chart, chart_col=col)

    def group(self, col: dict[str, Any], sample_pages: dict[str, dict[str, str]]) -> None:
        rows = [r for r in self.summary["views"]["latest"] if col["key"] in r["cells"]]
        # Ranked (complete) groups first; partial ones follow, unranked (never ranked against complete ones).
        rows.sort(key=lambda r: ("rank" not in r["cells"][col["key"]], (r["cells"][col["key"]].get("rank") or [0])[0],
                                 -r["cells"][col["key"]]["v"] if col["hib"] else r["cells"][col["key"]]["v"], r["label"]))
        members = [c for c in self.summary["columns"] if c["kind"] == "task" and c["name"] in col["tasks"]]
        self._write(f"group-{col['slug']}.html", "group.html", title=f"Group: {col['name']}", col=col, rows=rows,
                    members=members, pages=sample_pages, chart_data=bar_chart(rows, col["key"], col["hib"]))

    def run_page(self, run: Any, sample_pages: dict[str, str], bad_lines: dict[str, int]) -> None:
        self._write(f"runs/{run.key}/index.html", "run.html", title=f"Run {run.run_id}", run=run,
                    tasks=sorted(run.tasks.items()), sample_pages=sample_pages, bad_lines=bad_lines)

    def samples_page(self, run: Any, task: str, info: Any, slug: str) -> None:
        t = run.tasks.get(task) or {}
        data = {"run": run.key, "task": task, "status": info.status, "chunks": info.chunks,
                "chunk_size": CHUNK_SIZE, "metric": t.get("primary_metric")}
        counts = {k: info.status.count(k) for k in "cieo"}
        self._write(f"runs/{run.key}/{slug}.html", "samples.html", title=f"{task} · {run.model_label}", run=run,
                    task=task, t=t, data=data, counts=counts, n=info.n, bad_lines=info.bad_lines)

    def compare(self) -> None:
        rows = self.summary["views"]["latest"]
        tasks = [c for c in self.summary["columns"] if c["kind"] == "task"]
        values = [{t["name"]: r["cells"][t["key"]]["v"] for t in tasks if t["key"] in r["cells"]} for r in rows]
        data = {"models": [r["label"] for r in rows], "keys": [r["key"] for r in rows], "values": values,
                "tasks": [{"name": t["name"], "hib": t["hib"], "metric": t["metric"]} for t in tasks]}
        self._write("compare.html", "compare.html", title="Compare models", data=data)
