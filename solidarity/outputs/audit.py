"""Audit an output folder: hashes, then the rules' outcomes from the written tables.

:func:`audit` re-checks ``manifest.json`` (every output and input file's
SHA-256, locating a changed CSV cell by row and column) and re-runs the
independent verifier (:func:`solidarity.pact.verify.verify_outcomes`) on the
tables read back from the files, with the effective scenario the run wrote
(``scenario.toml``) and the data files it read. It works on the folder of a
``run`` and on the folder of a ``cycle`` (one sub-folder per year).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import MISSING, InputError, Problem
from .tables import all_specs, frame

if TYPE_CHECKING:
    from ..inputs.scenario import Scenario

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class Finding:
    """One thing that does not match: where and what."""

    where: str  #: file (and row, column) or table
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The registered tables written in ``folder`` (CSV, else Parquet, else
    JSON), each indexed by its key as ``Result.tables`` holds it."""
    from ..inputs.trust import refusal

    out = {}
    inside = [folder.resolve()]
    for name, spec in all_specs().items():  # the designs' own tables too
        csv, parquet, js = (p if refusal(p, inside) is None else folder / "\0"  # a link out: as if absent
                            for p in (folder / f"{name}.csv", folder / f"{name}.parquet", folder / f"{name}.json"))
        if csv.is_file():
            raw = pd.read_csv(csv, dtype={c.name: str for c in spec.columns if c.dtype == "str"},
                              keep_default_na=False, na_values=[""])
        elif parquet.is_file():
            raw = pd.read_parquet(parquet).reset_index()
        elif js.is_file():
            with open(js, encoding="utf-8") as fh:  # orient="table" keeps the key as the index
                raw = pd.read_json(fh, orient="table", precise_float=True).reset_index()
        else:
            continue
        out[name] = frame(name, raw)
    return out


def _scenario_of(folder: Path, manifest: dict):
    """The effective scenario the run wrote, with relative data paths resolved
    against the original scenario file's folder (recorded in the manifest,
    relative to the output folder; data may be read from there only when it
    lies inside the output folder or a --data-dir: see :func:`audit`)."""
    from ..inputs.scenario import parse_scenario
    from ..inputs.trust import read_bounded

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


def audit(outdir: str | Path, scenario: Scenario | None = None, key: str | Path | None = None,
          data_dirs: Sequence[str | Path] = ()) -> list[Finding]:
    """Every mismatch found in an output folder (empty: it is what the run wrote
    and what the rules say).

    Parameters
    ----------
    outdir : path
        The output folder of ``solidarity run`` or ``solidarity cycle``.
    scenario : Scenario, optional
        The scenario the user ran (read from the file they name, with their
        overrides). The folder is then compared with it (digest of the
        effective scenario, its copy ``scenario.toml``, the overrides listed in
        ``meta``, the data files' digests) and the rules are re-derived from
        it, not from the folder's own copy. Without it the folder is checked
        against itself only. Only for the folder of one run.
    key : path, optional
        An Ed25519 public key: the manifest must carry a signature by its
        private key (:mod:`solidarity.outputs.signing`).
    data_dirs : paths, optional
        Folders named with ``--data-dir``. Only the folder, the bundled data
        and these are read: whatever a received manifest or scenario names
        elsewhere is not (a data file there is reported as not checkable,
        with the option that allows it).
    """
    from ..inputs.trust import allow, allowed, confined

    before = allowed()
    allow([*before, *data_dirs])
    try:
        with confined(outdir):
            return _audit(Path(outdir), scenario, key, [*before, *map(Path, data_dirs)])
    finally:
        allow(before)


