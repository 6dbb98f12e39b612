"""Static HTML leaderboard built from run directories (see docs/leaderboard.md).

Flow: discover (find and read runs) -> summarise (rows, columns, rank ranges) -> samples (chunked data files,
media) -> compare (paired tests) -> render (jinja2 pages) -> build (write and swap into place).
"""

from __future__ import annotations

from pathlib import Path


def build_site(paths: list[Path], out: Path, all_runs: bool = False) -> Path:
    from leaderboard.build import build_site as _build

    return _build(paths, out, all_runs=all_runs)


__all__ = ["build_site"]
