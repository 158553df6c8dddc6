"""Parameter sweeps: one scenario run over a grid of values.

``solidarity sweep SCENARIO --vary pool.relocations=15000:30000:750`` runs the
whole pipeline (key, model, solve, allocation, rules, verification) once per
grid point and gathers two tables:

* ``sweep``: one row per point and state (fair share, obligation, pledges by
  type and where they come from, unmet obligation, offsets, what a
  beneficiary receives);
* ``sweep_points``: one row per point (pool totals, needs covered, the
  Art 63(3) offsets gap, status).

Both carry one column per varied key path, named by it (``pool.relocations``).
A point that fails (bad input, conflicting constraints, a solver limit, a
rejected verification: any :class:`~solidarity.errors.SolidarityError`) is a
row with its error, not a failed sweep.

What is done once and reused
----------------------------
* The scenario file is read once; ``--set`` and ``--variant`` are applied
  once; each point only sets its own values (source ``--vary``) and is
  validated in the calling process, so workers never touch the file system.
* Population and GDP are loaded once per distinct data selection and
  participant set (once, unless ``data.*`` or ``participants`` vary) and
  shipped to each worker once (a process pool's initializer; Dask: scattered
  to every worker).
* The key is computed once per distinct key: per participant set, one
  :func:`~solidarity.pact.key.batched_key` call for every distinct pair of weights
  (a single call when only the weights vary), and the exact key once per
  distinct key. When only pool numbers, deductions, needs or other
  parameters vary, every point reuses the same key. A participant mask is
  not used across sets: it changes numpy's summation order, and the shares
  must equal, bit for bit, those of ``solidarity run`` for the same values.
* Fair shares (apportionment to whole euros), the model, the solve, the
  allocation, the rules, the tables and the independent verification are
  per point.

Results do not depend on the executor or the number of jobs: every point is
computed from the same shipped inputs, rows are sorted by point, and totals
are sums of whole numbers.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import (
    MISSING,
    ConflictError,
    ExitCode,
    InputError,
    LimitError,
    Problem,
    SolidarityError,
    SolveError,
    VerificationError,
)
from ..inputs.document import _parse_key  # one grammar for key paths (--set, --vary)
from ..outputs.tables import REGISTRY, Column, TableSpec, frame, register
from ..schema import GDP, GEO, POPULATION, TYPE, Design, SolverName

#: Most grid points a sweep may have (all --vary together).
MAX_POINTS = 100_000
#: Label of values set by a sweep, as ``--set`` labels command-line values.
VARY = "--vary"
EXECUTORS = ("local", "dask")

_VARY_ALLOWED = ("key.path=start:stop:step (stop included when it falls on the grid) or "
                 "key.path=a,b,c; such as pool.relocations=15000:30000:750 or "
                 "pool.sar_share=0:0.6:0.1")
_NUMBER = re.compile(r"[+-]?(\d(_?\d)*)(\.\d(_?\d)*)?([eE][+-]?\d+)?\Z")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")
_LOOKS_TYPED = re.compile(r"[+-]?[0-9.]|[\[{\"']")


# --- the grid -------------------------------------------------------------------

@dataclass(frozen=True)
class Vary:
    """One varied key path and its values, in order.

    ``path`` is the key path as a column name (``pool.relocations``);
    ``values`` are TOML scalars (int, float, bool or str); ``text`` is what
    was given after ``--vary``.
    """

    path: str
    values: tuple
    text: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        return _parse_key(self.path) or (self.path,)



def _problem(key: str, value: Any, message: str) -> InputError:
    return InputError(Problem(VARY, key, value, message, _VARY_ALLOWED))


def _join(keys: Sequence[str]) -> str:
    return ".".join(k if _BARE_KEY.match(k) else '"' + k.replace("\\", "\\\\").replace('"', '\\"') + '"'
                    for k in keys)


def _number(text: str, key: str, spec: str, what: str) -> tuple[Fraction, bool]:
    """A range bound or step as an exact number, and whether it is whole."""
    t = text.strip()
    if not _NUMBER.match(t):
        raise _problem(key, spec, f"the {what} {t!r} is not a number" if t else f"the {what} is empty")
    is_int = not any(c in t for c in ".eE")
    value = Fraction(t.replace("_", "")) if len(t) <= 40 else None
    if value is None or (value and not Fraction(1, 10**15) <= abs(value) <= 10**18):
        raise _problem(key, spec, f"the {what} {t[:40]!r} is outside the numbers a range takes: "
                                  "0, or from 1e-15 to 1e18 in size, in at most 40 characters")
    return value, is_int


def _range(key: str, spec: str) -> tuple:
    parts = spec.split(":")
    if len(parts) != 3:
        raise _problem(key, spec, f"a range has three parts, start:stop:step, not {len(parts)}")
    (start, i1), (stop, i2), (step, i3) = (_number(p, key, spec, w)
                                           for p, w in zip(parts, ("start", "stop", "step")))
    if step == 0:
        raise _problem(key, spec, "the step is 0")
    if (stop - start) * step < 0:
        way, other = ("up", "negative") if step > 0 else ("down", "positive")
        raise _problem(key, spec, f"the step {parts[2].strip()} goes {way}, away from the stop "
                                  f"{parts[1].strip()}; use a {other} step to go the other way")
    count = math.floor((stop - start) / step) + 1
    if count > MAX_POINTS:
        shown = f"{count}" if count < 10**30 else "more than 10**30"
        raise _problem(key, spec, f"{shown} values; at most {MAX_POINTS} points in a sweep")
    whole = i1 and i2 and i3
    values = (start + i * step for i in range(count))
    # exact arithmetic: 0 + 3 x 0.1 is 0.3, written as the float nearest to 0.3
    return tuple(int(v) if whole else float(v) for v in values)


def _scalar(item: str, key: str, spec: str) -> Any:
    try:
        value = tomllib.loads("v = " + item)
    except tomllib.TOMLDecodeError:
        if not _LOOKS_TYPED.match(item):
            return item  # a bare word: allocation.priority=preferences,needs
        raise _problem(key, spec, f"{item!r} is not a valid value (numbers take no spaces; "
                                  "a comma separates values)") from None
    if list(value) != ["v"]:
        raise _problem(key, spec, f"{item!r} is not a single value")
    v = value["v"]
    if not isinstance(v, (bool, int, float, str)):
        raise _problem(key, spec, f"{item!r} is not a number, true/false or text: only single "
                                  "values can be varied")
    if isinstance(v, float) and not math.isfinite(v):
        raise _problem(key, spec, f"{item!r} is not a finite number")
    return v


def parse_vary(text: str) -> Vary:
    """Parse one ``--vary`` text.

    ``key.path=start:stop:step`` gives ``start, start + step, ...`` up to
    ``stop`` (included when it falls on the grid); the step may be negative
    to go down. Bounds and steps are exact decimals: ``0:0.6:0.1`` gives
    ``0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6``. Values are whole numbers when
    start, stop and step are all written without a decimal point or an
    exponent, else floats. ``key.path=a,b,c`` lists values (TOML numbers,
    ``true``/``false``, text); one value alone is a list of one.

    Raises
    ------
    InputError
        naming ``--vary``, the key path, the bad text and what is allowed.
    """
    if not isinstance(text, str) or "=" not in text:
        raise InputError(Problem(VARY, str(text).strip() or "(empty)", MISSING,
                                 "no '=' between key path and values", _VARY_ALLOWED))
    key_text, spec = (s.strip() for s in text.split("=", 1))
    keys = _parse_key(key_text)
    if keys is None:
        raise _problem(key_text or "(empty)", spec, "not a valid key path (dotted TOML keys, such "
                                                    "as states.DE.deduction)")
    if keys[0] == "variants":
        raise _problem(_join(keys), spec, "variants cannot be varied; run a sweep per --variant")
    key = _join(keys)
    if not spec:
        raise _problem(key, spec, "no values")
    if ":" in spec and not spec.lstrip().startswith(("\"", "'")):
        values = _range(key, spec)
    else:
        items = [s.strip() for s in spec.split(",")]
        if any(not s for s in items):
            raise _problem(key, spec, "an empty value in the list")
        values = tuple(_scalar(s, key, spec) for s in items)
        seen: dict = {}
        for v in values:
            k = (type(v) is bool, v)
            if k in seen:
                raise _problem(key, spec, f"the value {v!r} is given twice")
            seen[k] = True
    return Vary(path=key, values=values, text=text.strip())


def grid(varies: Sequence[Vary | str]) -> list[dict[str, Any]]:
    """Every combination of the varied values, as ``{key path: value}``.

    The first ``Vary`` changes slowest (``itertools.product`` order); point
    ``i`` of a sweep is ``grid(varies)[i]``.

    Raises
    ------
    InputError
        for no ``--vary``, a key path varied twice (or inside another) and a
        grid of more than :data:`MAX_POINTS` points.
    """
    vs = _check_varies(varies)
    return [dict(zip((v.path for v in vs), combo)) for combo in itertools.product(*(v.values for v in vs))]


def _check_varies(varies: Sequence[Vary | str]) -> tuple[Vary, ...]:
    vs = tuple(parse_vary(v) if isinstance(v, str) else v for v in varies)
    if not vs:
        raise InputError(Problem(VARY, "(none)", MISSING, "nothing to vary", _VARY_ALLOWED))
    problems = []
    for j, v in enumerate(vs):
        for w in vs[:j]:
            n = min(len(v.keys), len(w.keys))
            if v.keys[:n] == w.keys[:n]:
                problems.append(Problem(VARY, v.path, v.text or MISSING,
                                        f"overlaps the earlier --vary {w.text or w.path}",
                                        "each key path varied once (a table and a key inside it "
                                        "count as the same path)"))
                break
    size = math.prod(len(v.values) for v in vs)
    if size > MAX_POINTS:
        problems.append(Problem(VARY, ", ".join(v.path for v in vs), MISSING,
                                f"{size} grid points", f"at most {MAX_POINTS} points in a sweep"))
    if problems:
        raise InputError(problems)
    return vs


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    s = str(v)
    return '"' + "".join({'"': '\\"', "\\": "\\\\"}.get(c) or (f"\\u{ord(c):04X}" if c < " " or c == "\x7f"
                                                                else c) for c in s) + '"'


# --- tables ---------------------------------------------------------------------------

def _c(name, dtype, unit, doc) -> Column:
    return Column(name, dtype, unit, doc)


_VARIED_DOC = ("plus, after point, one column per varied key path, named by it "
               "(such as pool.relocations), holding the point's value in the scenario key's unit")
_POINT = _c("point", "int", "code", "grid point number from 0; the first --vary changes slowest")
_ERROR = _c("error", "str", "text", "why the point failed (empty: it ran and was verified)")

SWEEP = register(TableSpec(
    "sweep", "a sweep: one row per grid point and participant (a failed point: one row, geo "
             "empty, with its error); " + _VARIED_DOC, ("point", GEO), (
        _POINT,
        _c(GEO, "str", "code", "Eurostat country code (empty for a point that failed)"),
        _c("key_share", "float", "fraction", "distribution key share (Art 66)"),
        _c("fair_share_eur", "Int", "EUR", "fair share of the pool, whole euros"),
        _c("obligation_eur", "Int", "EUR", "obligation after deduction, redistribution and credit"),
        _c("pledged_relocations", "Int", "persons", "relocations pledged"),
        _c("pledged_relocations_eur", "Int", "EUR", "value of the relocations pledged (at e each)"),
        _c("pledged_financial_eur", "Int", "EUR", "financial contributions pledged"),
        _c("pledged_alternative_eur", "Int", "EUR", "alternative measures pledged"),
        _c("pledged_value_eur", "Int", "EUR", "value of all pledges (relocations at e)"),
        _c("source", "str", "text", "recorded (the Council act's pledge), stated (the state's "
           "preference, floors or caps) or assumed (the state stated nothing; the model chose)"),
        _c("assumed_value_eur", "Int", "EUR", "value of the pledges whose source is assumed (the "
                                              "state stated nothing; the model chose)"),
        _c("unmet_eur", "Int", "EUR", "obligation not covered by pledges"),
        _c("offset", "Int", "persons", "mandatory responsibility offsets owed (Art 63(3))"),
        _c("received_relocations", "Int", "persons", "relocations a beneficiary receives (empty: "
                                                     "not a beneficiary)"),
        _c("received_financial_eur", "Int", "EUR", "money a beneficiary receives (empty: not a "
                                                   "beneficiary)"),
        _c("received_alternative_eur", "Int", "EUR", "alternative measures a beneficiary receives "
                                                     "(empty: not a beneficiary)"),
        _ERROR,
    )))

SWEEP_POINTS = register(TableSpec(
    "sweep_points", "a sweep: one row per grid point, the pool's totals; " + _VARIED_DOC,
    ("point",), (
        _POINT,
        _c("status", "str", "text", "ok (ran and verified), or why not: invalid_input, conflict, "
                                    "limit, solver_failed, verification_failed, error"),
        _c("scenario_digest", "str", "text", "SHA-256 of the point's effective scenario document "
                                             "(empty if its values could not be applied)"),
        _c("pool_relocations", "Int", "persons", "the pool's R (Art 57(1))"),
        _c("pool_value_eur", "Int", "EUR", "the pool's F (or R x e without money)"),
        _c("equivalence_eur", "Int", "EUR", "EUR per relocation, e"),
        _c("obligations_eur", "Int", "EUR", "the pool after deductions, redistribution and credits"),
        _c("pledged_value_eur", "Int", "EUR", "value of all pledges (relocations at e)"),
        _c("assumed_value_eur", "Int", "EUR", "pledged value whose source is assumed"),
        _c("unmet_eur", "Int", "EUR", "obligations not covered by pledges, summed over states"),
        _c("pledged_relocations", "Int", "persons", "relocations pledged"),
        _c("received_relocations", "Int", "persons", "relocations distributed to beneficiaries"),
        _c("relocation_needs", "Int", "persons", "beneficiaries' relocation needs"),
        _c("received_financial_eur", "Int", "EUR", "money distributed to beneficiaries"),
        _c("financial_needs_eur", "Int", "EUR", "beneficiaries' financial needs"),
        _c("received_alternative_eur", "Int", "EUR", "alternative measures distributed"),
        _c("alternative_needs_eur", "Int", "EUR", "beneficiaries' requests for alternative measures"),
        _c("offsets_gap", "Int", "persons", "Art 63(3): relocations short of the higher threshold, "
                                            "at most the uncovered relocation needs"),
        _c("offsets_owed", "Int", "persons", "mandatory offsets owed in all (Art 63(3), 63(7))"),
        _c("offsets_status", "str", "text", "triggered or not triggered"),
        _ERROR,
    )))

_LONG_FIELDS = tuple(SWEEP.names[1:-1])  # what a worker returns per state, geo first
_POINT_FIELDS = tuple(SWEEP_POINTS.names[3:-1])

#: Status of a point that failed, by error class (most specific first), and exit codes.
_STATUS = ((InputError, "invalid_input"), (ConflictError, "conflict"), (LimitError, "limit"),
           (SolveError, "solver_failed"), (VerificationError, "verification_failed"),
           (SolidarityError, "error"))
EXIT_CODES = {"invalid_input": ExitCode.INVALID_INPUT, "conflict": ExitCode.CONFLICT,
              "limit": ExitCode.LIMIT, "solver_failed": ExitCode.SOLVER,
              "verification_failed": ExitCode.VERIFICATION, "error": ExitCode.INTERNAL}

_UNITS = (("_eur", "EUR"), ("relocations", "persons"), ("needs", "persons"), ("_share", "fraction"),
          ("deduction", "fraction"), ("weight", "fraction"), ("implemented", "fraction"),
          ("mip_gap", "fraction"), ("year", "year"), ("time_limit", "seconds"))


def _varied_column(v: Vary) -> Column:
    vals = v.values
    if all(isinstance(x, bool) for x in vals):
        dtype = "bool"
    elif all(isinstance(x, int) and not isinstance(x, bool) for x in vals):
        dtype = "int"
    elif all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in vals):
        dtype = "float"
    else:
        dtype = "str"
    last = v.keys[-1]
    unit = "text" if dtype in ("str", "bool") else next(
        (u for end, u in _UNITS if last.endswith(end) or last == end.strip("_")), "number")
    return Column(v.path, dtype, unit, f"value of {v.path} at the point (--vary {v.text or v.path})")


def specs(varies: Sequence[Vary]) -> dict[str, TableSpec]:
    """The two tables' specs for these varied key paths (columns after ``point``)."""
    extra = tuple(_varied_column(v) for v in varies)
    clash = {c.name for c in extra} & (set(SWEEP.names) | set(SWEEP_POINTS.names))
    if clash:
        raise InputError(Problem(VARY, ", ".join(sorted(clash)), MISSING,
                                 "a varied key path has the name of a sweep column",
                                 "a dotted key path of the scenario"))
    return {s.name: TableSpec(s.name, s.doc, s.key, (s.columns[0], *extra, *s.columns[1:]))
            for s in (SWEEP, SWEEP_POINTS)}


