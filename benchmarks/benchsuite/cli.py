"""The ``cli`` benchmark: ``solidarity run`` end to end against the import floor."""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import REAL, ROOT, empty_row, median


def _cli_command() -> list[str]:
    script = Path(sys.executable).parent / "solidarity"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "solidarity"]


def _child_cpu(cmd: list[str], timeout: float = 300.0, **kw) -> tuple[float, float, int]:
    """(CPU user + sys, wall seconds, exit code) of one subprocess; exit code
    ``-9`` when it was killed after ``timeout`` seconds (its CPU time is then
    not counted: a killed child is not waited for by getrusage)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        code = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout,
                              check=False, **kw).returncode
    except subprocess.TimeoutExpired:
        code = -9
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, code


def bench_cli(repeats: int = 5, timeout: float = 300.0) -> dict:
    """CPU time of the CLI on the real cycle against the import floor
    (both: interpreter start included), alternating the two."""
    cli = _cli_command()
    floor_cmd = [sys.executable, "-c", "import numpy, scipy.optimize, pandas"]
    cpu_cli, cpu_floor, wall_cli, wall_floor, codes, written = [], [], [], [], [], True
    with tempfile.TemporaryDirectory(prefix="solidarity-cli-") as tmp:
        for r in range(max(1, repeats)):
            c, w, code = _child_cpu(floor_cmd, cwd=ROOT)
            cpu_floor.append(c), wall_floor.append(w), codes.append(code)
            out = Path(tmp) / f"run{r}"
            c, w, code = _child_cpu([*cli, "run", str(REAL), "-o", str(out), "-f", "parquet", "--quiet"],
                                    timeout=timeout, cwd=ROOT)
            cpu_cli.append(c), wall_cli.append(w), codes.append(code)
            written = written and (out / "manifest.json").is_file() and (out / "pool.parquet").is_file()
    row = empty_row("cli", "26x4")
    row.update(source=f"real: {REAL.relative_to(ROOT)}", contributors=26, beneficiaries=4,
               runs=len(cpu_cli), time_s=median(cpu_cli), baseline_s=median(cpu_floor),
               ratio_of="CLI CPU / import floor CPU", target="<= 1.3x the import floor",
               verified=all(c == 0 for c in codes) and written,
               note=f"CPU user+sys, medians of {len(cpu_cli)}; wall: CLI {median(wall_cli):.2f} s, "
                    f"floor {median(wall_floor):.2f} s; command: {Path(cli[0]).name} "
                    f"{' '.join(cli[1:]) + ' ' if len(cli) > 1 else ''}run ... -f parquet --quiet"
                    + ("" if all(c == 0 for c in codes) else
                                                    f"; exit codes {sorted(set(codes))}"))
    row["ratio"] = row["time_s"] / row["baseline_s"]
    row["meets_target"] = row["ratio"] <= 1.3
    return row
