"""API throughput of the openai adapter + scheduler against a server with a fixed latency.

The fault server (tests/servers/fault_server.py, its own process) answers every chat request after exactly
`--latency` seconds, so the best possible rate at concurrency c is c / latency items per second. We report the
measured rate and its ratio to that limit at each concurrency (bar: >= 0.85 at concurrency 32, 200 ms).

    .venv/bin/python perf/api_throughput.py [--latency 0.2] [--concurrency 1,8,32] [--seconds 4]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eval_anything.models.openai_api import load  # noqa: E402
from eval_anything.scheduler import Scheduler  # noqa: E402
from eval_anything.types import GenerationSettings, Message, Request  # noqa: E402
from tests.servers.fault_server import FaultServer  # noqa: E402


def run_once(base_url: str, concurrency: int, n_items: int, tag: str) -> tuple[float, int]:
    adapter = load("perf-model", {"concurrency": concurrency, "max_retries": 0}, base_url=base_url)
    requests = [Request("generate", (Message.user(f"{tag} item {i}: say something"),),
                        generation=GenerationSettings(max_new_tokens=16)) for i in range(n_items)]
    start, cpu = time.perf_counter(), time.process_time()
    responses = Scheduler(cache=None).run(adapter, requests, task_version="perf")
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    errors = sum(r.error is not None for r in responses)
    return elapsed, errors, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--seconds", type=float, default=4.0, help="target duration of each measurement")
    ap.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = ap.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs (load {load:.1f}), "
          f"latency {args.latency * 1000:.0f} ms, "
          f"~{args.seconds:g} s per level; server in its own process on 127.0.0.1")
    rows = []
    with FaultServer(lifetime=600) as server:
        server.configure(latency=args.latency)
        run_once(server.base_url, 4, 8, "warm-up")  # imports, first connections
        print(f"{'concurrency':>11} {'items':>6} {'seconds':>8} {'items/s':>8} {'limit/s':>8} {'ratio':>6} "
              f"{'errors':>6} {'cpu ms/item':>11}")
        for c in levels:
            limit = c / args.latency
            n = max(c * 2, int(round(limit * args.seconds)))
            server.configure(latency=args.latency)
            elapsed, errors, cpu = run_once(server.base_url, c, n, f"c{c}")
            served = len(server.log())
            rate = n / elapsed
            rows.append({"concurrency": c, "items": n, "seconds": round(elapsed, 3),
                         "items_per_s": round(rate, 2), "limit_per_s": round(limit, 2),
                         "ratio": round(rate / limit, 4), "errors": errors,
                         "client_cpu_ms_per_item": round(1000 * cpu / n, 2), "server_requests": served})
            print(f"{c:>11} {n:>6} {elapsed:>8.2f} {rate:>8.1f} {limit:>8.1f} {rate / limit:>6.1%} {errors:>6} "
                  f"{1000 * cpu / n:>11.2f}")
            if served != n:
                print(f"  warning: server saw {served} requests for {n} items")
    if args.json:
        print(json.dumps(rows))
    top = [r for r in rows if r["concurrency"] == 32]
    if top and abs(args.latency - 0.2) < 1e-9:
        ok = top[0]["ratio"] >= 0.85 and top[0]["errors"] == 0
        print(f"bar (>= 85% of the limit at concurrency 32, 200 ms): {'met' if ok else 'NOT met'}")
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
