"""What every command shares: the typer app, the options, messages and errors.

Data goes to stdout, messages and errors to stderr. Exit codes are listed in
:mod:`solidarity.errors` and in ``--help``; no traceback is shown unless
``--debug`` is given (before or after the command). Heavy libraries (the
solver stack, pyarrow, matplotlib, openpyxl, dask) are imported only by the
commands that need them.
"""

from __future__ import annotations

import os
import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import ExitCode, InputError, Problem, SolidarityError

EXIT_CODES = """Exit codes: 0 success; 1 internal error (a bug: rerun with --debug and
report it); 2 usage error; 3 invalid input (scenario, data file, override or
option); 4 conflicting scenario; 5 the independent verifier rejected the
result; 6 a solver limit was reached without an accepted solution; 7 outputs
cannot be written; 8 the solver is missing or failed."""

def _flags_as_flags() -> None:
    """Typer 0.29's rich help shows a ``<bool>`` placeholder beside every
    on/off option (``--force <bool>``), as if it took a value; a flag takes
    none, so its type column is left empty. Other options keep their
    placeholder (``<path>``, ``<float range>``). The Markdown CLI reference
    (docs/hooks.py) reads click's help records, which never showed one."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "_solidarity", False):
        return

    def display_type_rich(self, ctx):
        return None if self.is_flag and not self.count else shown(self, ctx)

    display_type_rich._solidarity = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_as_flags()

app = typer.Typer(add_completion=True, no_args_is_help=True, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="Fair shares, pledges and distribution for the EU Annual Solidarity Pool "
                       "(Regulation (EU) 2024/1351, Part IV).\n\n" + EXIT_CODES,
                  epilog="Example: solidarity run scenarios/2026-adopted.toml")

session = {"debug": False, "quiet": False, "verbose": False}

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
                           "json and md in the output folder (`key` without --output prints one text format: "
                           "csv by default).")]

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

Verbose = Annotated[bool, typer.Option(
    "--verbose", "-v", help="Say each stage of a run on stderr as it starts, and its time when done (data, "
                            "shares, model, solve, flows, rules, tables, verify).")]

DataDirs = Annotated[Optional[list[Path]], typer.Option(
    "--data-dir", help="Also allow data files in this folder (repeatable); by default a scenario may name "
                       "data files only inside its own folder or the current folder.")]

SignKey = Annotated[Optional[Path], typer.Option(
    "--sign", help="Sign the manifest with this Ed25519 private key (from `solidarity keygen`; needs "
                   "pip install 'solidarity\\[sign]'): writes manifest.json.sig.")]

Charts = Annotated[Optional[Path], typer.Option(
    "--charts", help="Also draw charts (PNG and SVG) into this folder (needs matplotlib: "
                     "pip install 'solidarity\\[charts]').")]

def show_version(value: bool) -> None:
    if value:
        from ..outputs.output import runtime_versions

        # What a bug report needs: our version, Python's, and the solver and
        # table libraries' (read from metadata: no solver is started).
        versions = runtime_versions()
        typer.echo(f"solidarity {versions.pop('solidarity', '?')}")
        typer.echo("  " + ", ".join(f"{k} {v}" for k, v in versions.items()))
        raise typer.Exit(0)

@app.callback()
def _main(debug: Debug = False, verbose: Verbose = False,
          version: Annotated[bool, typer.Option("--version", callback=show_version, is_eager=True,
                                                help="Show the version and exit.")] = False) -> None:
    session["debug"] = debug
    session["verbose"] = verbose


def set_verbose(verbose: bool) -> None:
    session["verbose"] = session["verbose"] or verbose


def stage_timer():
    """With --verbose (and not --quiet): a timer for :func:`solidarity.pipeline.run`
    that says each stage as it starts and its time when done, so a long run
    shows where it is; None otherwise."""
    if not session["verbose"] or session["quiet"]:
        return None
    import contextlib
    import time

    @contextlib.contextmanager
    def timer(stage: str):
        typer.echo(f"{stage} ...", err=True)
        start = time.perf_counter()
        yield
        typer.echo(f"{stage} done in {time.perf_counter() - start:.2f} s", err=True)
    return timer

def set_debug(debug: bool) -> None:
    session["debug"] = session["debug"] or debug

def trust(data_dirs: list[Path] | None) -> None:
    """Allow data files in the --data-dir folders too (see :mod:`solidarity.inputs.trust`)."""
    from ..inputs.trust import allow
    allow(data_dirs)

def fail(exc: BaseException) -> None:
    """Report an error on stderr and exit with its code."""
    if isinstance(exc, typer.Exit):
        raise exc
    if isinstance(exc, BrokenPipeError):
        quiet_broken_pipe()
        raise typer.Exit(session.get("code", 0))
    if session["debug"]:
        raise exc
    if isinstance(exc, KeyboardInterrupt):
        typer.echo("interrupted", err=True)
        raise typer.Exit(130)
    if isinstance(exc, SolidarityError):
        typer.echo(f"{label('error:')} {exc}", err=True)
        raise typer.Exit(int(exc.exit_code))
    if isinstance(exc, MemoryError):
        typer.echo(f"{label('error:')} out of memory: the pool is too large for this machine", err=True)
        raise typer.Exit(int(ExitCode.INTERNAL))
    typer.echo(f"{label('internal error:')} {type(exc).__name__}: {exc}\n"
               "(run with --debug for a traceback and please report it)", err=True)
    raise typer.Exit(int(ExitCode.INTERNAL))

def label(text: str, stream=None) -> str:
    """``error:`` in bold red when ``stream`` (stderr) is a terminal, as typer
    shows its usage errors; plain text when it is not (a file, a pipe, a
    test), or when the ``NO_COLOR`` environment variable is set (no-color.org)
    or ``TERM`` is ``dumb``."""
    stream = sys.stderr if stream is None else stream
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        terminal = False
    if not terminal or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return text
    return typer.style(text, fg="red", bold=True)


def quiet_broken_pipe() -> None:
    """stdout was closed (``solidarity key | head``): point it at /dev/null so
    the interpreter's final flush does not complain, and end quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass

