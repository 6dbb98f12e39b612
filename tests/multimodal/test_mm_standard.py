"""mmmu_mini, mmau_mini, mmvu_mini: real data sets' schemas, media attached in place, per-sample media errors."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from eval_anything.registry import TaskRegistry
from eval_anything.tasks import Task, TaskContext

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mm_helpers import run_task  # noqa: E402

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def ctx(tmp_path, **kw) -> TaskContext:
    return TaskContext(cache_dir=tmp_path / "cache", **kw)


@pytest.mark.parametrize("name,n,modality", [("mmmu_mini", 12, "image"), ("mmau_mini", 12, "audio"),
                                             ("mmvu_mini", 10, "video")])
def test_samples_follow_the_schema_and_carry_media(tmp_path, name, n, modality):
    task = Task(TaskRegistry().tasks[name])
    samples = task.samples(ctx(tmp_path))
    assert len(samples) == n and not any(s.metadata.get("error") for s in samples)
    for s in samples:
        assert modality in s.messages[0].modalities
        assert 0 <= s.target < len(s.choices)
        assert all(p.sha256 for p in s.messages[0].parts if p.type != "text")


def test_mmmu_images_go_where_the_question_names_them(tmp_path):
    samples = {s.id: s for s in Task(TaskRegistry().tasks["mmmu_mini"]).samples(ctx(tmp_path))}
    parts = samples["validation_Math_3"].messages[0].parts  # "<image 1> and <image 2> are line graphs..."
    assert [p.type for p in parts[:3]] == ["image", "text", "image"] and parts[1].text == " and "
    assert parts[0].path.endswith("validation_Math_3_1.png") and parts[2].path.endswith("validation_Math_3_2.png")
    assert parts[3].text.rstrip().endswith("from the given choices directly.")
    assert samples["validation_Economics_1"].choices == ("A", "B", "C", "D")
    assert samples["validation_Economics_1"].target == 3  # answer "D"


def test_mmau_answer_text_maps_to_its_choice(tmp_path):
    rows = [json.loads(l) for l in (BENCH / "mmau_mini" / "test-mini.jsonl").read_text().splitlines()]
    samples = Task(TaskRegistry().tasks["mmau_mini"]).samples(ctx(tmp_path))
    for row, s in zip(rows, samples):
        assert s.choices[s.target] == row["answer"]
    assert {Path(r["audio_id"]).suffix for r in rows} == {".wav", ".flac", ".mp3"}


def _copy_with_damage(tmp_path, name: str, damage: dict[str, bytes | None]) -> Path:
    """A --data-dir copy of a task's data with some media files replaced (bytes) or deleted (None)."""
    data = tmp_path / "data"
    shutil.copytree(BENCH / name, data / name)
    for rel, content in damage.items():
        if content is None:
            (data / name / rel).unlink()
        else:
            (data / name / rel).write_bytes(content)
    return data


def test_mmmu_on_tiny_llava_with_a_corrupt_image(tmp_path, llava):
    bad = "images/validation_Math_2_1.png"
    data = _copy_with_damage(tmp_path, "mmmu_mini", {bad: b"\x89PNG\r\n\x1a\n truncated"})
    task, samples, scores = run_task("mmmu_mini", llava, ctx(tmp_path, data_dir=data))
    assert samples[1].id == "validation_Math_2" and samples[1].metadata["error"].startswith(
        "sample validation_Math_2: cannot read image file")
    assert str(data / "mmmu_mini" / bad) in samples[1].metadata["error"]
    ok = [sc for k, sc in enumerate(scores) if k != 1]
    assert scores[1] is None and all(sc.error is None for sc in ok)
    kept = [s for k, s in enumerate(samples) if k != 1]
    # acc is 1 exactly when the chosen option (highest log-likelihood) is the target
    assert [sc.metrics["acc"] for sc in ok] == [float(sc.extracted == s.target) for s, sc in zip(kept, ok)]
    extra = task.aggregate_extra(kept, ok)
    assert set(extra) >= {"acc/Math", "acc/Economics"}
    for subject in ("Math", "Economics"):  # per-subject accuracy: the mean over that subject's scored samples
        vals = [sc.metrics["acc"] for s, sc in zip(kept, ok) if s.id.split("_")[1] == subject]
        assert extra[f"acc/{subject}"] == pytest.approx(sum(vals) / len(vals))


def test_mmau_on_tiny_qwen2_audio_with_a_missing_clip(tmp_path, qwen_audio):
    data = _copy_with_damage(tmp_path, "mmau_mini", {"test-mini-audios/mmau_mini_07.mp3": None})
    _, samples, scores = run_task("mmau_mini", qwen_audio, ctx(tmp_path, data_dir=data))
    errors = {s.id: s.metadata.get("error") for s in samples}
    assert "mmau_mini_07.mp3: file not found" in errors.pop("mmau_mini_07")
    assert not any(errors.values())
    assert sum(sc is not None and sc.error is None for sc in scores) == 11


def test_mmvu_on_tiny_llava_as_frames_with_a_corrupt_video(tmp_path, llava):
    data = _copy_with_damage(tmp_path, "mmvu_mini", {"videos/validation_4.webm": b"\x1aE\xdf\xa3 not a webm"})
    _, samples, scores = run_task("mmvu_mini", llava, ctx(tmp_path, data_dir=data))
    assert "cannot read video file" in samples[4].metadata["error"] and "validation_4.webm" in samples[4].metadata["error"]
    assert sum(sc is not None and sc.error is None for sc in scores) == 9


def test_evaluate_counts_media_errors_and_scores_the_rest(tmp_path, llava_path, monkeypatch):
    import eval_anything

    monkeypatch.setenv("EVAL_ANYTHING_HOME", str(tmp_path / "home"))
    data = _copy_with_damage(tmp_path, "mmmu_mini", {"images/validation_Physics_1_1.png": b"GIF89a nope"})
    run = eval_anything.evaluate(f"hf:{llava_path}", tasks=["mmmu_mini", "mmau_mini"], output=str(tmp_path / "o"),
                                 data_dir=str(data), show_progress=False)
    mmmu = run.results["tasks"]["mmmu_mini"]
    assert (mmmu["n"], mmmu["n_errors"], mmmu["n_scored"]) == (12, 1, 11)
    assert run.results["tasks"]["mmau_mini"]["skipped"] == "model lacks input modality: audio"
    lines = [json.loads(l) for l in (run.run_dir / "samples" / "mmmu_mini.jsonl").read_text().splitlines()]
    bad = [l for l in lines if l["error"]]
    assert len(bad) == 1 and bad[0]["id"] == "validation_Physics_1" and "validation_Physics_1_1.png" in bad[0]["error"]
