"""Stage 7: the tables of a run and their writers.

Tables and their columns are defined once in :mod:`solidarity.outputs.tables`; this
module fills them and renders them as CSV, Parquet, JSON (with the column
documentation embedded) and Markdown (``summary.md``). The same inputs give
byte-identical files; the solver's run time is therefore left out of
``meta`` unless asked for.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__
from ..inputs.data import Indicator
from ..inputs.scenario import Scenario
from ..numbers import decimal, group
from ..optimise.model import FIN, ModelInput, Solution
from ..optimise.solve import SolveResult
from ..pact.apportionment import TIE_RULE
from ..pact.key import FairShares
from ..schema import BENEFICIARY, COUNTRY, GEO, KNOWN_CODES, MIN_FINANCIAL_EUR, MIN_RELOCATIONS, TYPE, TYPES, Source
from .tables import REGISTRY, flat, frame

FORMATS = ("csv", "parquet", "json", "md", "xlsx", "html")
#: Formats written when none is asked for (one file per table, plus summary.md).
DEFAULT_FORMATS = ("csv", "parquet", "json", "md")


def _country(g: str) -> str:
    return KNOWN_CODES.get(g, g)


def shares_table(shares: FairShares, scenario: Scenario | None = None,
                 population: Indicator | None = None, gdp: Indicator | None = None) -> pd.DataFrame:
    """The ``shares`` table (also what ``solidarity key`` prints)."""
    t = shares.table.reset_index()
    t[COUNTRY] = [_country(g) for g in t[GEO]]
    t["status"] = [scenario.state(g).status.value if scenario else "none" for g in t[GEO]]
    t["population"] = t["population"].round().astype(np.int64)
    pflags = getattr(population, "flags", {}) or {}
    gflags = getattr(gdp, "flags", {}) or {}
    t["population_flag"] = [pflags.get(g, "") for g in t[GEO]]
    t["gdp_flag"] = [gflags.get(g, "") for g in t[GEO]]
    t["deduction_source"] = [
        ("default: benefitting state" if scenario.state(g).deduction_default else "scenario")
        if scenario else "scenario" for g in t[GEO]]
    return frame("shares", t)


def pledge_sources(scenario: Scenario, geos) -> dict[str, list[Source]]:
    """Per state, the source of each type's pledge: recorded, stated or assumed."""
    return {g: [scenario.state(g).source(t) for t in TYPES] for g in geos}


def deviation_value(dev_eur: np.ndarray) -> np.ndarray:
    """Per state (row), the value of its deviation from its stated preference:
    the larger of the value pledged above it and the value pledged below it,
    so that a euro moved from one type to another is one euro of deviation,
    not two (FR in alternative-capped: EUR 29 842 991 moved from alternative
    measures to money is EUR 29 842 991), and a pure increase or cut counts
    in full."""
    above = np.where(dev_eur > 0, dev_eur, 0).sum(axis=1)
    below = np.where(dev_eur < 0, -dev_eur, 0).sum(axis=1)
    return np.maximum(above, below)


