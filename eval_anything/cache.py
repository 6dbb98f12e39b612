"""SQLite (WAL) cache of model and judge calls.

Key = sha256(model fingerprint, task version key, request hash). Media enters only as content hashes (see
`Request.key`). WAL mode plus a busy timeout make two processes writing at once safe; every batch commits on its
own, so a killed run keeps everything finished before the kill.

Integrity: every entry stores sha256(key, stored value). An entry whose checksum does not match (bytes changed on
disk, an entry written before checksums existed) is a miss: it is recomputed and overwritten, never served. A file
SQLite cannot read at all raises CacheError naming the file and the fix.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Iterable

from eval_anything.config import ConfigError
from eval_anything.scrub import scrub_text
from eval_anything.types import Request, Response, sha256_text

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model_fingerprint TEXT NOT NULL,
    task_version TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at REAL NOT NULL,
    checksum TEXT
);
"""
COLUMNS = "key, model_fingerprint, task_version, request_hash, response, created_at, checksum"


class CacheError(ConfigError):
    """The cache file cannot be used; the message names it and the fix."""


def cache_key(model_fingerprint: str, task_version: str, request: Request) -> str:
    return sha256_text(f"{model_fingerprint}\x1f{task_version}\x1f{request.key()}")


def entry_checksum(key: str, value: str) -> str:
    """Binds the stored value to its key: a changed byte, or a value moved to another key, fails the check."""
    return sha256_text(f"{key}\x1f{value}")


def encode_response(response: Response) -> str:
    """The one place a cached value is serialised (anything written to the cache passes through here)."""
    return json.dumps(response.to_dict(), sort_keys=True)


class ResponseCache:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self.damaged = 0  # entries found damaged (and treated as misses) by this process
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise CacheError(f"cache folder {self.path.parent} cannot be created ({e.strerror or e}); "
                             "pass --cache-path FILE in a writable folder or use --no-cache") from None
        with self._guard():
            conn = self._conn()
            conn.executescript(SCHEMA)
            self._migrate(conn)

    def _guard(self) -> Any:
        return _Guard(self.path)

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        """Caches written before checksums existed get the column; their entries (NULL) read as misses."""
        cols = {row[1] for row in conn.execute("PRAGMA table_info(responses)")}
        if "checksum" not in cols:
            try:
                conn.execute("ALTER TABLE responses ADD COLUMN checksum TEXT")
            except sqlite3.OperationalError as e:
                if "duplicate column" not in str(e):  # another process migrated it at the same moment
                    raise

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            self._local.conn = conn
            conn.execute("PRAGMA busy_timeout=60000")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def get_many(self, keys: Iterable[str]) -> dict[str, Response]:
        keys = list(keys)
        out: dict[str, Response] = {}
        with self._guard():
            conn = self._conn()
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                rows = conn.execute(
                    f"SELECT key, response, checksum FROM responses WHERE key IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
                for k, value, checksum in rows:
                    response = _decode(k, value, checksum)
                    if response is None:
                        self.damaged += 1  # a miss: recomputed, and the put overwrites the bad entry
                    else:
                        out[k] = response
        return out

    def put_many(self, items: Iterable[tuple[str, str, str, str, Response]]) -> None:
        """items: (key, model_fingerprint, task_version, request_hash, response). Errors are never cached."""
        now = time.time()
        rows = []
        for k, fp, tv, rh, r in items:
            if r.error is None:
                value = scrub_text(encode_response(r))  # secrets never stored
                rows.append((k, fp, tv, rh, value, now, entry_checksum(k, value)))
        if not rows:
            return
        with self._guard():
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(f"INSERT OR REPLACE INTO responses ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def count(self) -> int:
        with self._guard():
            return self._conn().execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _decode(key: str, value: Any, checksum: Any) -> Response | None:
    """The stored response, or None when the entry fails its checksum or does not parse."""
    if checksum != entry_checksum(key, value):  # (a value stored as bytes never matches either)
        return None
    try:
        return Response.from_dict(json.loads(value))
    except (ValueError, TypeError, KeyError):
        return None


class _Guard:
    """Turns SQLite's "file is not a database" / "disk image is malformed" into one line naming file and fix."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if exc_type is None or not issubclass(exc_type, sqlite3.DatabaseError) or _transient(exc):
            return False
        if "unable to open" in str(exc) or "readonly" in str(exc):
            raise CacheError(f"cache file {self.path} cannot be opened for writing ({exc}); pass --cache-path FILE "
                             "in a writable folder or run with --no-cache") from None
        raise CacheError(f"cache file {self.path} is unreadable ({exc}); delete it (cached responses are "
                         "recomputed) or run with --no-cache") from None


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)
