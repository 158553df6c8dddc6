"""Command line: a thin layer over the library (see ``solidarity --help``).

Data goes to stdout, messages and errors to stderr. Exit codes are listed in
:mod:`solidarity.errors` and in ``--help``; no traceback is shown unless
``--debug`` is given (before or after the command). Heavy libraries (the
solver stack, pyarrow, matplotlib, openpyxl, dask) are imported only by the
commands that need them.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .errors import ExitCode, InputError, Problem, SolidarityError

EXIT_CODES = """Exit codes: 0 success; 1 internal error (a bug: rerun with --debug and
report it); 2 usage error; 3 invalid input (scenario, data file, override or
option); 4 conflicting scenario; 5 the independent verifier rejected the
result; 6 a solver limit was reached without an accepted solution; 7 outputs
cannot be written; 8 the solver is missing or failed."""

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="Fair shares, pledges and distribution for the EU Annual Solidarity Pool "
                       "(Regulation (EU) 2024/1351, Part IV).\n\n" + EXIT_CODES,
                  epilog="Example: solidarity run scenarios/2026-adopted.toml")
_state = {"debug": False, "quiet": False}


class Fmt(StrEnum):
    csv = "csv"
    parquet = "parquet"
    json = "json"
    md = "md"
    xlsx = "xlsx"
    html = "html"


DEFAULT_FMTS = (Fmt.csv, Fmt.parquet, Fmt.json, Fmt.md)


class SolverChoice(StrEnum):
    highs = "highs"
    scipy = "scipy"
    cbc = "cbc"
    pulp_highs = "pulp-highs"


# --- one set of options, shared by every command that takes them ---------------
OutDir = Annotated[Optional[Path], typer.Option("--output", "-o", help="Folder to write tables to.")]
Formats = Annotated[Optional[list[Fmt]], typer.Option(
    "--format", "-f", help="Output format; repeat for several: csv, parquet, json, md (summary.md), "
                           "xlsx (one workbook), html (one page to circulate). Default: csv, parquet, "
                           "json and md for a folder; csv for stdout.")]
Force = Annotated[bool, typer.Option("--force", help="Replace a folder that holds another run's outputs.")]
Quiet = Annotated[bool, typer.Option(
    "--quiet", "-q", help="No progress or 'wrote' lines on stderr, and no summary on stdout when the tables go "
                          "to a folder (tables asked for on stdout are still printed).")]
Sets = Annotated[Optional[list[str]], typer.Option(
    "--set", help="Override a scenario value: key.path=value (TOML value; repeatable). "
                  "Command line wins over --variant, which wins over the file.")]
Variant = Annotated[Optional[str], typer.Option("--variant", help="Apply the scenario's \\[variants.NAME] block.")]
SolverOpt = Annotated[Optional[SolverChoice], typer.Option(
    "--solver", help="MILP backend (default: the scenario's, else highs).")]
TimeLimit = Annotated[Optional[float], typer.Option(
    "--time-limit", min=0.001, help="Seconds for all solver levels together.")]
MipGap = Annotated[Optional[float], typer.Option("--mip-gap", min=0.0, max=1.0,
                                                 help="Relative MIP gap per level (default 0: prove optimality).")]
Suboptimal = Annotated[bool, typer.Option(
    "--allow-suboptimal", help="Write tables even when a limit stopped the solver (status in meta).")]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]
SignKey = Annotated[Optional[Path], typer.Option(
    "--sign", help="Sign the manifest with this Ed25519 private key (from `solidarity keygen`; needs "
                   "pip install 'solidarity\\[sign]'): writes manifest.json.sig.")]
Charts = Annotated[Optional[Path], typer.Option(
    "--charts", help="Also draw charts (PNG and SVG) into this folder (needs matplotlib: "
                     "pip install 'solidarity\\[charts]').")]


def _version(value: bool) -> None:
    if value:
        from .output import runtime_versions

        # What a bug report needs: our version, Python's, and the solver and
        # table libraries' (read from metadata: no solver is started).
        versions = runtime_versions()
        typer.echo(f"solidarity {versions.pop('solidarity', '?')}")
        typer.echo("  " + ", ".join(f"{k} {v}" for k, v in versions.items()))
        raise typer.Exit(0)


@app.callback()
def _main(debug: Debug = False,
          version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Show the version and exit.")] = False) -> None:
    _state["debug"] = debug


def _set_debug(debug: bool) -> None:
    _state["debug"] = _state["debug"] or debug


def _fail(exc: BaseException) -> None:
    """Report an error on stderr and exit with its code."""
    if isinstance(exc, typer.Exit):
        raise exc
    if isinstance(exc, BrokenPipeError):
        _quiet_broken_pipe()
        raise typer.Exit(_state.get("code", 0))
    if _state["debug"]:
        raise exc
    if isinstance(exc, KeyboardInterrupt):
        typer.echo("interrupted", err=True)
        raise typer.Exit(130)
    if isinstance(exc, SolidarityError):
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(int(exc.exit_code))
    if isinstance(exc, MemoryError):
        typer.echo("error: out of memory: the pool is too large for this machine", err=True)
        raise typer.Exit(int(ExitCode.INTERNAL))
    typer.echo(f"internal error: {type(exc).__name__}: {exc}\n"
               "(run with --debug for a traceback and please report it)", err=True)
    raise typer.Exit(int(ExitCode.INTERNAL))


def _quiet_broken_pipe() -> None:
    """stdout was closed (``solidarity key | head``): point it at /dev/null so
    the interpreter's final flush does not complain, and end quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _say(msg: str) -> None:
    if not _state["quiet"]:
        typer.echo(msg, err=True)


