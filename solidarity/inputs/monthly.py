"""Monthly series per state: asylum applications lodged (Eurostat ``migr_asyappctzm``).

The readers in :mod:`solidarity.inputs.data` keep yearly periods only. A
design simulated month by month (the Dublin IV corrective allocation,
COM(2016) 270 Art 34-37) needs one count per state and month; this module
reads it from

- a tidy CSV with the columns ``geo, month, value`` (and optionally
  ``country, flag, vintage, note``), ``month`` written ``2015-01``: the form
  of the bundled ``data/asylum-monthly-dublin4.csv``;
- a Eurostat bulk TSV (``freq,unit,citizen,sex,age,asyl_app,geo\\TIME_PERIOD``
  with columns ``2015-01`` or ``2015M01``) or an SDMX-CSV download, read with
  the format detection, filters and cell checks of :mod:`solidarity.inputs.data`.

Every problem (a participant or month missing, a value that is not a whole
number of persons) is reported at once, naming the file, the place and the value.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import MISSING, InputError, Problem
from ..schema import GEO
from . import data as _data
from .trust import read_bounded

#: The bundled file and the Eurostat filters applied to a download by default:
#: first-time applicants (``NASY_APP``: a person counted once, as the
#: reference number counts applications for which a state is responsible,
#: not repeated applications), all citizenships, sexes and ages, persons.
APPLICATIONS: dict = {"file": "asylum-monthly-dublin4.csv", "dataset": "migr_asyappctzm",
                "filters": {"freq": "M", "citizen": "TOTAL", "sex": "T", "age": "TOTAL", "unit": "PER",
                            "asyl_app": "NASY_APP"}}
_MONTH = re.compile(r"^([0-9]{4})(?:-|M)(0[1-9]|1[0-2])$")
_WHOLE = "a whole number of persons, 0 or more (':' or empty only where no participant needs it)"


@dataclass(frozen=True, eq=False)
class MonthlySeries:
    """Counts per state and month.

    Attributes
    ----------
    values : whole numbers (``Int64``; missing where the file has none),
        index geo, one column per month ``YYYY-MM`` in order.
    vintage, source : the release the file records and the file as named.
    path, sha256, format : the file read, for provenance.
    filters : Eurostat dimension -> code applied (empty for the tidy file).
    """

    values: pd.DataFrame
    vintage: str
    source: str
    path: str
    sha256: str
    format: str
    filters: dict[str, str] = field(default_factory=dict)


def month_of(text: str) -> str | None:
    """``2015-01`` for ``2015-01`` or ``2015M01`` (None if neither)."""
    m = _MONTH.fullmatch(text.strip())
    return f"{m[1]}-{m[2]}" if m else None


def months_from(first: str, count: int) -> list[str]:
    """``count`` consecutive months from ``first`` (``YYYY-MM``)."""
    y, m = int(first[:4]), int(first[5:7])
    out = []
    for _ in range(count):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def shift(month: str, by: int) -> str:
    """The month ``by`` months after ``month`` (before, if negative)."""
    y, m = int(month[:4]), int(month[5:7])
    k = y * 12 + m - 1 + by
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def _cell(text: str, label: str, where: str, problems: list[Problem]) -> int | None:
    """A count from a cell (None where missing); a problem for anything else."""
    m = re.fullmatch(_data._CELL_RE, text.strip())
    if m is None or (m["num"] is None and m["miss"] is None and m["flag"]):
        problems.append(Problem(label, where, text, "not a number", _WHOLE))
        return None
    if m["num"] is None:
        return None
    v = float(m["num"])
    if v < 0 or v != int(v):
        problems.append(Problem(label, where, text, "not a whole number of persons, 0 or more", _WHOLE))
        return None
    return int(v)


def _tidy(text: str, label: str) -> tuple[list[tuple[str, str, int | None]], dict[tuple[str, str], str]]:
    """Observations of the tidy monthly CSV and each one's vintage."""
    reader = csv.DictReader(io.StringIO(text))
    names = [n.strip().lower() for n in reader.fieldnames or []]
    missing = [n for n in (GEO, "month", "value") if n not in names]
    if missing:
        raise InputError(Problem(label, "line 1 (header)", MISSING, f"no {', '.join(missing)} column",
                                 "columns geo, month, value (and optionally country, flag, vintage, note)"))
    reader.fieldnames = names
    obs: list[tuple[str, str, int | None]] = []
    problems: list[Problem] = []
    vintages: dict[tuple[str, str], str] = {}
    for i, row in enumerate(reader, start=2):
        month = month_of(row.get("month") or "")
        if month is None:
            problems.append(Problem(label, f"line {i}, month", row.get("month"), "not a month",
                                    "a month such as 2015-01"))
            continue
        geo = (row.get(GEO) or "").strip()
        obs.append((geo, month, _cell(row.get("value") or "", label, f"line {i}, value", problems)))
        vintages.setdefault((geo, month), (row.get("vintage") or "").strip())
    _data._fail(problems)
    return obs, vintages


