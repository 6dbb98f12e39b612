"""End-to-end runs through the Python API: run directory contract, cache reuse, errors that name the fix."""

import json

import pytest

import eval_anything
from eval_anything.config import ConfigError
from eval_anything.rundir import load_run

from tests.fixtures.taskgen import write_gen_task, write_mc_task


@pytest.fixture()
def task_root(tmp_path):
    write_mc_task(tmp_path / "tasks", n=12, fewshot=2)
    write_gen_task(tmp_path / "tasks", n=6)
    return tmp_path / "tasks"


def _run(model, task_root, tmp_path, **kw):
    opts = dict(task_paths=[str(task_root)], output=str(tmp_path / "runs"), cache_path=str(tmp_path / "c.sqlite"),
                show_progress=False, bootstrap_iters=200)
    opts.update(kw)
    return eval_anything.evaluate(model, ["tmc", "tgen"], **opts)


def test_run_directory_contract(tiny_llama_path, task_root, tmp_path):
    res = _run(f"hf:{tiny_llama_path}", task_root, tmp_path)
    d = res.run_dir
    assert d.parent.parent == tmp_path / "runs" and d.parent.name.startswith("hf__")
    data = load_run(d)
    run, results = data["run"], data["results"]
    assert run["model"]["fingerprint"] == results["model"]["fingerprint"]
    assert run["tasks"]["tmc"]["num_fewshot"] == 2 and len(run["tasks"]["tmc"]["prompt_hash"]) == 64
    assert run["versions"]["transformers"] and run["seeds"]["seed"] == 1234
    tmc = results["tasks"]["tmc"]
    assert tmc["n"] == 12 and tmc["n_errors"] == 0 and tmc["primary_metric"] == "acc"
    lines = data["samples"]["tmc"]
    assert len(lines) == 12 and len({line["id"] for line in lines}) == 12
    # the reported mean is exactly the mean of the per-sample values written to the samples file
    assert tmc["metrics"]["acc"]["value"] == pytest.approx(sum(s["metrics"]["acc"] for s in lines) / 12)
    assert all(len(s["logprobs"]) == 4 and s["prompt"].count("Question:") == 3 for s in lines)
    gen = data["samples"]["tgen"]
    # each generated answer is extracted and scored as the task says: gsm8k_number, then exact match
    from eval_anything.scoring import exact_match, extract_gsm8k_number

    assert len(gen) == results["tasks"]["tgen"]["n"] and all(s["error"] is None for s in gen)
    assert [s["extracted"] for s in gen] == [extract_gsm8k_number(s["response"]) for s in gen]
    assert [s["metrics"]["exact_match"] for s in gen] == [exact_match(s["extracted"], s["target"]) for s in gen]
    assert results["tasks"]["tgen"]["metrics"]["exact_match"]["value"] == pytest.approx(
        sum(s["metrics"]["exact_match"] for s in gen) / len(gen))
    assert results["groups"]["tgroup"]["tasks"] == ["tgen", "tmc"]
    assert "macro" in results["groups"]["tgroup"]["weighting"]


def test_rerun_uses_cache_and_gives_identical_results(tiny_llama_path, task_root, tmp_path):
    first = _run(f"hf:{tiny_llama_path}", task_root, tmp_path, run_id="a")
    second = _run(f"hf:{tiny_llama_path}", task_root, tmp_path, run_id="b")
    assert second.run_info["timing"]["computed"] == 0
    assert second.run_info["timing"]["cache_hits"] == first.run_info["timing"]["unique"]
    r1 = (first.run_dir / "results.json").read_text().replace('"a"', '"X"')
    r2 = (second.run_dir / "results.json").read_text().replace('"b"', '"X"')
    assert r1 == r2
    for t in ("tmc", "tgen"):
        assert (first.run_dir / "samples" / f"{t}.jsonl").read_bytes() == \
            (second.run_dir / "samples" / f"{t}.jsonl").read_bytes()


def test_no_cache_recomputes(tiny_llama_path, task_root, tmp_path):
    first = _run(f"hf:{tiny_llama_path}", task_root, tmp_path, run_id="first")
    again = _run(f"hf:{tiny_llama_path}", task_root, tmp_path, use_cache=False)
    # nothing read from the cache: every unique request is computed again
    assert again.run_info["timing"]["cache_hits"] == 0
    assert again.run_info["timing"]["computed"] == again.run_info["timing"]["unique"] == \
        first.run_info["timing"]["unique"]


def test_in_memory_model_equals_path_model(tiny_llama_path, task_root, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    by_path = _run(f"hf:{tiny_llama_path}", task_root, tmp_path, use_cache=False)
    model = AutoModelForCausalLM.from_pretrained(tiny_llama_path)
    tok = AutoTokenizer.from_pretrained(tiny_llama_path)
    in_memory = _run((model, tok), task_root, tmp_path, use_cache=False)
    for t in ("tmc", "tgen"):
        assert in_memory.results["tasks"][t]["metrics"] == by_path.results["tasks"][t]["metrics"]


def test_limit_and_seed_recorded(tiny_llama_path, task_root, tmp_path):
    res = _run(f"hf:{tiny_llama_path}", task_root, tmp_path, limit=3, seed=7)
    assert res.results["tasks"]["tmc"]["n"] == 3
    assert res.run_info["config"]["seed"] == 7


def test_missing_model_path_is_clear(tmp_path, task_root):
    with pytest.raises(ConfigError, match="does not exist"):
        _run(f"hf:{tmp_path}/nope", task_root, tmp_path)


def test_missing_data_file_names_path_and_fix(tiny_llama_path, task_root, tmp_path):
    (task_root / "tmc" / "test.jsonl").unlink()
    with pytest.raises(ConfigError, match=r"test.jsonl not found.*--data-dir"):
        _run(f"hf:{tiny_llama_path}", task_root, tmp_path)


def test_malformed_record_names_file_and_record(tiny_llama_path, task_root, tmp_path):
    f = task_root / "tmc" / "test.jsonl"
    lines = f.read_text().splitlines()
    lines[4] = '{"question": "broken"'
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match=r"test.jsonl record 5 is not valid JSON"):
        _run(f"hf:{tiny_llama_path}", task_root, tmp_path)


def test_data_dir_overrides_shipped_files(tiny_llama_path, task_root, tmp_path):
    alt = write_mc_task(tmp_path / "alt", n=5, seed=9)
    res = _run(f"hf:{tiny_llama_path}", task_root, tmp_path, data_dir=str(alt.parent))
    assert res.results["tasks"]["tmc"]["n"] == 5


def test_text_only_model_skips_image_task(tiny_llama_path, tmp_path):
    d = tmp_path / "tasks" / "needs_image"
    d.mkdir(parents=True)
    (d / "task.yaml").write_text("name: needs_image\nmodalities: {input: [text, image]}\n"
                                 "dataset: {data_files: t.jsonl}\nmetric: {primary: exact_match}\n")
    (d / "t.jsonl").write_text(json.dumps({"question": "q", "answer": "a"}) + "\n")
    res = eval_anything.evaluate(f"hf:{tiny_llama_path}", ["needs_image"], task_paths=[str(tmp_path / "tasks")],
                                 output=str(tmp_path / "runs"), use_cache=False, show_progress=False)
    assert res.results["tasks"]["needs_image"]["skipped"] == "model lacks input modality: image"
    assert not (res.run_dir / "samples" / "needs_image.jsonl").exists()
