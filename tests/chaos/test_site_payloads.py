"""The leaderboard publishes only run data: hostile task names, symbolic links, paths leaving the run, media that
are not what they claim, and markup payloads in every field, fed through a real site build."""

from __future__ import annotations

import hashlib
import json
import logging
import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
for p in (ROOT, ROOT / "tests" / "leaderboard"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from lb_helpers import sample, task_result, write_run
from lb_media import write_png, write_wav, write_webm

from leaderboard import build_site
from leaderboard.discover import file_inside, is_task_name, load_runs
from leaderboard.media import MediaStore, decodes_as
from tests.chaos.payloads import MARKUP, TASK_NAMES

OUTSIDE = "OUTSIDE-THE-RUN-7f3a"


def _all_site_bytes(site: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file())


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", TASK_NAMES)
def test_task_name_rule_refuses_hostile_names(name):
    assert not is_task_name(name)


@pytest.mark.parametrize("name", ["gsm8k_mini", "mmlu-mini", "a", "T1", "x" * 200])
def test_task_name_rule_accepts_task_names(name):
    assert is_task_name(name)


def test_traversal_task_names_and_symlinked_files_read_nothing_outside(tmp_path, caplog):
    secret_dir = tmp_path / "private"
    secret_dir.mkdir()
    (secret_dir / "x.jsonl").write_text(json.dumps(sample(0, True, response=OUTSIDE)) + "\n")
    runs = tmp_path / "runs"
    depth = "../" * 8
    evil = f"{depth}{str(secret_dir).lstrip('/')}/x"
    d = write_run(runs, "hf:/m/a", "r0", "2026-11-25T07:00:00Z",
                  {evil: task_result(0.5, None), "good": task_result(1.0, None), "linked": task_result(1.0, None)},
                  samples={"good": [sample(0, True, response="fine")]})
    (d / "samples" / "linked.jsonl").symlink_to(secret_dir / "x.jsonl")
    # A second run whose run.json is a link to a file outside: the run is skipped.
    d2 = write_run(runs, "hf:/m/b", "r1", "2026-11-25T08:00:00Z", {"good": task_result(1.0, None)})
    (secret_dir / "run.json").write_text((d2 / "run.json").read_text().replace('"r1"', f'"{OUTSIDE}"'))
    (d2 / "run.json").unlink()
    (d2 / "run.json").symlink_to(secret_dir / "run.json")
    with caplog.at_level(logging.WARNING, logger="leaderboard"):
        runs_read = load_runs([runs])
        site = build_site([runs], tmp_path / "site")
    assert [r.path for r in runs_read] == [d.resolve()]
    assert sorted(runs_read[0].tasks) == ["good", "linked"]
    assert runs_read[0].sample_file("linked") is None and runs_read[0].sample_file(evil) is None
    assert runs_read[0].sample_file("good") == (d / "samples" / "good.jsonl").resolve()
    assert OUTSIDE.encode() not in _all_site_bytes(site)
    assert b"fine" in _all_site_bytes(site)
    text = caplog.text
    assert "invalid names skipped" in text
    assert [r.getMessage().split(" in ")[0] for r in caplog.records if "skipping samples of" in r.getMessage()] \
        == ["skipping samples of linked"] * 2  # once by load_runs' caller above, once by the build; never for "good"
    assert "run.json or results.json is a symbolic link" in text


def test_file_inside_both_branches(tmp_path):
    run = tmp_path / "run"
    (run / "samples").mkdir(parents=True)
    (run / "samples" / "t.jsonl").write_text("{}")
    (tmp_path / "out.jsonl").write_text("{}")
    (run / "samples" / "l.jsonl").symlink_to(run / "samples" / "t.jsonl")  # a link, even to a file inside
    (run / "dirlink").symlink_to(run / "samples")
    assert file_inside(run, "samples/t.jsonl") == (run / "samples" / "t.jsonl").resolve()
    assert file_inside(run, "samples/../../out.jsonl") is None
    assert file_inside(run, "samples/l.jsonl") is None
    assert file_inside(run, "dirlink/t.jsonl") is None
    assert file_inside(run, "samples/missing.jsonl") is None
    assert file_inside(run, "samples") is None  # a folder, not a file


def _media_run(tmp_path: Path) -> tuple[Path, Path, dict[str, Path]]:
    runs = tmp_path / "runs"
    outside = tmp_path / "outside"
    inputs = tmp_path / "data" / "task" / "inputs"  # a recorded input folder, deep enough
    unrecorded = tmp_path / "data" / "other" / "inputs"
    files = {
        "ok_png": write_png(tmp_path / "staging" / "ok.png", 5, 4),
        "outside_png": write_png(outside / "private.png", 7, 3),
        "input_png": write_png(inputs / "in.png", 3, 3),
        "unrecorded_png": write_png(unrecorded / "in.png", 2, 9),
    }
    parts = [
        {"type": "image", "path": "media/ok.png"},            # copied
        {"type": "image", "path": "media/link.png"},          # symlink to an outside PNG: refused
        {"type": "image", "path": "media/sub/private.png"},   # under a symlinked folder: refused
        {"type": "image", "path": "../../../outside/private.png"},  # leaves the run: refused
        {"type": "image", "path": str(outside / "private.png")},    # absolute, outside: refused
        {"type": "image", "path": "media/trunc.png"},         # PNG signature, undecodable: refused
        {"type": "image", "path": "media/tone.wav"},          # a WAV declared as an image: refused
        {"type": "audio", "path": "media/ok.png"},            # a PNG declared as audio: refused
        {"type": "audio", "path": "media/tone.wav"},          # copied
        {"type": "video", "path": "media/clip.webm"},         # copied
        {"type": "audio", "path": "media/clip.webm"},         # a video-only WebM declared as audio: refused
        {"type": "image", "path": "media/fake.jpg"},          # JPEG signature then junk: refused
        {"type": "image", "path": "media/\x00.png"},          # NUL in the path: refused
    ]
    messages = [{"role": "user", "parts": [{"type": "image", "path": str(inputs / "in.png")},        # copied
                                           {"type": "image", "path": str(unrecorded / "in.png")},    # refused
                                           {"type": "text", "text": "what is shown?"}]}]
    d = write_run(runs, "hf:/m/a", "r0", "2026-11-25T07:00:00Z", {"t": task_result(1.0, None)},
                  samples={"t": [sample(0, True, output_parts=parts, messages=messages)]})
    run_json = json.loads((d / "run.json").read_text())
    run_json["tasks"]["t"]["media_dirs"] = [str(inputs), "/tmp", "relative/dir", str(tmp_path / "missing")]
    (d / "run.json").write_text(json.dumps(run_json))
    media = d / "media"
    media.mkdir()
    (media / "ok.png").write_bytes(files["ok_png"].read_bytes())
    (media / "link.png").symlink_to(outside / "private.png")
    (media / "sub").symlink_to(outside)
    (media / "trunc.png").write_bytes(files["ok_png"].read_bytes()[:40])
    (media / "fake.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"junk" * 100)
    files["wav"] = write_wav(media / "tone.wav")
    files["webm"] = write_webm(media / "clip.webm")
    return runs, d, files


def test_media_only_from_the_run_or_recorded_inputs_and_only_when_they_decode(tmp_path, caplog):
    runs, _d, files = _media_run(tmp_path)
    with caplog.at_level(logging.WARNING, logger="leaderboard"):
        site = build_site([runs], tmp_path / "site")
    published = sorted(p.name for p in (site / "media").iterdir())
    expected = sorted([f"{_sha(files['ok_png'])}.png", f"{_sha(files['wav'])}.wav", f"{_sha(files['webm'])}.webm",
                       f"{_sha(files['input_png'])}.png"])
    assert published == expected
    chunk = next(site.rglob("t.0.js")).read_text()
    rec = json.loads(chunk[len("EA.chunk("):-3])["samples"][0]
    srcs = ["src" in p for p in rec["output_parts"]]
    assert srcs == [True, False, False, False, False, False, False, False, True, True, False, False, False]
    assert ["src" in p for p in rec["messages"][0]["parts"][:2]] == [True, False]
    log = caplog.text
    for reason in ("symbolic link", "outside the run directory", "does not decode as image (png)",
                   "does not decode as audio (png)", "does not decode as image (wav)",
                   "does not decode as audio (webm)", "recorded media folder '/tmp'",
                   "recorded media folder 'relative/dir'"):
        assert reason in log, reason
    assert _sha(files["outside_png"]) + ".png" not in published


def test_media_roots_guard_both_sides(tmp_path):
    runs, d, _ = _media_run(tmp_path)
    run = load_runs([runs])[0]
    assert run.media_roots("t") == (d.resolve(), (tmp_path / "data" / "task" / "inputs").resolve())
    assert run.media_roots("absent") == (d.resolve(),)


def test_decodes_as_each_kind(tmp_path):
    png = write_png(tmp_path / "a.png")
    wav = write_wav(tmp_path / "a.wav")
    webm = write_webm(tmp_path / "a.webm")
    assert decodes_as(png, "png", "image") and not decodes_as(png, "png", "audio")
    assert not decodes_as(png, "jpg", "image")  # the format PIL finds must be the one sniffed
    assert decodes_as(wav, "wav", "audio") and not decodes_as(wav, "wav", "video")
    assert decodes_as(webm, "webm", "video") and not decodes_as(webm, "webm", "audio")
    assert not decodes_as(webm, "webm", "image")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(wav.read_bytes()[:12])
    assert not decodes_as(bad, "wav", "audio")
    assert not decodes_as(png, "tiff", "image")  # an extension the store does not know


def test_media_store_copies_once_and_only_checked_bytes(tmp_path):
    run = tmp_path / "run"
    png = write_png(run / "media" / "a.png")
    store = MediaStore(tmp_path / "site", (run,))
    first = store.add(run / "media" / "a.png", "image")
    assert first == f"media/{_sha(png)}.png"
    assert store.add(run / "media" / "../media/a.png", "image") == first
    assert store.add(run / "media" / "a.png", "audio") is None  # same file, other kind: its own verdict
    assert store.add(tmp_path / "elsewhere.png", "image") is None
    assert [p.name for p in (tmp_path / "site" / "media").iterdir()] == [f"{_sha(png)}.png"]
    assert MediaStore(tmp_path / "s2").add(run / "media" / "a.png", "image") is None  # no roots: nothing allowed


def test_markup_payloads_in_every_field_stay_text(tmp_path):
    rng = random.Random(5)
    runs = tmp_path / "runs"
    rows = []
    for i, payload in enumerate(MARKUP * 3):
        mix = payload + rng.choice(MARKUP)
        rows.append(sample(i, i % 2 == 0, response=mix, judge=[{"judge_model": mix, "parsed": mix,
                                                                "raw_output": mix, "parse_error": mix}],
                           messages=[{"role": "user", "parts": [{"type": "text", "text": mix}]}])
                    | {"target": mix, "prompt": mix, "extracted": mix, "id": mix})
    rows.append(sample(999, None, error=MARKUP[0]))
    write_run(runs, "hf:/m/<script>window.__pwned=1</script>", MARKUP[2].replace("/", "_"), "2026-11-25T07:00:00Z",
              {"t": task_result(0.5, (0.4, 0.6), groups=(MARKUP[0],))}, name=MARKUP[1], samples={"t": rows})
    site = build_site([runs], tmp_path / "site")
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 3
    for page in pages:
        html = page.read_text()
        for raw in ("<script>window.__pwned", "<img src=x onerror", "<svg onload", 'href="javascript:',
                    "<iframe", "<body onload"):
            assert raw not in html, (page, raw)
        # Every <script> element the page has is one the site wrote: opening and closing tags pair up.
        assert html.count("<script") == html.count("</script>"), page
    for chunk in site.rglob("*.js"):
        if chunk.parent.name == "data" and chunk.name != "compare.js":
            data = json.loads(chunk.read_text()[len("EA.chunk("):-3])
            assert {s["response"] for s in data["samples"] if s["response"]} <= {r["response"] for r in rows}


@pytest.mark.parametrize("head,ext", [
    (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff\xe0", "jpg"), (b"GIF87a", "gif"), (b"GIF89a", "gif"),
    (b"RIFF\0\0\0\0WEBPVP8 ", "webp"), (b"RIFF\0\0\0\0WAVEfmt ", "wav"), (b"ID3\x04", "mp3"), (b"\xff\xfb\x90", "mp3"),
    (b"\xff\xf3\x90", "mp3"), (b"\xff\xf2\x90", "mp3"), (b"OggS\0", "ogg"), (b"fLaC\0", "flac"),
    (b"\0\0\0\x20ftypisom", "mp4"), (b"\x1a\x45\xdf\xa3\x01", "webm"),
    (b"gif89a", None), (b"GIF89A", None), (b"riff\0\0\0\0WEBP", None), (b"RIFF\0\0\0\0webp", None),
    (b"RIFX\0\0\0\0WAVE", None), (b"XXXX\0\0\0\0WAVE", None), (b"id3\x04", None), (b"oggs", None), (b"OGGS", None),
    (b"flac", None), (b"\0\0\0\x20FTYP", None), (b"\0\0\0\0\x20ftyp", None), (b"<svg onload=x>", None), (b"", None),
])
def test_sniff_each_signature(head, ext):
    from leaderboard.media import sniff

    assert sniff(head) == ext


def test_decode_guards_at_their_limits(tmp_path, monkeypatch):
    import wave

    from PIL import Image

    from leaderboard import media

    jpg = tmp_path / "a.jpg"
    Image.new("RGB", (6, 4), "red").save(jpg, format="JPEG")
    assert decodes_as(jpg, "jpg", "image")
    png = write_png(tmp_path / "wide.png", 6, 4)  # 24 pixels, not square
    monkeypatch.setattr(media, "MAX_PIXELS", 24)
    assert decodes_as(png, "png", "image")
    monkeypatch.setattr(media, "MAX_PIXELS", 23)
    assert not decodes_as(png, "png", "image")
    for frames, ok in ((0, False), (1, True)):
        p = tmp_path / f"f{frames}.wav"
        with wave.open(str(p), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(b"\x01\x00" * frames)
        assert decodes_as(p, "wav", "audio") is ok, frames
    monkeypatch.setattr(media, "MAX_PIXELS", 10**6)
    run = tmp_path / "run"
    f = write_png(run / "media" / "b.png")
    monkeypatch.setattr(media, "MAX_BYTES", f.stat().st_size - 1)
    assert MediaStore(tmp_path / "s1", (run,)).add(f, "image") is None
    monkeypatch.setattr(media, "MAX_BYTES", f.stat().st_size)
    assert MediaStore(tmp_path / "s2", (run,)).add(f, "image") == f"media/{_sha(f)}.png"


def test_recorded_media_folders_depth_and_links(tmp_path):
    import tempfile

    top = Path(tempfile.mkdtemp(dir="/tmp"))  # /tmp/<x>: three parts, too broad
    try:
        four = top / "inputs"                 # /tmp/<x>/inputs: four parts, accepted
        four.mkdir()
        (tmp_path / "link").symlink_to(four)
        loop = tmp_path / "loop"
        loop.symlink_to(loop)
        runs = tmp_path / "runs"
        d = write_run(runs, "hf:/m/a", "r0", "2026-11-25T07:00:00Z", {"t": task_result(1.0, None)})
        info = json.loads((d / "run.json").read_text())
        info["tasks"]["t"]["media_dirs"] = [str(top), str(four), str(tmp_path / "link"), str(loop), 7, "a\x00b"]
        (d / "run.json").write_text(json.dumps(info))
        info["tasks"] = ["not", "a", "mapping"]
        d2 = write_run(runs, "hf:/m/b", "r1", "2026-11-25T07:00:00Z", {"t": task_result(1.0, None)})
        (d2 / "run.json").write_text(json.dumps(info))
        by_path = {r.path: r for r in load_runs([runs])}
        assert by_path[d.resolve()].media_roots("t") == (d.resolve(), four)
        assert by_path[d2.resolve()].media_roots("t") == (d2.resolve(),)
    finally:
        import shutil

        shutil.rmtree(top)
