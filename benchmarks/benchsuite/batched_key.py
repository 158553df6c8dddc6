"""The ``batched_key`` benchmark: many scenarios' keys at once against a loop."""

from __future__ import annotations

import time

from .common import empty_row, median


def bench_key(scenarios: int = 10_000, repeats: int = 5) -> dict:
    """``batched_key`` for many scenarios at once against one ``reference_key``
    call per scenario (26 states, bundled data, population weights 0.3-0.7)."""
    import numpy as np
    import pandas as pd

    from solidarity.inputs.data import load_indicator
    from solidarity.pact.key import batched_key, reference_key
    from solidarity.schema import DEFAULT_PARTICIPANTS, GDP, POPULATION

    parts = list(DEFAULT_PARTICIPANTS)
    ind = pd.DataFrame({POPULATION: load_indicator(POPULATION, require=parts).values[parts],
                        GDP: load_indicator(GDP, require=parts).values[parts]})
    wp = np.linspace(0.3, 0.7, scenarios)
    W = np.column_stack([wp, 1 - wp])
    vals = ind.to_numpy()
    batch_times, loop_times = [], []
    out = loop = None
    for _ in range(max(5, repeats)):
        t0 = time.perf_counter()
        out = batched_key(vals, W)
        batch_times.append(time.perf_counter() - t0)
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        loop = np.array([reference_key(ind, {POPULATION: a, GDP: b}).to_numpy() for a, b in W.tolist()])
        loop_times.append(time.perf_counter() - t0)
    diff = float(np.abs(out - loop).max())
    row = empty_row("batched_key", f"{scenarios}x{len(parts)}")
    row.update(source="bundled data", runs=len(loop_times), time_s=median(batch_times),
               baseline_s=median(loop_times), ratio_of="Python loop of reference_key / batched_key",
               target="batched <= 20 ms and >= 100x", verified=diff <= 1e-12,
               note=f"{scenarios} scenarios x {len(parts)} states; batched: median of {len(batch_times)}; "
                    f"loop: median of {len(loop_times)}; largest difference {diff:.1e}")
    row["ratio"] = row["baseline_s"] / row["time_s"]
    row["meets_target"] = row["time_s"] <= 0.020 and row["ratio"] >= 100
    return row
