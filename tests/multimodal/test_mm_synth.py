"""The synth suite: verifiable, seeded, balanced items; text-only controls at chance; end to end on tiny models."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from eval_anything.registry import TaskRegistry
from eval_anything.tasks import Task, TaskContext

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mm_helpers import run_task  # noqa: E402
from synth_oracle import solve  # noqa: E402

FAMILIES = ("image", "audio", "video", "cross")


def ctx_for(tmp: Path, count: int, **kw) -> TaskContext:
    return TaskContext(cache_dir=tmp, options={"synth_count": count}, **kw)


@pytest.fixture(scope="module")
def synth_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("synth-cache")


@pytest.fixture(scope="module")
def registry() -> TaskRegistry:
    return TaskRegistry()


def test_tasks_and_groups_are_registered(registry):
    groups = registry.groups
    assert groups["synth_all"] == ["synth_audio", "synth_cross", "synth_image", "synth_video"]
    assert groups["synth_control"] == [f"synth_{f}_control" for f in sorted(FAMILIES)]
    for group, task in (("image", "synth_image"), ("audio", "synth_audio"), ("video", "synth_video"),
                        ("cross-modal", "synth_cross")):
        assert task in groups[group]  # other tasks may share these modality groups
    assert groups["mm_standard"] == ["mmau_mini", "mmmu_mini", "mmvu_mini"]
    assert registry.tasks["synth_cross"].spec.modalities.input == ["text", "image", "audio"]


@pytest.mark.parametrize("family", FAMILIES)
def test_every_item_is_answerable_from_its_media(registry, synth_cache, family):
    task = Task(registry.tasks[f"synth_{family}"])
    rows = task.rows(ctx_for(synth_cache, 12))
    types = Counter(r["item_type"] for r in rows)
    assert set(types.values()) == {12}
    wrong = [(r["id"], solve(r), r["choices"][r["answer"]]) for r in rows if solve(r) != r["choices"][r["answer"]]]
    assert wrong == []
    for m in rows[0]["media"]:  # real files in real formats
        assert Path(m["path"]).suffix in {".png", ".wav", ".mp4"} and Path(m["path"]).stat().st_size > 100


def test_answers_balanced_seeded_and_stable_when_scaled(registry, synth_cache, tmp_path):
    task = Task(registry.tasks["synth_image"])
    small = task.samples(ctx_for(synth_cache, 12))
    again = task.samples(ctx_for(tmp_path / "fresh", 12))  # regenerated elsewhere: same bytes
    assert [p.key_dict() for s in small for p in s.messages[0].parts] == \
        [p.key_dict() for s in again for p in s.messages[0].parts]
    bigger = task.samples(ctx_for(tmp_path / "big", 24))
    by_id = {s.id: s for s in bigger}
    assert all(by_id[s.id].messages[0].parts[0].sha256 == s.messages[0].parts[0].sha256 for s in small)
    for t in ("colour", "count", "position", "shape"):
        targets = Counter(s.target for s in small if s.metadata["item_type"] == t)
        assert len(set(targets.values())) == 1  # every answer equally often
    other_seed = Task(registry.tasks["synth_image"]).samples(
        TaskContext(cache_dir=tmp_path / "s1", options={"synth_count": 12, "synth_seed": 1}))
    assert other_seed[0].messages[0].parts[0].sha256 != small[0].messages[0].parts[0].sha256


def test_limit_still_sees_every_item_type(registry, synth_cache):
    task = Task(registry.tasks["synth_audio"])
    samples = task.samples(ctx_for(synth_cache, 12, limit=6))
    assert [s.metadata["item_type"] for s in samples] == ["beeps", "pitch", "duration"] * 2


def test_count_scales_through_the_environment(registry, tmp_path, monkeypatch):
    monkeypatch.setenv("EVAL_ANYTHING_SYNTH_COUNT", "3")
    rows = Task(registry.tasks["synth_cross"]).rows(TaskContext(cache_dir=tmp_path))
    assert len(rows) == 6 and (tmp_path / "synth" / "cross-g1-s0-n3" / "items.jsonl").exists()


def test_control_has_no_media_and_scores_exactly_chance(registry, synth_cache, llava):
    task, samples, scores = run_task("synth_image_control", llava, ctx_for(synth_cache, 12))
    assert all(s.messages[0].modalities == {"text"} for s in samples)
    extra = task.aggregate_extra(samples, scores)
    # One question per type and balanced answers: whatever the model picks, it is right 1/k of the time.
    assert extra["acc/shape"] == pytest.approx(1 / 3) and extra["chance/shape"] == pytest.approx(1 / 3)
    for t in ("colour", "count", "position"):
        assert extra[f"acc/{t}"] == pytest.approx(0.25)


def test_cross_ablations_keep_one_modality(registry, synth_cache, llava):
    assert registry.groups["synth_ablation"] == ["synth_cross_audio_only", "synth_cross_image_only"]
    task, samples, scores = run_task("synth_cross_image_only", llava, ctx_for(synth_cache, 12, limit=6))
    assert all(s.messages[0].modalities == {"image", "text"} and s.metadata["variant"] == "image_only"
               for s in samples)
    assert all(sc.error is None for sc in scores)
    audio_only = Task(registry.tasks["synth_cross_audio_only"]).samples(ctx_for(synth_cache, 12))
    assert {p.type for s in audio_only for p in s.messages[0].parts} == {"audio", "text"}


def test_synth_image_on_tiny_llava_per_type_accuracy(registry, synth_cache, llava):
    task, samples, scores = run_task("synth_image", llava, ctx_for(synth_cache, 12))
    assert len(samples) == 48 and all(s.error is None for s in scores)
    extra = task.aggregate_extra(samples, scores)
    assert sorted(k for k in extra if k.startswith("acc/")) == ["acc/colour", "acc/count", "acc/position", "acc/shape"]
    by_type = Counter(s.metadata["item_type"] for s, sc in zip(samples, scores) if sc.metrics["acc"] == 1.0)
    assert extra["acc/count"] == pytest.approx(by_type["count"] / 12)


def test_synth_audio_on_tiny_qwen2_audio(registry, synth_cache, qwen_audio):
    task, samples, scores = run_task("synth_audio", qwen_audio, ctx_for(synth_cache, 12, limit=12))
    assert len(samples) == 12 and all(sc.error is None for sc in scores)
    # acc is 1 exactly when the chosen option (highest log-likelihood) is the right one
    assert [sc.metrics["acc"] for sc in scores] == [float(sc.extracted == s.choices[s.target])
                                                    for s, sc in zip(samples, scores)]
    extra = task.aggregate_extra(samples, scores)
    assert {"acc/beeps", "acc/pitch", "acc/duration"} <= set(extra)
    for kind in ("beeps", "pitch", "duration"):
        vals = [sc.metrics["acc"] for s, sc in zip(samples, scores) if s.metadata["item_type"] == kind]
        assert extra[f"acc/{kind}"] == pytest.approx(sum(vals) / len(vals))


def test_synth_video_on_tiny_llava_as_frames(registry, synth_cache, llava):
    task, samples, scores = run_task("synth_video", llava, ctx_for(synth_cache, 12, limit=4))
    assert all(s.error is None for s in scores) and len(scores) == 4


def test_deleted_media_fails_only_its_sample(registry, tmp_path, llava):
    ctx = ctx_for(tmp_path, 4)
    task = Task(registry.tasks["synth_image"])
    rows = task.rows(ctx)
    victim = Path(rows[1]["media"][0]["path"])
    victim.unlink()
    _, samples, scores = run_task("synth_image", llava, ctx)
    errors = [sc.error for sc in scores]
    assert errors[1] is not None and str(victim) in errors[1] and "file not found" in errors[1]
    assert sum(e is not None for e in errors) == 1


def test_evaluate_end_to_end(llava_path, qwen_audio_path, tmp_path, monkeypatch):
    import eval_anything

    monkeypatch.setenv("EVAL_ANYTHING_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("EVAL_ANYTHING_SYNTH_COUNT", "4")
    run = eval_anything.evaluate(f"hf:{llava_path}", tasks=["synth_image", "synth_audio"], output=str(tmp_path / "o"),
                                 limit=8, show_progress=False)
    image = run.results["tasks"]["synth_image"]
    assert image["n"] == 8 and image["n_errors"] == 0 and image["skipped"] is None
    assert 0.0 <= image["metrics"]["acc"]["value"] <= 1.0 and "acc/shape" in image["extra"]
    assert run.results["tasks"]["synth_audio"]["skipped"] == "model lacks input modality: audio"
    lines = (run.run_dir / "samples" / "synth_image.jsonl").read_text().splitlines()
    assert len(lines) == 8 and json.loads(lines[0])["messages"][0]["parts"][0]["type"] == "image"
    run = eval_anything.evaluate(f"hf:{qwen_audio_path}", tasks=["synth_audio"], output=str(tmp_path / "o"),
                                 limit=6, show_progress=False)
    audio = run.results["tasks"]["synth_audio"]
    assert audio["n"] == 6 and audio["n_errors"] == 0 and set(audio["extra"]) >= {"acc/beeps", "n/pitch"}


def test_generator_module_is_importable_alone():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "synth" / "generators.py"
    spec = importlib.util.spec_from_file_location("synth_generators_under_test", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert set(mod.FAMILIES) == set(FAMILIES)
    import random

    for fam in mod.FAMILIES.values():
        for t, make in fam.items():
            question, choices, _ = make(random.Random(0), 0)
            assert len(choices) == mod.N_CHOICES[t] and len(set(choices)) == len(choices) and question.endswith(".")