def _eurostat(path: Path, label: str, filters: Mapping[str, str] | None
              ) -> tuple[list[tuple[str, str, int | None]], str, str, dict[str, str]]:
    """Observations of a Eurostat TSV or SDMX-CSV download (monthly periods)."""
    raw = _data._read_raw(path, label)
    applied = _data._filters(raw, APPLICATIONS, filters)
    kept = _data._select(raw, applied)
    _data._check_rows(raw, kept, applied)
    obs: list[tuple[str, str, int | None]] = []
    problems: list[Problem] = []
    if raw.kind == _data.TSV:
        assert raw.cells is not None
        for (_, row), cells in zip(kept.iterrows(), raw.cells.take(kept.index.to_numpy()).to_pylist()):
            for p, c in zip(raw.periods, cells[1:]):
                month = month_of(p)
                if month is not None:
                    obs.append((row[GEO], month, _cell(c, label, f"line {row[_data._LINE]}, column {p}",
                                                       problems)))
    else:
        for _, row in kept.iterrows():
            month = month_of(row[_data._TIME])
            if month is not None:
                obs.append((row[GEO], month, _cell(row[_data._CELL], label, f"line {row[_data._LINE]}",
                                                   problems)))
    _data._fail(problems)
    return obs, raw.kind, _data._vintage(raw, kept.assign(vintage="").iloc[:0]), applied


def load_monthly(months: Iterable[str], require: Iterable[str], path: str | Path | None = None,
                 filters: Mapping[str, str] | None = None) -> MonthlySeries:
    """Monthly applications for the required states and months.

    Parameters
    ----------
    months : the months needed, ``YYYY-MM``.
    require : the states that must have a count for every one of ``months``.
    path : a user file; default the bundled ``data/asylum-monthly-dublin4.csv``.
    filters : Eurostat dimension codes for a download (defaults in :data:`APPLICATIONS`).

    Raises
    ------
    InputError
        every missing state or month and every bad cell, at once.
    """
    months, require = list(dict.fromkeys(months)), require_list(require)
    source = Path(path) if path is not None else _data.data_dir() / APPLICATIONS["file"]
    label = str(source) if path is not None else f"bundled data/{APPLICATIONS['file']}"
    data = _read(source, label)
    head = data.split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    if "month" in [h.strip() for h in head.split(",")]:
        obs, vintages = _tidy(_data._decode(data, label, False), label)
        kind, applied = "tidy-monthly", dict[str, str]()
        used = {vintages.get((g, m), "") for g in require for m in months}
        vintage = "; ".join(sorted(used - {""})) or f"{source.name} (no vintage column)"
    else:
        obs, kind, vintage, applied = _eurostat(source, label, filters)
    frame = pd.DataFrame(obs, columns=[GEO, "month", "value"])
    twice = frame[frame.duplicated([GEO, "month"]) & frame[GEO].isin(require) & frame["month"].isin(months)]
    _data._fail([Problem(label, f"geo={g}, month={m}", MISSING, "more than one row",
                         "one count per state and month (add filters for a download)")
                 for g, m in zip(twice[GEO], twice["month"])])
    frame = frame.drop_duplicates([GEO, "month"])
    table = frame.pivot(index=GEO, columns="month", values="value").astype("Int64")
    needed, required = months, require
    have = {(str(g), str(m)) for g, m in zip(frame[GEO], frame["month"])}
    known = {(str(g), str(m)) for g, m, x in zip(frame[GEO], frame["month"], frame["value"]) if pd.notna(x)}
    geos = {g for g, _ in have}
    problems = [Problem(label, f"geo={g}, month={m}", MISSING,
                        "no count" if (g, m) in have else
                        "month not in the file" if g in geos else "state not in the file",
                        f"{_WHOLE}, for every participant and month {needed[0]} to {needed[-1]}")
                for g in required for m in needed if (g, m) not in known]
    _data._fail(problems)
    values = table.reindex(index=sorted(required), columns=needed)
    return MonthlySeries(values=values, vintage=vintage, source=label, path=str(source.resolve()),
                         sha256=hashlib.sha256(data).hexdigest(), format=kind, filters=dict(applied))


def require_list(require: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(str(g) for g in require))


def _read(path: Path, label: str) -> bytes:
    try:
        return read_bounded(path)
    except (OSError, ValueError) as exc:
        raise InputError(Problem(label, "file", MISSING, f"cannot be read: {getattr(exc, 'strerror', None) or exc}",
                                 "a tidy monthly CSV (geo, month, value) or a Eurostat TSV/SDMX-CSV "
                                 "download of migr_asyappctzm")) from None
