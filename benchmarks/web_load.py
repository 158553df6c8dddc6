"""A bounded load test of the web desk on localhost (not part of the test suite).

Starts ``solidarity serve`` on 127.0.0.1 on a free port, then runs
``--clients`` concurrent clients for ``--seconds``; each client loops: POST
/api/run on the 2026 adopted pool with a pool size drawn from
``--distinct`` values (so some runs are new solves and most come from the
cache, as at a meeting), then GET one table as CSV. Prints the count, the
failures by status and the p50/p95/max latencies, and stops the server.

    python benchmarks/web_load.py --clients 20 --seconds 30
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "solidarity", "serve", "--port", str(port),
                             "--workers", str(workers), "--queue", "64"], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/scenarios", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the desk did not start")


def client(url: str, until: float, distinct: int, seed: int, out: list, statuses: Counter, lock) -> None:
    rnd = random.Random(seed)
    with httpx.Client(base_url=url, timeout=60) as c:
        while time.monotonic() < until:
            sets = [f"pool.relocations={20_000 + 500 * rnd.randrange(distinct)}"]
            t = time.perf_counter()
            r = c.post("/api/run", json={"scenario": "2026-adopted", "set": sets})
            run_s = time.perf_counter() - t
            ok = r.status_code == 200
            if ok:
                t2 = time.perf_counter()
                r2 = c.get(f"/api/results/{r.json()['digest']}/tables/obligations.csv")
                table_s = time.perf_counter() - t2
                ok = r2.status_code == 200
            with lock:
                statuses[r.status_code if r.status_code != 200 else (r2.status_code if not ok else 200)] += 1
                if ok:
                    out.append((run_s, table_s))


def pct(xs: list[float], p: float) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[p - 1] if len(xs) > 1 else xs[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--distinct", type=int, default=40, help="distinct pool sizes the clients ask for")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    port = free_port()
    proc = start(port, a.workers)
    try:
        lat: list = []
        statuses: Counter = Counter()
        lock = threading.Lock()
        until = time.monotonic() + a.seconds
        threads = [threading.Thread(target=client, args=(f"http://127.0.0.1:{port}", until, a.distinct, i,
                                                          lat, statuses, lock)) for i in range(a.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        proc.terminate()
        proc.wait(30)
    runs = [x[0] * 1000 for x in lat]
    tables = [x[1] * 1000 for x in lat]
    failed = sum(n for s, n in statuses.items() if s != 200)
    print(f"{a.clients} clients, {a.seconds:g} s, {a.distinct} distinct runs, {a.workers} workers: "
          f"{sum(statuses.values())} requests pairs, {failed} failed {dict(statuses)}")
    print(f"POST /api/run      p50 {pct(runs, 50):.0f} ms  p95 {pct(runs, 95):.0f} ms  max {max(runs):.0f} ms")
    print(f"GET  table .csv    p50 {pct(tables, 50):.0f} ms  p95 {pct(tables, 95):.0f} ms  max {max(tables):.0f} ms")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