def _out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _load(path: Path, sets, variant):
    from .scenario import load_scenario

    sc = load_scenario(path, tuple(sets or ()), variant)
    for line in sc.overrides:
        _say(f"override {line}")
    return sc


def _inputs_of(results) -> list[dict]:
    """Files read by runs (scenario, data), for the manifest."""
    seen, out = set(), []
    for res in results:
        sc = res.scenario
        for role, path in (("scenario", sc.path), ("population", getattr(res.population, "path", "")),
                           ("gdp", getattr(res.gdp, "path", ""))):
            if path and Path(path).is_file() and (role, str(path)) not in seen:
                seen.add((role, str(path)))
                out.append({"role": role, "path": str(Path(path).resolve())})
    return out


def _write(files: dict[str, bytes], out: Path, force: bool, identity: str, digest: str, results,
           sign_key: Path | None = None) -> None:
    from .output import build_manifest, write_outputs

    manifest = build_manifest(files, identity=identity, scenario_digest=digest,
                              inputs=_inputs_of(results), command=["solidarity", *sys.argv[1:]])
    signer = None
    if sign_key is not None:
        from functools import partial

        from .signing import sign
        signer = partial(_sign_with, sign, sign_key)
    report = write_outputs(files, out, force=force, identity=identity, manifest=manifest, sign=signer)
    _say(f"wrote {len(report.files)} files to {report.outdir}" + (", signed" if sign_key is not None else ""))


def _sign_with(sign, key: Path, blob: bytes) -> bytes:
    return sign(blob, key)


def _check_sign_key(sign_key: Path | None) -> None:
    """A key that cannot sign fails before the run, not after it."""
    if sign_key is not None:
        from .signing import check_key
        check_key(sign_key, private=True)


def _render(tables: dict, formats: list[Fmt] | None, title: str, intro: str = "",
            charts: dict[str, bytes] | None = None) -> dict[str, bytes]:
    from .report import render
    return render(tables, [f.value for f in (formats or DEFAULT_FMTS)], title=title, intro=intro,
                  charts=charts)


def _stdout_tables(tables: dict, formats: list[Fmt] | None) -> None:
    from .report import markdown_table, to_csv, to_json

    fmts = formats or [Fmt.csv]
    if len(fmts) != 1 or fmts[0] in (Fmt.parquet, Fmt.xlsx, Fmt.html):
        raise InputError(Problem("command line", "--format", [f.value for f in fmts],
                                 "stdout takes exactly one text format", "csv, json or md; "
                                 "use --output DIR for parquet, xlsx, html or several formats"))
    for name, df in tables.items():
        if fmts[0] is Fmt.csv:
            _out(to_csv(name, df).decode())
        elif fmts[0] is Fmt.json:
            _out(to_json(name, df).decode())
        else:
            _out(markdown_table(df, name) + "\n")


def _solver_name(solver: SolverChoice | None):
    from .schema import SolverName
    return None if solver is None else SolverName(solver.value)


def _with_solver_options(sc, time_limit, mip_gap):
    from dataclasses import replace
    if time_limit is None and mip_gap is None:
        return sc
    s = sc.solver
    return replace(sc, solver=replace(s, time_limit=time_limit if time_limit is not None else s.time_limit,
                                      mip_gap=mip_gap if mip_gap is not None else s.mip_gap))


