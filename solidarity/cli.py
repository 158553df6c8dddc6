"""Command line: a thin layer over the library (see ``solidarity --help``).

Data goes to stdout, messages and errors to stderr. Exit codes are listed in
:mod:`solidarity.errors`; no traceback is shown unless ``--debug`` is given.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Optional

import typer

from .errors import InputError, Problem, SolidarityError
from .schema import DEFAULT_PARTICIPANTS, GDP, KNOWN_CODES, POPULATION, Method, SolverName

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Fair shares, pledges and distribution for the EU Annual Solidarity Pool.")
_state = {"debug": False}


class Fmt(StrEnum):
    csv = "csv"
    parquet = "parquet"
    json = "json"
    md = "md"


# One set of output options, shared by every command that writes rows.
OutDir = Annotated[Optional[Path], typer.Option("--output", "-o", help="Directory to write tables to.")]
Formats = Annotated[Optional[list[Fmt]], typer.Option(
    "--format", "-f", help="Output format; repeat for several. Default: all four for files, csv for stdout.")]
SolverOpt = Annotated[Optional[SolverName], typer.Option(
    "--solver", help="MILP backend (default: the scenario's, else highs).")]


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False) -> None:
    _state["debug"] = debug


def _fail(exc: BaseException) -> None:
    """Report an error on stderr and exit with its code."""
    if _state["debug"]:
        raise exc
    if isinstance(exc, SolidarityError):
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code)
    typer.echo(f"internal error: {type(exc).__name__}: {exc}\n"
               "(run with --debug for a traceback and please report it)", err=True)
    raise typer.Exit(1)


def _emit(tables: dict, out: Path | None, formats: list[Fmt] | None, title: str) -> None:
    from .report import markdown_table, render, to_csv, to_json, write_atomic

    if out is None:
        fmts = formats or [Fmt.csv]
        if len(fmts) != 1 or fmts[0] is Fmt.parquet:
            raise InputError(Problem("command line", "--format", [f.value for f in fmts],
                                     "stdout takes exactly one text format", "csv, json or md; "
                                     "use --output DIR for parquet or several formats"))
        for name, df in tables.items():
            text = {Fmt.csv: lambda: to_csv(df).decode(), Fmt.json: lambda: to_json(name, df).decode(),
                    Fmt.md: lambda: markdown_table(df) + "\n"}[fmts[0]]()
            sys.stdout.write(text)
        return
    files = render(tables, [f.value for f in (formats or list(Fmt))], title=title)
    for path in write_atomic(files, out):
        typer.echo(f"wrote {path}", err=True)


@app.command()
def run(scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
        output: OutDir = None, fmt: Formats = None, solver: SolverOpt = None,
        write_lp: Annotated[Optional[Path], typer.Option(
            "--write-lp", help="Also write the model as an LP file (last objective level).")] = None,
        record_runtime: Annotated[bool, typer.Option(
            "--record-runtime", help="Add the solver run time to meta (outputs then differ run to run).")] = False,
        ) -> None:
    """Run a scenario: fair shares, pledges, flows; verify; write every table.

    Tables go to --output (default out/<scenario name>); a summary of the pool
    is printed to stdout.
    """
    try:
        from .pipeline import run as run_pipeline
        from .report import build_tables, markdown_table
        from .scenario import load_scenario

        sc = load_scenario(scenario)
        res = run_pipeline(sc, solver=solver, write_lp=write_lp)
        tables = res.tables
        if record_runtime:
            tables = build_tables(sc, res.population, res.gdp, res.shares, res.inputs, res.solve,
                                  res.solution, res.rules, include_runtime=True)
        out = output if output is not None else Path("out") / scenario.stem
        _emit(tables, out, fmt, title=f"{sc.name} ({sc.year})")
        if write_lp is not None:
            typer.echo(f"wrote {write_lp}", err=True)
        typer.echo(f"{sc.name}: {res.solve.status.value} with {res.solve.solver}, verified; "
                   f"solved in {res.solve.runtime:.2f} s", err=True)
        sys.stdout.write(markdown_table(tables["pool"]) + "\n")
    except Exception as exc:  # noqa: BLE001 - every error is reported, not raised
        _fail(exc)


def _codes(text: str | None) -> tuple[str, ...]:
    if text is None:
        return DEFAULT_PARTICIPANTS
    codes = [c.strip() for c in text.replace(" ", ",").split(",") if c.strip()]
    bad = [c for c in codes if c not in KNOWN_CODES]
    dup = sorted({c for c in codes if codes.count(c) > 1})
    problems = [Problem("command line", "--participants", c, "unknown country code",
                        "Eurostat two-letter codes: " + ", ".join(sorted(KNOWN_CODES))) for c in bad]
    problems += [Problem("command line", "--participants", c, "duplicate country code", "each code once")
                 for c in dup]
    if problems:
        raise InputError(problems)
    return tuple(sorted(codes))


@app.command()
def key(population_year: Annotated[Optional[int], typer.Option(help="Population year (default: latest).")] = None,
        gdp_year: Annotated[Optional[int], typer.Option(help="GDP year (default: latest).")] = None,
        participants: Annotated[Optional[str], typer.Option(
            help="Comma-separated country codes (default: EU-27 minus DK).")] = None,
        relocations: Annotated[int, typer.Option(min=0, help="Pool relocations R.")] = 21_000,
        financial_eur: Annotated[int, typer.Option(min=0, help="Pool money F, EUR.")] = 420_000_000,
        equivalence_eur: Annotated[Optional[int], typer.Option(
            min=1, help="EUR per relocation (default F / R).")] = None,
        method: Annotated[Method, typer.Option(help="Apportionment method.")] = Method.HAMILTON,
        population_weight: Annotated[float, typer.Option(min=0.0, max=1.0,
                                                         help="Weight of population; GDP gets the rest.")] = 0.5,
        output: OutDir = None, fmt: Formats = None) -> None:
    """Print the distribution key and fair shares (no optimisation).

    Defaults: the 2026 adopted pool (21 000 relocations, EUR 420 million),
    the latest bundled data, 50 % population and 50 % GDP.
    """
    try:
        from .data import load_indicator
        from .key import fair_shares
        from .report import shares_table
        from .scenario import PoolSettings

        parts = _codes(participants)
        pop = load_indicator(POPULATION, year=population_year, require=parts)
        gdp = load_indicator(GDP, year=gdp_year, require=parts)
        rate = PoolSettings(relocations, financial_eur, equivalence_eur).rate
        wp = Fraction(repr(population_weight))
        fs = fair_shares(pop.values[list(parts)], gdp.values[list(parts)],
                         {POPULATION: wp, GDP: 1 - wp}, relocations, financial_eur, rate, method=method)
        if fs.relocations.ties:
            typer.echo(f"note: apportionment ties decided by the tie rule: {' '.join(fs.relocations.ties)}",
                       err=True)
        typer.echo(f"population {pop.year} ({pop.vintage}); GDP {gdp.year} ({gdp.vintage})", err=True)
        _emit({"shares": shares_table(fs)}, output, fmt, title="Fair shares")
    except Exception as exc:  # noqa: BLE001
        _fail(exc)


@app.command()
def cycle(path: Annotated[Path, typer.Argument(
              help="Directory of yearly scenario files, or a TOML file with [cycle] scenarios = [...].")],
          output: OutDir = None, fmt: Formats = None, solver: SolverOpt = None) -> None:
    """Run consecutive years in order, carrying crisis credits and unimplemented
    pledges; write each year's tables to DIR/<year>/ and the ledger to DIR."""
    try:
        from .ledger import load_cycle, run_cycle
        from .report import markdown_table

        cyc = run_cycle(load_cycle(path), solver=solver)
        out = output if output is not None else Path("out") / path.stem
        for res in cyc.results:
            _emit(res.tables, out / str(res.scenario.year), fmt,
                  title=f"{res.scenario.name} ({res.scenario.year})")
        _emit({"ledger": cyc.ledger}, out, fmt, title="Ledger")
        years = cyc.ledger.groupby("year")[["obligation_eur", "credit_used_eur", "pledged_value_eur",
                                            "implemented_value_eur", "carried_out_relocations",
                                            "credit_earned_eur"]].sum().reset_index()
        typer.echo(f"{len(cyc.results)} cycles run and verified", err=True)
        sys.stdout.write(markdown_table(years) + "\n")
    except Exception as exc:  # noqa: BLE001
        _fail(exc)


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")]) -> None:
    """Check a scenario and the data it names; report every problem at once."""
    try:
        from .pipeline import load_data
        from .scenario import load_scenario

        sc = load_scenario(scenario)
        pop, gdp = load_data(sc)
        typer.echo(f"{scenario}: valid ({sc.name}, {sc.year}; {len(sc.participants)} participants, "
                   f"{len(sc.beneficiaries)} beneficiaries; population {pop.year}, GDP {gdp.year})")
    except Exception as exc:  # noqa: BLE001
        _fail(exc)


def main() -> None:
    app()
