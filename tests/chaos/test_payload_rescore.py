"""Rescoring reads a run directory written earlier (possibly by someone else): a saved media path that leaves the
run becomes a per-sample error, never a file handed to a judge."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval_anything.rescore import _responses


@pytest.mark.parametrize("path", ["../../../etc/hostname", "/etc/hostname", "media/../../outside.png"])
def test_media_paths_leaving_the_run_are_errors(tmp_path, path):
    run = tmp_path / "run"
    run.mkdir()
    (tmp_path / "outside.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    [r] = _responses({"response": "x", "output_parts": [{"type": "image", "path": path}]}, run)
    assert r.error == f"output media path {path!r} leaves the run directory" and r.text is None


def test_media_paths_inside_the_run_are_kept(tmp_path):
    run = tmp_path / "run"
    (run / "media").mkdir(parents=True)
    inside = str((run / "media" / "a.png").resolve())
    for path in ("media/a.png", inside):
        [r] = _responses({"response": "x", "output_parts": [{"type": "image", "path": path}]}, run)
        assert r.error is None and r.text == "x"
        assert [p.path for p in r.parts] == [inside]
    assert Path(inside).parent == (run / "media").resolve()
