"""The printed tables and the CSV."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from .common import COLUMNS, LEVELS, STAGES


def fmt_s(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if v < 1e-3:
        return f"{v * 1e6:.0f} us"
    if v < 1:
        return f"{v * 1e3:.3g} ms"
    return f"{v:.3g} s"


def fmt_n(v) -> str:
    return "-" if v is None else f"{int(v):,}".replace(",", " ")


def fmt_b(v) -> str:
    return "-" if v is None else ("yes" if v else "NO")


def text_table(headers: list[str], body: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in body)])


def render_tables(rows: list[dict]) -> str:
    sizes = [r for r in rows if r["benchmark"] == "size"]
    out = ["Per size: medians of the runs (runs = how many); wall-clock seconds per stage, and the "
           "process's CPU seconds (all threads) for a whole run",
           text_table(["size", "source", "runs", *STAGES, "total", "CPU", "peak MB", "vars", "rows", "nonzeros",
                       "optimal", "verified", "target"],
                      [[r["size"], "real" if str(r["source"]).startswith("real") else "synthetic",
                        str(r["runs"] or 0), *(fmt_s(r[f"{s}_s"]) for s in STAGES),
                        fmt_s(r["total_s"]), fmt_s(r["cpu_s"]),
                        "-" if r["peak_rss_mb"] is None else f"{r['peak_rss_mb']:.0f}", fmt_n(r["variables"]),
                        fmt_n(r["rows"]), fmt_n(r["nonzeros"]), fmt_b(r["proven_optimal"]), fmt_b(r["verified"]),
                        "" if r["target"] is None else f"{r['target']}: {'met' if r['meets_target'] else 'NOT met'}"]
                       for r in sizes]),
           "",
           "Per size: seconds per solver level (SolveResult.trace; medians)",
           text_table(["size", *LEVELS], [[r["size"], *(fmt_s(r[f"level_{lv}_s"]) for lv in LEVELS)]
                                          for r in sizes]),
           "",
           *(["Stages after the solver on a heuristic solution (--post-solve; no solver, one run)",
              text_table(["size", "runs", "shares", "build", "calls", "flows", "tables", "verify", "write", "total",
                          "peak MB", "flows rows"],
                         [[r["size"], str(r["runs"] or 0), *(fmt_s(r[f"{s}_s"]) for s in
                                                             ("shares", "build", "calls", "flows", "tables",
                                                              "verify", "write")),
                           fmt_s(r["total_s"]), "-" if r["peak_rss_mb"] is None else f"{r['peak_rss_mb']:.0f}",
                           fmt_n(r.get("flows_rows"))]
                          for r in rows if r["benchmark"] == "post_solve"]), ""]
             if any(r["benchmark"] == "post_solve" for r in rows) else []),
           "Ratios",
           text_table(["benchmark", "size", "runs", "time", "baseline", "ratio", "ratio of", "verified", "target"],
                      [[r["benchmark"], r["size"], str(r["runs"] or 0),
                        fmt_s(r["time_s"]) if r["benchmark"] != "cli" else f"{fmt_s(r['time_s'])} CPU",
                        fmt_s(r["baseline_s"]) if r["benchmark"] != "cli" else f"{fmt_s(r['baseline_s'])} CPU",
                        "-" if r["ratio"] is None else f"{r['ratio']:.1f}x", r["ratio_of"] or "",
                        fmt_b(r["verified"]),
                        "" if r["target"] is None else f"{r['target']}: {'met' if r['meets_target'] else 'NOT met'}"]
                       for r in rows if r["benchmark"] not in ("size", "post_solve")
                       or (r["benchmark"] == "size" and r["ratio"] is not None)]),
           "",
           "Notes"]
    out += [f"- {r['benchmark']} {r['size']}: {r['note']}" for r in rows if r.get("note")]
    profiled = [r for r in rows if r.get("profile_top")]
    if profiled:
        out += ["", "Where the time goes (cProfile, one more run per size): functions with the most time of "
                    "their own, then the package's functions with the most time in total"]
        for r in profiled:
            out += [f"{r['size']}:"] + [f"    {line}" for line in r["profile_top"]]
    return "\n".join(out)


def write_csv(rows: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in COLUMNS})
