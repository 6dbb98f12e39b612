"""The response cache on real SQLite files: a checksum per entry, damaged entries are misses, an unreadable file
names itself and the fix, old caches migrate."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from eval_anything.cache import CacheError, ResponseCache, encode_response, entry_checksum
from eval_anything.config import ConfigError
from eval_anything.types import Response


def _fill(path, n=3) -> ResponseCache:
    cache = ResponseCache(path)
    cache.put_many((f"k{i}", "fp", "tv", "rh", Response(text=f"answer-{i}", logprob=-1.5 * i)) for i in range(n))
    return cache


def _sql(path, query, *args):
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        return conn.execute(query, args).fetchall()
    finally:
        conn.close()


def test_checksum_is_sha256_of_key_and_value(tmp_path):
    _fill(tmp_path / "c.sqlite", 1).close()
    [(key, value, checksum)] = _sql(tmp_path / "c.sqlite", "SELECT key, response, checksum FROM responses")
    assert value == encode_response(Response(text="answer-0", logprob=-0.0)) and key == "k0"
    assert checksum == hashlib.sha256(f"k0\x1f{value}".encode()).hexdigest() == entry_checksum("k0", value)
    assert entry_checksum("k0", value) != entry_checksum("k1", value)  # bound to its key
    assert entry_checksum("k0", value) != entry_checksum("k0", value + " ")


def test_intact_entries_are_served(tmp_path):
    cache = _fill(tmp_path / "c.sqlite")
    got = cache.get_many(["k0", "k1", "k2", "missing"])
    assert {k: (r.text, r.logprob) for k, r in got.items()} == {
        "k0": ("answer-0", 0.0), "k1": ("answer-1", -1.5), "k2": ("answer-2", -3.0)}
    assert cache.damaged == 0


def test_changed_value_is_a_miss_then_overwritten(tmp_path):
    path = tmp_path / "c.sqlite"
    cache = _fill(path)
    # Change one byte of a stored value: still valid JSON, a different answer (what would change scores).
    _sql(path, "UPDATE responses SET response = replace(response, 'answer-1', 'answer-7') WHERE key = 'k1'")
    got = cache.get_many(["k0", "k1", "k2"])
    assert sorted(got) == ["k0", "k2"] and cache.damaged == 1
    cache.put_many([("k1", "fp", "tv", "rh", Response(text="answer-1"))])  # the recomputed value
    assert cache.get_many(["k1"])["k1"].text == "answer-1" and cache.damaged == 1
    assert cache.count() == 3


def test_value_moved_to_another_key_is_a_miss(tmp_path):
    path = tmp_path / "c.sqlite"
    cache = _fill(path)
    [(v0, c0)] = _sql(path, "SELECT response, checksum FROM responses WHERE key = 'k0'")
    _sql(path, "UPDATE responses SET response = ?, checksum = ? WHERE key = 'k2'", v0, c0)
    assert sorted(cache.get_many(["k0", "k2"])) == ["k0"] and cache.damaged == 1


@pytest.mark.parametrize("checksum", [None, "", "0" * 64])
def test_missing_or_wrong_checksum_is_a_miss(tmp_path, checksum):
    path = tmp_path / "c.sqlite"
    cache = _fill(path)
    _sql(path, "UPDATE responses SET checksum = ? WHERE key = 'k0'", checksum)
    assert sorted(cache.get_many(["k0", "k1"])) == ["k1"] and cache.damaged == 1


def test_unparseable_value_with_matching_checksum_is_a_miss(tmp_path):
    path = tmp_path / "c.sqlite"
    cache = _fill(path)
    _sql(path, "UPDATE responses SET response = ?, checksum = ? WHERE key = 'k0'", "{not json",
         entry_checksum("k0", "{not json"))
    assert cache.get_many(["k0"]) == {} and cache.damaged == 1


def test_flipped_byte_in_the_file_is_never_served(tmp_path):
    path = tmp_path / "c.sqlite"
    _fill(path).close()  # the last connection closing checkpoints the WAL into the file
    data = bytearray(path.read_bytes())
    i = data.index(b"answer-2")
    data[i + 7] ^= 0x01  # '2' -> '3'
    path.write_bytes(bytes(data))
    cache = ResponseCache(path)
    got = cache.get_many(["k0", "k1", "k2"])
    assert sorted(got) == ["k0", "k1"] and cache.damaged == 1


def test_errors_are_never_cached(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    cache.put_many([("a", "fp", "tv", "rh", Response.failed("HTTP 500")), ("b", "fp", "tv", "rh", Response(text="x"))])
    assert cache.count() == 1 and set(cache.get_many(["a", "b"])) == {"b"}


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty-header"])
def test_unreadable_file_names_file_and_fix(tmp_path, damage):
    path = tmp_path / "c.sqlite"
    if damage == "garbage":
        path.write_bytes(b"this is not a database at all\n" * 200)
    else:
        _fill(path, 200).close()
        data = path.read_bytes()
        path.write_bytes(data[:2048] if damage == "truncated" else b"SQLite format 3\x00" + b"\xff" * 84 + data[100:])
    with pytest.raises(CacheError) as e:
        cache = ResponseCache(path)
        cache.get_many([f"k{i}" for i in range(200)])
    msg = str(e.value)
    assert isinstance(e.value, ConfigError)  # the CLI prints it as one line, exit 2
    assert msg.startswith(f"cache file {path} is unreadable (") and "delete it" in msg and "--no-cache" in msg
    assert "\n" not in msg


def test_old_cache_without_checksums_migrates(tmp_path):
    path = tmp_path / "old.sqlite"
    old_value = json.dumps(Response(text="old").to_dict(), sort_keys=True)
    _sql(path, "CREATE TABLE responses (key TEXT PRIMARY KEY, model_fingerprint TEXT NOT NULL, task_version TEXT "
               "NOT NULL, request_hash TEXT NOT NULL, response TEXT NOT NULL, created_at REAL NOT NULL)")
    _sql(path, "INSERT INTO responses VALUES ('k', 'fp', 'tv', 'rh', ?, 0)", old_value)
    cache = ResponseCache(path)
    cols = [row[1] for row in _sql(path, "PRAGMA table_info(responses)")]
    assert cols[-1] == "checksum" and len(cols) == 7
    assert cache.get_many(["k"]) == {} and cache.damaged == 1  # unverifiable: recomputed
    cache.put_many([("k", "fp", "tv", "rh", Response(text="new"))])
    assert cache.get_many(["k"])["k"].text == "new"
    ResponseCache(path).close()  # opening a migrated cache again is a no-op
    assert [row[1] for row in _sql(path, "PRAGMA table_info(responses)")] == cols


def test_uncreatable_cache_folder(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(CacheError) as e:
        ResponseCache(tmp_path / "f" / "c.sqlite")
    assert str(e.value).startswith(f"cache folder {tmp_path / 'f'} cannot be created") and "--no-cache" in str(e.value)


def test_damage_found_across_lookup_chunks(tmp_path):
    path = tmp_path / "c.sqlite"
    cache = ResponseCache(path)
    cache.put_many((f"k{i:04d}", "fp", "tv", "rh", Response(text=str(i))) for i in range(1200))
    _sql(path, "UPDATE responses SET response = replace(response, '1100', '1101') WHERE key = 'k1100'")
    got = cache.get_many([f"k{i:04d}" for i in range(1200)])
    assert len(got) == 1199 and "k1100" not in got and got["k1199"].text == "1199" and cache.damaged == 1


def test_a_value_stored_as_bytes_is_a_miss(tmp_path):
    path = tmp_path / "c.sqlite"
    cache = _fill(path, 1)
    [(value,)] = _sql(path, "SELECT response FROM responses")
    _sql(path, "UPDATE responses SET response = ? WHERE key = 'k0'", value.encode())
    assert cache.get_many(["k0"]) == {} and cache.damaged == 1


def test_cache_in_a_read_only_folder(tmp_path):
    from tests.fixtures.readonly import readonly_dir

    with readonly_dir(tmp_path / "ro") as ro:
        if ro is None:
            pytest.skip("no way to make a read-only folder here")
        with pytest.raises(CacheError) as e:
            ResponseCache(ro / "c.sqlite")
    msg = str(e.value)
    assert msg.startswith(f"cache file {tmp_path / 'ro' / 'c.sqlite'} cannot be opened for writing (")
    assert msg.endswith("pass --cache-path FILE in a writable folder or run with --no-cache")


def test_busy_database_errors_pass_through_unchanged(tmp_path):
    from eval_anything.cache import _Guard, _transient

    locked = sqlite3.OperationalError("database is locked")
    assert _transient(locked) and not _transient(sqlite3.DatabaseError("file is not a database"))
    assert _Guard(tmp_path / "c.sqlite").__exit__(type(locked), locked, None) is False  # not turned into advice
    with pytest.raises(CacheError):
        _Guard(tmp_path / "c.sqlite").__exit__(sqlite3.DatabaseError, sqlite3.DatabaseError("malformed"), None)


def test_read_only_database_file(tmp_path):
    from eval_anything.cache import _Guard

    err = sqlite3.OperationalError("attempt to write a readonly database")
    with pytest.raises(CacheError, match="cannot be opened for writing"):
        _Guard(tmp_path / "c.sqlite").__exit__(type(err), err, None)