_REGISTRY_LOCK = threading.RLock()


@contextmanager
def registered(table_specs: Mapping[str, TableSpec]) -> Iterator[None]:
    """Put a sweep's table specs (with its varied columns) in the registry
    while tables are built or written; the templates come back after."""
    with _REGISTRY_LOCK:
        saved = {n: REGISTRY.get(n) for n in table_specs}
        REGISTRY.update(table_specs)
        try:
            yield
        finally:
            for n, s in saved.items():
                if s is None:
                    REGISTRY.pop(n, None)
                else:
                    REGISTRY[n] = s


@dataclass(frozen=True, eq=False)
class SweepResult:
    """A sweep's tables and what it ran on.

    ``long`` (table ``sweep``) is indexed by ``(point, geo)``, ``points``
    (table ``sweep_points``) by ``point``; both sorted by point.
    """

    varies: tuple[Vary, ...]
    long: pd.DataFrame
    points: pd.DataFrame
    path: str  #: the scenario file
    name: str  #: the scenario's name ([scenario] name, else the file's stem)
    year: int | None
    digest: str  #: SHA-256 of the effective document before the varied values
    document: Any = field(repr=False)  #: that document (a Document), for scenario.toml
    data: tuple = field(default=(), repr=False)  #: (population, gdp) per data selection used
    seconds: float = 0.0

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {"sweep": self.long, "sweep_points": self.points}

    @property
    def specs(self) -> dict[str, TableSpec]:
        return specs(self.varies)

    def registered(self):
        """``with result.registered(): render(result.tables, ...)``."""
        return registered(self.specs)

    @property
    def failed(self) -> int:
        return int((self.points["status"] != "ok").sum())

    def __repr__(self) -> str:
        return (f"<SweepResult {self.name!r}: {len(self.points)} points over "
                f"{', '.join(v.path for v in self.varies)}; {self.failed} failed>")