@app.command()
def run(scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
        output: OutDir = None, fmt: Formats = None, force: Force = False, quiet: Quiet = False,
        sets: Sets = None, variant: Variant = None, solver: SolverOpt = None,
        time_limit: TimeLimit = None, mip_gap: MipGap = None, allow_suboptimal: Suboptimal = False,
        write_lp: Annotated[Optional[Path], typer.Option(
            "--write-lp", help="Also write the model as an LP file (last solver level).")] = None,
        record_runtime: Annotated[bool, typer.Option(
            "--record-runtime", help="Add solver times to meta (outputs then differ run to run).")] = False,
        charts: Charts = None, sign: SignKey = None, debug: Debug = False,
        verbose: Annotated[bool, typer.Option(
            "--verbose", "-v", help="A line on stderr as each solver level starts, with the times of "
            "those before (without it: a status line on a terminal once a run passes 2 s).")] = False
        ) -> None:
    """Run a scenario: fair shares, pledges, calls and flows; verify; write every table.

    Tables go to --output (default out/<scenario file name>) with a manifest;
    a summary of the pool is printed to stdout (not with --quiet).

    Example: solidarity run scenarios/2026-adopted.toml --set pool.relocations=25000
    """
    _set_debug(debug)
    _state["quiet"] = quiet
    try:
        from .pipeline import run as run_pipeline
        from .report import build_tables, markdown_table
        from .summary import intro

        _check_sign_key(sign)
        sc = _with_solver_options(_load(scenario, sets, variant), time_limit, mip_gap)
        from .progress import LevelProgress

        shown = None if quiet else LevelProgress(verbose=verbose)
        try:
            res = run_pipeline(sc, solver=_solver_name(solver), write_lp=write_lp,
                               allow_suboptimal=allow_suboptimal, progress=shown)
        finally:
            if shown is not None:
                shown.close()
        tables = res.tables
        if record_runtime:
            tables = build_tables(sc, res.population, res.gdp, res.shares, res.inputs, res.solve,
                                  res.solution, res.allocation, res.rules, include_runtime=True)
        out = output if output is not None else Path("out") / scenario.stem
        text = intro(res)
        pictures = _run_charts(res, charts, fmt)
        files = _render(tables, fmt, title=f"{sc.name} ({sc.year})", intro=text, charts=pictures)
        files["scenario.toml"] = _effective_toml(sc)
        _write(files, out, force, f"run {Path(sc.path).name}", sc.digest, [res], sign_key=sign)
        if charts is not None:
            _write(pictures, charts, force, f"charts {Path(sc.path).name}", sc.digest, [res])
        if write_lp is not None:
            _say(f"wrote {write_lp}")
        _say(f"{sc.name}: {res.solve.status.value} with {res.solve.solver}, verified; "
             f"solved in {res.solve.runtime:.2f} s")
        if not quiet:
            _out(text + "\n\n" + markdown_table(tables["pool"], "pool") + "\n")
    except BaseException as exc:
        _fail(exc)


def _run_charts(res, folder: Path | None, formats) -> dict[str, bytes]:
    """Charts of a run (file name -> bytes) when asked for, or for the HTML brief."""
    if folder is None and not (formats and Fmt.html in formats):
        return {}
    try:
        from .charts import run_charts
        return run_charts(res)
    except ImportError as exc:  # matplotlib is an optional extra
        if folder is not None:
            raise SolidarityErrorWithCode(
                f"--charts needs matplotlib ({exc}): pip install 'solidarity[charts]'") from exc
        _say(f"charts skipped in the brief ({exc}): pip install 'solidarity[charts]'")
        return {}


class SolidarityErrorWithCode(SolidarityError):
    """An optional extra a command needs is missing (exit 3: the option asked for it)."""

    exit_code = ExitCode.INVALID_INPUT


def _effective_toml(sc) -> bytes:
    """The effective scenario that ran (overrides and carried values applied)."""
    from .document import to_toml
    return to_toml(sc.effective).encode("utf-8")


def _codes(text: str | None) -> tuple[str, ...]:
    """--participants, checked as a scenario's participants are (same hints)."""
    from .scenario import _Checker, _participants
    from .schema import DEFAULT_PARTICIPANTS

    if text is None:
        return DEFAULT_PARTICIPANTS
    c = _Checker("command line")
    codes = [p.strip() for p in text.replace(" ", ",").split(",") if p.strip()]
    parts = _participants(c, codes)
    for p in c.problems:  # name the option, not a position in a list
        c.problems[c.problems.index(p)] = Problem(p.file, "--participants", p.value, p.message, p.allowed)
    if c.problems:
        raise InputError(c.problems)
    return parts


