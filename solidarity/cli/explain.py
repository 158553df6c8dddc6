"""`solidarity explain`: one state's result in words and numbers (see :mod:`solidarity.studies.explain`)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .common import (
    DataDirs,
    Debug,
    Quiet,
    Sets,
    SolverOpt,
    Variant,
    app,
    emit,
    fail,
    load,
    say,
    say_assumed,
    session,
    set_debug,
    solver_name,
    stage_timer,
    trust,
)


class ExplainFormat(StrEnum):
    text = "text"
    json = "json"


@app.command()
def explain(scenario: Annotated[Path, typer.Argument(help="Scenario TOML file; - reads it from stdin.")],
            state: Annotated[str, typer.Option("--state", help="The participant to explain (EL for Greece).")],
            sets: Sets = None, variant: Variant = None,
            fmt: Annotated[ExplainFormat, typer.Option(
                "--format", "-f", help="text (default) or json (the same content, keyed).")] = ExplainFormat.text,
            quiet: Quiet = False, solver: SolverOpt = None, data_dirs: DataDirs = None, debug: Debug = False) -> None:
    """Explain one state's result: data, key share, fair share, deduction,
    obligation, pledges and what bound them at each solver level, offsets,
    calls and flows (and, for a beneficiary, what it receives).

    Example: solidarity explain scenarios/2026-adopted.toml --state DE
    """
    set_debug(debug)
    trust(data_dirs)
    session["quiet"] = quiet
    try:
        from ..pipeline import run
        from ..studies.explain import check_state
        from ..studies.explain import explain as explain_state

        sc = load(scenario, sets, variant)
        check_state(sc, state, where="--state", file="command line")
        res = run(sc, solver=solver_name(solver), timer=stage_timer())
        say(f"{sc.name}: {res.status_line()}")
        say_assumed(sc, res.population, res.gdp)
        ex = explain_state(res, state)
        emit(ex.to_json() if fmt is ExplainFormat.json else ex.text())
    except BaseException as exc:
        fail(exc)
