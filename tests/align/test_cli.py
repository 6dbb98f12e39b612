"""Config validation: unknown keys and overrides are errors that name the key; shipped configs validate."""

from pathlib import Path

import pytest

from align.cli import main, parse_args
from align.config import ConfigError, load_config

CONFIGS = Path(__file__).resolve().parents[2] / "align" / "configs"


def test_parse_overrides():
    algo, cfg, ov = parse_args(["dpo", "--config", "x.yaml", "--dpo.beta", "0.2", "--train.max-steps=5"])
    assert (algo, cfg, ov) == ("dpo", "x.yaml", [("dpo.beta", "0.2"), ("train.max_steps", "5")])


def test_unknown_override_is_an_error_naming_the_key(tmp_path):
    base = [("model.path", "m"), ("data.path", "d"), ("train.output_dir", str(tmp_path))]
    with pytest.raises(ConfigError, match=r"unknown key 'dpo\.betta' \(from --dpo\.betta\)"):
        load_config("dpo", None, base + [("dpo.betta", "0.2")])
    with pytest.raises(ConfigError, match="dpo.beta: Input should be a valid number"):
        load_config("dpo", None, base + [("dpo.beta", "high")])
    cfg = load_config("dpo", None, base + [("dpo.beta", "0.25")])
    assert cfg.dpo.beta == 0.25


def test_unknown_yaml_key_is_an_error(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("model: {path: m}\ndata: {path: d}\ntrain: {output_dir: o, learning_rte: 1}\n")
    with pytest.raises(ConfigError, match="unknown key 'train.learning_rte'"):
        load_config("sft", p)


def test_cli_exit_code_and_message(capsys):
    assert main(["dpo", "--config", str(CONFIGS / "dpo_text.yaml"), "--dpo.nope", "1"]) == 2
    assert "unknown key 'dpo.nope'" in capsys.readouterr().err
    assert main(["fly"]) == 2


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_configs_validate(path):
    import yaml

    algorithm = path.stem.split("_")[0]
    cfg = load_config(algorithm, path)
    raw = yaml.safe_load(path.read_text())

    # Every value written in the file reaches the typed config unchanged; model and data paths that exist beside
    # the config are made absolute (and point at that file).
    def check(node, section, where):
        for key, value in section.items():
            got = getattr(node, key)
            if isinstance(value, dict):
                check(got, value, f"{where}.{key}")
            elif key in ("path", "media_root") and value is not None and (path.parent / value).exists():
                assert Path(got) == (path.parent / value).resolve(), f"{where}.{key}"
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                assert [v.model_dump(exclude_unset=True) if hasattr(v, "model_dump") else v for v in got] == \
                    value, f"{where}.{key}"
            else:
                assert got == value, f"{where}.{key}: {got!r} != {value!r}"

    check(cfg, raw, path.name)


@pytest.mark.parametrize("algorithm,config,model,extra", [
    ("dpo", "dpo_text.yaml", "tiny_llama", ["--train.max_steps", "2"]),
    ("ppo", "ppo_text.yaml", "tiny_llama", ["--ppo.total_steps", "2", "--ppo.rollout_batch_size", "4",
                                            "--ppo.mini_batch_size", "4", "--ppo.max_new_tokens", "4",
                                            "--train.save_steps", "null"]),
    ("dpo", "dpo_image_text.yaml", "tiny_llava", ["--train.max_steps", "2"]),
    ("sft", "sft_audio_text.yaml", "tiny_qwen2_audio", ["--train.max_steps", "2"]),
])
def test_shipped_config_runs_through_the_cli(algorithm, config, model, extra, request, tmp_path, monkeypatch):
    model_path = request.getfixturevalue(model)
    monkeypatch.chdir(tmp_path)  # relative data and media paths must still resolve beside the config
    out = tmp_path / "out"
    argv = [algorithm, "--config", str(CONFIGS / config), "--model.path", str(model_path),
            "--train.output_dir", str(out), *extra]
    assert main(argv) == 0
    from tests.fixtures.checkpoints import assert_trained_from

    if algorithm == "ppo":
        import torch

        # The rule reward finds none of its strings in a random model's 4 tokens: every score and advantage is 0,
        # so PPO must leave the policy exactly as it was; the value head (hidden size 64 -> 1) is saved beside it.
        assert_trained_from(model_path, out, changed=False)
        head = torch.load(out / "value_head.pt", weights_only=True)
        assert {k: tuple(v.shape) for k, v in head.items()} == {"weight": (1, 64), "bias": (1,)}
    else:
        assert_trained_from(model_path, out)
    # the tokenizer (and for multimodal models the processor) is saved beside the weights and loads again
    from transformers import AutoProcessor, AutoTokenizer

    assert AutoTokenizer.from_pretrained(out).get_vocab() == AutoTokenizer.from_pretrained(model_path).get_vocab()
    if model != "tiny_llama":
        assert type(AutoProcessor.from_pretrained(out)) is type(AutoProcessor.from_pretrained(model_path))
