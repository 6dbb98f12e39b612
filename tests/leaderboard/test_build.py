"""The builder end to end without a browser: files, chunks, media, escaping, determinism, CLI."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lb_helpers import sample, task_result, write_run
from lb_media import write_png, write_wav

from leaderboard import build_site
from leaderboard.build import MARKER
from leaderboard.samples import CHUNK_SIZE, MAX_TEXT

REPO = Path(__file__).resolve().parents[2]
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1"> <a href="javascript:window.__xss=1">x</a>'


def _site_inputs(root: Path) -> Path:
    runs = root / "runs"
    d = write_run(runs, "hf:/m/alpha", "20261125T070000Z-aa", "2026-11-25T07:00:00Z",
                  {"qa": task_result(0.5, (0.4, 0.6)), "speech": task_result(1.0, (1.0, 1.0), groups=("audio",))},
                  name="alpha <b>bold</b>",
                  samples={"qa": [sample(i, i % 2 == 0, response=XSS if i == 0 else "ok") for i in range(1201)]
                           + [sample(9999, None, error="timeout <script>window.__xss=1</script>")],
                           "speech": [sample(0, True, output_parts=[
                               {"type": "audio", "path": "media/tone.wav", "mime": "audio/wav"},
                               {"type": "image", "path": "media/fake.png", "mime": "image/png"},
                               {"type": "image", "path": "/etc/hostname", "mime": "image/png"}])]})
    write_wav(d / "media" / "tone.wav")
    (d / "media" / "fake.png").write_text("not an image")
    with open(d / "samples" / "qa.jsonl", "a", encoding="utf-8") as f:
        f.write("{broken line\n")
    return runs


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_site_files_chunks_and_media(tmp_path):
    site = build_site([_site_inputs(tmp_path)], tmp_path / "site")
    run_dir = next((site / "runs").iterdir())
    chunks = sorted((run_dir / "data").glob("qa.*.js"))
    assert [c.name for c in chunks] == ["qa.0.js", "qa.1.js", "qa.2.js"]  # 1,202 readable samples, 500 a chunk
    first = json.loads(chunks[0].read_text()[len("EA.chunk("):-3])
    assert len(first["samples"]) == CHUNK_SIZE and first["samples"][0]["response"] == XSS  # data, kept verbatim
    page = (run_dir / "qa.html").read_text()
    status = json.loads(re.search(r'id="ea-data">(.*?)</script>', page).group(1))["status"]
    assert len(status) == 1202 and status.count("c") == 601 and status.count("i") == 600 and status[-1] == "e"
    assert re.findall(r"(\d+) samples, (-?\d+) unreadable lines skipped", page) == [("1202", "1")]
    # Media: the WAV is copied content-addressed; a fake PNG and a non-media file are refused.
    speech = json.loads((run_dir / "data" / "speech.0.js").read_text()[len("EA.chunk("):-3])["samples"][0]
    wav = speech["output_parts"][0]["src"]
    assert re.fullmatch(r"\.\./\.\./media/[0-9a-f]{64}\.wav", wav)
    assert (site / wav[len("../../"):]).read_bytes()[:4] == b"RIFF"
    assert [m.get("missing") for m in speech["output_parts"][1:]] == ["media/fake.png", "/etc/hostname"]
    assert sorted(p.suffix for p in (site / "media").iterdir()) == [".wav"]


def test_untrusted_text_is_escaped_in_rendered_pages(tmp_path):
    site = build_site([_site_inputs(tmp_path)], tmp_path / "site")
    for page in site.rglob("*.html"):
        html = page.read_text()
        assert "<b>bold</b>" not in html and "<script>window.__xss" not in html, page
        assert "<img src=x" not in html and "<a href=\"javascript:" not in html, page
    run_page = next((site / "runs").iterdir()) / "index.html"
    assert "alpha &lt;b&gt;bold&lt;/b&gt;" in run_page.read_text()


def test_build_is_byte_identical_and_rebuild_replaces(tmp_path):
    runs = _site_inputs(tmp_path)
    a = _tree(build_site([runs], tmp_path / "a"))
    b = _tree(build_site([runs], tmp_path / "b"))
    assert a == b
    (tmp_path / "a" / "stale.html").write_text("old")
    assert _tree(build_site([runs], tmp_path / "a")) == a  # stale files from an earlier build are gone
    assert (tmp_path / "a" / MARKER).exists()


def test_refuses_to_replace_a_directory_it_did_not_build(tmp_path):
    runs = _site_inputs(tmp_path)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        build_site([runs], precious)
    assert (precious / "notes.txt").read_text() == "keep me"


def test_long_outputs_are_cut(tmp_path):
    runs = tmp_path / "runs"
    write_run(runs, "hf:/m/a", "r0", "2026-11-25T07:00:00Z", {"t": task_result(1.0, None)},
              samples={"t": [sample(0, True, response="x" * (MAX_TEXT + 5))]})
    site = build_site([runs], tmp_path / "site")
    chunk = next(site.rglob("t.0.js")).read_text()
    resp = json.loads(chunk[len("EA.chunk("):-3])["samples"][0]["response"]
    assert resp.startswith("x" * MAX_TEXT) and resp.endswith("[cut: 5 more characters]")


def test_module_cli(tmp_path):
    runs = _site_inputs(tmp_path)
    out = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "leaderboard", str(runs), "--out", str(out), "--all-runs"],
                       cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert (out / "index.html").exists() and '"default_view": "runs"' in (out / "index.html").read_text()
    r = subprocess.run([sys.executable, "-m", "leaderboard", str(tmp_path / "nothing"), "--out", str(out)],
                       cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "no such path" in r.stderr


def test_hostile_names_stay_inside_the_site(tmp_path):
    runs = tmp_path / "runs"
    write_run(runs, "hf:/m/a", "r0", "2026-11-25T07:00:00Z",
              {"../../evil": task_result(0.5, (0.4, 0.6), groups=("../../g",))},
              groups={"../../g": {"tasks": ["../../evil"], "value": 0.5, "stderr": 0.05, "ci95": [0.4, 0.6]}})
    d = next(runs.rglob("run.json")).parent
    (d / "samples").mkdir(exist_ok=True)
    (d / "samples" / "..%2F..%2Fevil.jsonl").write_text("")  # cannot be named like the task: it is simply absent
    site = build_site([runs], tmp_path / "out" / "site")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["site"]
    assert not (tmp_path / "evil.html").exists() and not (tmp_path / "out" / "g.html").exists()
    groups = [p.name for p in site.glob("group-*.html")]
    assert len(groups) == 1 and ".." not in groups[0]


def test_no_tasks_with_values_still_builds(tmp_path):
    runs = tmp_path / "runs"
    write_run(runs, "hf:/m/a", "r0", "2026-11-25T07:00:00Z", {"img": {"skipped": "no image input", "n": 0}})
    site = build_site([runs], tmp_path / "site")
    data = json.loads(re.search(r'id="ea-data">(.*?)</script>', (site / "index.html").read_text()).group(1))
    assert data["columns"] == [] and [r["cells"] for r in data["views"]["latest"]] == [{}]
    assert "skipped: no image input" in next(site.rglob("runs/*/index.html")).read_text()


def test_perf_script_runs_small(tmp_path):
    """perf/leaderboard_build.py stays runnable (the full 20 x 12 x 2,000 case is run by hand: see its docstring)."""
    r = subprocess.run([sys.executable, "perf/leaderboard_build.py", "--runs", "3", "--tasks", "4", "--samples", "50",
                        "--keep", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "build:" in r.stdout and "bar: < 30 s   OK" in r.stdout
    assert (tmp_path / "site" / "index.html").exists()
