"""`solidarity verify OUTPUT_DIR`: re-check a run's outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import DataDirs, Debug, Sets, Variant, app, emit, fail, set_debug, trust


@app.command()
def verify(folder: Annotated[Path, typer.Argument(help="Output folder of `solidarity run` or `cycle`.")],
           scenario: Annotated[Optional[Path], typer.Option(
               "--scenario", help="The scenario file you ran (with the same --set/--variant): the folder is "
                                  "compared with it and its data files, and the rules re-derived from it.")] = None,
           sets: Sets = None, variant: Variant = None,
           key: Annotated[Optional[Path], typer.Option(
               "--key", help="Ed25519 public key: the manifest must be signed by its private key (needs "
                             "pip install 'solidarity\\[sign]').")] = None,
           data_dirs: DataDirs = None, debug: Debug = False) -> None:
    """Re-check an output folder: every file's SHA-256 against manifest.json
    (a changed CSV cell is located by row and column), the data files read,
    every rule's outcome and every derived text re-derived from the written
    tables; with --scenario, the folder against the scenario file you name;
    with --key, the manifest's signature.

    Without --scenario the folder is checked against itself (its own copy of
    the scenario): anyone who edits the tables and that copy, and recomputes
    the digests, gets a folder that passes. Without --key the digests only
    catch accidents.

    Only the folder, the bundled data, --data-dir folders and the files named
    on the command line are read: files a received manifest or scenario names
    elsewhere are not (name their folder with --data-dir to check them).

    Exit code 0 when everything matches, 5 with the list of mismatches.

    Example: solidarity verify out/2026-adopted --scenario scenarios/2026-adopted.toml
    """
    set_debug(debug)
    trust(data_dirs)
    try:
        from ..errors import InputError, Problem, VerificationError
        from ..outputs.audit import audit

        if (sets or variant) and scenario is None:
            raise InputError(Problem("command line", "--set/--variant", sets or variant,
                                     "apply to the scenario named with --scenario", "--scenario FILE"))
        named = None
        if scenario is not None:
            from ..inputs.scenario import load_scenario
            named = load_scenario(scenario, tuple(sets or ()), variant)
        if key is not None:
            from ..outputs.signing import check_key
            check_key(key, private=False)
        found = audit(folder, scenario=named, key=key, data_dirs=data_dirs or ())
        if named is None:
            typer.echo(f"note: {folder} was checked against itself (its own scenario.toml and the data files its "
                 "manifest names); pass --scenario FILE to compare it with the scenario you ran", err=True)
        if found:
            raise VerificationError([str(f) for f in found])
        text = f"{folder}: every file matches its manifest and every rule's outcome verifies\n"
        if key is not None:
            text += f"signed: the manifest was signed by the holder of the private key of {key}\n"
        if scenario is not None:
            text += f"the folder is a run of {scenario} (digest, overrides and data files match)\n"
        emit(text)
    except BaseException as exc:
        fail(exc)