# --- work shipped to workers ------------------------------------------------------------

@dataclass(frozen=True)
class _Shared:
    """What every worker needs once: data and keys by id, and the solver."""

    data: Mapping[int, tuple]  #: data id -> (population, gdp) Indicators
    keys: Mapping[int, tuple]  #: key id -> (float key Series, exact key dict)
    solver: str | None = None


@dataclass(frozen=True)
class _Task:
    point: int
    scenario: Any  #: a validated Scenario
    data_id: int
    key_id: int


_WORKER: dict[str, _Shared] = {}


def _init_worker(shared: _Shared, owner: int | None = None) -> None:
    _WORKER["shared"] = shared
    if owner is not None:
        _end_with(owner)


def _end_with(owner: int) -> None:  # pragma: no cover - runs in a worker
    """End this worker when the command's process ``owner`` ends, whatever
    ended it (SIGKILL and SIGTERM run no clean-up there): a watcher thread
    waits on the owner's pidfd (polls where there is none), and the kernel
    kills the worker with its parent, the fork server (PR_SET_PDEATHSIG).
    With the workers gone the fork server and the resource tracker see
    their pipes close and end too."""
    from ..optimise.solve import _die_with_parent
    _die_with_parent()

    def watch() -> None:
        import select
        import time
        try:
            fd = os.pidfd_open(owner)
            select.select([fd], [], [])
        except (AttributeError, OSError):
            while True:
                time.sleep(0.5)
                try:
                    os.kill(owner, 0)
                except ProcessLookupError:
                    break
                except OSError:
                    continue
        os._exit(1)
    if owner == os.getpid():
        return
    try:
        os.kill(owner, 0)
    except ProcessLookupError:
        os._exit(1)
    threading.Thread(target=watch, name="solidarity-owner-watch", daemon=True).start()


