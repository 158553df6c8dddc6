"""`solidarity synthetic`: write a seeded synthetic pool (scenario and data files)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import InputError, Problem
from .common import app, fail, say, session, set_debug


@app.command()
def synthetic(contributors: Annotated[int, typer.Option(
                  "--contributors", "-c", min=2, help="Participating units (beneficiaries included).")],
              beneficiaries: Annotated[int, typer.Option(
                  "--beneficiaries", "-b", min=1, help="Benefitting units among them.")],
              output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write the files to.")],
              seed: Annotated[int, typer.Option("--seed", "-s", min=0, help="Seed of every draw.")] = 0,
              coverage: Annotated[Optional[float], typer.Option(
                  min=0.01, help="Obligations / value of the needs (default: drawn from 0.6 to 1.2).")] = None,
              time_limit: Annotated[Optional[float], typer.Option(
                  "--time-limit", min=0.001, help="Solver time limit to put in the scenario (seconds).")] = None,
              force: Annotated[bool, typer.Option(
                  "--force", help="Replace scenario.toml, population.csv and gdp.csv if the folder has them.")] = False,
              quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No 'wrote' line on stderr.")] = False,
              debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False) -> None:
    """Write a seeded synthetic pool: scenario.toml, population.csv and gdp.csv.

    Units are coded U00001, U00002, ...; population and GDP per head are
    log-normal (correlated), a few units have recorded pledges, some stated
    preferences or limits, most state nothing; needs are sized so that the
    obligations cover 60-120 % of them. The same arguments write
    byte-identical files.

    Example: solidarity synthetic --contributors 1000 --beneficiaries 100 --seed 1 -o pools/1000x100
    """
    set_debug(debug)
    session["quiet"] = quiet
    try:
        from ..inputs.synthetic import generate, to_files

        if beneficiaries >= contributors:
            raise InputError(Problem("command line", "--beneficiaries", beneficiaries,
                                     "not fewer than the contributors",
                                     f"from 1 to {contributors - 1} (beneficiaries are among the units)"))
        from ..inputs.synthetic import memory_problem
        too_big = memory_problem(contributors, beneficiaries)
        if too_big:
            raise InputError(Problem("command line", "--contributors", contributors, too_big,
                                     "a pool that fits in memory (free memory, or use a larger machine)"))
        names = ("scenario.toml", "population.csv", "gdp.csv")
        there = [n for n in names if (output / n).exists()]
        if there and not force:
            raise InputError(Problem("command line", "--output", str(output),
                                     f"already holds {', '.join(there)}", "another folder, or --force"))
        if output.exists() and not output.is_dir():
            raise InputError(Problem("command line", "--output", str(output), "is a file, not a folder",
                                     "a folder (created if missing)"))
        pool = generate(contributors, beneficiaries, seed, coverage=coverage, time_limit=time_limit)
        paths = to_files(pool, output)
        say(f"wrote {', '.join(p.name for p in paths.values())} to {output}: {pool!r}")
    except BaseException as exc:
        fail(exc)
