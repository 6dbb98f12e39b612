"""Composite any-to-any adapter with tiny random generators built offline: media in the run, judged with media."""

import io

import numpy as np
import pytest

pytest.importorskip("diffusers")

from eval_anything.config import RunConfig
from eval_anything.models.composite import CompositeAdapter, DiffusersImageGenerator, TransformersAudioGenerator
from eval_anything.registry import register_model
from eval_anything.rundir import load_run
from eval_anything.runner import run
from eval_anything.types import Message, Request
from judge_fakes import LOADED, RuleAdapter
from tiny_generators import build_tiny_sd, build_tiny_vits


def _lm(req):
    if "[[response]]" in req.messages[-1].text:
        return ("[[response]]: Here is a picture and a sound.\n[[image_instruction]]: a ripe mango on a plate\n"
                "[[audio_instruction]]: birds singing at dawn")
    return "a ripe mango on a plate"


@pytest.fixture(scope="module")
def composite(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("composite")
    image = DiffusersImageGenerator.from_path(str(build_tiny_sd(tmp / "sd")), steps=2, size=16)
    audio = TransformersAudioGenerator.from_path(str(build_tiny_vits(tmp / "vits")))
    lm = RuleAdapter(name="lm", rule=_lm, tag="composite-lm")
    return CompositeAdapter.build(lm, {"image": image, "audio": audio}, tmp / "store"), tmp


def test_media_are_generated_stored_and_deterministic(composite):
    from PIL import Image
    import soundfile as sf

    adapter, _ = composite
    assert adapter.capabilities.output_modalities == {"text", "image", "audio"}
    structured = Request(kind="generate", messages=(Message.user("[[response]]: ... answer the request"),))
    image_only = Request(kind="generate", messages=(Message.user("a mango"),), output_modalities=("image",))
    [r1] = adapter.generate([structured])
    r2, r3 = adapter.generate([image_only, structured])
    assert [p.type for p in r1.parts] == ["image", "audio"] and [p.type for p in r2.parts] == ["image"]
    # Same instruction -> same media, whatever else was in the batch.
    assert r1.parts[0].sha256 == r2.parts[0].sha256 == r3.parts[0].sha256 and r1.parts[1] == r3.parts[1]
    im = Image.open(r1.parts[0].path)
    assert im.size == (16, 16) and im.format == "PNG"
    wave, sr = sf.read(r1.parts[1].path)
    assert sr == 8000 and len(wave) > 0 and np.isfinite(wave).all()


def test_run_stores_media_and_judges_see_them(composite, tmp_path):
    adapter, tmp = composite
    register_model("fakemedia", "judge_fakes:load_media_judge")
    config = RunConfig(model="composite:nowhere", tasks=["modality_synergy", "amg_if_image", "amg_if_audio"],
                       judge="fakemedia:", output=str(tmp_path / "runs"), cache_path=str(tmp_path / "c.sqlite"),
                       show_progress=False, limit=2, bootstrap_iters=20)
    result = run(config, adapter=adapter)
    data = load_run(result.run_dir)
    tasks = data["results"]["tasks"]
    assert all(not tasks[t]["skipped"] and tasks[t]["n_errors"] == 0 for t in config.tasks)
    media_files = {p.name for p in (result.run_dir / "media").iterdir()}
    for rec in data["samples"]["modality_synergy"]:
        kinds = [p["type"] for p in rec["output_parts"]]
        assert kinds == ["image", "audio"]
        assert all(p["path"].startswith("media/") and p["path"][6:] in media_files for p in rec["output_parts"])
        # tia: S_m = 8/10 each, S_pair = (8-1)/9 each, alpha = selection[tia]/3 per pair
        assert rec["metrics"]["s_amg"] == pytest.approx(3 * 0.5 * rec["target"]["tia"] / 3 * 1.6 * 7 / 9)
    assert tasks["amg_if_image"]["metrics"]["score"]["value"] == 8.0
    judge = LOADED[-1]
    shown = [c for c in judge.calls if any(p.type != "text" for m in c.messages for p in m.parts)]
    assert {p.type for c in shown for m in c.messages for p in m.parts} >= {"image", "audio"}
    audio_qs = data["samples"]["amg_if_audio"]
    assert all(r["judge"] and r["output_parts"][0]["type"] == "audio" for r in audio_qs)


def test_composite_spec_loader(composite, tmp_path):
    from eval_anything.models import composite as comp

    _, tmp = composite
    args = {"image": str(tmp / "sd"), "audio": str(tmp / "vits"), "image_steps": 1, "image_size": 16,
            "media_dir": str(tmp_path / "store")}
    a = comp.load("default", dict(args))
    assert a.capabilities.output_modalities == {"text", "image", "audio"} and a.language.name.startswith("default")
    b = comp.load("default", {**args, "image_steps": 2})
    assert a.fingerprint() != b.fingerprint()  # generator settings change outputs, so they key the cache
    assert comp.load("default", dict(args)).fingerprint() == a.fingerprint()
