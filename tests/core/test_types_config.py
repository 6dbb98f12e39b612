import pytest

from eval_anything.config import ConfigError, RunConfig, load_task_spec, parse_kv_args
from eval_anything.registry import TaskRegistry
from eval_anything.types import Message, Part, Request


def test_request_key_ignores_media_path_but_not_content_hash():
    a = Request("generate", (Message("user", (Part("image", path="/a.png", sha256="ab"), Part.of_text("q"))),))
    b = Request("generate", (Message("user", (Part("image", path="/b.png", sha256="ab"), Part.of_text("q"))),))
    c = Request("generate", (Message("user", (Part("image", path="/a.png", sha256="cd"), Part.of_text("q"))),))
    assert a.key() == b.key() != c.key()


def test_request_key_covers_generation_settings_and_continuation():
    base = Request("generate", (Message.user("q"),))
    assert base.key() != base.with_generation(max_new_tokens=5).key()
    ll = Request("loglikelihood", (Message.user("q"),), continuation=" a")
    assert ll.key() != Request("loglikelihood", (Message.user("q"),), continuation=" b").key()


def test_part_validation():
    with pytest.raises(ValueError):
        Part("image")
    with pytest.raises(ValueError):
        Part("smell", text="x")


def _write(tmp_path, text, name="task.yaml"):
    d = tmp_path / "t"
    d.mkdir(exist_ok=True)
    (d / name).write_text(text)
    return d / name


def test_unknown_task_key_is_named(tmp_path):
    p = _write(tmp_path, "name: x\nmetric: {primary: acc}\npromt: {}\n")
    with pytest.raises(ConfigError, match="unknown key 'promt'"):
        load_task_spec(p)


def test_malformed_yaml_names_file_and_line(tmp_path):
    p = _write(tmp_path, "name: x\nmetric:\n  primary: [acc\n")
    with pytest.raises(ConfigError) as e:
        load_task_spec(p)
    assert str(p) in str(e.value) and ":4:" in str(e.value)


def test_unknown_run_option_rejected():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=r"limt\n  Extra inputs are not permitted"):
        RunConfig(limt=3)


def test_secrets_never_in_public_config():
    cfg = RunConfig(model_args={"api_key": "sk-123", "dtype": "float32"})
    assert "sk-123" not in str(cfg.public_dict())
    assert cfg.public_dict()["model_args"]["dtype"] == "float32"


def test_parse_kv_args_types():
    assert parse_kv_args("dtype=float32,batch_size=4,trust_remote_code=true") == {
        "dtype": "float32", "batch_size": 4, "trust_remote_code": True}
    with pytest.raises(ConfigError, match="key=value"):
        parse_kv_args("oops")


def test_unknown_task_suggests_close_match(tmp_path):
    _write(tmp_path, "name: arithmetic_mini\ngroups: [mathy]\nmetric: {primary: acc}\n")
    reg = TaskRegistry([tmp_path], include_builtin=False)
    with pytest.raises(ConfigError, match="Did you mean: arithmetic_mini"):
        reg.resolve(["arithmetc_mini"])
    assert [e.name for e in reg.resolve(["mathy"])] == ["arithmetic_mini"]
    assert [e.name for e in reg.resolve(["all"])] == ["arithmetic_mini"]


def test_duplicate_task_names_rejected(tmp_path):
    _write(tmp_path, "name: dup\nmetric: {primary: acc}\n")
    (tmp_path / "u").mkdir()
    (tmp_path / "u" / "task.yaml").write_text("name: dup\nmetric: {primary: acc}\n")
    with pytest.raises(ConfigError, match="defined twice"):
        TaskRegistry([tmp_path], include_builtin=False)