def _pool_chunk(tasks: list[_Task]) -> list[tuple[int, tuple]]:
    return run_chunk(_WORKER["shared"], tasks)


def run_chunk(shared: _Shared, tasks: Sequence[_Task]) -> list[tuple[int, tuple]]:
    """Run tasks in order: ``[(point, outcome)]``, an outcome being
    ``("ok", columns, totals)`` (see :func:`_extract`) or ``(status, error message)``.

    Errors a user can act on become outcomes; any other exception is a bug
    and propagates, with a note naming the point.
    """
    out: list[tuple[int, tuple]] = []
    for t in tasks:
        pop, gdp = shared.data[t.data_id]
        key = shared.keys[t.key_id]
        try:
            res = run_point(t.scenario, pop, gdp, key, shared.solver)
            out.append((t.point, ("ok", *_extract(res))))
        except SolidarityError as exc:
            out.append((t.point, (_status(exc), error_text(exc))))
        except Exception as exc:
            exc.add_note(f"sweep point {t.point}: {', '.join(t.scenario.overrides)}")
            raise
    return out


def _status(exc: BaseException) -> str:
    return next(s for cls, s in _STATUS if isinstance(exc, cls))


def error_text(exc: BaseException) -> str:
    """An error as one line for a table cell."""
    if isinstance(exc, InputError):
        return "; ".join(str(p) for p in exc.problems)
    if isinstance(exc, ConflictError):
        return str(exc).split("\n", 1)[0] + " " + "; ".join(exc.reasons)
    if isinstance(exc, VerificationError):
        return "verification failed: " + "; ".join(exc.violations)
    return " ".join(line.strip() for line in str(exc).splitlines() if line.strip())