def build_tables(scenario: Scenario, population: Indicator, gdp: Indicator, shares: FairShares,
                 inp: ModelInput, result: SolveResult, sol: Solution, alloc, rules,
                 include_runtime: bool = False) -> dict[str, pd.DataFrame]:
    """All tables of a run, in a fixed order, each indexed by its primary key."""
    u = inp.unit_value
    C, B = inp.contributors, inp.beneficiaries
    p = sol.pledges
    value = (p * u).sum(axis=1)
    sources = pledge_sources(scenario, C)
    assumed = np.array([[sources[g][t] is Source.ASSUMED for t in range(3)] for g in C], dtype=bool)
    assumed_value = (np.where(assumed, p, 0) * u).sum(axis=1)
    dev = p - inp.preferred
    dev_value = np.where(inp.stated, deviation_value(dev * u), 0)
    state_source = [Source.RECORDED.value if inp.recorded[i] else
                    Source.ASSUMED.value if all(s is Source.ASSUMED for s in sources[g]) else
                    Source.STATED.value for i, g in enumerate(C)]
    obligations = frame("obligations", pd.DataFrame({
        GEO: C, "obligation_eur": inp.obligation, "pledged_value_eur": value, "unmet_eur": sol.unmet,
        "above_obligation_eur": sol.over, "deviation_value_eur": dev_value, "source": state_source,
        "model_chooses": inp.free, "assumed_value_eur": assumed_value}))

    called = alloc.called
    earmark = [scenario.state(g).third_country_eur for g in C]
    rows = []
    for i, g in enumerate(C):
        told = inp.recorded[i] or inp.stated[i]
        for t, typ in enumerate(TYPES):
            lo, hi, got = int(inp.lower[i, t]), int(inp.upper[i, t]), int(p[i, t])
            limit = ("recorded" if inp.recorded[i] else "cap" if hi >= 0 and got == hi
                     else "floor" if lo > 0 and got == lo else "")
            rows.append({GEO: g, TYPE: typ.value, "unit": typ.unit, "units": got,
                         "value_eur": got * int(u[t]), "source": sources[g][t].value,
                         "preferred_units": int(inp.preferred[i, t]) if told else None,
                         "deviation_units": int(dev[i, t]) if told else None,
                         "min_units": lo if lo > 0 or inp.recorded[i] else None,
                         "max_units": hi if hi >= 0 else None, "limit": limit,
                         "called_units": int(called[i, t]),
                         "unallocated_units": got - int(called[i, t]) - (earmark[i] if t == FIN else 0),
                         "third_country_eur": earmark[i] if t == FIN else None})
    pledges = frame("pledges", rows)
    flows = flows_table(inp, alloc.flows)

    distributable = p.copy()  # Art 64: earmarked money reaches no beneficiary
    distributable[:, FIN] -= np.array(earmark, dtype=np.int64)
    caps = _receipt_caps(inp, distributable)
    brow = []
    for b, h in enumerate(B):
        for t, typ in enumerate(TYPES):
            need, got = int(inp.needs[b, t]), int(sol.received[b, t])
            brow.append({BENEFICIARY: h, TYPE: typ.value, "unit": typ.unit, "sar": bool(inp.sar[b]),
                         "need": need, "cap": int(caps[b, t]), "received": got,
                         "received_eur": got * int(u[t]), "shortfall": need - got,
                         "coverage": got / need if need else math.nan})
    beneficiaries = frame("beneficiaries", brow)

    tables = {"shares": shares_table(shares, scenario, population, gdp), "obligations": obligations,
              "pledges": pledges, "flows": flows, "beneficiaries": beneficiaries,
              "pool": pool_table(scenario, shares, inp, sol, rules, int(assumed_value.sum())),
              "offsets": offsets_table(rules.offsets)}
    if rules.crisis is not None:
        assert scenario.crisis is not None  # the plan is made from the scenario's crisis settings
        tables["crisis"] = crisis_table(rules.crisis)
        tables["credits"] = credits_table(rules.crisis, scenario.year, scenario.crisis.credit_years)
    tables["meta"] = meta_table(scenario, population, gdp, shares, result, inp, include_runtime)
    return tables


def _receipt_caps(inp: ModelInput, p: np.ndarray) -> np.ndarray:
    from ..optimise.allocate import receipt_caps
    return receipt_caps(inp, p)


def flows_table(inp: ModelInput, x: np.ndarray) -> pd.DataFrame:
    """Non-zero flows as rows, built without a loop over pairs."""
    i, b, t = np.nonzero(x)
    types = np.array([typ.value for typ in TYPES], dtype=object)
    units = np.array([typ.unit for typ in TYPES], dtype=object)
    vals = x[i, b, t]
    df = pd.DataFrame({GEO: np.asarray(inp.contributors, dtype=object)[i],
                       BENEFICIARY: np.asarray(inp.beneficiaries, dtype=object)[b],
                       TYPE: types[t], "unit": units[t], "units": vals,
                       "value_eur": vals * inp.unit_value[t]})
    return frame("flows", df)


