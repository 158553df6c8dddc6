"""Benchmark: loading a Eurostat bulk file as it comes.

Usage::

    python benchmarks/bench_data.py            # median of 5 runs per case
    python benchmarks/bench_data.py --repeat 9

Generates (seeded, in a temporary folder) a file laid out like Eurostat's
``demo_pjan`` bulk TSV: ``freq,unit,age,sex,geo\\TIME_PERIOD``, about 110 ages
x 3 sexes x 51 geo codes (states and aggregates), 65 year columns, flags and
``:`` cells, about 6 MB. It times :func:`solidarity.inputs.data.load_indicator`
(default filters age=TOTAL, sex=T, unit=NR; default year) on the plain file,
the gzipped file, and the same data as SDMX-CSV 1.0 for comparison, and
prints the medians. Measure, do not test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from solidarity.inputs.data import load_indicator
from solidarity.schema import DEFAULT_PARTICIPANTS, EU27, POPULATION

AGES = ["TOTAL", "UNK", "Y_LT1", *(f"Y{i}" for i in range(1, 100)), "Y_OPEN",
        "Y_GE85", "Y_GE80", "Y_GE75", "Y_GE65", "Y_LT15"]
SEXES = ["F", "M", "T"]
AGGREGATES = ["EU27_2020", "EU28", "EA20", "EA19", "EEA30_2007", "EFTA"]
OTHERS = ["AD", "AL", "AM", "AZ", "BA", "BY", "CH", "GE", "IS", "LI", "MD", "ME", "MK",
          "NO", "RS", "TR", "UA", "UK"]
YEARS = list(range(1960, 2024 + 1))


def demo_pjan(seed: int = 0) -> tuple[str, str]:
    """A demo_pjan-like bulk TSV and the same data as SDMX-CSV 1.0 (seeded).

    The latest year lacks a few states, so the default year falls back by one.
    """
    rng = np.random.default_rng(seed)
    geos = sorted([*EU27, *AGGREGATES, *OTHERS])
    keys = [(a, s, g) for a in AGES for s in SEXES for g in geos]
    values = np.ceil(rng.lognormal(10.5, 2.0, size=(len(keys), len(YEARS)))).astype(np.int64)
    text = values.astype(str).astype(object)
    flags = rng.choice(np.array(["", " p", " e", " b", " ep"], dtype=object),
                       size=values.shape, p=[0.9, 0.04, 0.03, 0.02, 0.01])
    cells = text + flags
    cells[rng.random(values.shape) < 0.08] = ":"
    cells[:, :10] = ": "  # early years missing everywhere, as in the real file
    total = np.array([a == "TOTAL" and s == "T" for a, s, _ in keys])
    late = np.array([g in ("HU", "IE", "LU") for _, _, g in keys])
    cells[total, -2:] = values[total, -2:].astype(str)  # every state has the last two years,
    cells[late, -1] = ": "  # but for three states the latest is not out yet
    head = "freq,unit,age,sex,geo\\TIME_PERIOD\t" + "\t".join(f"{y} " for y in YEARS)
    lines = [head] + [f"A,NR,{a},{s},{g}\t" + "\t".join(row)
                      for (a, s, g), row in zip(keys, cells)]
    sdmx = ["DATAFLOW,LAST UPDATE,freq,unit,age,sex,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG"]
    for (a, s, g), row in zip(keys, cells):
        for y, c in zip(YEARS, row):
            num, _, flag = c.strip().partition(" ")
            if num != ":":
                sdmx.append(f"ESTAT:DEMO_PJAN(1.0),11/07/2025 23:00,A,NR,{a},{s},{g},{y},{num},{flag}")
    return "\n".join(lines) + "\n", "\n".join(sdmx) + "\n"


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    tsv, sdmx = demo_pjan()
    with tempfile.TemporaryDirectory() as tmp:
        files = {"bulk TSV": Path(tmp, "demo_pjan.tsv"),
                 "bulk TSV, gzipped": Path(tmp, "demo_pjan.tsv.gz"),
                 "SDMX-CSV 1.0": Path(tmp, "demo_pjan.csv"),
                 "SDMX-CSV 1.0, gzipped": Path(tmp, "demo_pjan.csv.gz")}
        files["bulk TSV"].write_text(tsv)
        files["bulk TSV, gzipped"].write_bytes(gzip.compress(tsv.encode()))
        files["SDMX-CSV 1.0"].write_text(sdmx)
        files["SDMX-CSV 1.0, gzipped"].write_bytes(gzip.compress(sdmx.encode()))
        for what, f in files.items():
            def run(f=f):
                return load_indicator(POPULATION, path=f, require=DEFAULT_PARTICIPANTS)
            ind = run()  # warm up, and show what was loaded
            sec = median_time(run, args.repeat)
            print(f"{what:24} {f.stat().st_size / 1e6:6.2f} MB  median {sec * 1e3:7.1f} ms"
                  f"  (year {ind.year}: {ind.year_rule})")


if __name__ == "__main__":
    main()