def shares_with_key(scenario, population, gdp, key: tuple[pd.Series, Mapping[str, Fraction]]):
    """:func:`~solidarity.pipeline.compute_shares` with the key given
    (``key``: the float key and the exact key)."""
    from ..pipeline import compute_shares

    return compute_shares(scenario, population, gdp, key)


def _indicators(population, gdp, participants) -> pd.DataFrame:
    """Population and GDP of the participants, as fair_shares arranges them."""
    parts = list(participants)
    pop_s, gdp_s = population.values[parts], gdp.values[parts]
    geos = sorted(pop_s.index)
    ind = pd.DataFrame({POPULATION: pop_s.reindex(geos), GDP: gdp_s.reindex(geos)})
    ind.index.name = GEO
    return ind


def run_point(scenario, population, gdp, key, solver: SolverName | str | None = None):
    """:func:`solidarity.pipeline.run` on data and a key already loaded."""
    from ..pipeline import run_pact

    return run_pact(scenario, solver=solver, data=(population, gdp), key=key)


#: Columns of the long table a worker returns as whole numbers, and those
#: only a beneficiary has (empty for the others).
_INT_LONG = ("fair_share_eur", "obligation_eur", "pledged_relocations", "pledged_relocations_eur",
             "pledged_financial_eur", "pledged_alternative_eur", "pledged_value_eur",
             "assumed_value_eur", "unmet_eur", "offset")
_RECEIVED = ("received_relocations", "received_financial_eur", "received_alternative_eur")


def _extract(res) -> tuple[dict, tuple]:
    """A point's columns (numpy arrays and tuples, one item per state, in
    :data:`_LONG_FIELDS`; ``_beneficiary`` marks who receives) and its totals
    (:data:`_POINT_FIELDS` order, plain ints and str) from a run's tables."""
    t = res.tables
    sh, ob, pl, be, off, pool = (t["shares"], t["obligations"], t["pledges"], t["beneficiaries"],
                                 t["offsets"], t["pool"])
    geos = list(sh.index)
    units = pl["units"].unstack(TYPE).reindex(geos)
    value = pl["value_eur"].unstack(TYPE).reindex(geos)
    got = be["received"].unstack(TYPE)
    benef = np.array([g in got.index for g in geos], dtype=bool)
    got = got.reindex(geos).fillna(0)

    def ints(s) -> np.ndarray:
        return np.asarray(s, dtype=np.int64)

    cols: dict[str, Any] = {
        GEO: tuple(str(g) for g in geos),
        "key_share": sh["key_share"].to_numpy(dtype=np.float64),
        "fair_share_eur": ints(sh["fair_share_eur"]), "obligation_eur": ints(sh["obligation_eur"]),
        "pledged_relocations": ints(units["relocation"]),
        "pledged_relocations_eur": ints(value["relocation"]),
        "pledged_financial_eur": ints(value["financial"]),
        "pledged_alternative_eur": ints(value["alternative"]),
        "pledged_value_eur": ints(ob["pledged_value_eur"].reindex(geos)),
        "source": tuple(str(s) for s in ob["source"].reindex(geos)),
        "assumed_value_eur": ints(ob["assumed_value_eur"].reindex(geos)),
        "unmet_eur": ints(ob["unmet_eur"].reindex(geos)), "offset": ints(off["offset"].reindex(geos)),
        "received_relocations": ints(got["relocation"]), "received_financial_eur": ints(got["financial"]),
        "received_alternative_eur": ints(got["alternative"]), "_beneficiary": benef,
    }
    by_type = be.groupby(level=TYPE)[["received", "need"]].sum()

    def item(name: str, col: str = "amount"):
        if name not in pool.index:
            raise KeyError(f"pool table has no item {name!r} (the sweep reads it)")
        v = pool.at[name, col]
        return None if pd.isna(v) else v

    mand = "art63_3_mandatory_offsets"
    totals = tuple(int(x) for x in (
        item("pool_relocations"), item("pool_value"), item("equivalence_eur"),
        ob["obligation_eur"].sum(), ob["pledged_value_eur"].sum(), ob["assumed_value_eur"].sum(),
        ob["unmet_eur"].sum(), units["relocation"].sum(),
        by_type.at["relocation", "received"], by_type.at["relocation", "need"],
        by_type.at["financial", "received"], by_type.at["financial", "need"],
        by_type.at["alternative", "received"], by_type.at["alternative", "need"],
        item(mand, "reference") or 0, off["offset"].sum())) + (str(item(mand, "status") or ""),)
    return cols, totals


# --- the plan (in the calling process) ----------------------------------------------------

#: Top-level tables whose values decide the data and the key.
_KEYED = ("data", "participants", "key")


@dataclass
class _Plan:
    """What a sweep runs on; points are validated again, chunk by chunk, when
    they are sent (so that memory does not grow with the grid)."""

    raw: Any  #: the Document as read
    base: Any  #: with --set and --variant applied
    sets: tuple[str, ...]
    variant: str | None
    points: list[dict]
    shared: _Shared
    data_ids: dict[tuple, int]  #: (DataSelection, participants) -> data id
    data_errors: dict[int, tuple[str, str]]  #: data id -> (status, message)
    key_ids: dict[tuple, int]  #: (data id, weights) -> key id
    digests: dict[int, str] = field(default_factory=dict)

    def scenario(self, i: int):
        from ..inputs.document import digest, with_values
        from ..inputs.scenario import from_document

        values = self.points[i]
        doc = with_values(self.base, values, VARY)
        self.digests[i] = digest(doc)  # a point that fails validation keeps this one
        sets = self.sets + tuple(f"{k}={_toml_value(v)}" for k, v in values.items())
        sc = from_document(doc, source=self.raw, sets=sets, variant=self.variant)
        self.digests[i] = sc.digest  # with a pool unit derived at the kept rate
        return sc

    def tasks(self, indices: Sequence[int]) -> tuple[list[_Task], dict[int, tuple[str, str]]]:
        """Tasks for these points, and the points that fail before solving."""
        tasks, failed = [], {}
        for i in indices:
            try:
                sc = self.scenario(i)
            except SolidarityError as exc:
                failed[i] = (_status(exc), error_text(exc))
                continue
            d = self.data_ids[(sc.data, sc.participants)]
            if d in self.data_errors:
                failed[i] = self.data_errors[d]
                continue
            tasks.append(_Task(i, sc, d, self.key_ids[(d, tuple(sc.key.weights.items()))]))
        return tasks, failed