def pool_table(scenario: Scenario, shares: FairShares, inp: ModelInput, sol: Solution, rules,
               assumed_value: int) -> pd.DataFrame:
    """Pool totals, the Art 63 thresholds and the SAR target. None of these is
    a number states must meet: relocations are measured against needs."""
    u = inp.unit_value
    pool = scenario.pool
    obligations = int(inp.obligation.sum())
    pledged = int((sol.pledges * u).sum())
    rows = [
        {"item": "pool_value", "unit": "EUR", "amount": pool.value_eur,
         "rule": "Art 57(1): the adopted pool, F EUR (or R x e without money)"},
        {"item": "pool_relocations", "unit": "persons", "amount": pool.relocations,
         "rule": "Art 57(1): the same pool in persons; not a target states must meet"},
        {"item": "equivalence_eur", "unit": "EUR", "amount": pool.rate,
         "rule": "recital 15: EUR per relocation" + ("" if pool.equivalence_eur else " (default F / R)")},
        _proposal_row(pool, "relocations", "persons", "Art 12(2)(a)", MIN_RELOCATIONS),
        _proposal_row(pool, "financial_eur", "EUR", "Art 12(2)(b)", MIN_FINANCIAL_EUR),
        {"item": "deductions", "unit": "EUR", "amount": int(shares.table["deduction_eur"].sum()),
         "rule": "Art 61, 62" + (": redistributed to the others" if pool.redistribute_deductions
                                 else ": not redistributed, the pool shrinks")},
        {"item": "obligations", "unit": "EUR", "amount": obligations, "reference": pool.value_eur,
         "rule": "the pool after deductions, redistribution and credits"},
        {"item": "pledged_value", "unit": "EUR", "amount": pledged, "reference": obligations,
         "shortfall": int(sol.unmet.sum()), "rule": "Art 56(2): relocations at e; shortfall = unmet obligations"},
        {"item": "assumed_value", "unit": "EUR", "amount": assumed_value, "reference": pledged,
         "rule": "pledged value whose source is assumed (the state stated nothing; the model chose)"},
    ]
    got = sol.received.sum(axis=0)
    for t, typ in enumerate(TYPES):
        need = int(inp.needs[:, t].sum())
        rows += [
            {"item": f"{typ.value}_pledged", "unit": typ.unit, "amount": int(sol.pledges[:, t].sum()),
             "reference": need, "rule": "measured against the beneficiaries' needs"},
            {"item": f"{typ.value}_received", "unit": typ.unit, "amount": int(got[t]), "reference": need,
             "shortfall": need - int(got[t]), "rule": "Art 60(2): distributed by needs"},
        ]
    earmarked = sum(scenario.state(g).third_country_eur for g in inp.contributors)
    if earmarked:  # only where a scenario earmarks: the other pools' tables stay as they were
        rows.append({"item": "third_country_eur", "unit": "EUR", "amount": earmarked,
                     "reference": int(sol.pledges[:, FIN].sum()),
                     "rule": "Art 56(2)(b), Art 64: money earmarked for actions in or in relation to third "
                             "countries; in the fair shares, not distributed to the benefitting states"})
    rows.append({"item": "sar_target", "unit": "EUR", "amount": sol.sar_received, "reference": inp.sar_target,
                 "shortfall": sol.sar_shortfall,
                 "rule": f"Art 57(2): sar_share {float(pool.sar_share):g} of the obligations, "
                         "to SAR states (a target, not a floor)"})
    rows += _threshold_rows(rules)
    return frame("pool", rows)


def _proposal_row(pool, name: str, unit: str, article: str, minimum: int) -> dict:
    """One number of the Commission proposal: given by the scenario, or the
    Art 12(2) minimum, flagged as assumed (never the adopted pool: Art 63(1)
    refers to the proposal, and the Council may adopt less)."""
    amount = pool.proposal[0 if name == "relocations" else 1]
    assumed = name in pool.proposal_assumed
    status = "assumed" if assumed else "below Art 12(2) minimum" if amount < minimum else ""
    rule = f"{article}: the Commission proposal" + (
        " (not given: the Art 12(2) minimum is assumed)" if assumed else "")
    return {"item": f"proposal_{name}", "unit": unit, "amount": amount, "reference": minimum,
            "status": status, "rule": rule}