def _key_pool(relocations, financial_eur, equivalence_eur, method):
    """The key command's pool and method, checked as a scenario's are."""
    from .scenario import _Checker, _pool
    from .schema import DEFAULT_EQUIVALENCE_EUR, Method

    c = _Checker("command line")
    r = 21_000 if relocations is None else relocations
    doc: dict = {"relocations": r}
    if financial_eur is None:
        doc["financial_eur"] = r * (equivalence_eur or DEFAULT_EQUIVALENCE_EUR)
        doc["equivalence_eur"] = equivalence_eur or DEFAULT_EQUIVALENCE_EUR
    else:
        doc["financial_eur"] = financial_eur
        if equivalence_eur is not None:
            doc["equivalence_eur"] = equivalence_eur
    pool = _pool(c, doc, True)
    meth = c.enum({"method": method}, "method", "key", Method)
    names = {"pool.relocations": "--relocations", "pool.financial_eur": "--financial-eur",
             "pool.equivalence_eur": "--equivalence-eur", "key.method": "--method", "pool": "--relocations"}
    if c.problems:
        raise InputError([Problem("command line", names.get(p.key, p.key), p.value, p.message, p.allowed)
                          for p in c.problems])
    return pool, meth


@app.command()
def key(population_year: Annotated[Optional[int], typer.Option(
            help="Population year (default: latest complete).")] = None,
        gdp_year: Annotated[Optional[int], typer.Option(help="GDP year (default: latest complete).")] = None,
        participants: Annotated[Optional[str], typer.Option(
            help="Comma-separated country codes (default: EU-27 minus DK).")] = None,
        relocations: Annotated[Optional[int], typer.Option(min=0, help="Pool relocations R (default 21 000).")] = None,
        financial_eur: Annotated[Optional[int], typer.Option(
            min=0, help="Pool money F, EUR (default: R x the equivalence rate).")] = None,
        equivalence_eur: Annotated[Optional[int], typer.Option(
            min=1, help="EUR per relocation (default EUR 20 000, or F / R when both are given).")] = None,
        method: Annotated[str, typer.Option(
            help="Apportionment of R: hamilton, webster, dhondt, huntington_hill or ceiling.")] = "hamilton",
        population_weight: Annotated[float, typer.Option(min=0.0, max=1.0,
                                                         help="Weight of population; GDP gets the rest.")] = 0.5,
        output: OutDir = None, fmt: Formats = None, force: Force = False, quiet: Quiet = False,
        debug: Debug = False) -> None:
    """Print the distribution key and each state's fair share (no optimisation).

    Defaults: the 2026 adopted pool (21 000 relocations or EUR 420 million),
    the latest bundled data, 50 % population and 50 % GDP. Changing
    --relocations keeps EUR 20 000 per relocation unless --equivalence-eur
    (or --financial-eur) is given.

    Example: solidarity key --participants DE,FR,IT,ES --relocations 1000 -f md
    """
    _set_debug(debug)
    _state["quiet"] = quiet
    try:
        from fractions import Fraction

        from .data import load_indicator
        from .key import fair_shares
        from .report import shares_table
        from .schema import GDP, POPULATION

        parts = _codes(participants)
        pool, meth = _key_pool(relocations, financial_eur, equivalence_eur, method)
        r = pool.relocations
        pop = load_indicator(POPULATION, year=population_year, require=parts)
        gdp = load_indicator(GDP, year=gdp_year, require=parts)
        wp = Fraction(repr(population_weight))
        fs = fair_shares(pop.values[list(parts)], gdp.values[list(parts)], {POPULATION: wp, GDP: 1 - wp},
                         pool.value_eur, r, pool.rate, method=meth)
        if fs.relocations.ties:
            _say(f"note: apportionment ties decided by the tie rule: {' '.join(fs.relocations.ties)}")
        _say(f"population {pop.year} ({pop.vintage}); GDP {gdp.year} ({gdp.vintage}); "
             f"EUR {pool.rate} per relocation")
        tables = {"shares": shares_table(fs, None, pop, gdp)}
        if output is None:
            _stdout_tables(tables, fmt)
        else:
            _write(_render(tables, fmt, "Fair shares"), output, force, "key", "", [])
    except BaseException as exc:
        _fail(exc)


