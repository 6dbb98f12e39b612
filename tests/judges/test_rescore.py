"""rescore: new judge, new run directory linked to the first, evaluated model never loaded nor called."""

import hashlib
import json

import pytest

import eval_anything.rescore as rescore_mod
from eval_anything.config import RunConfig
from eval_anything.registry import register_model
from eval_anything.rundir import load_run
from eval_anything.runner import run
from judge_fakes import structured_model

TASKS = ["amg_if_text", "modality_selection", "modality_synergy"]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    register_model("fakejudge", "judge_fakes:load_fake_judge")
    tmp = tmp_path_factory.mktemp("rescore")
    model = structured_model()
    # The recorded model spec points nowhere: loading it would fail, so rescore must never try.
    # The model writes image instructions but makes no images: synergy judges the instructions, explicitly.
    config = RunConfig(model="hf:/does/not/exist/model", tasks=TASKS, judge="fakejudge:seven", output=str(tmp / "runs"),
                       cache_path=str(tmp / "cache.sqlite"), show_progress=False, limit=4, bootstrap_iters=50,
                       task_options={"synergy_input": "instructions"})
    result = run(config, adapter=model)
    return result, model, tmp


def test_first_run_used_the_first_judge(first_run):
    result, model, _ = first_run
    assert result.primary("amg_if_text") == 7.0
    assert len(model.calls) == 12  # 4 samples x 3 tasks


def test_rescore_rejudges_without_the_evaluated_model(first_run, monkeypatch):
    result, model, tmp = first_run
    loaded = []
    real_load = rescore_mod.load_model
    monkeypatch.setattr(rescore_mod, "load_model", lambda spec, *a, **k: loaded.append(spec) or real_load(spec, *a, **k))
    calls_before = len(model.calls)
    new_dir = rescore_mod.rescore(result.run_dir, "fakejudge:three", {}, None)
    assert loaded == ["fakejudge:three"] and len(model.calls) == calls_before
    new = load_run(new_dir)
    assert new_dir != result.run_dir and new_dir.parent == result.run_dir.parent
    assert new["run"]["rescored_from"]["run_id"] == result.run_info["run_id"]
    assert new["run"]["rescored_from"]["path"] == str(result.run_dir)
    assert new["run"]["judge"]["spec"] == "fakejudge:three"
    assert new["run"]["model"]["fingerprint"] == result.run_info["model"]["fingerprint"]
    tasks = new["results"]["tasks"]
    assert tasks["amg_if_text"]["metrics"]["score"]["value"] == 3.0
    old_sel = result.results["tasks"]["modality_selection"]["metrics"]["selection_score"]["value"]
    assert tasks["modality_selection"]["metrics"]["selection_score"]["value"] == pytest.approx(old_sel)
    # structured answers chose "ti": S_AMG = 1/2 * alpha_ti * (3/10 + 3/10) * (3-1)/9 per item
    recs = {r["id"]: r for r in new["samples"]["modality_synergy"]}
    assert tasks["modality_synergy"]["extra"]["judged_on"] == "instructions"  # the run's task options carry over
    for r in recs.values():
        alpha = r["target"]["ti"]
        assert r["metrics"]["s_amg"] == pytest.approx(0.5 * alpha * 0.6 * (2 / 9))
        assert {j["judge_model"] for j in r["judge"]} == {"fakejudge:three"}
    old_recs = {r["id"]: r for r in load_run(result.run_dir)["samples"]["amg_if_text"]}
    for r in new["samples"]["amg_if_text"]:
        assert r["response"] == old_recs[r["id"]]["response"] and r["judge"][0]["raw_output"] == "[[3]]"


def test_rescore_with_another_template_and_cached_judge_calls(first_run, tmp_path):
    result, _, tmp = first_run
    tpl = tmp_path / "strict.jinja"
    tpl.write_text("Grade strictly.\n{{ prompt }}\n{{ response }}\nEnd with Score: N ({{ lo }}-{{ hi }}).\n")
    out = tmp_path / "rescored"
    first = rescore_mod.rescore(result.run_dir, "fakejudge:seven", {}, None, output=out, template=str(tpl))
    rec = json.loads((first / "samples" / "amg_if_text.jsonl").read_text().splitlines()[0])
    assert rec["judge"][0]["template"] == str(tpl)
    assert rec["judge"][0]["template_hash"] == hashlib.sha256(tpl.read_bytes()).hexdigest()
    second = rescore_mod.rescore(result.run_dir, "fakejudge:seven", {}, None, output=out, template=str(tpl))
    timing = json.loads((second / "run.json").read_text())["timing"]
    first_timing = json.loads((first / "run.json").read_text())["timing"]
    # the second rescore asks the judge nothing: every request the first one made is answered from the cache
    assert first_timing["computed"] >= 1
    assert (timing["computed"], timing["cache_hits"]) == (0, first_timing["computed"] + first_timing["cache_hits"])


def test_rescore_parse_failures_are_counted(first_run, tmp_path):
    result, _, _ = first_run
    new = load_run(rescore_mod.rescore(result.run_dir, "fakejudge:garbled", {}, None, output=tmp_path))
    t = new["results"]["tasks"]["amg_if_text"]
    assert t["n_errors"] == 4 and t["extra"]["judge_parse_failures"] == 4 and t["metrics"]["score"]["value"] is None
    rec = new["samples"]["amg_if_text"][0]
    assert rec["error"].startswith("judge parse failure") and rec["judge"][0]["attempts"] == 2