def _threshold_rows(rules) -> list[dict]:
    """Art 63 thresholds and a crisis plan as pool rows."""
    o = rules.offsets
    vol = math.ceil(o.voluntary_threshold)
    needs_thr = math.ceil(o.needs_threshold)
    rows = [
        {"item": "art63_1_voluntary_offsets", "unit": "persons", "amount": o.pledged, "reference": vol,
         "shortfall": max(0, vol - o.pledged), "status": "open" if o.voluntary_open else "closed",
         "rule": "Art 63(1): relocation pledges >= voluntary_share x the Commission proposal's number"},
        {"item": "art63_3a_needs_threshold", "unit": "persons", "amount": o.pledged, "reference": needs_thr,
         "shortfall": max(0, needs_thr - o.pledged),
         "status": "below" if o.pledged < o.needs_threshold else "met",
         "rule": "Art 63(3)(a): needs_share x identified relocation needs [param]"},
        {"item": "art63_3b_reference_threshold", "unit": "persons", "amount": o.pledged,
         "reference": o.reference_threshold, "shortfall": max(0, o.reference_threshold - o.pledged),
         "status": "below" if o.pledged < o.reference_threshold else "met",
         "rule": "Art 63(3)(b): reference_relocations [param], default the adopted pool's R"},
        {"item": "art63_3_mandatory_offsets", "unit": "persons", "amount": o.covered, "reference": o.gap,
         "shortfall": o.uncovered, "status": "triggered" if o.triggered else "not triggered",
         "rule": "Art 63(3), 63(7): gap to the higher threshold, at most the uncovered relocation needs "
                 f"({group(o.uncovered_needs)}); shared pro rata to the key within each state's cap"},
    ]
    if rules.crisis is not None:
        c = rules.crisis
        rows.append({"item": f"crisis_plan_{c.state}", "unit": "persons", "amount": c.covered,
                     "reference": c.needs, "shortfall": c.needs - c.covered,
                     "status": "covered" if c.covered == c.needs else "not covered",
                     "rule": "CR Art 8, 9: unallocated pledges, additional pledges, then offsets"})
    return rows


def offsets_table(o) -> pd.DataFrame:
    return frame("offsets", [
        {GEO: g, "obligation_relocations": o.fair[g], "pledged_relocations": o.pledges.get(g, 0),
         "cap": o.caps[g], "offset": o.owed[g], "binding": o.caps[g] > 0 and o.owed[g] == o.caps[g],
         "voluntary_eligible": o.state_voluntary[g]} for g in sorted(o.fair)])


def crisis_table(c) -> pd.DataFrame:
    return frame("crisis", [
        {GEO: g, "from_unallocated": c.from_unallocated[g], "additional": c.additional[g],
         "within_fair_share": c.within_fair_share[g], "above_fair_share": c.above_fair_share[g],
         "total": c.total(g), "credit_eur": c.credit_eur[g]} for g in sorted(c.from_unallocated)])


def credits_table(c, year: int, years: int) -> pd.DataFrame:
    from ..pact.rules import spread_credit

    return frame("credits", [{GEO: g, "year": year + 1 + k, "credit_eur": v}
                             for g in sorted(c.credit_eur) if c.credit_eur[g]
                             for k, v in enumerate(spread_credit(c.credit_eur[g], years))])


def provenance(scenario: Scenario) -> list[tuple[str, object]]:
    """The meta rows every run writes first, whatever its design: the tool, the
    scenario and its digest after overrides (what ``verify --scenario`` checks)."""
    return [("package", f"solidarity {__version__}"),
            ("scenario", scenario.name), ("scenario_year", scenario.year),
            ("scenario_file", Path(scenario.path).name), ("scenario_sha256", scenario.digest),
            ("overrides", "; ".join(scenario.overrides) or "none")]


