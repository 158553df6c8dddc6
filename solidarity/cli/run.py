"""`solidarity run` and `solidarity validate`: one scenario, solved, verified and written."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import (
    Charts,
    DataDirs,
    Debug,
    Force,
    Formats,
    MipGap,
    MissingExtra,
    OutDir,
    Quiet,
    Sets,
    SignKey,
    SolverOpt,
    Suboptimal,
    TimeLimit,
    Variant,
    Verbose,
    app,
    check_sign_key,
    default_folder,
    draw_run_charts,
    effective_toml,
    emit,
    fail,
    identity_of,
    load,
    render_files,
    require_extras,
    say,
    say_assumed,
    session,
    set_debug,
    set_verbose,
    solver_name,
    stage_timer,
    trust,
    with_solver_options,
    write_with_charts,
)


@app.command()
def run(scenario: Annotated[Path, typer.Argument(help="Scenario TOML file; - reads it from stdin.")],
        output: OutDir = None, fmt: Formats = None, force: Force = False, quiet: Quiet = False,
        sets: Sets = None, variant: Variant = None, solver: SolverOpt = None,
        time_limit: TimeLimit = None, mip_gap: MipGap = None, allow_suboptimal: Suboptimal = False,
        write_lp: Annotated[Optional[Path], typer.Option(
            "--write-lp", help="Also write the model as an LP file (last solver level).")] = None,
        record_runtime: Annotated[bool, typer.Option(
            "--record-runtime", help="Add solver times to meta (outputs then differ run to run).")] = False,
        charts: Charts = None, sign: SignKey = None, data_dirs: DataDirs = None,
        verbose: Verbose = False, debug: Debug = False) -> None:
    """Run a scenario: fair shares, pledges, calls and flows; verify; write every table.

    Tables go to --output with a manifest; by default out/<scenario file name>,
    and for a run with --variant or --set a folder beside it named after them
    (out/2026-adopted--pool.relocations=25000), so a what-if never replaces the
    baseline. A summary of the pool is printed to stdout (not with --quiet).

    Example: solidarity run scenarios/2026-adopted.toml --set pool.relocations=25000
    """
    set_debug(debug)
    set_verbose(verbose)
    trust(data_dirs)
    session["quiet"] = quiet
    try:
        require_extras(fmt, charts)
        if write_lp is not None and write_lp.is_dir():
            from ..errors import OutputError
            raise OutputError(str(write_lp), "is a folder, not a file", "name a file such as model.lp")
        from ..designs import DesignResult
        from ..outputs.report import build_tables, markdown_table
        from ..outputs.summary import intro
        from ..pipeline import run as run_pipeline

        check_sign_key(sign)
        sc = with_solver_options(load(scenario, sets, variant), time_limit, mip_gap)
        from .progress import LevelProgress

        # --verbose: a line per stage and per solver level; otherwise a status
        # line on a terminal once a run passes 2 s (nothing with --quiet).
        shown = None if quiet else LevelProgress(verbose=bool(session["verbose"]))
        try:
            res = run_pipeline(sc, solver=solver_name(solver), write_lp=write_lp,
                               allow_suboptimal=allow_suboptimal, timer=stage_timer(), progress=shown)
        finally:
            if shown is not None:
                shown.close()
        if isinstance(res, DesignResult):
            _write_design(res, output, scenario, sets, variant, fmt, charts, force, sign, quiet)
            return
        tables = res.tables
        if record_runtime:
            tables = build_tables(sc, res.population, res.gdp, res.shares, res.inputs, res.solve,
                                  res.solution, res.allocation, res.rules, include_runtime=True)
        out = output if output is not None else default_folder(scenario.stem, sets, variant)
        text = intro(res)
        pictures = draw_run_charts(res, charts, fmt)
        files = render_files(tables, fmt, title=f"{sc.name} ({sc.year})", intro=text, charts=pictures)
        files["scenario.toml"] = effective_toml(sc)
        write_with_charts(files, out, pictures if charts is not None else None, charts, force,
                           identity_of("run", Path(sc.path).name, sets, variant),
                           identity_of("charts", Path(sc.path).name, sets, variant), sc.digest, [res],
                           sign_key=sign)
        if write_lp is not None:
            say(f"wrote {write_lp}")
        say(f"{sc.name}: {res.status_line()}; solved in {res.solve.runtime:.2f} s")
        say_assumed(sc, res.population, res.gdp)
        if not quiet:
            emit(text + "\n\n" + markdown_table(tables["pool"], "pool") + "\n")
    except BaseException as exc:
        fail(exc)


def _write_design(res, output, scenario: Path, sets, variant, fmt, charts, force, sign,
                  quiet: bool) -> None:
    """Write the tables of a design other than the Pact (its own rules; no optimiser)."""
    from ..outputs.report import markdown_table

    sc = res.scenario
    pictures = None
    if charts is not None:
        try:
            pictures = res.charts()
        except ImportError as exc:  # matplotlib is an optional extra
            raise MissingExtra(f"--charts needs matplotlib ({exc}): pip install 'solidarity[charts]'") from exc
    out = output if output is not None else default_folder(scenario.stem, sets, variant)
    text = res.intro()
    files = render_files(res.tables, fmt, title=f"{sc.name} ({sc.year})", intro=text, charts={})
    files["scenario.toml"] = effective_toml(sc)
    write_with_charts(files, out, pictures, charts, force, identity_of("run", Path(sc.path).name, sets, variant),
                      identity_of("charts", Path(sc.path).name, sets, variant), sc.digest, [res], sign_key=sign)
    say(f"{sc.name}: {res.status_line()}")
    say_assumed(sc, res.population, res.gdp)
    if not quiet:
        emit(text + "\n\n" + markdown_table(res.tables["pool"], "pool") + "\n")


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="Scenario TOML file; - reads it from stdin.")],
             sets: Sets = None, variant: Variant = None, data_dirs: DataDirs = None, debug: Debug = False) -> None:
    """Check a scenario and the data it names; report every problem at once.

    Example: solidarity validate scenarios/2026-adopted.toml
    """
    set_debug(debug)
    trust(data_dirs)
    try:
        from ..pipeline import load_data

        sc = load(scenario, sets, variant)
        pop, gdp = load_data(sc)
        say_assumed(sc, pop, gdp)
        emit(f"{scenario}: valid ({sc.name}, {sc.year}; {len(sc.participants)} participants, "
             f"{len(sc.beneficiaries)} beneficiaries; population {pop.year}, GDP {gdp.year})\n")
    except BaseException as exc:
        fail(exc)
