"""Audit an output folder: hashes, then the rules' outcomes from the written tables.

:func:`audit` re-checks ``manifest.json`` (every output and input file's
SHA-256, locating a changed CSV cell by row and column) and re-runs the
independent verifier (:func:`solidarity.verify.verify_outcomes`) on the
tables read back from the files, with the effective scenario the run wrote
(``scenario.toml``) and the data files it read. It works on the folder of a
``run`` and on the folder of a ``cycle`` (one sub-folder per year).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import MISSING, InputError, Problem
from .tables import REGISTRY, frame


@dataclass(frozen=True)
class Finding:
    """One thing that does not match: where and what."""

    where: str  #: file (and row, column) or table
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The registered tables written in ``folder`` (CSV, else Parquet, else JSON)."""
    from .trust import refusal

    out = {}
    inside = [folder.resolve()]
    for name, spec in REGISTRY.items():
        csv, parquet, js = (p if refusal(p, inside) is None else folder / "\0"  # a link out: as if absent
                            for p in (folder / f"{name}.csv", folder / f"{name}.parquet", folder / f"{name}.json"))
        if csv.is_file():
            raw = pd.read_csv(csv, dtype={c.name: str for c in spec.columns if c.dtype == "str"},
                              keep_default_na=False, na_values=[""])
        elif parquet.is_file():
            raw = pd.read_parquet(parquet)
        elif js.is_file():
            raw = pd.DataFrame(json.loads(js.read_text(encoding="utf-8"))["rows"], columns=spec.names)
        else:
            continue
        out[name] = frame(name, raw)
    return out


def _scenario_of(folder: Path, manifest: dict):
    """The effective scenario the run wrote, with relative data paths resolved
    against the original scenario file's folder (recorded in the manifest,
    relative to the output folder; data may be read from there only when it
    lies inside the output folder or a --data-dir: see :func:`audit`)."""
    from .scenario import parse_scenario
    from .trust import read_bounded

    text_path = folder / "scenario.toml"
    if not text_path.is_file():
        raise InputError(Problem(str(folder), "scenario.toml", "missing", "not the output folder of a run",
                                 "a folder written by `solidarity run` or `solidarity cycle`"))
    root = Path(manifest.get("_root", folder))
    original = next((root / i["path"] for i in manifest.get("inputs", []) if i.get("role") == "scenario"
                     and Path(i["path"]).name == _scenario_file_name(folder)), None)
    base = original.parent if original is not None else folder
    try:
        text = read_bounded(text_path).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(str(text_path), "file", MISSING, f"cannot be read ({exc})",
                                 "the scenario.toml a run wrote")) from None
    return parse_scenario(text, file=str(text_path), base=base)


def _scenario_file_name(folder: Path) -> str:
    meta = folder / "meta.csv"
    if meta.is_file():
        m = pd.read_csv(meta, dtype=str, keep_default_na=False).set_index("key")["value"]
        return str(m.get("scenario_file", ""))
    return ""


def _folders(outdir: Path) -> list[Path]:
    """The run folders: ``outdir`` itself, or its year sub-folders for a cycle."""
    if (outdir / "scenario.toml").is_file():
        return [outdir]
    return sorted(p for p in outdir.iterdir() if p.is_dir() and (p / "scenario.toml").is_file())


def audit(outdir: str | Path, data_dirs: Sequence[str | Path] = ()) -> list[Finding]:
    """Every mismatch found in an output folder (empty: it is what the run wrote
    and what the rules say).

    Reads only the folder, the bundled data and the ``data_dirs`` (the
    command line's ``--data-dir``): whatever the received manifest and
    scenario name elsewhere is not read (a data file there is reported as
    not checkable, with the option that allows it)."""
    from .trust import allow, allowed, confined

    before = allowed()
    allow([*before, *data_dirs])
    try:
        with confined(outdir):
            return _audit(Path(outdir), [*before, *map(Path, data_dirs)])
    finally:
        allow(before)


def _audit(outdir: Path, trusted: list[Path]) -> list[Finding]:
    from .output import MANIFEST, check_manifest
    from .pipeline import load_data
    from .verify import verify_ledger, verify_outcomes

    outdir = Path(outdir)
    if not outdir.is_dir():
        raise InputError(Problem(str(outdir), "folder", str(outdir), "not a folder",
                                 "the output folder of `solidarity run` or `solidarity cycle`"))
    found = [Finding("", m.message) for m in check_manifest(outdir, trusted)]
    if any(m.message.startswith(f"{outdir / MANIFEST}:") for m in found):
        return found  # unreadable or of the wrong shape: said once
    manifest = json.loads((outdir / MANIFEST).read_bytes())  # read and checked just above
    manifest["_root"] = str(outdir)
    folders = _folders(outdir)
    if not folders:
        found.append(Finding(str(outdir), "no scenario.toml: not the output folder of a run or cycle"))
    for folder in folders:
        rel = "" if folder == outdir else f"{folder.name}/"
        try:
            scenario = _scenario_of(folder, manifest)
            population, gdp = load_data(scenario)
            tables = read_tables(folder)
        except InputError as exc:
            found += [Finding(f"{rel}scenario.toml", str(p)) for p in exc.problems]
            continue
        except (OSError, ValueError, KeyError) as exc:
            found.append(Finding(rel or str(folder), f"the tables cannot be read back ({type(exc).__name__}: {exc})"))
            continue
        found += [Finding(f"{rel}tables", v) for v in verify_outcomes(scenario, population, gdp, tables)]
    ledger = outdir / "ledger.csv"
    if ledger.is_file():
        found += [Finding("ledger.csv", v) for v in verify_ledger(read_tables(outdir)["ledger"])]
    return found
