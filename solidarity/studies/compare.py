"""Several runs side by side: what changed in the inputs and in the results.

:func:`compare` takes two or more :class:`~solidarity.pipeline.Result`
objects; the first is the base. It returns a :class:`Comparison` of three
tidy tables, registered in :mod:`solidarity.outputs.tables`:

``compare_inputs``  key paths of the effective scenario documents whose value
                    differs from the base's (old -> new);
``compare_states``  per state, item and scenario: key share, fair share (EUR
                    and persons), deduction, obligation, pledges by type and
                    by source, unmet, offsets and, for beneficiaries, what
                    they receive, with deltas against the base;
``compare_pool``    the pool table's items likewise.

Every number is read from the runs' tables; deltas are plain subtractions.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..outputs.summary import num
from ..outputs.tables import Column, TableSpec, frame, register
from ..schema import GEO, KNOWN_CODES, TYPES

SCENARIO = "scenario"

_c = Column
_DELTA_REL = _c("delta_relative", "float", "fraction", "delta / the base scenario's value (0 on the base "
                "row; empty where the base value is 0 and this one is not, or either is empty)")
_CHANGED = _c("changed", "bool", "flag", "true on every row of a group whose values differ between "
              "the scenarios (what --changed-only keeps)")

INPUTS = register(TableSpec("compare_inputs", "input differences: key paths of the effective scenario "
                            "documents whose value differs from the base scenario's", ("path", SCENARIO), (
    _c("path", "str", "text", "key path in the effective scenario document, e.g. pool.relocations"),
    _c(SCENARIO, "str", "text", "label of the scenario compared with the base (the first)"),
    _c("old", "str", "text", "value in the base scenario, as TOML (empty: not set)"),
    _c("new", "str", "text", "value in this scenario, as TOML (empty: not set)"),
    _c("change", "str", "text", "changed, added (not set in the base) or removed (not set here)"),
)))

STATES = register(TableSpec("compare_states", "per state, item and scenario: the value and its change "
                            "against the base scenario (the first)", (GEO, "item", SCENARIO), (
    _c(GEO, "str", "code", "Eurostat country code"),
    _c("item", "str", "text", "what is compared (see the item list in solidarity.studies.compare.ITEMS)"),
    _c(SCENARIO, "str", "text", "scenario label; the first is the base"),
    _c("unit", "str", "text", "EUR, persons or fraction"),
    _c("amount", "Int", "unit", "the whole number (EUR or persons); empty for a fraction, or where the "
       "state is not a participant in that scenario"),
    _c("fraction", "float", "fraction", "the value of a fraction item (key_share); empty otherwise"),
    _c("delta", "Int", "unit", "amount minus the base scenario's amount (empty if either is empty)"),
    _c("delta_fraction", "float", "fraction", "fraction minus the base scenario's fraction"),
    _DELTA_REL, _CHANGED,
)))

POOL = register(TableSpec("compare_pool", "the pool's items per scenario, with their change against "
                          "the base scenario (the first)", ("item", SCENARIO), (
    _c("item", "str", "text", "pool item (as in the pool table)"),
    _c(SCENARIO, "str", "text", "scenario label; the first is the base"),
    _c("unit", "str", "text", "persons or EUR"),
    _c("amount", "Int", "unit", "the pool table's amount (empty: the item is not in that run)"),
    _c("reference", "Int", "unit", "the pool table's reference (threshold, need, obligation...)"),
    _c("status", "str", "text", "the pool table's status (open/closed, triggered...)"),
    _c("delta", "Int", "unit", "amount minus the base scenario's amount"),
    _DELTA_REL, _CHANGED,
)))

#: Items of ``compare_states``: name -> (unit, label in the text answer).
ITEMS: dict[str, tuple[str, str]] = {
    "key_share": ("fraction", "key share"),
    "fair_share_eur": ("EUR", "fair share"),
    "fair_share_relocations": ("persons", "fair share"),
    "deduction_eur": ("EUR", "deduction"),
    "obligation_eur": ("EUR", "obligation"),
    "pledged_relocations": ("persons", "relocations pledged"),
    "pledged_financial_eur": ("EUR", "money pledged"),
    "third_country_eur": ("EUR", "  of which for third countries, Art 64"),
    "pledged_alternative_eur": ("EUR", "alternative measures pledged"),
    "pledged_value_eur": ("EUR", "value pledged"),
    "recorded_eur": ("EUR", "  of which recorded"),
    "stated_eur": ("EUR", "  of which stated"),
    "assumed_eur": ("EUR", "  of which assumed"),
    "unmet_eur": ("EUR", "unmet"),
    "offsets": ("persons", "offsets owed, Art 63"),
    "received_relocations": ("persons", "relocations received"),
    "received_financial_eur": ("EUR", "money received"),
    "received_alternative_eur": ("EUR", "alternative measures received"),
}
_RECEIVED = tuple(k for k in ITEMS if k.startswith("received_"))


@dataclass(frozen=True, eq=False)
class Comparison:
    """Runs side by side; the first is the base.

    Attributes
    ----------
    labels : one unique label per run (the scenario file's stem by default).
    inputs, states, pool : the ``compare_inputs``, ``compare_states`` and
        ``compare_pool`` tables, indexed by their primary keys.
    names : label -> scenario name (for the text answer).
    """

    labels: tuple[str, ...]
    inputs: pd.DataFrame
    states: pd.DataFrame
    pool: pd.DataFrame
    names: Mapping[str, str] = field(default_factory=dict)
    #: label -> the design the run used (``ammr`` for the adopted Pact)
    designs: Mapping[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return self.labels[0]

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The three tables by registered name, for the writers."""
        return {INPUTS.name: self.inputs, STATES.name: self.states, POOL.name: self.pool}

    def changed_only(self) -> Comparison:
        """The same comparison keeping only the groups whose values differ."""
        return replace(self, states=self.states[self.states["changed"]],
                       pool=self.pool[self.pool["changed"]])

    def changed_states(self) -> list[str]:
        """Codes of the states with at least one item that differs."""
        s = self.states
        return sorted(set(s.index.get_level_values(GEO)[s["changed"].to_numpy()]))

    def deltas(self, changed_only: bool = True) -> pd.DataFrame:
        """The states table in long form for :func:`solidarity.outputs.charts.compare_charts`:
        columns ``geo, metric, label, unit, value, delta`` (delta empty on
        the base rows); fractions as fractions. ``changed_only`` keeps the
        items that differ somewhere."""
        s = self.states[self.states["changed"]] if changed_only else self.states
        d = s.reset_index()
        frac = d["unit"] == "fraction"
        out = pd.DataFrame({
            "geo": d[GEO], "metric": d["item"], "label": d[SCENARIO], "unit": d["unit"],
            "value": d["amount"].astype("Float64").where(~frac, d["fraction"]),
            "delta": d["delta"].astype("Float64").where(~frac, d["delta_fraction"])})
        out.loc[out["label"] == self.base, "delta"] = pd.NA
        return out

    def text(self, changed_only: bool = False) -> str:
        """The readable answer: input differences, states that changed, pool totals."""
        return render(self, changed_only)

    def __repr__(self) -> str:
        changed = self.changed_states()
        return (f"<Comparison of {len(self.labels)} runs, base {self.base!r} against "
                f"{', '.join(map(repr, self.labels[1:]))}: {len(changed)} states changed; "
                f"tables {', '.join(self.tables)}; .text() for the text>")

    def _repr_html_(self) -> str:
        from ..outputs.notebook import block

        changed = self.changed_states()
        pool = self.pool[self.pool["changed"]]
        return block(f"Comparison: {self.base} against {', '.join(self.labels[1:])}",
                     [f"{len(changed)} states changed" + (f": {', '.join(changed)}." if changed else ".")],
                     {POOL.name: pool} if len(pool) else {},
                     details={"What changed, in words": render(self, changed_only=True)},
                     hint=".text() for plain text; .inputs, .states, .pool for the tables; "
                          ".changed_only() keeps what differs")


def compare(results: Sequence, labels: Sequence[str] | None = None) -> Comparison:
    """Compare runs; the first is the base.

    Parameters
    ----------
    results : two or more :class:`~solidarity.pipeline.Result`.
    labels : one label per run (default: scenario file stems, made unique).

    Returns
    -------
    Comparison

    Raises
    ------
    ValueError : fewer than two runs, or labels not one per run and unique.
    """
    results = list(results)
    if len(results) < 2:
        raise ValueError("compare needs at least two runs")
    labels = _labels(results) if labels is None else [str(x) for x in labels]
    if len(labels) != len(results) or len(set(labels)) != len(labels):
        raise ValueError(f"labels must be unique, one per run: {labels!r}")
    return Comparison(labels=tuple(labels), inputs=_inputs(results, labels),
                      states=_states(results, labels), pool=_pool(results, labels),
                      names={lab: r.scenario.name for lab, r in zip(labels, results)},
                      designs={lab: r.scenario.design.value for lab, r in zip(labels, results)})


def _labels(results) -> list[str]:
    out: list[str] = []
    for r in results:
        path = str(r.scenario.path)
        base = Path(path).stem if path and not path.startswith("<") else r.scenario.name
        label, k = base, 2
        while label in out:
            label, k = f"{base} ({k})", k + 1
        out.append(label)
    return out


# --- inputs ------------------------------------------------------------------

_BARE = re.compile(r"[A-Za-z0-9_-]+\Z")
_ABSENT = object()


def flatten(doc: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Key path -> value for every value of a nested document; an empty
    table is a value of its own (``{}``)."""
    out: dict[str, Any] = {}
    for k, v in doc.items():
        key = str(k) if _BARE.match(str(k)) else json.dumps(str(k), ensure_ascii=False)
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(v, Mapping) and v:
            out.update(flatten(v, path))
        else:
            out[path] = v
    return out


def toml_value(v: Any) -> str:
    """One value in TOML syntax (as ``--set`` takes it)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + "}"
    return str(v)


def _same(a: Any, b: Any) -> bool:
    """Equal as TOML values: 1 and 1.0, true and 1 differ."""
    return type(a) is type(b) and a == b if not isinstance(a, (list, tuple, Mapping)) else (
        toml_value(a) == toml_value(b))


def _inputs(results, labels) -> pd.DataFrame:
    docs = [flatten(r.scenario.document) for r in results]
    paths = list(dict.fromkeys(p for d in docs for p in d))
    base = docs[0]
    rows = []
    for path in paths:
        old = base.get(path, _ABSENT)
        for lab, d in zip(labels[1:], docs[1:]):
            new = d.get(path, _ABSENT)
            if old is _ABSENT and new is _ABSENT or (old is not _ABSENT and new is not _ABSENT
                                                     and _same(old, new)):
                continue
            change = "added" if old is _ABSENT else "removed" if new is _ABSENT else "changed"
            rows.append({"path": path, SCENARIO: lab, "change": change,
                         "old": "" if old is _ABSENT else toml_value(old),
                         "new": "" if new is _ABSENT else toml_value(new)})
    return frame(INPUTS.name, rows)


# --- states and pool -------------------------------------------------------------

#: The items a design other than the Pact fills, from its ``design_states`` table:
#: item -> column. Same measure, same row: the persons a state is asked to take
#: in sit beside the Pact's fair share in persons, and so on.
DESIGN_ITEMS = {"key_share": "key_share", "fair_share_relocations": "persons",
                "received_relocations": "relocated_from", "pledged_financial_eur": "pays_eur",
                "received_financial_eur": "receives_eur"}


#: What each of :data:`DESIGN_ITEMS` means when designs sit side by side (chart titles).
DESIGN_LABELS = {"key_share": "key share",
                 "fair_share_relocations": "persons a state takes in (the Pact: its fair share in persons)",
                 "received_relocations": "persons relocated from a state (the Pact: relocations received)",
                 "pledged_financial_eur": "money a state pays (the Pact: money pledged)",
                 "received_financial_eur": "money a state receives"}


def _design_values(res) -> dict[str, dict[str, int | float | None]]:
    """Per state of a design's run, the items it has (see :data:`DESIGN_ITEMS`)."""
    out: dict[str, dict[str, int | float | None]] = {}
    for g, row in res.tables["design_states"].iterrows():
        v: dict[str, int | float | None] = {}
        for item, col in DESIGN_ITEMS.items():
            x = row[col]
            v[item] = None if pd.isna(x) else float(x) if ITEMS[item][0] == "fraction" else int(x)
        out[str(g)] = v
    return out


def _beneficiaries(res) -> set[str]:
    if "design_states" in res.tables:
        st = res.tables["design_states"]
        return set(st.index[(st["role"] == "beneficiary") | st["relocated_from"].fillna(0).gt(0)])
    return set(res.inputs.beneficiaries)


def state_values(res) -> dict[str, dict[str, int | float | None]]:
    """Per participant, every item of ``compare_states`` read from a run's tables
    (a design's run: the items it has, None where it has no such number)."""
    if "design_states" in res.tables:
        return _design_values(res)
    t = res.tables
    sh, ob, pl, off, be = t["shares"], t["obligations"], t["pledges"], t["offsets"], t["beneficiaries"]
    benef = set(res.inputs.beneficiaries)
    # Art 56(2)(b), Art 64: only a run that earmarks money has the item, so
    # that comparisons of runs without earmarks stay as they were
    earmarks = "third_country_eur" in pl.columns and bool(pl["third_country_eur"].fillna(0).astype("int64").any())
    out = {}
    for g in sh.index:
        v: dict[str, int | float | None] = {"key_share": float(sh.at[g, "key_share"])}
        for col in ("fair_share_eur", "fair_share_relocations", "deduction_eur", "obligation_eur"):
            v[col] = int(sh.at[g, col])
        mine = pl.xs(g, level=GEO)
        for typ in TYPES:
            v[f"pledged_{typ.toml_key}"] = int(mine.at[typ.value, "units"])
        v["third_country_eur"] = int(mine.at["financial", "third_country_eur"]) if earmarks else None
        v["pledged_value_eur"] = int(ob.at[g, "pledged_value_eur"])
        for src in ("recorded", "stated", "assumed"):
            v[f"{src}_eur"] = int(mine.loc[mine["source"] == src, "value_eur"].sum())
        v["unmet_eur"] = int(ob.at[g, "unmet_eur"])
        v["offsets"] = int(off.at[g, "offset"]) if g in off.index else 0
        for typ in TYPES:
            v[f"received_{typ.toml_key}"] = int(be.at[(g, typ.value), "received"]) if g in benef else 0
        out[g] = v
    return out


def _equal(a, b) -> bool:
    """Equal amounts; key shares equal to 12 decimals (two designs may sum the
    same weighted shares in another order: 1e-16 apart is the same share)."""
    if isinstance(a, float) or isinstance(b, float):
        return abs(a - b) < 1e-12
    return bool(a == b)


def _delta_rows(values: list, labels) -> list[dict]:
    """Deltas of one group's values (None: missing) against the first."""
    base = values[0]
    present = [x for x in values if x is not None]
    changed = len(present) != len(values) or any(not _equal(x, present[0]) for x in present)
    rows = []
    for lab, x in zip(labels, values):
        d = None if x is None or base is None else 0 if _equal(x, base) else x - base
        rel = None if d is None else 0.0 if d == 0 else (d / base if base else None)
        rows.append({SCENARIO: lab, "value": x, "delta": d, "delta_relative": rel, "changed": changed})
    return rows


def _states(results, labels) -> pd.DataFrame:
    per = [state_values(r) for r in results]
    geos = sorted(set().union(*per))
    benef = set().union(*(_beneficiaries(r) for r in results))
    present = {item for p in per for v in p.values() for item, x in v.items() if x is not None}
    rows = []
    for g in geos:
        for item, (unit, _) in ITEMS.items():
            got = [p[g].get(item) if g in p else None for p in per]
            # what a beneficiary receives; under a design, a bound state may receive money too (a lump sum
            # per person it takes, a contribution paid for persons it takes instead of another)
            if item not in present or (item in _RECEIVED and g not in benef and not any(got)):
                continue
            for r in _delta_rows(got, labels):
                frac = unit == "fraction"
                rows.append({GEO: g, "item": item, SCENARIO: r[SCENARIO], "unit": unit,
                             "amount": None if frac else r["value"], "fraction": r["value"] if frac else None,
                             "delta": None if frac else r["delta"],
                             "delta_fraction": r["delta"] if frac else None,
                             "delta_relative": r["delta_relative"], "changed": r["changed"]})
    return frame(STATES.name, rows)


def _pool(results, labels) -> pd.DataFrame:
    pools = [r.tables["pool"] for r in results]
    items = list(dict.fromkeys(i for p in pools for i in p.index))
    rows = []
    for item in items:
        got = [p.loc[item] if item in p.index else None for p in pools]
        amounts = [None if x is None or pd.isna(x["amount"]) else int(x["amount"]) for x in got]
        refs = [None if x is None or pd.isna(x["reference"]) else int(x["reference"]) for x in got]
        status = ["" if x is None else str(x["status"]) for x in got]
        unit = next(str(x["unit"]) for x in got if x is not None)
        deltas = _delta_rows(amounts, labels)
        moved = len(set(refs)) > 1 or len(set(status)) > 1
        for d, ref, st in zip(deltas, refs, status):
            rows.append({"item": item, SCENARIO: d[SCENARIO], "unit": unit, "amount": d["value"],
                         "reference": ref, "status": st, "delta": d["delta"],
                         "delta_relative": d["delta_relative"], "changed": d["changed"] or moved})
    return frame(POOL.name, rows)


# --- the text answer ---------------------------------------------------------------

def _country(g: str) -> str:
    return KNOWN_CODES.get(g, g)


def _pct(x: float, places: int = 4) -> str:
    return f"{100 * x:.{places}f} %"


def _cell(unit: str, amount, fraction) -> str:
    if unit == "fraction":
        return "-" if fraction is None or pd.isna(fraction) else _pct(fraction)
    return "-" if amount is None or pd.isna(amount) else num(int(amount))


def _rel(x) -> str:
    if x is None or pd.isna(x):
        return ""
    p = 100 * float(x)
    return f"{p:+.1f} %" if abs(p) >= 0.1 or p == 0 else f"{p:+.2g} %"


def _change(unit: str, delta, dfrac, rel) -> str:
    if unit == "fraction":
        if dfrac is None or pd.isna(dfrac):
            return ""
        return "=" if dfrac == 0 else f"{100 * dfrac:+.4f} pp ({_rel(rel)})"
    if delta is None or pd.isna(delta):
        return ""
    d = int(delta)
    if d == 0:
        return "="
    return f"{'+' if d > 0 else '-'}{num(abs(d))}" + (f" ({_rel(rel)})" if _rel(rel) else "")


def _grid(rows: list, indent: str = "  ") -> list[str]:
    """Left-aligned first column, right-aligned others, two spaces apart;
    None is a blank line."""
    real = [r for r in rows if r is not None]
    widths = [max(len(r[k]) for r in real) for k in range(len(real[0]))]
    return ["" if r is None else (indent + "  ".join(
        c.ljust(w) if k == 0 else c.rjust(w) for k, (c, w) in enumerate(zip(r, widths)))).rstrip()
        for r in rows]


def _header(c: Comparison) -> list[str]:
    head = ["label"]
    for k, lab in enumerate(c.labels):
        head.append(lab + (" (base)" if k == 0 else ""))
        if k:
            head.append("change")
    return head


def render(c: Comparison, changed_only: bool = False) -> str:
    """Input differences, then the states that changed, then the pool totals.

    A state's items that are zero in every scenario are left out; with
    ``changed_only`` so are its unchanged items and the unchanged pool items.
    """
    lines = [f"Base: {c.base} ({c.names.get(c.base, c.base)}). Compared: "
             + "; ".join(f"{lab} ({c.names.get(lab, lab)})" for lab in c.labels[1:]) + "."]
    if len(set(c.designs.values())) > 1:
        lines.append("Designs: " + "; ".join(f"{lab}: {d}" for lab, d in c.designs.items()) + ". Each design's "
                     "numbers sit on the Pact's rows of the same measure: persons a design asks a state to take "
                     "in on 'fair share (persons)', persons taken from a state on 'relocations received', money "
                     "a state pays or receives on 'money pledged' and 'money received' ('-': no such number).")
    lines += _text_inputs(c) + _text_states(c, changed_only) + _text_pool(c, changed_only)
    return "\n".join(lines) + "\n"


def _text_inputs(c: Comparison) -> list[str]:
    lines: list[str] = []
    for lab in c.labels[1:]:
        diff = c.inputs[c.inputs.index.get_level_values(SCENARIO) == lab].reset_index()
        lines += ["", f"Input differences, {c.base} -> {lab}: {len(diff)}"]
        old_d, new_d = c.designs.get(c.base), c.designs.get(lab)
        if old_d != new_d:  # another design's file: its keys differ wholesale, listed in the table only
            lines.append(f"  another design ({old_d} -> {new_d}): every key path in the compare_inputs table")
            continue
        lines += [f"  {path}: {old or '(not set)'} -> {new or '(not set)'}"
                  for path, old, new in zip(diff["path"], diff["old"], diff["new"])]
        if diff.empty:
            lines.append("  none: the effective scenarios are the same")
    return lines


def _text_states(c: Comparison, changed_only: bool) -> list[str]:
    changed = c.changed_states()
    total = len(set(c.states.index.get_level_values(GEO)))
    head = _header(c)
    grid: list[list[str] | None] = [["", *head[1:]]]
    for g in changed:
        grid += [None, [f"{g} {_country(g)}"] + [""] * (len(head) - 1)]
        block = c.states.xs(g, level=GEO)
        for item in dict.fromkeys(block.index.get_level_values("item")):
            grp = block.xs(item, level="item")
            unit = str(grp["unit"].iloc[0])
            vals = grp["fraction" if unit == "fraction" else "amount"]
            if (changed_only and not grp["changed"].iloc[0]) or all(pd.isna(v) or v == 0 for v in vals):
                continue
            row = ["  " + ITEMS[str(item)][1] + (" (%)" if unit == "fraction" else f" ({unit})")]
            for k, lab in enumerate(c.labels):
                r = grp.loc[lab]
                row.append(_cell(unit, r["amount"], r["fraction"]))
                if k:
                    row.append(_change(unit, r["delta"], r["delta_fraction"], r["delta_relative"]))
            grid.append(row)
    return ["", f"States that changed: {len(changed)} of {total}", *(_grid(grid) if changed else ["  none"])]


def _text_pool(c: Comparison, changed_only: bool) -> list[str]:
    grid: list[list[str] | None] = [["item", *_header(c)[1:]]]
    for item in dict.fromkeys(c.pool.index.get_level_values("item")):
        grp = c.pool.xs(item, level="item")
        if changed_only and not grp["changed"].iloc[0]:
            continue
        unit = str(grp["unit"].iloc[0])
        row = [f"{item} ({unit})"]
        for k, lab in enumerate(c.labels):
            r = grp.loc[lab]
            cell = _cell(unit, r["amount"], None)
            if not pd.isna(r["reference"]):
                cell += f" of {num(int(r['reference']))}"
            if r["status"]:
                cell += f", {r['status']}"
            row.append(cell)
            if k:
                row.append(_change(unit, r["delta"], None, r["delta_relative"]))
        grid.append(row)
    return ["", "Pool totals" + (" that changed" if changed_only else ""),
            *(_grid(grid) if len(grid) > 1 else ["  none"])]


__all__ = [
    "INPUTS",
    "ITEMS",
    "POOL",
    "STATES",
    "Comparison",
    "compare",
    "flatten",
    "render",
    "state_values",
    "toml_value",
]
