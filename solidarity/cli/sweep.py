"""`solidarity sweep`: run a scenario over a grid of values (see :mod:`solidarity.studies.sweep`)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer

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
    default_folder,
    emit,
    fail,
    identity_of,
    label,
    render_files,
    require_extras,
    say,
    session,
    set_debug,
    solver_name,
    trust,
    write_with_charts,
)

#: Rows of the points table printed to stdout; the file has them all.
SHOWN_POINTS = 40
_SHOWN_COLUMNS = ("status", "obligations_eur", "pledged_value_eur", "assumed_value_eur", "unmet_eur",
                  "received_relocations", "relocation_needs", "offsets_gap")


class Executor(StrEnum):
    local = "local"
    dask = "dask"


@app.command()
def sweep(scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
          vary: Annotated[list[str], typer.Option(
              "--vary", help="A key path and its values: key.path=start:stop:step (stop included "
                             "when on the grid) or key.path=a,b,c. Repeat for a grid (the first "
                             "--vary changes slowest).")],
          jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help=(
              "Worker processes (1: in this process); with --executor dask and no --scheduler, "
              "the workers of a local Dask cluster."))] = 1,
          executor: Annotated[Executor, typer.Option(
              "--executor", help="local (a process pool) or dask (needs "
                                 # rich markup would take [distributed] for a tag
                                 "pip install 'solidarity\\[distributed]').")] = Executor.local,
          scheduler: Annotated[Optional[str], typer.Option(
              "--scheduler", help="Address of a running Dask scheduler, tcp://HOST:PORT "
                                  "(implies --executor dask); its workers need solidarity installed.")] = None,
          output: OutDir = None, fmt: Formats = None, force: Force = False, quiet: Quiet = False,
          sets: Sets = None, variant: Variant = None, solver: SolverOpt = None,
          charts: Charts = None, data_dirs: DataDirs = None, debug: Debug = False) -> None:
    """Run a scenario at every point of a grid of values; write one row per point
    and state (table sweep) and one per point (table sweep_points).

    Tables go to --output (default out/<scenario file name>-sweep) with a
    manifest; a summary of the points is printed to stdout. A point whose
    values fail (invalid, conflicting, a solver limit) is a row with its
    error; the sweep goes on.

    Example: solidarity sweep scenarios/2026-adopted.toml --vary pool.relocations=15000:30000:750 --jobs 4
    """
    set_debug(debug)
    trust(data_dirs)
    session["quiet"] = quiet
    try:
        from types import SimpleNamespace

        from ..errors import ExitCode
        from ..inputs.document import to_toml
        from ..outputs.report import markdown_table
        from ..studies.sweep import EXIT_CODES, run_sweep

        require_extras(fmt, charts)
        if scheduler is not None and executor is not Executor.dask:
            executor = Executor.dask  # a scheduler is a Dask scheduler
        res = run_sweep(scenario, vary, sets=tuple(sets or ()), variant=variant, jobs=jobs,
                        executor=executor.value, scheduler=scheduler,
                        progress=False if quiet else None, solver=solver_name(solver))
        out = output if output is not None else default_folder(scenario.stem, sets, variant, "-sweep")
        runs = [SimpleNamespace(scenario=SimpleNamespace(path=res.path), population=p, gdp=g)
                for p, g in res.data] or [SimpleNamespace(scenario=SimpleNamespace(path=res.path),
                                                          population=None, gdp=None)]
        n, failed = len(res.points), res.failed
        title = f"{res.name} ({res.year}): sweep" if res.year else f"{res.name}: sweep"
        intro = (f"{n} points over {', '.join(v.path for v in res.varies)}; "
                 f"{n - failed} ran and were verified, {failed} failed.")
        with res.registered():
            files = render_files(res.tables, fmt, title=title, intro=intro)
            shown = res.points[[v.path for v in res.varies] + list(_SHOWN_COLUMNS)]
            more = len(shown) > SHOWN_POINTS
            text = markdown_table(shown.head(SHOWN_POINTS))
        files["scenario.toml"] = to_toml(res.document).encode("utf-8")
        pictures = _sweep_charts(res) if charts is not None else None
        write_with_charts(files, out, pictures or None, charts, force,
                          identity_of("sweep", Path(res.path).name, sets, variant),
                          identity_of("sweep charts", Path(res.path).name, sets, variant), res.digest, runs)
        say(f"{res.name}: {n} points, {failed} failed; {res.seconds:.1f} s "
             f"({executor.value}, {'scheduler ' + scheduler if scheduler else f'{jobs} jobs'})")
        if not quiet:  # the tables are in the folder; the summary is for a person
            emit(intro + "\n\n" + text + "\n"
                 + (f"\n({SHOWN_POINTS} of {n} points shown; all in table sweep_points in {out})\n"
                    if more else ""))
        if n and failed == n:
            first = res.points.iloc[0]
            typer.echo(f"{label('error:')} every point failed; point 0: {first['error']}", err=True)
            raise typer.Exit(int(EXIT_CODES.get(first["status"], ExitCode.INTERNAL)))
    except BaseException as exc:
        fail(exc)


#: Metrics drawn as response curves (a chart each, a panel per state).
CHART_METRICS = ("pledged_relocations", "pledged_value_eur", "unmet_eur", "offset")


def _sweep_charts(res) -> dict[str, bytes]:
    """Response curves through solidarity.outputs.charts.sweep_charts: per varied key
    path, the points where the other varied paths are at their first value;
    failed points are left out. Drawn before anything is written."""
    from ..outputs.charts import data_source, study_source, sweep_charts  # matplotlib: see require_extras
    long = res.long.reset_index()
    long = long[long["error"] == ""]
    pictures: dict[str, bytes] = {}
    source = study_source([data_source(p, g) for p, g in res.data], f"{res.name} ({Path(res.path).name})")
    for v in res.varies:
        rows = long
        for other in res.varies:
            if other is not v:
                rows = rows[rows[other.path] == other.values[0]]
        if rows.empty:
            continue
        got = sweep_charts(rows.drop(columns=[o.path for o in res.varies if o is not v]), v.path,
                           metrics=CHART_METRICS, title=res.name, source=source)
        if len(res.varies) > 1:
            got = {f"{_stem(v.path)}_{name}": blob for name, blob in got.items()}
        pictures.update(got)
    if not pictures:
        typer.echo("note: no charts drawn: no point ran", err=True)
    return pictures


def _stem(path: str) -> str:
    import re
    return re.sub(r"[^A-Za-z0-9_-]+", "_", path).strip("_")