def meta_table(scenario: Scenario, population: Indicator, gdp: Indicator, shares: FairShares,
               result: SolveResult | None, inp: ModelInput | None = None,
               include_runtime: bool = False) -> pd.DataFrame:
    """Provenance as key/value rows; every [param] of the spec is named."""
    pool, o = scenario.pool, scenario.offsets
    benef_default = [g for g, s in scenario.states.items() if s.deduction_default]
    items: list[tuple[str, object]] = [
        *provenance(scenario),
        ("participants", " ".join(scenario.participants)),
        ("population", _indicator_line(population)),
        ("gdp", _indicator_line(gdp)),
        ("key_weights", ", ".join(f"{k} {float(w):g}" for k, w in scenario.key.weights.items())),
        ("fair_share", "one obligation: key share x the pool's EUR value, apportioned by largest "
                       "remainder; relocation equivalent ceil(EUR / e)"),
        ("relocations_apportioned_method", shares.relocations.method.value),
        ("tie_rule", TIE_RULE),
        ("apportionment_ties", " ".join(shares.relocations.ties) or "none"),
        ("param_equivalence_eur", f"{pool.rate} ({'set by scenario' if pool.equivalence_eur else 'default F / R'})"),
        ("param_sar_share", f"{float(pool.sar_share):g}"),
        ("param_redistribute_deductions",
         "true (deducted amounts go to the states without a deduction, pro rata to the key)"
         if pool.redistribute_deductions else "false (deducted amounts shrink the pool, Art 61-62)"),
        ("benefitting_states_deducted_by_default", " ".join(benef_default) or "none"),
        ("proposal_below_art_12_2_minimum", str(pool.proposal_below_minimum).lower()),
        ("proposal_assumed", ", ".join(f"{n} (Art 12(2) minimum)" for n in pool.proposal_assumed) or "none"),
        ("param_priority", scenario.allocation.priority.value),
        ("param_flows", scenario.allocation.flows.value),
        ("param_offsets_voluntary_share", f"{float(o.voluntary_share):g} (Art 63(1))"),
        ("param_offsets_state_share", f"{float(o.state_share):g} (Art 63(2)(b))"),
        ("param_offsets_needs_share", f"{float(o.needs_share):g} (Art 63(3)(a), unverified)"),
        ("param_offsets_identified_needs", str(o.identified_needs) if o.identified_needs is not None
         else "default: beneficiaries' relocation needs"),
        ("param_offsets_reference_relocations", str(o.reference_relocations)
         if o.reference_relocations is not None else f"{pool.relocations} (default: the adopted pool's R)"),
        ("crisis", f"{scenario.crisis.state}: {scenario.crisis.relocations} relocations, credit over "
                   f"{scenario.crisis.credit_years} cycles" if scenario.crisis else "none"),
    ]
    if result is not None:
        items += [("solver", result.solver), ("solver_version", result.version),
                  ("status", result.status.value)]
        for tr in result.trace:
            text = f"{tr.method}; {tr.status}" + (f"; value {tr.value}" if tr.value else "")
            if tr.gap:
                text += f"; gap {tr.gap}"
            if tr.note:
                text += f"; {tr.note}"
            if include_runtime:
                text += f"; {tr.seconds:.3f} s"
            items.append((f"level_{tr.name}", text))
        items.append(("verification", "passed"))
        if inp is not None:
            items += [("model_size", f"{len(inp.contributors)} contributors, "
                                     f"{len(inp.beneficiaries)} beneficiaries")]
        if include_runtime:
            items.append(("runtime_s", f"{result.runtime:.3f}"))
    return frame("meta", [{"key": k, "value": str(v)} for k, v in items])


def _indicator_line(ind: Indicator) -> str:
    parts = [str(ind.year), ind.unit, ind.vintage, ind.source]
    rule = getattr(ind, "year_rule", "")
    if rule:
        parts.append(f"year: {rule}")
    filters = getattr(ind, "filters", None)
    if filters:
        parts.append("filters " + ", ".join(f"{k}={v}" for k, v in sorted(filters.items())))
    return "; ".join(parts)


# --- writing -----------------------------------------------------------------

