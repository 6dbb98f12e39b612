"""Run directories: unique ids, temp directories owned by one process, one atomic publish, stale clean-up."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from eval_anything import rundir
from tests.fixtures.readonly import readonly_dir
from eval_anything.rundir import RunDirError, RunWriter, atomic_write, clean_stale, new_run_id, owner_tag, pid_alive


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid  # reaped: no process has this pid now (pids are not reused this fast)


def _writer(tmp_path: Path, name: str = "r1") -> RunWriter:
    return RunWriter(tmp_path / "out" / "model" / name)


def _publish(w: RunWriter, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        atomic_write(w.tmp / rel, text)
    w._publish()
    return w.run_dir


def test_run_id_is_stamp_hash_and_random_suffix():
    now = datetime(2026, 12, 1, 8, 5, 9, tzinfo=timezone.utc)
    rid = new_run_id("abcdef0123456789", now=now)
    assert re.fullmatch(r"20261201T080509Z-abcdef01-[0-9a-f]{6}", rid), rid
    ids = {new_run_id("abcdef0123456789", now=now) for _ in range(200)}
    assert len(ids) == 200  # same second, same config: still distinct


def test_owner_tag_names_this_process():
    tag = owner_tag()
    host, pid, rand = tag.rsplit("-", 2)
    assert int(pid) == os.getpid() and re.fullmatch(r"[0-9a-f]{8}", rand) and host == rundir._host()
    assert owner_tag() != tag


def test_pid_alive():
    assert pid_alive(os.getpid()) is True
    assert pid_alive(_dead_pid()) is False
    assert pid_alive(0) is False and pid_alive(-1) is False


def test_open_creates_an_exclusive_private_temp_dir(tmp_path):
    a, b = _writer(tmp_path).open(), _writer(tmp_path).open()
    assert a.tmp != b.tmp and a.tmp.is_dir() and b.tmp.is_dir()
    m = rundir._PRIVATE.match(a.tmp.name)
    assert m and m["run"] == "r1" and int(m["pid"]) == os.getpid() and a.tmp.name.endswith(".tmp")
    assert list(a.tmp.iterdir()) == []  # the write probe is gone
    a.discard()
    assert a.tmp is None and b.tmp.is_dir() and not any(p.name.startswith(".r1.") and p != b.tmp
                                                         for p in b.tmp.parent.iterdir())


def test_publish_is_one_rename_and_leaves_no_temp(tmp_path):
    w = _writer(tmp_path).open()
    tmp = w.tmp
    run = _publish(w, {"results.json": "{}\n", "run.json": "{}\n", "samples/t.jsonl": ""})
    assert sorted(p.name for p in run.iterdir()) == ["results.json", "run.json", "samples"]
    assert not tmp.exists() and w.tmp is None
    assert [p.name for p in run.parent.iterdir()] == ["r1"]
    w.discard()  # after a publish there is nothing of ours to remove
    assert run.is_dir()


def test_same_run_id_replaces_never_merges(tmp_path):
    first = _publish(_writer(tmp_path).open(), {"results.json": "1\n", "old-only.txt": "x"})
    second = _publish(_writer(tmp_path).open(), {"results.json": "2\n"})
    assert first == second
    assert sorted(p.name for p in second.iterdir()) == ["results.json"]
    assert (second / "results.json").read_text() == "2\n"
    assert [p.name for p in second.parent.iterdir()] == ["r1"]  # the replaced copy was deleted


def test_publish_onto_an_empty_directory(tmp_path):
    w = _writer(tmp_path).open()
    w.run_dir.mkdir()
    _publish(w, {"results.json": "{}"})
    assert (w.run_dir / "results.json").exists()


def test_clean_stale_removes_only_dead_local_writers(tmp_path):
    parent = tmp_path / "out" / "model"
    parent.mkdir(parents=True)
    host, dead = rundir._host(), _dead_pid()
    stale = parent / f".r1.{host}-{dead}-0123abcd.tmp"
    stale_old = parent / f".r2.{host}-{dead}-0123abce.old"
    live = parent / f".r3.{host}-{os.getpid()}-0123abcf.tmp"
    other_host = parent / f".r4.{host}x-{dead}-0123abd0.tmp"
    legacy = parent / ".r5.tmp"
    finished = parent / "r6"
    for d in (stale, stale_old, live, other_host, legacy, finished):
        (d / "samples").mkdir(parents=True)
    removed = clean_stale(parent)
    assert sorted(removed) == sorted([stale, stale_old])
    assert sorted(p.name for p in parent.iterdir()) == sorted(p.name for p in (live, other_host, legacy, finished))


def test_clean_stale_on_missing_folder(tmp_path):
    assert clean_stale(tmp_path / "nope") == []


def test_open_cleans_stale_temp_dirs(tmp_path):
    w = _writer(tmp_path)
    w.run_dir.parent.mkdir(parents=True)
    stale = w.run_dir.parent / f".old-run.{rundir._host()}-{_dead_pid()}-deadbeef.tmp"
    stale.mkdir()
    w.open()
    assert not stale.exists() and w.tmp.is_dir()


@pytest.mark.parametrize("where", ["readonly", "file", "sys"])
def test_unwritable_output_is_one_clear_error(tmp_path, where):
    with readonly_dir(tmp_path / "ro") as ro:
        if where == "readonly":
            if ro is None:
                pytest.skip("no way to make a read-only folder here")
            output = ro
        elif where == "file":
            (tmp_path / "afile").write_text("x")
            output = tmp_path / "afile"
        else:
            output = Path("/sys/eval-anything-output")  # the kernel refuses to create anything there
        w = RunWriter(output / "model" / "r1")
        with pytest.raises(RunDirError) as e:
            w.open()
    msg = str(e.value)
    assert msg.startswith(f"--output {output} is not writable (") and msg.endswith("choose another --output")
    assert "\n" not in msg and w.tmp is None


def test_atomic_write_is_private_and_complete(tmp_path):
    target = tmp_path / "d" / "results.json"
    atomic_write(target, "one\n")
    atomic_write(target, "two\n")
    assert target.read_text() == "two\n" and [p.name for p in target.parent.iterdir()] == ["results.json"]


def test_write_publishes_samples_folder_even_when_all_skipped(tmp_path):
    w = _writer(tmp_path)
    run = w.write({"run": 1}, {"results": 1}, [])
    assert (run / "samples").is_dir() and json.loads((run / "run.json").read_text()) == {"run": 1}
    assert json.loads((run / "results.json").read_text()) == {"results": 1}


def test_publish_onto_a_file_is_an_error_not_a_loop(tmp_path):
    w = _writer(tmp_path).open()
    w.run_dir.write_text("a file where the run should go")
    with pytest.raises(NotADirectoryError):
        _publish(w, {"results.json": "{}"})
    assert w.run_dir.read_text() == "a file where the run should go"


def test_publish_gives_up_when_others_keep_taking_the_name(tmp_path, monkeypatch):
    w = _writer(tmp_path).open()
    w.run_dir.mkdir()
    (w.run_dir / "x").write_text("someone else's run")
    real_rename, calls = os.rename, []

    def rename(src, dst):
        calls.append((Path(src).name, Path(dst).name))
        if Path(src) == w.run_dir:  # another writer always moves the old run first
            raise FileNotFoundError(src)
        return real_rename(src, dst)

    monkeypatch.setattr(rundir.os, "rename", rename)
    with pytest.raises(RunDirError, match="other runs keep writing the same --run-id"):
        _publish(w, {"results.json": "{}"})
    assert len(calls) == 100 and (w.run_dir / "x").read_text() == "someone else's run"


def test_clean_stale_skips_a_directory_another_cleaner_took(tmp_path, monkeypatch):
    parent = tmp_path / "p"
    stale = parent / f".r1.{rundir._host()}-{_dead_pid()}-0123abcd.tmp"
    stale.mkdir(parents=True)

    def taken(src, dst):
        raise FileNotFoundError(src)

    monkeypatch.setattr(rundir.os, "rename", taken)
    assert clean_stale(parent) == [] and stale.is_dir()


def test_host_tag_is_file_safe(monkeypatch):
    monkeypatch.setattr(rundir.socket, "gethostname", lambda: "my host.example/x")
    assert rundir._host() == "my_host_example_x"
    monkeypatch.setattr(rundir.socket, "gethostname", lambda: "h" * 40)
    assert rundir._host() == "h" * 32
    monkeypatch.setattr(rundir.socket, "gethostname", lambda: "")
    assert rundir._host() == "host"


def test_a_taken_temp_name_is_never_reused(tmp_path, monkeypatch):
    monkeypatch.setattr(rundir, "owner_tag", lambda: "h-1-00000000")
    target = tmp_path / "results.json"
    taken = tmp_path / ".results.json.h-1-00000000.tmp"
    taken.write_text("another writer's bytes")
    with pytest.raises(FileExistsError):
        atomic_write(target, "mine")
    assert taken.read_text() == "another writer's bytes" and not target.exists()
    w = _writer(tmp_path)
    w.run_dir.parent.mkdir(parents=True)
    (w.run_dir.parent / ".r1.h-1-00000000.tmp").mkdir()
    with pytest.raises(RunDirError):
        w.open()  # exclusive: an existing temp directory is someone else's
    assert (w.run_dir.parent / ".r1.h-1-00000000.tmp").is_dir()


def test_failed_probe_removes_the_new_temp_dir(tmp_path, monkeypatch):
    def no_files(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rundir, "open", no_files, raising=False)
    w = _writer(tmp_path)
    with pytest.raises(RunDirError, match=r"is not writable \(OSError: No space left on device\)"):
        w.open()
    assert list(w.run_dir.parent.iterdir()) == [] and w.tmp is None


def test_publish_treats_eexist_like_enotempty(tmp_path, monkeypatch):
    import errno

    first = _publish(_writer(tmp_path).open(), {"results.json": "1\n"})
    w = _writer(tmp_path).open()
    real_rename = os.rename

    def rename(src, dst):
        if Path(dst) == first and Path(src) == w.tmp and first.exists():
            raise OSError(errno.EEXIST, "File exists")  # what some file systems say instead of ENOTEMPTY
        return real_rename(src, dst)

    monkeypatch.setattr(rundir.os, "rename", rename)
    _publish(w, {"results.json": "2\n"})
    assert (first / "results.json").read_text() == "2\n"


def test_default_model_built_by_two_runs_at_once(tmp_path):
    # Runs started together on a fresh home all build the default model; the slower one must keep the winner's.
    from eval_anything.models.default_model import build_tiny_llama

    path = build_tiny_llama(tmp_path / "m", seed=0, hidden_size=8, layers=1, heads=1, intermediate_size=8)
    before = (path / "config.json").read_bytes()
    assert build_tiny_llama(tmp_path / "m", seed=0, hidden_size=8, layers=1, heads=1, intermediate_size=8) == path
    assert (path / "config.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # the loser's temp copy is gone
