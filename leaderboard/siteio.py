"""The one way the site builder writes a text file: secrets scrubbed (eval_anything/scrub.py) on the way out, so a
key that reached a run directory by another path (an older run, a hand-edited file) is never published."""

from __future__ import annotations

from pathlib import Path

from eval_anything.scrub import scrub_text


def write_site_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.write_text(scrub_text(text), encoding=encoding, newline="\n")