@app.command()
def cycle(path: Annotated[Path, typer.Argument(
              help="Folder of yearly scenario files, or a TOML file with [cycle] scenarios = [...].")],
          output: OutDir = None, fmt: Formats = None, force: Force = False, quiet: Quiet = False,
          sets: Sets = None, variant: Variant = None, solver: SolverOpt = None,
          sign: SignKey = None, debug: Debug = False) -> None:
    """Run consecutive years in order, carrying crisis credits and unimplemented
    pledges; write each year's tables to DIR/<year>/ and the ledger to DIR.

    Example: solidarity cycle scenarios/ledger-3y -o out/ledger
    """
    _set_debug(debug)
    _state["quiet"] = quiet
    try:
        from .ledger import load_cycle, run_cycle
        from .report import markdown_table
        from .summary import intro

        _check_sign_key(sign)
        scenarios = load_cycle(path, tuple(sets or ()), variant)
        for sc in scenarios:
            for line in sc.overrides:
                _say(f"override {sc.year}: {line}")
        cyc = run_cycle(scenarios, solver=_solver_name(solver))
        out = output if output is not None else Path("out") / path.stem
        files: dict[str, bytes] = {}
        for res in cyc.results:
            year = str(res.scenario.year)
            for name, blob in _render(res.tables, fmt, f"{res.scenario.name} ({year})", intro(res)).items():
                files[f"{year}/{name}"] = blob
            files[f"{year}/scenario.toml"] = _effective_toml(res.scenario)
        files.update(_render({"ledger": cyc.ledger}, fmt, "Ledger"))
        _write(files, out, force, f"cycle {path.name}", "", cyc.results, sign_key=sign)
        years = cyc.ledger.reset_index().groupby("year")[[
            "obligation_eur", "credit_used_eur", "pledged_value_eur", "implemented_value_eur",
            "carried_out_relocations", "credit_earned_eur"]].sum()
        _say(f"{len(cyc.results)} cycles run and verified")
        if not quiet:
            _out(markdown_table(years) + "\n")
    except BaseException as exc:
        _fail(exc)


@app.command()
def keygen(private: Annotated[Path, typer.Argument(help="Private key file to create (the public key goes to "
                                                         "the same name + .pub).")],
           debug: Debug = False) -> None:
    """Make an Ed25519 key pair for signed results (needs pip install 'solidarity[sign]').

    The private key file is created readable by its owner only (0600) and
    without a passphrase: keep it safe; publish the .pub file. Existing files
    are never overwritten.

    Example: solidarity keygen ~/.solidarity/ministry.key
    """
    _set_debug(debug)
    try:
        from .signing import keygen as make_keys

        priv, pub = make_keys(private)
        _out(f"private key {priv} (keep it; sign with: solidarity run ... --sign {priv})\n"
             f"public key {pub} (publish it; check with: solidarity verify OUT --key {pub})\n")
    except BaseException as exc:
        _fail(exc)


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
             sets: Sets = None, variant: Variant = None, debug: Debug = False) -> None:
    """Check a scenario and the data it names; report every problem at once.

    Example: solidarity validate scenarios/2026-adopted.toml
    """
    _set_debug(debug)
    try:
        from .pipeline import load_data

        sc = _load(scenario, sets, variant)
        pop, gdp = load_data(sc)
        _out(f"{scenario}: valid ({sc.name}, {sc.year}; {len(sc.participants)} participants, "
             f"{len(sc.beneficiaries)} beneficiaries; population {pop.year}, GDP {gdp.year})\n")
    except BaseException as exc:
        _fail(exc)


# Commands in their own modules register on `app` when imported.
from .commands import compare as _compare  # noqa: E402,F401
from .commands import example as _example  # noqa: E402,F401
from .commands import explain as _explain  # noqa: E402,F401
from .commands import sweep as _sweep  # noqa: E402,F401
from .commands import synthetic as _synthetic  # noqa: E402,F401
from .commands import verify as _verify  # noqa: E402,F401


def main() -> None:
    # --debug is accepted after the subcommand too; take it out early so that
    # errors raised while parsing are shown with a traceback as asked.
    if "--debug" in sys.argv[1:]:
        _state["debug"] = True
    try:
        app()
    except BrokenPipeError:
        _quiet_broken_pipe()
        sys.exit(_state.get("code", 0))


if __name__ == "__main__":  # pragma: no cover
    main()
