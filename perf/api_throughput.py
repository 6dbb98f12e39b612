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
import statistics
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
    ap.add_argument("--repeats", type=int, default=3, help="measurements per level; the median and best are shown")
    ap.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = ap.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs (load {load:.1f}), "
          f"latency {args.latency * 1000:.0f} ms, {args.repeats} x ~{args.seconds:g} s per level; "
          "server in its own process on 127.0.0.1")
    rows = []
    with FaultServer(lifetime=900) as server:
        server.configure(latency=args.latency)
        run_once(server.base_url, 4, 8, "warm-up")  # imports, first connections
        print(f"{'concurrency':>11} {'items':>6} {'limit/s':>8} {'items/s':>8} {'median':>7} {'best':>6} "
              f"{'errors':>6} {'cpu ms/item':>11}")
        for c in levels:
            limit = c / args.latency
            n = max(c * 2, int(round(limit * args.seconds)))
            runs = []
            for k in range(args.repeats):
                server.configure(latency=args.latency)
                elapsed, errors, cpu = run_once(server.base_url, c, n, f"c{c}-{k}")
                if len(server.log()) != n:
                    print(f"  warning: server saw {len(server.log())} requests for {n} items")
                runs.append((n / elapsed, errors, 1000 * cpu / n))
            rates = sorted(r[0] for r in runs)
            median, best = statistics.median(rates), rates[-1]
            errors = sum(r[1] for r in runs)
            cpu_ms = statistics.median(r[2] for r in runs)
            rows.append({"concurrency": c, "items": n, "limit_per_s": round(limit, 2),
                         "items_per_s_median": round(median, 2), "ratio_median": round(median / limit, 4),
                         "ratio_best": round(best / limit, 4), "ratios": [round(r / limit, 4) for r in rates],
                         "errors": errors, "client_cpu_ms_per_item": round(cpu_ms, 2)})
            print(f"{c:>11} {n:>6} {limit:>8.1f} {median:>8.1f} {median / limit:>7.1%} {best / limit:>6.1%} "
                  f"{errors:>6} {cpu_ms:>11.2f}")
    if args.json:
        print(json.dumps(rows))
    top = [r for r in rows if r["concurrency"] == 32]
    if top and abs(args.latency - 0.2) < 1e-9:
        ok = top[0]["ratio_median"] >= 0.85 and top[0]["errors"] == 0
        print(f"bar (median >= 85% of the limit at concurrency 32, 200 ms): {'met' if ok else 'NOT met'}"
              + ("" if ok or load < os.cpu_count() else f" (machine load {load:.1f} on {os.cpu_count()} CPUs)"))
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