def _audit(outdir: Path, scenario: Scenario | None, key: str | Path | None,
           trusted: list[Path]) -> list[Finding]:
    from ..inputs.data import load_data
    from ..pact.verifiers import verify_run
    from .output import MANIFEST, check_manifest

    outdir = Path(outdir)
    if not outdir.is_dir():
        raise InputError(Problem(str(outdir), "folder", str(outdir), "not a folder",
                                 "the output folder of `solidarity run` or `solidarity cycle`"))
    found = [Finding("", m.message) for m in check_manifest(outdir, trusted)]
    if key is not None:
        from .signing import check_signature
        found += [Finding("", m) for m in check_signature(outdir, key)]
    if any(f.message.startswith(f"{outdir / MANIFEST}:") for f in found):
        return found  # unreadable or of the wrong shape: said once
    manifest = json.loads((outdir / MANIFEST).read_bytes())  # read and checked just above
    manifest["_root"] = str(outdir)
    folders = _folders(outdir)
    if not folders:
        found.append(Finding(str(outdir), "no scenario.toml: not the output folder of a run or cycle"))
    if scenario is not None and folders != [outdir]:
        raise InputError(Problem(str(outdir), "--scenario", str(scenario.path), "compares the folder of one run; "
                                 "this is the folder of a cycle", "the output folder of `solidarity run`"))
    read: dict[Path, tuple[Scenario, dict[str, pd.DataFrame]]] = {}
    for folder in folders:
        rel = "" if folder == outdir else f"{folder.name}/"
        try:
            if scenario is not None:
                found += _compare_scenario(folder, manifest, scenario)
            own = scenario if scenario is not None else _scenario_of(folder, manifest)
            population, gdp = load_data(own)
            if scenario is not None:
                found += _compare_data(manifest, population, gdp)
            tables = read_tables(folder)
        except InputError as exc:
            found += [Finding(f"{rel}scenario.toml", str(p)) for p in exc.problems]
            continue
        except (OSError, ValueError, KeyError) as exc:
            found.append(Finding(rel or str(folder), f"the tables cannot be read back ({type(exc).__name__}: {exc})"))
            continue
        found += [Finding(f"{rel}tables", v) for v in verify_run(own, population, gdp, tables)]
        found += [Finding(f"{rel}summary.md", v) for v in _check_summary(folder, own, tables)]
        read[folder] = (own, tables)
    found += _check_ledger(outdir, read)
    return found


#: The order in which a run writes its tables (and summary.md shows them).
_RUN_ORDER = ("shares", "obligations", "pledges", "flows", "beneficiaries", "pool", "offsets", "crisis", "credits",
              "meta")


def _check_summary(folder: Path, scenario: Scenario, tables: dict[str, pd.DataFrame]) -> list[str]:
    """summary.md regenerated from the tables read back: its opening by the
    verifier (:func:`verify_summary`), then the whole file
    rendered again and compared line by line."""
    from types import SimpleNamespace

    from .report import to_markdown
    from .summary import design_order, intro

    path = folder / "summary.md"
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    # The Pact's opening sentences are re-derived by the verifier; a design's
    # opening is checked with the rest of the file, rendered again below.
    out = [] if "design_states" in tables else verify_summary(scenario, tables, text)
    if out:
        return out
    order = design_order(tables) if "design_states" in tables else [k for k in _RUN_ORDER if k in tables]
    ordered = {k: tables[k] for k in order}
    want = to_markdown(ordered, f"{scenario.name} ({scenario.year})",
                       intro(SimpleNamespace(scenario=scenario, tables=tables))).decode("utf-8")
    if want != text:
        have, new = text.split("\n"), want.split("\n")
        k = next((i for i, (a, b) in enumerate(zip(have, new)) if a != b), min(len(have), len(new)))
        shown = have[k] if k < len(have) else "(end of file)"
        out.append(f"line {k + 1} is not what the tables give: '{shown[:200]}', the tables give "
                   f"'{(new[k] if k < len(new) else '(end of file)')[:200]}'")
    return out


def _check_ledger(outdir: Path, read: dict[Path, tuple[Scenario, dict[str, pd.DataFrame]]]) -> list[Finding]:
    """The ledger of a cycle, with the credit available each year re-derived
    from the years' credits tables and what each year's scenario gave
    before anything was carried (the ``old`` of its carried overrides)."""
    from ..pact.verify import ledger_instalments, verify_ledger

    if not (outdir / "ledger.csv").is_file():
        return []
    credits = {sc.year: t["credits"] for sc, t in read.values() if "credits" in t}
    own: dict[tuple[str, int], int] = {}
    for folder, (sc, _) in read.items():
        carried = _carried_credit(_meta(folder).get("overrides", ""))
        for g in sc.participants:
            own[(g, sc.year)] = carried[g] if g in carried else sc.state(g).credit_eur
    return [Finding("ledger.csv", v) for v in verify_ledger(read_tables(outdir)["ledger"],
                                                            ledger_instalments(credits), own)]


_CARRIED = re.compile(r"^states\.(\w+)\.credit_eur: (.+?) -> -?\d+ \(carried from \d+\)$")