def _plan(path, vs: tuple[Vary, ...], points: list[dict], sets: tuple[str, ...], variant,
          solver) -> _Plan:
    """Read the file, load the data and compute the keys, once.

    Data and key depend only on the ``data``, ``participants`` and ``key``
    tables: one valid point per distinct combination of the values varied
    there tells which data and key its points use.
    """
    from ..inputs.document import apply_overrides, read_document
    from ..pact.key import batched_key, exact_key
    from ..pipeline import load_data

    raw = read_document(path)
    base = apply_overrides(raw, sets, variant) if sets or variant else raw
    design = base.data.get("design")
    kind = design.get("kind", Design.AMMR.value) if isinstance(design, dict) else Design.AMMR.value
    if kind != Design.AMMR.value:  # a sweep varies the Pact's pool; another design: refused before any point
        raise InputError(Problem(base.file, "design.kind", kind, "a sweep runs the adopted Pact only",
                                 '"ammr" (or no [design] table); compare runs another design beside it'))
    _check_against_sets(vs, sets)
    plan = _Plan(raw=raw, base=base, sets=tuple(sets), variant=variant, points=points,
                 shared=_Shared(data={}, keys={}, solver=solver), data_ids={}, data_errors={},
                 key_ids={})
    keyed = [v.path for v in vs if v.keys[0] in _KEYED]
    by_projection: dict[tuple, list[int]] = {}
    for i, values in enumerate(points):
        by_projection.setdefault(tuple(values[p] for p in keyed), []).append(i)
    data: dict[int, tuple] = {}
    parts_of: dict[int, tuple[str, ...]] = {}
    for members in by_projection.values():
        for i in members:
            try:
                sc = plan.scenario(i)
            except SolidarityError:
                continue  # its own error is reported when the point is sent
            dk = (sc.data, sc.participants)
            if dk not in plan.data_ids:
                d = plan.data_ids[dk] = len(plan.data_ids)
                parts_of[d] = sc.participants
                try:
                    data[d] = load_data(sc)
                except SolidarityError as exc:
                    plan.data_errors[d] = (_status(exc), error_text(exc))
            d = plan.data_ids[dk]
            kk = (d, tuple(sc.key.weights.items()))
            if d not in plan.data_errors and kk not in plan.key_ids:
                plan.key_ids[kk] = len(plan.key_ids)
            break
    plan.digests.clear()

    # per participant set (and order of indicators): one batched_key call for
    # all its weights; the exact key once per distinct key
    keys: dict[int, tuple] = {}
    groups: dict[tuple, list[tuple[dict, int]]] = {}
    for (d, pairs), k in plan.key_ids.items():
        groups.setdefault((d, tuple(n for n, _ in pairs)), []).append((dict(pairs), k))
    for (d, names), batch in groups.items():
        pop, gdp = data[d]
        ind = _indicators(pop, gdp, parts_of[d])
        x = ind[list(names)].to_numpy(dtype=float)  # as reference_key: the same summation order
        w = np.array([[float(ws[n]) for n in names] for ws, _ in batch], dtype=float)
        floats = batched_key(x, w)
        exact_ind = {n: {g: Fraction(repr(float(v))) for g, v in ind[n].items()} for n in names}
        for row, (ws, k) in zip(floats, batch, strict=True):
            keys[k] = (pd.Series(row, index=ind.index, name="key_share"), exact_key(exact_ind, ws))
    plan.shared = _Shared(data=data, keys=keys, solver=solver)
    return plan


def _check_against_sets(varies: tuple[Vary, ...], sets: Sequence[str]) -> None:
    problems = []
    for v in varies:
        for s in sets:
            keys = _parse_key(s.split("=", 1)[0].strip()) if "=" in s else None
            if keys is None:
                continue
            n = min(len(keys), len(v.keys))
            if keys[:n] == v.keys[:n]:
                problems.append(Problem(VARY, v.path, v.text or MISSING,
                                        f"the same key path as --set {s.strip()}",
                                        "a key path either set or varied, not both"))
    if problems:
        raise InputError(problems)


# --- executors ------------------------------------------------------------------------------

class _Feed:
    """Hands out chunks of tasks, validating points as they go; failures
    before solving are outcomes at once."""

    def __init__(self, plan: _Plan, workers: int, advance, results: dict):
        n = len(plan.points)
        self.size = max(1, min(32, math.ceil(n / (workers * 8))))
        self.starts = iter(range(0, n, self.size))
        self.plan, self.advance, self.results = plan, advance, results

    def next(self) -> list[_Task] | None:
        """The next non-empty chunk, or None when every point is handed out."""
        for start in self.starts:
            tasks, failed = self.plan.tasks(range(start, min(start + self.size, len(self.plan.points))))
            if failed:
                self.results.update(failed)
                self.advance(len(failed))
            if tasks:
                return tasks
        return None

    def take(self, outcomes) -> None:
        self.results.update(outcomes)
        self.advance(len(outcomes))