def _json_value(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if v is pd.NA or v is None:
        return None
    return v


def to_csv(name: str, df: pd.DataFrame) -> bytes:
    return flat(name, df).to_csv(index=False, lineterminator="\n").encode("utf-8")


def _indexed(name: str, df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The table in registry order, indexed by its key (if it has one), and the key."""
    out = flat(name, df)
    spec = REGISTRY.get(name)
    key = [k for k in (spec.key if spec is not None else ()) if k in out.columns]
    if not key and df.index.names != [None]:
        key = [str(k) for k in df.index.names]
    return (out.set_index(key) if key else out), key


def column_docs(name: str, columns) -> dict[str, dict[str, str]]:
    """Column -> ``{"unit", "description"}`` from the registry (empty for a
    table or column it does not know)."""
    spec = REGISTRY.get(name)
    known = set(spec.names) if spec is not None else set()
    return {c: ({"unit": spec.column(c).unit, "description": spec.column(c).doc}
                if spec is not None and c in known else {}) for c in columns}


def to_json(name: str, df: pd.DataFrame) -> bytes:
    """pandas' ``orient="table"`` form: ``{"schema": {"fields", "primaryKey",
    ...}, "data": [...]}`` (a Frictionless Table Schema), each field with its
    ``unit`` and ``description`` from the registry, so
    ``pandas.read_json(path, orient="table")`` gives the table indexed by its
    key as ``Result.tables`` holds it (``precise_float=True`` for floats to
    the last bit: pandas' default parser may differ in the last digit).

    Written with :mod:`json` rather than ``DataFrame.to_json``, whose floats
    keep at most 15 significant digits.
    """
    from pandas.io.json import build_table_schema

    indexed, key = _indexed(name, df)
    schema: dict[str, Any] = dict(build_table_schema(indexed, index=bool(key), version=True))
    docs = column_docs(name, [f["name"] for f in schema["fields"]])
    for field in schema["fields"]:
        field.update(docs.get(field["name"], {}))
    spec = REGISTRY.get(name)
    table = {"name": name, "description": spec.doc if spec is not None else ""}
    out = indexed.reset_index() if key else indexed
    rows = [{k: _json_value(v) for k, v in zip(out.columns, rec)}
            for rec in out.itertuples(index=False, name=None)]
    doc = {"schema": {**schema, "table": table}, "data": rows}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def to_parquet(name: str, df: pd.DataFrame) -> bytes:
    """The table with its key as the index (``pandas.read_parquet`` restores
    it) and each column's ``unit`` and ``description`` in the Arrow schema's
    field metadata (``pyarrow.parquet.read_schema(path).field(c).metadata``);
    the table's name and description in the schema's metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    indexed, key = _indexed(name, df)
    table = pa.Table.from_pandas(indexed, preserve_index=bool(key))
    docs = column_docs(name, table.schema.names)
    fields = [f.with_metadata({k.encode(): v.encode() for k, v in docs[f.name].items()}) if docs.get(f.name)
              else f for f in table.schema]
    spec = REGISTRY.get(name)
    meta = {**(table.schema.metadata or {}), b"solidarity.table": name.encode(),
            b"solidarity.description": (spec.doc if spec is not None else "").encode()}
    table = pa.Table.from_arrays(table.columns, schema=pa.schema(fields, metadata=meta))
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _md_cell(v, unit: str = "") -> str:
    v = _json_value(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else ""
    if isinstance(v, int):
        return str(v) if unit == "year" else group(v)
    if isinstance(v, float):
        return f"{v:.6f}" if abs(v) < 10 else decimal(v, 2)
    return str(v).replace("|", "\\|")


def markdown_table(df: pd.DataFrame, name: str | None = None) -> str:
    out = flat(name, df) if name else (df.reset_index() if df.index.names != [None] else df)
    spec = REGISTRY.get(name or "")
    units = {c.name: c.unit for c in spec.columns} if spec else {"year": "year"}
    head = "| " + " | ".join(out.columns) + " |"
    sep = "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(out[c]) and out[c].dtype != bool
                         else "---" for c in out.columns) + "|"
    body = ["| " + " | ".join(_md_cell(v, units.get(c, "")) for c, v in zip(out.columns, rec)) + " |"
            for rec in out.itertuples(index=False, name=None)]
    return "\n".join([head, sep, *body])


def to_markdown(tables: Mapping[str, pd.DataFrame], title: str, intro: str = "") -> bytes:
    parts = [f"# {title}", ""]
    if intro:
        parts += [intro, ""]
    for name, df in tables.items():
        parts += [f"## {name}", "", markdown_table(df, name), ""]
    return "\n".join(parts).encode("utf-8")


def render(tables: Mapping[str, pd.DataFrame], formats: Iterable[str],
           title: str = "solidarity", intro: str = "",
           charts: Mapping[str, bytes] | None = None) -> dict[str, bytes]:
    """File name -> content for every table in every format.

    ``md`` gives one ``summary.md``, ``xlsx`` one ``tables.xlsx`` (a sheet per
    table and one of column documentation), ``html`` one self-contained
    ``brief.html`` (``charts``: file name -> SVG or PNG bytes to inline).
    """
    files: dict[str, bytes] = {}
    writers = {"csv": to_csv, "json": to_json, "parquet": to_parquet}
    for fmt in formats:
        if fmt == "md":
            files["summary.md"] = to_markdown(tables, title, intro)
            continue
        if fmt == "xlsx":
            from .workbook import to_xlsx
            files["tables.xlsx"] = to_xlsx(tables, title)
            continue
        if fmt == "html":
            from .brief import to_html
            files["brief.html"] = to_html(tables, title, intro, charts or {})
            continue
        for name, df in tables.items():
            files[f"{name}.{fmt}"] = writers[fmt](name, df)
    return files
