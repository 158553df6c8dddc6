"""`solidarity cycle`: consecutive years, carrying credits and unimplemented pledges."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import (
    DataDirs,
    Debug,
    Force,
    Formats,
    OutDir,
    Quiet,
    Sets,
    SignKey,
    SolverOpt,
    Variant,
    app,
    check_sign_key,
    default_folder,
    effective_toml,
    emit,
    fail,
    identity_of,
    render_files,
    require_extras,
    say,
    session,
    set_debug,
    solver_name,
    trust,
    write_files,
)


@app.command()
def cycle(path: Annotated[Path, typer.Argument(
              help="Folder of yearly scenario files, or a TOML file with a \\[cycle] table: "
                   "scenarios = \\[\"2026.toml\", ...] (paths relative to it).")],
          output: OutDir = None, fmt: Formats = None, force: Force = False, quiet: Quiet = False,
          sets: Sets = None, variant: Variant = None, solver: SolverOpt = None,
          sign: SignKey = None, data_dirs: DataDirs = None, debug: Debug = False) -> None:
    """Run consecutive years in order, carrying crisis credits and unimplemented
    pledges; write each year's tables to DIR/<year>/ and the ledger to DIR.

    Example: solidarity cycle scenarios/ledger-3y -o out/ledger
    """
    set_debug(debug)
    trust(data_dirs)
    session["quiet"] = quiet
    try:
        from ..outputs.report import markdown_table
        from ..outputs.summary import intro
        from ..studies.ledger import load_cycle, run_cycle

        require_extras(fmt, None)
        check_sign_key(sign)
        scenarios = load_cycle(path, tuple(sets or ()), variant)
        for sc in scenarios:
            for line in sc.overrides:
                say(f"override {sc.year}: {line}")
        cyc = run_cycle(scenarios, solver=solver_name(solver))
        out = output if output is not None else default_folder(path.stem, sets, variant)
        files: dict[str, bytes] = {}
        for res in cyc.results:
            year = str(res.scenario.year)
            for name, blob in render_files(res.tables, fmt, f"{res.scenario.name} ({year})", intro(res)).items():
                files[f"{year}/{name}"] = blob
            files[f"{year}/scenario.toml"] = effective_toml(res.scenario)
        files.update(render_files({"ledger": cyc.ledger}, fmt, "Ledger"))
        write_files(files, out, force, identity_of("cycle", path.name, sets, variant), "", cyc.results, sign_key=sign)
        years = cyc.ledger.reset_index().groupby("year")[[
            "obligation_eur", "credit_used_eur", "pledged_value_eur", "implemented_value_eur",
            "carried_out_relocations", "credit_earned_eur"]].sum()
        say(f"{len(cyc.results)} cycles run and verified")
        if not quiet:
            emit(markdown_table(years) + "\n")
    except BaseException as exc:
        fail(exc)
