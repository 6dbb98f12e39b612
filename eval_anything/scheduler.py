"""Runs requests through an adapter: dedup, cache lookups, deterministic batches or bounded async concurrency.

Determinism on resume: the adapter plans batches over the *whole* (deduplicated) request set; a batch whose
requests are all cached is skipped, any other batch is recomputed whole. A resumed run therefore feeds the model
exactly the batches (and padding) an uninterrupted run would, and produces the same numbers.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Sequence

from eval_anything.cache import ResponseCache, cache_key
from eval_anything.distributed import DataParallel
from eval_anything.models.base import ModelAdapter, UnsupportedRequest
from eval_anything.types import Request, Response


class Progress:
    """A thin rich progress bar (or nothing, when disabled)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._progress = None

    def __enter__(self) -> "Progress":
        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress
            from rich.progress import TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self._progress = RichProgress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TimeRemainingColumn(), transient=False,
            )
            self._progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

    def add(self, description: str, total: int) -> Any:
        return self._progress.add_task(description, total=total) if self._progress else None

    def advance(self, handle: Any, n: int = 1) -> None:
        if self._progress is not None and handle is not None:
            self._progress.advance(handle, n)


class Scheduler:
    def __init__(self, cache: ResponseCache | None = None, progress: Progress | None = None,
                 dp: DataParallel | None = None) -> None:
        self.cache = cache  # under data parallelism: rank 0's only (the other ranks get None)
        self.progress = progress or Progress(enabled=False)
        self.dp = dp or DataParallel()
        self.stats = {"requests": 0, "unique": 0, "cache_hits": 0, "computed": 0, "errors": 0}

    def run(self, adapter: ModelAdapter, requests: Sequence[Request], task_version: str,
            description: str = "") -> list[Response]:
        """Responses in the order of `requests`."""
        if not requests:
            return []
        fp = adapter.fingerprint()
        keys = [cache_key(fp, task_version, r) for r in requests]
        unique: dict[str, Request] = {}
        for k, r in zip(keys, requests):
            unique.setdefault(k, r)
        self.stats["requests"] += len(requests)
        self.stats["unique"] += len(unique)
        cached = self.cache.get_many(unique) if self.cache else {}
        if self.dp.enabled:  # every rank plans from rank 0's view of the cache
            cached = self.dp.broadcast(cached)
        results: dict[str, Response] = dict(cached)
        handle = self.progress.add(description or "requests", total=len(unique))
        self.progress.advance(handle, len(cached))

        def store(batch_keys: list[str], responses: list[Response]) -> None:
            for k, resp in zip(batch_keys, responses):
                results[k] = resp
                self.stats["errors"] += resp.error is not None
            self.stats["computed"] += len(batch_keys)
            if self.cache:
                self.cache.put_many((k, fp, task_version, unique[k].key(), r) for k, r in zip(batch_keys, responses))

        ukeys = list(unique)
        if adapter.concurrent:
            todo = [k for k in ukeys if k not in cached]
            if self.dp.enabled:  # every world_size-th request on each rank, gathered at the end
                done: list[tuple[str, Response]] = []
                mine = todo[self.dp.rank::self.dp.world_size]
                asyncio.run(self._run_concurrent(adapter, [(k, unique[k]) for k in mine], done.append, handle))
                gathered = self.dp.gather(done)
                store([k for k, _ in gathered], [r for _, r in gathered])
            else:  # stored as each answer arrives, so a killed run keeps what finished
                asyncio.run(self._run_concurrent(adapter, [(k, unique[k]) for k in todo],
                                                 lambda item: store([item[0]], [item[1]]), handle))
        else:
            for kind in ("loglikelihood", "generate", "judge"):
                kind_keys = [k for k in ukeys if unique[k].kind == kind]
                if kind_keys:
                    self._run_batched(adapter, kind, kind_keys, unique, cached, store, handle)
        self.stats["cache_hits"] += len(cached)
        return [results[k] for k in keys]

    def _run_batched(self, adapter, kind, kind_keys, unique, cached, store, handle) -> None:
        reqs = [unique[k] for k in kind_keys]
        call = adapter.loglikelihood if kind == "loglikelihood" else adapter.generate
        # Batches with anything missing are recomputed whole (same padding as an uninterrupted run). Under data
        # parallelism each round deals one such batch to every rank and gathers the answers before storing them.
        todo = [batch for batch in adapter.batch_plan(reqs) if any(kind_keys[i] not in cached for i in batch)]
        for round_items in self.dp.rounds(len(todo)):
            local = [(pos, self._call_batch(call, [reqs[i] for i in todo[pos]])) for pos in self.dp.mine(round_items)]
            for pos, outcome in sorted(self.dp.gather(local), key=lambda item: item[0]):
                if isinstance(outcome, str):  # a rank failed: every rank stops with its message
                    raise RuntimeError(outcome)
                bkeys = [kind_keys[i] for i in todo[pos]]
                keep = [(k, r) for k, r in zip(bkeys, outcome) if k not in cached]
                store([k for k, _ in keep], [r for _, r in keep])
                self.progress.advance(handle, len(keep))

    def _call_batch(self, call, batch: list[Request]) -> list[Response] | str:
        started = time.perf_counter()
        try:
            responses = call(batch)
        except UnsupportedRequest as e:
            responses = [Response.failed(f"unsupported: {e}") for _ in batch]
        except Exception as e:
            if not self.dp.enabled:
                raise
            return f"rank {self.dp.rank}: {type(e).__name__}: {e}"  # raised on every rank after the gather
        elapsed = time.perf_counter() - started
        return [r if r.latency_s is not None else _with_latency(r, elapsed / len(batch)) for r in responses]

    async def _run_concurrent(self, adapter, items, collect, handle) -> None:
        sem = asyncio.Semaphore(max(1, adapter.max_concurrency))

        async def one(key: str, req: Request) -> None:
            async with sem:
                try:
                    resp = await adapter.agenerate_one(req)
                except UnsupportedRequest as e:
                    resp = Response.failed(f"unsupported: {e}")
            collect((key, resp))
            self.progress.advance(handle, 1)

        await asyncio.gather(*(one(k, r) for k, r in items))


def _with_latency(resp: Response, latency: float) -> Response:
    from dataclasses import replace

    return replace(resp, latency_s=latency)