def say(msg: str) -> None:
    if not session["quiet"]:
        typer.echo(msg, err=True)

def emit(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:  # stdout on a full device (/dev/full), a lost terminal
        quiet_broken_pipe()  # the final flush would fail again
        from ..errors import output_error
        raise output_error(exc, "stdout") from None

#: Optional extras: module -> (what needs it, the extra to install).
EXTRAS = {"openpyxl": ("-f xlsx", "xlsx"), "matplotlib": ("--charts", "charts")}

def require_extra(module: str) -> None:
    """Fail at once (exit 3) when an option needs an extra that is missing,
    before anything runs or is written."""
    import importlib
    try:
        importlib.import_module(module)
    except ImportError as exc:
        what, extra = EXTRAS[module]
        raise MissingExtra(
            f"{what} needs {module}, which is not installed ({exc}): pip install 'solidarity[{extra}]'"
        ) from None

def require_extras(formats, charts) -> None:
    if formats and Fmt.xlsx in formats:
        require_extra("openpyxl")
    if charts is not None:
        require_extra("matplotlib")

def load(path: Path, sets, variant):
    from ..inputs.scenario import load_scenario

    sc = load_scenario(path, tuple(sets or ()), variant)
    for line in sc.overrides:
        say(f"override {line}")
    return sc

#: Characters a what-if folder name keeps as typed; anything else (spaces,
#: quotes, slashes, brackets) makes the name a digest instead.
_SAFE_NAME = re.compile(r"[A-Za-z0-9._=+-]+")
_MAX_NAME = 120  #: bytes of a readable what-if folder name (file systems allow 255)


def what_if(sets, variant) -> list[str]:
    """A run's changes to its scenario file, as typed: ``--variant NAME`` and
    each ``--set key=value`` (spaces around ``=`` dropped), in order."""
    changes = [f"--variant {variant}"] if variant else []
    for text in sets or ():
        key, _, value = str(text).partition("=")
        changes.append(f"--set {key.strip()}={value.strip()}")
    return changes


def identity_of(command: str, name: str, sets, variant) -> str:
    """What an output folder holds (its manifest's ``identity``): the command,
    the scenario file's name and the changes, so a what-if run and its
    baseline are different runs and one never replaces the other unasked."""
    return " ".join([command, name, *what_if(sets, variant)])


def default_folder(stem: str, sets, variant, suffix: str = "") -> Path:
    """``out/<stem><suffix>`` for a scenario as filed; a run with a variant or
    overrides goes beside it, never into it: ``out/2026-adopted--pool.relocations=30000``
    (the variant's name and each ``key=value`` joined by ``--``), or, when
    that would be longer than 120 bytes or hold other characters than letters,
    digits and ``._=+-``, ``out/<stem>--what-if-<first 10 hex of the changes' SHA-256>``."""
    import hashlib

    stem = "stdin" if stem == "-" else stem  # a scenario read from stdin (given as -)
    changes = what_if(sets, variant)
    if not changes:
        return Path("out") / f"{stem}{suffix}"
    parts = [c.split(" ", 1)[1] for c in changes]
    name = "--".join([stem, *parts]) + suffix
    if len(name.encode()) > _MAX_NAME or not all(_SAFE_NAME.fullmatch(p) for p in parts):
        digest = hashlib.sha256("\n".join(changes).encode()).hexdigest()[:10]
        name = f"{stem}--what-if-{digest}{suffix}"
    return Path("out") / name


def say_assumed(sc, *indicators) -> None:
    """After a run: what the scenario left out and the run assumed (the
    Commission proposal, a data year earlier than the file's latest)."""
    from ..schema import Design

    if sc.design is Design.AMMR:  # the proposal and the rate are the Pact's; other designs have neither
        note = proposal_note(sc)
        if note:
            say(note)
        rate = rate_note(sc)
        if rate:
            say(rate)
    say_data_years(*indicators)


def rate_note(sc) -> str:
    """The stderr line for a pool without a rate of its own: no money to
    divide by R and no pool.equivalence_eur, so EUR 20 000 per relocation
    (recital 15) is assumed (empty otherwise)."""
    from ..numbers import eur

    pool = sc.pool
    if pool.equivalence_eur is not None or (pool.relocations > 0 and pool.financial_eur > 0):
        return ""
    return (f"note: {Path(sc.path).name}: no pool.equivalence_eur and no F / R to derive it from: "
            f"{eur(pool.rate)} per relocation assumed (recital 15)")


def say_data_years(*indicators) -> None:
    """A data year chosen because later years lack participants is a fallback
    the user should see, not only find in meta: ``population: 2024, the latest
    year every participant has; 2025 lacks HU, IE, LU``."""
    for ind in indicators:
        rule = getattr(ind, "year_rule", "")
        if "lacks" in rule:
            later = rule.split("; ", 1)[1].rstrip(")")
            say(f"note: {ind.name} {ind.year}, the latest year every participant has in "
                f"{Path(ind.path).name if getattr(ind, 'path', '') else 'the file'}; {later}")

def proposal_note(sc) -> str:
    """The stderr line for a scenario without the Commission proposal's
    numbers: Art 63(1) then measures against the Art 12(2) minimum, assumed
    (empty when the scenario gives both numbers)."""
    from ..numbers import eur, persons

    missing = sc.pool.proposal_assumed
    if not missing:
        return ""
    r, f = sc.pool.proposal
    given = {"relocations": persons(r), "financial_eur": eur(f)}
    keys = " and ".join(f"pool.proposal_{n}" for n in missing)
    return (f"{Path(sc.path).name}: no {keys}: the Commission proposal is assumed to be the Art 12(2) "
            f"minimum ({', '.join(given[n] for n in missing)}) for Art 63(1)")

def inputs_of(results, out: Path) -> list[dict]:
    """Files read by runs (scenario, data), for the manifest: paths relative to
    the output folder (bundled data as ``bundled data/NAME``), never absolute,
    so a folder sent on does not show the sender's folder layout."""
    from ..inputs.data import data_dir
    from ..inputs.trust import relative
    from ..outputs.output import sha256_file

    seen, found = set(), []
    bundled = data_dir().resolve()
    for res in results:
        sc = res.scenario
        for role, path in (("scenario", sc.path), ("population", getattr(res.population, "path", "")),
                           ("gdp", getattr(res.gdp, "path", ""))):
            if not path or not Path(path).is_file():
                continue
            real = Path(path).resolve()
            shown = (f"bundled data/{real.name}" if real.parent == bundled else relative(real, out))
            if (role, shown) not in seen:
                seen.add((role, shown))
                found.append({"role": role, "path": shown, "sha256": sha256_file(real)})
    return found

def write_files(files: dict[str, bytes], out: Path, force: bool, identity: str, digest: str, results,
           sign_key: Path | None = None) -> None:
    from ..outputs.output import build_manifest, write_outputs

    manifest = build_manifest(files, identity=identity, scenario_digest=digest,
                              inputs=inputs_of(results, out), command=["solidarity", *sys.argv[1:]])
    signer = None
    if sign_key is not None:
        from functools import partial

        from ..outputs.signing import sign
        signer = partial(sign_with, sign, sign_key)
    report = write_outputs(files, out, force=force, identity=identity, manifest=manifest, sign=signer)
    say(f"wrote {len(report.files)} files to {report.outdir}" + (", signed" if sign_key is not None else ""))

def sign_with(sign, key: Path, blob: bytes) -> bytes:
    return sign(blob, key)

def check_sign_key(sign_key: Path | None) -> None:
    """A key that cannot sign fails before the run, not after it."""
    if sign_key is not None:
        from ..outputs.signing import check_key
        check_key(sign_key, private=True)

def write_with_charts(files: dict[str, bytes], out: Path, pictures: dict[str, bytes] | None,
                       charts: Path | None, force: bool, identity: str, charts_identity: str,
                       digest: str, results, sign_key: Path | None = None) -> None:
    """Tables and charts together or not at all: charts inside the output
    folder go into the same temporary folder as the tables (one rename);
    a separate charts folder is checked (:func:`solidarity.outputs.output.preflight`)
    along with the tables' before either is written."""
    if pictures is None or charts is None:
        write_files(files, out, force, identity, digest, results, sign_key=sign_key)
        return
    real_out, real_charts = out.resolve(), charts.resolve()
    if real_charts != real_out and real_charts.is_relative_to(real_out):
        inner = real_charts.relative_to(real_out).as_posix()
        write_files({**files, **{f"{inner}/{k}": v for k, v in pictures.items()}}, out, force, identity, digest,
               results, sign_key=sign_key)
        return
    from ..outputs.output import SIGNATURE, preflight
    signed = {SIGNATURE} if sign_key is not None else set()
    preflight(out, identity, force, files={*files, *signed})
    preflight(charts, charts_identity, force, files=set(pictures))
    write_files(files, out, force, identity, digest, results, sign_key=sign_key)
    write_files(pictures, charts, force, charts_identity, digest, results)

def render_files(tables: dict, formats: list[Fmt] | None, title: str, intro: str = "",
            charts: dict[str, bytes] | None = None) -> dict[str, bytes]:
    from ..outputs.report import render
    return render(tables, [f.value for f in (formats or DEFAULT_FMTS)], title=title, intro=intro,
                  charts=charts)

def print_tables(tables: dict, formats: list[Fmt] | None) -> None:
    from ..outputs.report import markdown_table, to_csv, to_json

    fmts = formats or [Fmt.csv]
    if len(fmts) != 1 or fmts[0] in (Fmt.parquet, Fmt.xlsx, Fmt.html):
        raise InputError(Problem("command line", "--format", [f.value for f in fmts],
                                 "stdout takes exactly one text format", "csv, json or md; "
                                 "use --output DIR for parquet, xlsx, html or several formats"))
    for name, df in tables.items():
        if fmts[0] is Fmt.csv:
            emit(to_csv(name, df).decode())
        elif fmts[0] is Fmt.json:
            emit(to_json(name, df).decode())
        else:
            emit(markdown_table(df, name) + "\n")

def solver_name(solver: SolverChoice | None):
    from ..schema import SolverName
    return None if solver is None else SolverName(solver.value)

def with_solver_options(sc, time_limit, mip_gap):
    from dataclasses import replace
    if time_limit is None and mip_gap is None:
        return sc
    s = sc.solver
    return replace(sc, solver=replace(s, time_limit=time_limit if time_limit is not None else s.time_limit,
                                      mip_gap=mip_gap if mip_gap is not None else s.mip_gap))

def draw_run_charts(res, folder: Path | None, formats) -> dict[str, bytes]:
    """Charts of a run (file name -> bytes) when asked for, or for the HTML brief."""
    if folder is None and not (formats and Fmt.html in formats):
        return {}
    try:
        from ..outputs.charts import run_charts
        return run_charts(res)
    except ImportError as exc:  # matplotlib is an optional extra
        if folder is not None:
            raise MissingExtra(
                f"--charts needs matplotlib ({exc}): pip install 'solidarity[charts]'") from exc
        say(f"charts skipped in the brief ({exc}): pip install 'solidarity[charts]'")
        return {}

class MissingExtra(SolidarityError):
    """An optional extra a command needs is missing (exit 3: the option asked for it)."""

    exit_code = ExitCode.INVALID_INPUT

def effective_toml(sc) -> bytes:
    """The effective scenario that ran (overrides and carried values applied)."""
    from ..inputs.document import to_toml
    return to_toml(sc.effective).encode("utf-8")
