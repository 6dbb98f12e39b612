"""SQLite (WAL) cache of model and judge calls.

Key = sha256(model fingerprint, task version key, request hash). Media enters only as content hashes (see
`Request.key`). WAL mode plus a busy timeout make two processes writing at once safe; every batch commits on its
own, so a killed run keeps everything finished before the kill.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Iterable

from eval_anything.scrub import scrub_text
from eval_anything.types import Request, Response, sha256_text

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model_fingerprint TEXT NOT NULL,
    task_version TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at REAL NOT NULL
);
"""


def cache_key(model_fingerprint: str, task_version: str, request: Request) -> str:
    return sha256_text(f"{model_fingerprint}\x1f{task_version}\x1f{request.key()}")


class ResponseCache:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._conn() as conn:
            conn.executescript(SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=60000")
            self._local.conn = conn
        return conn

    def get_many(self, keys: Iterable[str]) -> dict[str, Response]:
        keys = list(keys)
        out: dict[str, Response] = {}
        conn = self._conn()
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            rows = conn.execute(
                f"SELECT key, response FROM responses WHERE key IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall()
            out.update({k: Response.from_dict(json.loads(v)) for k, v in rows})
        return out

    def put_many(self, items: Iterable[tuple[str, str, str, str, Response]]) -> None:
        """items: (key, model_fingerprint, task_version, request_hash, response). Errors are never cached."""
        now = time.time()
        rows = [
            (k, fp, tv, rh, scrub_text(json.dumps(r.to_dict(), sort_keys=True)), now)  # secrets never stored
            for k, fp, tv, rh, r in items
            if r.error is None
        ]
        if not rows:
            return
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?)", rows)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def count(self) -> int:
        return self._conn().execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
