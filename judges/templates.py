"""Judge prompt templates: jinja2 files under judges/templates/, versioned by the sha256 of the file's bytes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class JudgeTemplate:
    name: str  # file name, e.g. "pointwise.jinja" (or the path given by the user)
    source: str
    hash: str  # sha256 of the file bytes: any edit changes judge cache keys and the recorded hash

    def render(self, **variables: Any) -> str:
        import jinja2
        from jinja2.sandbox import SandboxedEnvironment

        # Prompts are plain text: no autoescape. StrictUndefined: a missing variable is a bug, not an empty string.
        # Sandboxed: a template file (any path may be given) cannot reach Python internals.
        env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)
        return env.from_string(self.source).render(**variables).strip()

    @property
    def version(self) -> str:
        """The scheduler task_version for calls made with this template."""
        return f"judge:{self.hash}"


def load_template(name_or_path: str | Path) -> JudgeTemplate:
    """A template by file name in judges/templates/ (".jinja" optional) or by a path to any file."""
    name = str(name_or_path)
    p = Path(name).expanduser()
    if not p.is_file():
        base = TEMPLATE_DIR / name
        p = base if base.is_file() else TEMPLATE_DIR / f"{name}.jinja"
    if not p.is_file():
        known = ", ".join(sorted(f.name for f in TEMPLATE_DIR.glob("*.jinja")))
        raise FileNotFoundError(f"judge template {name!r} not found; use a path or one of: {known}")
    data = p.read_bytes()
    label = p.name if p.parent == TEMPLATE_DIR else str(p)
    return JudgeTemplate(name=label, source=data.decode("utf-8"), hash=hashlib.sha256(data).hexdigest())