#: Modules a worker needs, imported once by the fork server.
_PRELOAD = ("solidarity.studies.sweep", "solidarity.pipeline", "solidarity.outputs.report", "solidarity.pact.verify",
            "solidarity.optimise.solve", "solidarity.optimise.allocate", "highspy")


@contextmanager
def _main_without_a_path() -> Iterator[None]:
    """Hide the main module's ``__file__`` while workers start when it names no
    file (``python - <<EOF`` gives ``'<stdin>'``): multiprocessing would have
    every forkserver or spawn worker run that path as the main module, and
    each dies at once (BrokenProcessPool). Workers need nothing from
    ``__main__``; a script's real file is left alone (its guard
    ``if __name__ == "__main__":`` keeps working)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or getattr(main, "__spec__", None) is not None or path is None or os.path.isfile(path):
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


def _local(feed: _Feed, jobs: int) -> None:
    if jobs == 1:
        _serial(feed)
        return
    with _main_without_a_path():
        _pooled(feed, jobs)


def _serial(feed: _Feed) -> None:
    shared = feed.plan.shared
    while (chunk := feed.next()) is not None:
        for t in chunk:
            feed.take(run_chunk(shared, [t]))


def _pooled(feed: _Feed, jobs: int) -> None:
    """The sweep in ``jobs`` worker processes (forkserver, else spawn)."""
    shared = feed.plan.shared
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        # The fork server imports the pipeline once; workers fork from it ready
        # to run (for this sweep and the next ones of this process). It takes
        # effect only if the server has not started yet.
        from multiprocessing import forkserver
        current = list(getattr(getattr(forkserver, "_forkserver", None), "_preload_modules", None)
                       or ["__main__"])
        ctx.set_forkserver_preload(current + [m for m in _PRELOAD if m not in current])
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                               initargs=(shared, os.getpid()))
    try:
        pending: set = set()
        more = True
        while more or pending:
            while more and len(pending) < 2 * jobs:  # bounded: tasks are validated as they go
                chunk = feed.next()
                if chunk is None:
                    more = False
                else:
                    pending.add(pool.submit(_pool_chunk, chunk))
            if pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    feed.take(f.result())
    except BrokenProcessPool as exc:
        exc.add_note("a sweep worker process died: out of memory, or a script calling "
                     "run_sweep(jobs > 1) outside `if __name__ == '__main__':` (workers are started "
                     f"with {method}, which imports the main module)")
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _dask(feed: _Feed, jobs: int, scheduler: str | None) -> None:
    try:
        import distributed
    except ImportError:
        raise InputError(Problem("command line", "--executor", "dask",
                                 "needs the optional package dask[distributed], which is not installed",
                                 "pip install 'solidarity[distributed]', or --executor local")) from None
    import logging

    cluster = None
    if scheduler is None:
        cluster = distributed.LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=logging.ERROR)
        client = distributed.Client(cluster)
    else:
        try:
            client = distributed.Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(Problem("command line", "--scheduler", scheduler,
                                     f"cannot connect to a Dask scheduler ({exc})",
                                     "the address `dask scheduler` prints, such as "
                                     "tcp://10.0.0.5:8786")) from None
    try:
        workers = max(1, sum(client.nthreads().values())) if scheduler is not None else jobs
        feed.size = max(1, min(32, math.ceil(len(feed.plan.points) / (workers * 8))))
        remote = client.scatter(feed.plan.shared, broadcast=True, hash=False)
        running = distributed.as_completed()
        for _ in range(2 * workers):
            chunk = feed.next()
            if chunk is None:
                break
            running.add(client.submit(run_chunk, remote, chunk, pure=False))
        for f in running:
            feed.take(f.result())
            chunk = feed.next()
            if chunk is not None:
                running.add(client.submit(run_chunk, remote, chunk, pure=False))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --- progress ---------------------------------------------------------------------------------

@contextmanager
def _progress(progress, total: int) -> Iterator[Callable[[int], None]]:
    """``advance(n)`` for ``progress``: None or True (a rich bar on stderr when
    stderr is a terminal), False (nothing), a rich Console (a bar on it when
    it is a terminal) or a callable ``(done, total)``."""
    done = [0]
    if progress is False or total == 0:
        yield lambda n: None
        return
    if callable(progress) and not hasattr(progress, "is_terminal"):
        def call(n: int) -> None:
            done[0] += n
            progress(done[0], total)
        yield call
        return
    console = progress if hasattr(progress, "is_terminal") else None
    if console is None:
        try:
            terminal = sys.stderr.isatty()
        except (AttributeError, ValueError):
            terminal = False
        if not terminal:
            yield lambda n: None
            return
    try:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
    except ImportError:
        yield lambda n: None
        return
    console = console or Console(stderr=True)
    if not console.is_terminal:
        yield lambda n: None
        return
    with Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=console, transient=False) as bar:
        job = bar.add_task("sweep", total=total)
        yield lambda n: bar.advance(job, n)


# --- the sweep ------------------------------------------------------------------------------

def run_sweep(path: str | Path, varies: Sequence[Vary | str], sets: Sequence[str] = (),
              variant: str | None = None, jobs: int = 1, executor: str = "local",
              scheduler: str | None = None, progress=None,
              solver: SolverName | str | None = None) -> SweepResult:
    """Run a scenario at every point of a grid.

    Parameters
    ----------
    path : the scenario file (read once).
    varies : :class:`Vary` objects or ``--vary`` texts; see :func:`parse_vary`.
    sets, variant : overrides applied to every point (``--set``, ``--variant``);
        a key path cannot be both set and varied.
    jobs : worker processes (``1``: in this process). With ``executor="dask"``
        and no ``scheduler``, the number of workers of a local cluster.
        Workers are started with forkserver (spawn where there is none), so
        a script calling this with ``jobs > 1`` needs the usual
        ``if __name__ == "__main__":`` guard.
    executor : ``"local"`` (a process pool) or ``"dask"`` (needs
        ``pip install 'solidarity[distributed]'``).
    scheduler : ``"tcp://HOST:PORT"`` of a running Dask scheduler (only with
        ``executor="dask"``; ``jobs`` is then ignored); its workers need this
        package installed, in the same version.
    progress : None (a bar on stderr when it is a terminal), False, a rich
        Console, or a callable ``(done, total)``.
    solver : a solver for every point (default: the scenario's).

    Returns
    -------
    SweepResult, whose tables do not depend on ``jobs`` or ``executor``.

    Raises
    ------
    InputError
        for bad ``--vary`` texts, the scenario file, ``--set``/``--variant``
        overrides, options, or an executor that cannot start. A point whose
        values fail is a row with its error instead.
    """
    t0 = time.perf_counter()
    if executor not in EXECUTORS:
        raise InputError(Problem("command line", "--executor", executor, "unknown executor",
                                 ", ".join(EXECUTORS)))
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise InputError(Problem("command line", "--jobs", jobs, "not a number of processes",
                                 "a whole number >= 1"))
    if scheduler is not None and executor != "dask":
        raise InputError(Problem("command line", "--scheduler", scheduler,
                                 "a scheduler needs --executor dask", "--executor dask --scheduler "
                                                                      "tcp://HOST:PORT"))
    if solver is not None:
        try:
            solver = SolverName(solver).value
        except ValueError:
            raise InputError(Problem("command line", "--solver", solver, "unknown solver",
                                     ", ".join(s.value for s in SolverName))) from None
    vs = _check_varies(varies)
    table_specs = specs(vs)
    points = grid(vs)
    plan = _plan(path, vs, points, tuple(sets or ()), variant, solver)
    results: dict[int, tuple] = {}
    with _progress(progress, len(points)) as advance:
        feed = _Feed(plan, jobs, advance, results)
        if executor == "dask":
            _dask(feed, jobs, scheduler)
        else:
            _local(feed, jobs)
    long, pts = _assemble(vs, points, results, plan.digests, table_specs)
    meta = plan.base.data.get("scenario")
    meta = meta if isinstance(meta, dict) else {}
    name = str(meta["name"]) if isinstance(meta.get("name"), str) else Path(str(path)).stem
    year = meta.get("year") if isinstance(meta.get("year"), int) else None
    from ..inputs.document import digest
    return SweepResult(varies=vs, long=long, points=pts, path=str(path), name=name, year=year,
                       digest=digest(plan.base), document=plan.base,
                       data=tuple(plan.shared.data.values()), seconds=time.perf_counter() - t0)


def _assemble(vs, points, results, digests, table_specs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two tables from the outcomes, in point order (columns built at once)."""
    paths = [v.path for v in vs]
    counts = []
    parts: dict[str, list] = {c: [] for c in _LONG_FIELDS}
    benef, errors, point_rows = [], [], []
    one_na = {c: (np.zeros(1, np.int64) if c in _INT_LONG or c in _RECEIVED else
                  np.full(1, np.nan) if c == "key_share" else ("",)) for c in _LONG_FIELDS}
    for i in range(len(points)):
        head = [i, *(points[i][p] for p in paths)]
        outcome = results[i]
        if outcome[0] == "ok":
            _, cols, totals = outcome
            n = len(cols[GEO])
            for c in _LONG_FIELDS:
                parts[c].append(cols[c])
            benef.append(cols["_beneficiary"])
            errors.append(("",) * n)
            point_rows.append((*head, "ok", digests.get(i, ""), *totals, ""))
        else:
            status, msg = outcome
            n = 1
            for c in _LONG_FIELDS:
                parts[c].append(one_na[c])
            benef.append(np.zeros(1, dtype=bool))
            errors.append((msg,))
            point_rows.append((*head, status, digests.get(i, ""), *(None,) * len(_POINT_FIELDS), msg))
        counts.append(n)
    counts_a = np.asarray(counts, dtype=np.int64)
    failed = np.repeat(np.array([results[i][0] != "ok" for i in range(len(points))], dtype=bool), counts_a)
    long: dict[str, Any] = {"point": np.repeat(np.arange(len(points), dtype=np.int64), counts_a)}
    for p in paths:
        long[p] = np.repeat(np.array([pt[p] for pt in points], dtype=object), counts_a)
    is_benef = np.concatenate(benef) if benef else np.zeros(0, dtype=bool)
    for c in _LONG_FIELDS:
        if c in _INT_LONG or c in _RECEIVED:
            values = np.concatenate(parts[c]) if parts[c] else np.zeros(0, np.int64)
            mask = failed | (~is_benef if c in _RECEIVED else False)
            long[c] = pd.arrays.IntegerArray(values.astype(np.int64), np.asarray(mask, dtype=bool))
        elif c == "key_share":
            long[c] = np.concatenate(parts[c]) if parts[c] else np.zeros(0)
        else:
            long[c] = [x for part in parts[c] for x in part]
    long["error"] = [x for part in errors for x in part]
    with registered(table_specs):
        long_df = frame("sweep", pd.DataFrame(long, columns=table_specs["sweep"].names))
        pts = frame("sweep_points", pd.DataFrame(point_rows, columns=table_specs["sweep_points"].names))
    return long_df, pts


__all__ = ["EXIT_CODES", "MAX_POINTS", "SWEEP", "SWEEP_POINTS", "SweepResult", "Vary", "error_text",
           "grid", "parse_vary", "registered", "run_chunk", "run_point", "run_sweep",
           "shares_with_key", "specs"]
