"""Stage 7: tidy output tables, their documentation, and atomic writers.

Tables (columns documented in :data:`COLUMNS`, units in the names):

``shares``        fair shares, deductions and obligations per participant
``obligations``   per state: obligation, value pledged, unmet, above obligation
``pledges``       per state and type: units pledged, value, preferred, limits
``flows``         per contributor, beneficiary and type: units sent
``beneficiaries`` per beneficiary and type: need, received, shortfall, coverage
``pool``          per pool item: reference, target, pledged, shortfall
``meta``          provenance: scenario hash, data vintages, solver, parameters

Formats: ``csv``, ``parquet``, ``json`` (one file per table) and ``md`` (one
``summary.md``). The same inputs give byte-identical files; the solver's run
time is therefore left out of ``meta`` unless asked for.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from . import __version__
from .apportionment import TIE_RULE
from .data import Indicator
from .key import FairShares
from .model import LEVELS, ModelInput, Solution
from .scenario import Scenario
from .schema import BENEFICIARY, COUNTRY, GEO, KNOWN_CODES, TYPE, TYPES
from .solve import SolveResult

FORMATS = ("csv", "parquet", "json", "md")

COLUMNS: dict[str, dict[str, str]] = {
    "shares": {
        GEO: "Eurostat country code", COUNTRY: "country name",
        "status": "status in the cycle (Art 11 decision or Art 59 declaration)",
        "population": "population on 1 January, persons",
        "population_share": "share of the participants' population",
        "gdp_meur": "GDP at current market prices, million EUR",
        "gdp_share": "share of the participants' GDP",
        "key_share": "distribution key share (Art 66): weighted population and GDP shares",
        "relocations_quota": "exact quota of the pool's relocations, persons (not rounded)",
        "fair_relocations": "fair-share relocations, whole persons, apportioned to sum to the pool",
        "fair_financial_eur": "fair-share financial contribution, EUR, apportioned to sum to the pool",
        "fair_value_eur": "fair-share value: rate x fair_relocations + fair_financial_eur, EUR",
        "deduction": "deduction granted (Art 61, 62), fraction of the fair share",
        "deducted_relocations": "relocations deducted: deduction x fair_relocations, halves up",
        "deducted_financial_eur": "euros deducted: deduction x fair_financial_eur, halves up",
        "deduction_eur": "value deducted, EUR",
        "redistributed_relocations": "deducted relocations of others given to this state, pro rata to the key "
                                     "(only with pool.redistribute_deductions)",
        "redistributed_financial_eur": "deducted euros of others given to this state (likewise)",
        "credit_used_eur": "crisis credit used this cycle (CR Art 9), EUR: money first, then whole relocations",
        "indicative_relocations": "fair-share relocations after deduction, redistribution and credit, persons",
        "indicative_financial_eur": "fair-share euros after deduction, redistribution and credit, EUR",
        "obligation_eur": "obligation after deduction, EUR, payable in any mix of types",
        "apportionment_tie": "true if the state was in a tie decided by the tie rule",
    },
    "obligations": {
        GEO: "Eurostat country code", "obligation_eur": "obligation after deduction, EUR",
        "pledged_value_eur": "value of all pledges, EUR (relocations at the equivalence rate)",
        "unmet_eur": "obligation not covered by pledges, EUR",
        "above_obligation_eur": "pledged above the obligation because floors or fixed pledges force it, EUR",
        "deviation_value_eur": "value of the deviation from the preferred mix, EUR",
    },
    "pledges": {
        GEO: "Eurostat country code", TYPE: "relocation, financial or alternative",
        "unit": "persons or EUR", "units": "amount pledged, in unit",
        "value_eur": "value pledged, EUR", "preferred_units": "the state's preferred amount",
        "deviation_units": "units - preferred_units",
        "min_units": "floor set by the scenario (empty: none)",
        "max_units": "cap set by the scenario (empty: none)",
        "limit": "fixed, at_floor, at_cap or empty: the limit that holds the pledge",
    },
    "flows": {
        GEO: "contributing state", BENEFICIARY: "benefitting state", TYPE: "type",
        "unit": "persons or EUR", "units": "amount sent, in unit", "value_eur": "value sent, EUR",
    },
    "beneficiaries": {
        BENEFICIARY: "benefitting state", TYPE: "type", "unit": "persons or EUR",
        "sar": "true for a search-and-rescue disembarkation state (Art 57(2))",
        "need": "need stated in the scenario, in unit", "received": "allocated, in unit",
        "received_eur": "value allocated, EUR (relocations at the equivalence rate)",
        "shortfall": "need - received, in unit", "coverage": "received / need (empty if no need)",
    },
    "offsets": {
        GEO: "Eurostat country code",
        "fair_relocations": "fair-share relocations after deduction (the basis of the cap), persons",
        "pledged_relocations": "relocations pledged, persons",
        "cap": "most the state can owe: fair_relocations - pledged_relocations (Art 63(7))",
        "offset": "mandatory responsibility offsets owed (Art 63(3)), persons, pro rata to the key",
        "binding": "true if the offset reached the cap",
        "voluntary_eligible": "true if it pledged at least state_share of its fair share as relocations (Art 63(2)(b))",
    },
    "crisis": {
        GEO: "Eurostat country code", "from_unallocated": "pool relocation pledges not allocated or "
        "not implemented, moved to the plan (CR Art 8), persons",
        "additional": "additional pledges for the plan, persons",
        "within_fair_share": "mandatory offsets up to the fair share (CR Art 9), persons",
        "above_fair_share": "mandatory offsets above the fair share, persons",
        "total": "all the state gives to the plan, persons",
        "credit_eur": "credit earned: above_fair_share x equivalence rate, EUR",
    },
    "credits": {
        GEO: "Eurostat country code", "year": "cycle in which the credit reduces the obligation",
        "credit_eur": "credit usable in that cycle, EUR (the credit spread evenly, CR Art 9)",
    },
    "pool": {
        "item": "pool item", "unit": "persons or EUR",
        "reference": "number adopted for the pool, before deductions",
        "target": "number after deductions (deducted amounts are not redistributed)",
        "pledged": "total pledged (or received, for sar_reserve)",
        "shortfall": "max(0, target - pledged)",
        "unallocated": "pledged but not allocated to a beneficiary",
        "status": "for thresholds: open/closed, triggered/not triggered",
    },
    "meta": {"key": "what", "value": "value (text)"},
}


def _ledger_columns() -> dict[str, str]:
    from .ledger import LEDGER_COLUMNS
    return LEDGER_COLUMNS


def _country(g: str) -> str:
    return KNOWN_CODES.get(g, g)


def shares_table(shares: FairShares, scenario: Scenario | None = None) -> pd.DataFrame:
    """The ``shares`` table (also what ``solidarity key`` prints)."""
    t = shares.table.reset_index()
    t.insert(1, COUNTRY, [_country(g) for g in t[GEO]])
    status = [scenario.state(g).status.value if scenario else "none" for g in t[GEO]]
    t.insert(2, "status", status)
    t["population"] = t["population"].round().astype(np.int64)
    return t[list(COLUMNS["shares"])]


def build_tables(scenario: Scenario, population: Indicator, gdp: Indicator, shares: FairShares,
                 inp: ModelInput, result: SolveResult, sol: Solution, rules,
                 include_runtime: bool = False) -> dict[str, pd.DataFrame]:
    """All tables of a run, in a fixed order."""
    u = inp.unit_value
    C, B = inp.contributors, inp.beneficiaries
    value = (sol.pledges * u).sum(axis=1)
    dev = sol.pledges - inp.preferred
    obligations = pd.DataFrame({
        GEO: C, "obligation_eur": inp.obligation, "pledged_value_eur": value,
        "unmet_eur": sol.unmet, "above_obligation_eur": sol.over,
        "deviation_value_eur": (np.abs(dev) * u).sum(axis=1)})

    rows = []
    for i, g in enumerate(C):
        fixed = scenario.state(g).fixed is not None
        for t, typ in enumerate(TYPES):
            lo, hi, got = int(inp.lower[i, t]), int(inp.upper[i, t]), int(sol.pledges[i, t])
            limit = ("fixed" if fixed else "at_cap" if hi >= 0 and got == hi
                     else "at_floor" if lo > 0 and got == lo else "")
            rows.append({GEO: g, TYPE: typ.value, "unit": typ.unit, "units": got,
                         "value_eur": got * int(u[t]), "preferred_units": int(inp.preferred[i, t]),
                         "deviation_units": int(dev[i, t]),
                         "min_units": lo if lo > 0 or fixed else None,
                         "max_units": hi if hi >= 0 else None, "limit": limit})
    pledges = pd.DataFrame(rows)
    for col in ("min_units", "max_units"):
        pledges[col] = pledges[col].astype("Int64")

    idx = np.argwhere(sol.flows > 0)
    flows = pd.DataFrame({
        GEO: [C[i] for i, _, _ in idx], BENEFICIARY: [B[b] for _, b, _ in idx],
        TYPE: [TYPES[t].value for _, _, t in idx], "unit": [TYPES[t].unit for _, _, t in idx],
        "units": [int(sol.flows[i, b, t]) for i, b, t in idx],
        "value_eur": [int(sol.flows[i, b, t] * u[t]) for i, b, t in idx]},
        columns=list(COLUMNS["flows"]))
    flows = flows.astype({"units": np.int64, "value_eur": np.int64})

    received = sol.flows.sum(axis=0)
    brow = []
    for b, h in enumerate(B):
        for t, typ in enumerate(TYPES):
            need = int(inp.needs[b, t])
            brow.append({BENEFICIARY: h, TYPE: typ.value, "unit": typ.unit, "sar": bool(inp.sar[b]),
                         "need": need, "received": int(received[b, t]),
                         "received_eur": int(received[b, t]) * int(u[t]),
                         "shortfall": int(sol.need_shortfall[b, t]),
                         "coverage": (float(received[b, t]) / need) if need else math.nan})
    beneficiaries = pd.DataFrame(brow, columns=list(COLUMNS["beneficiaries"]))
    beneficiaries = beneficiaries.astype({"need": np.int64, "received": np.int64,
                                          "received_eur": np.int64, "shortfall": np.int64})

    sent = sol.flows.sum(axis=(0, 1))
    pledged = sol.pledges.sum(axis=0)
    e = inp.rate
    sar_received = int((sol.flows[:, inp.sar.astype(bool), :] * u).sum())
    pool = pd.DataFrame([
        {"item": "relocations", "unit": "persons", "reference": scenario.pool.relocations,
         "target": inp.target_relocations, "pledged": int(pledged[0]),
         "shortfall": int(sol.pool_shortfall[0]), "unallocated": int(pledged[0] - sent[0])},
        {"item": "money", "unit": "EUR", "reference": scenario.pool.financial_eur,
         "target": inp.target_money, "pledged": int(pledged[1] + pledged[2]),
         "shortfall": int(sol.pool_shortfall[1]),
         "unallocated": int(pledged[1] + pledged[2] - sent[1] - sent[2])},
        {"item": "value", "unit": "EUR",
         "reference": e * scenario.pool.relocations + scenario.pool.financial_eur,
         "target": int(inp.obligation.sum()), "pledged": int(value.sum()),
         "shortfall": max(0, int(inp.obligation.sum()) - int(value.sum())),
         "unallocated": int(value.sum() - (sent * u).sum())},
        {"item": "sar_reserve", "unit": "EUR", "reference": inp.sar_reserve,
         "target": inp.sar_reserve, "pledged": sar_received,
         "shortfall": int(sol.sar_shortfall), "unallocated": 0},
        *_threshold_rows(scenario, rules, inp),
    ], columns=list(COLUMNS["pool"]))
    pool["status"] = pool["status"].fillna("").astype(str)
    for col in ("reference", "target", "pledged", "shortfall", "unallocated"):
        pool[col] = pool[col].fillna(0).astype(np.int64)

    tables = {"shares": shares_table(shares, scenario), "obligations": obligations,
              "pledges": pledges, "flows": flows, "beneficiaries": beneficiaries, "pool": pool,
              "offsets": offsets_table(rules.offsets)}
    if rules.crisis is not None:
        tables["crisis"] = crisis_table(rules.crisis)
        tables["credits"] = credits_table(rules.crisis, scenario.year, scenario.crisis.credit_years)
    tables["meta"] = meta_table(scenario, population, gdp, shares, result, inp, include_runtime)
    return tables


def _threshold_rows(scenario: Scenario, rules, inp: ModelInput) -> list[dict]:
    """Art 63 thresholds and the crisis plan as pool rows."""
    o, s = rules.offsets, scenario.offsets
    proposal = s.proposal_relocations if s.proposal_relocations is not None else scenario.pool.relocations
    vol = math.ceil(s.voluntary_share * proposal)
    rows = [
        {"item": "voluntary_offsets_threshold", "unit": "persons", "reference": proposal,
         "target": vol, "pledged": o.pledged, "shortfall": max(0, vol - o.pledged),
         "status": "open" if o.voluntary_open else "closed"},
        {"item": "offsets_needs_threshold", "unit": "persons",
         "reference": o.identified_needs,
         "target": math.ceil(o.needs_threshold), "pledged": o.pledged,
         "shortfall": max(0, math.ceil(o.needs_threshold) - o.pledged),
         "status": "triggered" if o.pledged < o.needs_threshold else "not triggered"},
        {"item": "offsets_minimum_threshold", "unit": "persons", "reference": o.minimum_threshold,
         "target": o.minimum_threshold, "pledged": o.pledged,
         "shortfall": max(0, o.minimum_threshold - o.pledged),
         "status": "triggered" if o.pledged < o.minimum_threshold else "not triggered"},
        {"item": "mandatory_offsets", "unit": "persons", "reference": o.gap, "target": o.gap,
         "pledged": o.covered, "shortfall": o.uncovered,
         "status": "triggered" if o.triggered else "not triggered"},
    ]
    if rules.crisis is not None:
        c = rules.crisis
        rows.append({"item": f"crisis_plan_{c.state}", "unit": "persons", "reference": c.needs,
                     "target": c.needs, "pledged": c.covered, "shortfall": c.needs - c.covered,
                     "status": "covered" if c.covered == c.needs else "not covered"})
    return rows


def offsets_table(o) -> pd.DataFrame:
    return pd.DataFrame([{GEO: g, "fair_relocations": o.fair[g], "pledged_relocations": o.pledges.get(g, 0),
                          "cap": o.caps[g], "offset": o.owed[g],
                          "binding": o.caps[g] > 0 and o.owed[g] == o.caps[g],
                          "voluntary_eligible": o.state_voluntary[g]} for g in sorted(o.fair)],
                        columns=list(COLUMNS["offsets"]))


def crisis_table(c) -> pd.DataFrame:
    return pd.DataFrame([{GEO: g, "from_unallocated": c.from_unallocated[g], "additional": c.additional[g],
                          "within_fair_share": c.within_fair_share[g],
                          "above_fair_share": c.above_fair_share[g], "total": c.total(g),
                          "credit_eur": c.credit_eur[g]} for g in sorted(c.from_unallocated)],
                        columns=list(COLUMNS["crisis"]))


def credits_table(c, year: int, years: int) -> pd.DataFrame:
    from .rules import spread_credit

    rows = [{GEO: g, "year": year + 1 + k, "credit_eur": v}
            for g in sorted(c.credit_eur) if c.credit_eur[g]
            for k, v in enumerate(spread_credit(c.credit_eur[g], years))]
    return pd.DataFrame(rows, columns=list(COLUMNS["credits"])).astype(
        {"year": np.int64, "credit_eur": np.int64})


def meta_table(scenario: Scenario, population: Indicator, gdp: Indicator, shares: FairShares,
               result: SolveResult | None, inp: ModelInput | None = None,
               include_runtime: bool = False) -> pd.DataFrame:
    """Provenance as key/value rows; every [param] of the spec is named."""
    pool = scenario.pool
    items: list[tuple[str, object]] = [
        ("package", f"solidarity {__version__}"),
        ("scenario", scenario.name), ("scenario_year", scenario.year),
        ("scenario_file", Path(scenario.path).name), ("scenario_sha256", scenario.digest),
        ("participants", " ".join(scenario.participants)),
        ("population", f"{population.year}; {population.unit}; {population.vintage}; {population.source}"),
        ("gdp", f"{gdp.year}; {gdp.unit}; {gdp.vintage}; {gdp.source}"),
        ("key_weights", ", ".join(f"{k} {float(w):g}" for k, w in scenario.key.weights.items())),
        ("apportionment_method", shares.relocations.method.value),
        ("apportionment_euros", "hamilton (largest remainder)"),
        ("tie_rule", TIE_RULE),
        ("apportionment_ties", " ".join(shares.relocations.ties) or "none"),
        ("param_equivalence_eur", f"{pool.rate} ({'set by scenario' if pool.equivalence_eur else 'default F / R'})"),
        ("param_sar_share", f"{float(pool.sar_share):g}"),
        ("param_redistribute_deductions",
         "true (deducted amounts go to the states without a deduction, pro rata to the key)"
         if pool.redistribute_deductions else "false (deducted amounts shrink the pool, Art 61-62)"),
        ("pool_below_art_12_2_minimum", str(pool.below_minimum).lower()),
        ("param_offsets_proposal_relocations", str(scenario.offsets.proposal_relocations
                                                   if scenario.offsets.proposal_relocations is not None
                                                   else f"{pool.relocations} (default: the pool's)")),
        ("param_offsets_voluntary_share", f"{float(scenario.offsets.voluntary_share):g} (Art 63(1))"),
        ("param_offsets_state_share", f"{float(scenario.offsets.state_share):g} (Art 63(2)(b))"),
        ("param_offsets_needs_share", f"{float(scenario.offsets.needs_share):g} (Art 63(3), unverified)"),
        ("param_offsets_minimum_relocations",
         f"{scenario.offsets.minimum_relocations} (Art 63(3) with Art 12(2)(a), unverified)"),
        ("param_offsets_identified_needs", str(scenario.offsets.identified_needs)
         if scenario.offsets.identified_needs is not None else "default: beneficiaries' relocation needs"),
        ("crisis", f"{scenario.crisis.state}: {scenario.crisis.relocations} relocations, credit over "
                   f"{scenario.crisis.credit_years} cycles" if scenario.crisis else "none"),
        ("ceiling_total_exceeds_pool", str(shares.relocations.method.value == "ceiling").lower()),
    ]
    if result is not None:
        items += [("solver", result.solver), ("solver_version", result.version),
                  ("status", result.status.value)]
        items += [(f"objective_{k}", _fmt(result.objective.get(k))) for k in LEVELS]
        items += [("mip_gap", _fmt(result.gap)), ("verification", "passed")]
        if inp is not None:
            items += [("model_size", f"{len(inp.contributors)} contributors, "
                                     f"{len(inp.beneficiaries)} beneficiaries")]
        if include_runtime:
            items.append(("runtime_s", f"{result.runtime:.3f}"))
    return pd.DataFrame(items, columns=["key", "value"]).astype({"value": str})


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(round(v, 9))
    return str(v)


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


def to_csv(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def to_json(name: str, df: pd.DataFrame) -> bytes:
    rows = [{k: _json_value(v) for k, v in zip(df.columns, rec)}
            for rec in df.itertuples(index=False, name=None)]
    docs = _ledger_columns() if name == "ledger" else COLUMNS.get(name, {})
    doc = {"table": name, "columns": {c: docs.get(c, "") for c in df.columns},
           "rows": rows}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def to_parquet(df: pd.DataFrame) -> bytes:
    import io
    buf = io.BytesIO()
    df.to_parquet(buf, index=False, engine="pyarrow")
    return buf.getvalue()


def _md_cell(v) -> str:
    v = _json_value(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else ""
    if isinstance(v, int):
        return f"{v:,}".replace(",", " ")
    if isinstance(v, float):
        return f"{v:.6f}" if abs(v) < 10 else f"{v:,.2f}".replace(",", " ")
    return str(v).replace("|", "\\|")


def markdown_table(df: pd.DataFrame) -> str:
    head = "| " + " | ".join(df.columns) + " |"
    sep = "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(df[c]) and df[c].dtype != bool
                         else "---" for c in df.columns) + "|"
    body = ["| " + " | ".join(_md_cell(v) for v in rec) + " |"
            for rec in df.itertuples(index=False, name=None)]
    return "\n".join([head, sep, *body])


def to_markdown(tables: Mapping[str, pd.DataFrame], title: str) -> bytes:
    parts = [f"# {title}", ""]
    for name, df in tables.items():
        parts += [f"## {name}", "", markdown_table(df), ""]
    return "\n".join(parts).encode("utf-8")


def render(tables: Mapping[str, pd.DataFrame], formats: Iterable[str],
           title: str = "solidarity") -> dict[str, bytes]:
    """File name -> content for every table in every format."""
    files: dict[str, bytes] = {}
    for fmt in formats:
        if fmt == "md":
            files["summary.md"] = to_markdown(tables, title)
            continue
        for name, df in tables.items():
            files[f"{name}.{fmt}"] = {"csv": lambda: to_csv(df), "json": lambda: to_json(name, df),
                                      "parquet": lambda: to_parquet(df)}[fmt]()
    return files


def write_atomic(files: Mapping[str, bytes], outdir: str | Path) -> list[Path]:
    """Write all files or none: each goes to a temporary file first, and the
    temporaries are renamed into place only once every one is complete."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    temps: list[tuple[str, Path]] = []
    try:
        for name, data in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=outdir)
            temps.append((name, Path(tmp)))  # registered first: removed if writing fails
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        written = []
        for name, tmp in temps:
            os.replace(tmp, outdir / name)
            written.append(outdir / name)
        return written
    finally:
        for _, tmp in temps:
            if tmp.exists():
                tmp.unlink()