def _carried_credit(overrides: str) -> dict[str, int]:
    """State -> its credit before the carry, from meta's overrides line."""
    out = {}
    for item in overrides.split("; "):
        m = _CARRIED.match(item)
        if m:
            old = m.group(2)
            out[m.group(1)] = int(old) if old.lstrip("-").isdigit() else 0  # "(absent)"
    return out


def _compare_scenario(folder: Path, manifest: dict, scenario: Scenario) -> list[Finding]:
    """The folder against the scenario the user names: the effective
    scenario's digest (manifest and meta), its copy, the overrides in meta."""
    from ..inputs.document import to_toml

    out = []
    named = f"the scenario named ({scenario.path})"
    if manifest.get("scenario_sha256") != scenario.digest:
        out.append(Finding(MANIFEST_NAME, f"scenario_sha256 {manifest.get('scenario_sha256')} is not the digest "
                                          f"of {named} after overrides ({scenario.digest})"))
    copy = folder / "scenario.toml"
    if copy.is_file() and copy.read_bytes() != to_toml(scenario.effective).encode("utf-8"):
        out.append(Finding("scenario.toml", f"differs from {named} after overrides: the run did not use it"))
    meta = _meta(folder)
    overrides = "; ".join(scenario.overrides) or "none"
    if meta.get("scenario_sha256", "") != scenario.digest:
        out.append(Finding("meta.csv", f"scenario_sha256 {meta.get('scenario_sha256', '')} is not the digest of "
                                       f"{named} ({scenario.digest})"))
    if meta.get("overrides", "") != overrides:
        out.append(Finding("meta.csv", f"overrides '{meta.get('overrides', '')}' are not those given with "
                                       f"{named}: '{overrides}'"))
    raw = next((i for i in manifest.get("inputs", []) if i.get("role") == "scenario"), None)
    if raw is not None and scenario.path and Path(scenario.path).is_file() \
            and raw.get("sha256") != _sha256(Path(scenario.path)):
        out.append(Finding(MANIFEST_NAME, f"the scenario file recorded ({raw.get('path')}, sha256 "
                                          f"{str(raw.get('sha256'))[:12]}...) is not {named}"))
    return out


def _compare_data(manifest: dict, population, gdp) -> list[Finding]:
    """The data files the named scenario reads against the manifest's digests."""
    out = []
    for role, ind in (("population", population), ("gdp", gdp)):
        path = getattr(ind, "path", "")
        if not path or not Path(path).is_file():
            continue
        recorded = [i for i in manifest.get("inputs", []) if i.get("role") == role]
        digest = _sha256(Path(path))
        if not any(i.get("sha256") == digest for i in recorded):
            out.append(Finding(MANIFEST_NAME, f"the {role} data the named scenario reads ({path}, sha256 "
                                              f"{digest[:12]}...) is not the data the run recorded"
                                              + (f" ({recorded[0].get('path')})" if recorded else " (none)")))
    return out


def _meta(folder: Path) -> dict[str, str]:
    meta = folder / "meta.csv"
    if not meta.is_file():
        return {}
    m = pd.read_csv(meta, dtype=str, keep_default_na=False)
    return dict(zip(m["key"], m["value"]))


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def verify_summary(scenario, tables: Mapping[str, pd.DataFrame], summary: str) -> list[str]:
    """``summary.md``'s title and opening paragraph regenerated from the
    tables (:func:`solidarity.outputs.summary.intro`, which reads nothing else) and
    compared: a summary saying 'nothing unmet' while the tables say
    otherwise is rejected. The tables that follow are compared by
    :func:`solidarity.outputs.audit.audit`, which renders them again."""
    from types import SimpleNamespace

    from .summary import intro

    try:
        want = intro(SimpleNamespace(scenario=scenario, tables=tables))
    except (KeyError, ValueError, TypeError) as exc:
        return [f"summary: the tables cannot be read for the summary ({type(exc).__name__}: {exc})"]
    lines = summary.split("\n")
    title = f"# {scenario.name} ({scenario.year})"
    out = []
    if lines[:1] != [title]:
        out.append(f"summary: the title is '{lines[0] if lines else ''}', the scenario gives '{title}'")
    found = lines[2] if len(lines) > 2 else ""
    if found != want:
        out.append(f"summary: the opening paragraph is not the one the tables give: it says '{found}'; "
                   f"the tables say '{want}'")
    return out
