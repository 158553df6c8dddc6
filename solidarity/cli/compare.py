"""`solidarity compare`: two or more scenarios side by side (see :mod:`solidarity.studies.compare`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError, Problem
from .common import (
    Charts,
    DataDirs,
    Debug,
    Force,
    Formats,
    OutDir,
    Quiet,
    Sets,
    SolverOpt,
    Variant,
    app,
    emit,
    fail,
    load,
    render_files,
    require_extras,
    say,
    say_assumed,
    session,
    set_debug,
    solver_name,
    stage_timer,
    trust,
    write_files,
)


@app.command()
def compare(scenarios: Annotated[list[Path], typer.Argument(
                help="Two or more scenario files; the first is the base.")],
            sets: Sets = None, variant: Variant = None,
            changed_only: Annotated[bool, typer.Option(
                "--changed-only", help="Keep only the rows whose values differ (tables and pool totals).")] = False,
            output: OutDir = None, fmt: Formats = None, force: Force = False, charts: Charts = None,
            quiet: Quiet = False, solver: SolverOpt = None, data_dirs: DataDirs = None, debug: Debug = False) -> None:
    """Compare scenarios: input differences, then per-state changes, then pool totals.

    Every run is verified; deltas are against the first scenario. --set and
    --variant apply to every scenario. With --output, the tables
    compare_inputs, compare_states and compare_pool are written there.

    Example: solidarity compare scenarios/2026-commission-proposal.toml scenarios/2026-adopted.toml
    """
    set_debug(debug)
    trust(data_dirs)
    session["quiet"] = quiet
    if len(scenarios) < 2:
        raise typer.BadParameter("give at least two scenario files", param_hint="SCENARIOS")
    try:
        if fmt and output is None:
            raise InputError(Problem("command line", "--format", [f.value for f in fmt],
                                     "needs --output: without it the comparison is printed as text",
                                     "--output DIR with --format, or no --format"))
        require_extras(fmt, None)
        from ..pipeline import run
        from ..studies.compare import compare as compare_runs

        loaded = [load(path, sets, variant) for path in scenarios]  # every file checked before any run
        results = []
        for sc in loaded:
            results.append(run(sc, solver=solver_name(solver), timer=stage_timer()))
            say(f"{sc.name}: {results[-1].status_line()}")
            say_assumed(sc, results[-1].population, results[-1].gdp)
        comp = compare_runs(results)
        shown = comp.changed_only() if changed_only else comp
        names = " ".join(comp.labels)
        if output is not None:
            intro = f"Base: {comp.base}. Compared: {', '.join(comp.labels[1:])}."
            write_files(render_files(shown.tables, fmt, f"Comparison: {names}", intro), output, force,
                   f"compare {names}", "", results)
        if charts is not None:
            pictures = _charts(comp, results)
            if pictures:
                write_files(pictures, charts, force, f"charts compare {names}", "", results)
        if not (quiet and output is not None):  # with --output, the text is only a summary
            emit(comp.text(changed_only))
    except BaseException as exc:
        fail(exc)


def _item_name(item: str) -> str:
    """An item of compare_states as a chart names it (``  of which assumed`` ->
    ``value pledged, assumed``)."""
    from ..studies.compare import ITEMS

    name = ITEMS[item][1].strip()
    return "value pledged, " + name.removeprefix("of which ") if name.startswith("of which ") else name


#: How each unit of compare_states is drawn: (axis unit, divisor).
_AXES = {"EUR": ("EUR million", 1e6), "persons": ("persons", 1.0), "fraction": ("%", 0.01)}


def _charts(comp, results) -> dict[str, bytes]:
    """Per-state deltas drawn by :func:`solidarity.outputs.charts.compare_charts`;
    skipped with a message when charts cannot be drawn here."""
    try:
        from ..outputs.charts import compare_charts, data_source, study_source
        from ..studies.compare import DESIGN_ITEMS, DESIGN_LABELS, ITEMS

        # Runs under different designs are not variations of one another: each
        # state's numbers are drawn side by side, for the items every design has.
        designs = any("design_states" in r.tables for r in results)
        d = comp.deltas(changed_only=not designs)
        if designs:
            d = d[d["metric"].isin(list(DESIGN_ITEMS))]
        units = {m: _AXES[u] for m, u in zip(d["metric"], d["unit"])}
        source = study_source([data_source(r.population, r.gdp) for r in results],
                              ", ".join(f"{lab} ({comp.names.get(lab, lab)})" for lab in comp.labels))
        return compare_charts(d, baseline=comp.base, units=units,
                              title="Designs side by side" if designs else "Comparison of scenarios",
                              labels=DESIGN_LABELS if designs else {m: _item_name(m) for m in ITEMS},
                              source=source, values=designs)
    except ImportError as exc:
        say(f"charts skipped: {exc} (install with: pip install 'solidarity[charts]')")
        return {}
