"""A run as one self-contained HTML page to circulate (``--format html``).

:func:`to_html` writes ``brief.html``: the scenario in a paragraph, key
figures, the pool's totals and thresholds, a table per state (fair share,
deduction, obligation, what it pledged by type, the source of its pledge,
what is unmet, the offsets it owes), the beneficiaries (need, received,
coverage), a crisis plan if there is one, the charts next to the tables
they illustrate, any other table given, and a footnote on the data
vintages and the verification (from ``meta``).

The page needs nothing else: the CSS is inline, the charts are embedded as
``data:`` URIs (SVG, or PNG when a chart comes only as PNG), nothing is
fetched. Numbers are right-aligned with a thin space between thousands
(U+202F, which does not break a number across lines).
Only the standard library is used; the same inputs give the same bytes.
"""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

import pandas as pd

from ..numbers import decimal, group, percent
from ..schema import KNOWN_CODES
from .tables import REGISTRY, flat

#: Between thousands: a thin space that does not break (U+202F, NARROW NO-BREAK SPACE).
THIN = "\u202f"
MINUS = "\u2212"
TYPE_NAMES = {"relocation": "Relocations", "financial": "Financial contributions",
              "alternative": "Alternative measures"}

#: Readable names of the pool's items (others: the item with spaces).
POOL_ITEMS = {
    "pool_value": "Pool, EUR (F)",
    "pool_relocations": "Pool in persons (R)",
    "equivalence_eur": "Value of one relocation (e)",
    "proposal_relocations": "Commission proposal, relocations",
    "proposal_financial_eur": "Commission proposal, financial",
    "deductions": "Deductions",
    "obligations": "Obligations after deductions",
    "pledged_value": "Value pledged",
    "assumed_value": "of which assumed (model's choice)",
    "relocation_pledged": "Relocations pledged",
    "relocation_received": "Relocations received",
    "financial_pledged": "Financial contributions pledged",
    "financial_received": "Financial contributions received",
    "alternative_pledged": "Alternative measures pledged",
    "alternative_received": "Alternative measures received",
    "third_country_eur": "of the money, earmarked for third countries (Art 64)",
    "sar_target": "Search-and-rescue target",
    "art63_1_voluntary_offsets": "Voluntary offsets (Art 63(1))",
    "art63_3a_needs_threshold": "Needs threshold (Art 63(3)(a))",
    "art63_3b_reference_threshold": "Reference threshold (Art 63(3)(b))",
    "art63_3_mandatory_offsets": "Mandatory offsets (Art 63(3))",
}

#: Which section each chart of :mod:`solidarity.outputs.charts` illustrates.
_CHART_SECTION = {"obligations": "states", "offsets": "states", "beneficiaries": "beneficiaries",
                  "flows": "beneficiaries", "crisis": "crisis"}

CSS = """
:root { --ink: #1d2433; --muted: #5b6475; --rule: #d8dde6; --band: #f4f6f9; --accent: #0b4f8a;
        --warn: #b3401a; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff;
       font: 15px/1.5 "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 32px 48px; }
header { border-bottom: 3px solid var(--accent); margin-bottom: 8px; padding-bottom: 12px; }
.kicker { margin: 0; color: var(--accent); font-size: 12.5px; letter-spacing: .06em; text-transform: uppercase;
          font-weight: 600; }
h1 { font-size: 28px; line-height: 1.2; margin: 4px 0 0; }
h2 { font-size: 19px; margin: 36px 0 6px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
h3 { font-size: 15.5px; margin: 22px 0 6px; }
p { margin: 6px 0 10px; }
.lead { font-size: 16.5px; line-height: 1.55; max-width: 70em; margin-top: 16px; }
.note { color: var(--muted); font-size: 13.5px; max-width: 75em; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(165px, 1fr)); gap: 10px; margin: 18px 0 4px; }
.card { background: var(--band); border-left: 4px solid var(--accent); padding: 9px 12px; }
.card .v { font-size: 19px; font-weight: 650; font-variant-numeric: tabular-nums; white-space: nowrap; }
.card .l { color: var(--muted); font-size: 13px; line-height: 1.35; }
.card.warn { border-left-color: var(--warn); }
.card.warn .v { color: var(--warn); }
.scroll { overflow-x: auto; margin: 8px 0 4px; }
table { border-collapse: collapse; font-size: 13.5px; width: 100%; }
caption { text-align: left; color: var(--muted); font-size: 13px; padding: 0 0 6px; caption-side: top; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--rule); vertical-align: top; text-align: left; }
thead th { background: var(--band); border-bottom: 2px solid #aab3c2; font-weight: 600; vertical-align: bottom;
           line-height: 1.25; }
thead th .u { display: block; font-weight: 400; color: var(--muted); font-size: 12px; }
tbody tr:nth-child(even) td, tbody tr:nth-child(even) th { background: #fafbfc; }
tbody th { text-align: left; font-weight: 500; white-space: nowrap; }
tfoot td { border-top: 2px solid #aab3c2; border-bottom: none; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.t { white-space: nowrap; }
td.rule { color: var(--muted); font-size: 12.5px; min-width: 18em; }
td.item { min-width: 13em; }
thead tr.group th { background: #fff; border-bottom: 1px solid #aab3c2; text-align: center; font-size: 12.5px;
                    color: var(--muted); }
thead tr.group th:empty { border-bottom: none; }
th.sep, td.sep { border-left: 1px solid var(--rule); }
td.warn { color: var(--warn); font-weight: 600; }
td.zero { color: #9aa2b1; }
.src { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; line-height: 18px;
       border: 1px solid transparent; }
.src.recorded { background: var(--ink); color: #fff; }
.src.stated { border-color: var(--ink); }
.src.assumed { background: #e7e9ee; color: var(--muted); font-style: italic; }
.status { font-size: 12.5px; }
figure { margin: 18px 0 8px; }
figure img { display: block; width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
footer { margin-top: 40px; padding-top: 10px; border-top: 1px solid var(--rule); font-size: 13px;
         color: var(--muted); }
footer dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 6px 0 10px; }
footer dt { font-weight: 600; color: var(--ink); }
footer dd { margin: 0; overflow-wrap: anywhere; }
details { margin-top: 10px; }
summary { cursor: pointer; color: var(--accent); }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, tr, .card { break-inside: avoid; }
  .scroll { overflow: visible; }
  details { display: none; }
  @page { size: A4; margin: 14mm 12mm; }
}
"""


# --- formatting ---------------------------------------------------------------------

def esc(v: Any) -> str:
    return html.escape(str(v), quote=True)


def num(v: Any) -> str:
    """A whole number with thin spaces between thousands, a true minus sign."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    return group(v, THIN, MINUS)


def pct(v: Any, digits: int = 1) -> str:
    """A fraction as a percentage (``0.2121`` -> ``21.2 %``)."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    return percent(v, digits, THIN, THIN).replace("-", MINUS)


def fmt(v: Any, dtype: str, unit: str = "") -> str:
    """A cell by its registry type and unit."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    if dtype == "bool":
        return "yes" if bool(v) else ""
    if dtype in ("int", "Int"):
        return str(int(v)) if unit == "year" else num(v)
    if dtype == "float":
        if unit == "fraction":
            return pct(v, 2)
        return decimal(v, 2, THIN, MINUS)
    return str(v)


def _keep_numbers(text: str) -> str:
    """Spaces between groups of thousands become U+202F, so that a number in
    running text does not break across lines."""
    return re.sub(r"(?<=\d)[ \u2009](?=\d{3}(?!\d))", THIN, text)


def state(geo: str) -> str:
    name = KNOWN_CODES.get(str(geo))
    return f"{name} ({geo})" if name else str(geo)


def _th(label: str, unit: str = "", numeric: bool = False) -> str:
    u = f'<span class="u">{esc(unit)}</span>' if unit else ""
    cls = ' class="n"' if numeric else ""
    return f'<th scope="col"{cls}>{esc(label)}{u}</th>'


def _td(text: str, cls: str = "", raw: bool = False) -> str:
    body = text if raw else esc(text)
    return f'<td class="{cls}">{body}</td>' if cls else f"<td>{body}</td>"


def _table(head: list[str], rows: list[list[str]], foot: list[str] | None = None, caption: str = "",
           ident: str = "") -> str:
    out = ['<div class="scroll"><table' + (f' id="{esc(ident)}"' if ident else "") + ">"]
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append("<thead><tr>" + "".join(head) + "</tr></thead><tbody>")
    out += ["<tr>" + "".join(r) + "</tr>" for r in rows]
    out.append("</tbody>")
    if foot:
        out.append("<tfoot><tr>" + "".join(foot) + "</tr></tfoot>")
    out.append("</table></div>")
    return "\n".join(out)


def _ncell(v: Any, warn: bool = False) -> str:
    text = num(v)
    cls = "n warn" if warn and v else ("n zero" if v == 0 else "n")
    return _td(text if v != 0 else "0", cls)


# --- sections ------------------------------------------------------------------------

def _meta(tables) -> dict[str, str]:
    m = tables.get("meta")
    return {} if m is None else {str(k): str(v) for k, v in m["value"].items()}


def _pool_amount(pool, item: str, col: str = "amount") -> int | None:
    if pool is None or item not in pool.index:
        return None
    v = pool.at[item, col]
    return None if v is pd.NA or v is None else int(v)


def _cards(tables) -> str:
    pool = tables.get("pool")
    if pool is None:
        return ""
    cards = []

    def card(value: str, label: str, warn: bool = False) -> None:
        cards.append(f'<div class="card{" warn" if warn else ""}"><div class="v">{value}</div>'
                     f'<div class="l">{label}</div></div>')

    a = lambda item, col="amount": _pool_amount(pool, item, col)
    if a("pool_value") is not None:
        card(f"EUR {num(a('pool_value'))}",
             f"the pool, or {num(a('pool_relocations'))} relocations at EUR {num(a('equivalence_eur'))} each")
    if a("obligations") is not None:
        card(f"EUR {num(a('obligations'))}", f"obligations after EUR {num(a('deductions'))} of deductions")
    if a("pledged_value") is not None:
        unmet = a("pledged_value", "shortfall") or 0
        card(f"EUR {num(a('pledged_value'))}",
             "pledged" + (f"; EUR {num(unmet)} of the obligations unmet" if unmet else "; every obligation met"),
             warn=bool(unmet))
    for typ, unit in (("relocation", ""), ("financial", "EUR "), ("alternative", "EUR ")):
        need = a(f"{typ}_received", "reference")
        if need:
            got = a(f"{typ}_received") or 0
            card(f"{pct(got / need, 0)}", f"of the {unit}{num(need)} {TYPE_NAMES[typ].lower()} needed "
                                          f"are received ({unit}{num(got)})", warn=got < need)
    if "art63_3_mandatory_offsets" in pool.index:
        row = pool.loc["art63_3_mandatory_offsets"]
        if row["status"] == "triggered":
            card(f"{num(row['amount'])} persons", f"mandatory offsets owed (Art 63(3)), of a gap of "
                                                  f"{num(row['reference'])}", warn=True)
        else:
            card("not triggered", "mandatory offsets (Art 63(3))")
    return '<div class="cards">' + "".join(cards) + "</div>" if cards else ""


def _pool_section(tables) -> str:
    pool = tables["pool"]
    rows = []
    for item, r in pool.iterrows():
        unit = str(r["unit"])
        name = POOL_ITEMS.get(str(item)) or (f"Crisis plan for {state(str(item)[12:])}"
                                             if str(item).startswith("crisis_plan_") else str(item).replace("_", " "))
        short = r["shortfall"]
        rows.append([f'<td class="item" title="{esc(item)}">{esc(name)}</td>', _td(unit, "t"),
                     _td(fmt(r["amount"], "Int"), "n"),
                     _td(fmt(r["reference"], "Int"), "n"),
                     _td(fmt(short, "Int"), "n warn" if short is not pd.NA and short else "n"),
                     _td(str(r["status"]), "status"), _td(str(r["rule"]), "rule")])
    head = [_th("Item"), _th("Unit"), _th("Amount", numeric=True), _th("Measured against", numeric=True),
            _th("Shortfall", numeric=True), _th("Status"), _th("Rule")]
    design = "design_states" in tables  # another design: its own totals, no pool in two units
    return ("<h2 id=\"pool\">" + ("The design's totals" if design else "The pool: totals and thresholds") + "</h2>"
            + _table(head, rows, caption="Amounts in EUR or persons, as the unit column says." + (
                "" if design else " The pool is one obligation in two units (R relocations or F EUR), "
                                  "not two amounts."))
            )


def _states_section(tables) -> str:
    ob, pl = tables["obligations"], tables["pledges"]
    shares, offsets = tables.get("shares"), tables.get("offsets")
    meta = _meta(tables)
    geos = sorted(ob.index, key=lambda g: (KNOWN_CODES.get(g, g), g))
    rate = _pool_amount(tables.get("pool"), "equivalence_eur")

    def units(g, t, col="units") -> int:
        return int(pl.at[(g, t), col]) if (g, t) in pl.index else 0

    head = [_th("State")]
    if shares is not None:
        head += [_th("Fair share", "EUR", True), _th("Deduction", "", True)]
    # Art 56(2)(b), Art 64: a column only where some money is earmarked for third countries
    third = "third_country_eur" in pl.columns and bool(pl["third_country_eur"].fillna(0).astype("int64").any())
    head += [_th("Obligation", "EUR", True), _th("Relocations", "persons", True),
             _th("Financial", "EUR", True)] + ([_th("of it, third countries", "EUR", True)] if third else []) + [
             _th("Alternative", "EUR", True), _th("Pledged value", "EUR", True), _th("Unmet", "EUR", True),
             _th("Source")]
    if offsets is not None:
        head.append(_th("Offsets owed", "persons", True))
    rows: list[list[str]] = []
    total: dict[str, int] = {}
    for g in geos:
        r = [f'<th scope="row">{esc(state(g))}</th>']
        vals = {}
        if shares is not None and g in shares.index:
            vals["fair"] = int(shares.at[g, "fair_share_eur"])
            d = float(shares.at[g, "deduction"])
            r += [_ncell(vals["fair"]), _td(pct(d, 0) if d else "", "n")]
        elif shares is not None:
            r += [_td(""), _td("")]
        vals |= {"obl": int(ob.at[g, "obligation_eur"]), "rel": units(g, "relocation"),
                 "fin": units(g, "financial")}
        if third:
            vals["third"] = units(g, "financial", "third_country_eur")
        vals |= {"alt": units(g, "alternative"), "val": int(ob.at[g, "pledged_value_eur"]),
                 "unmet": int(ob.at[g, "unmet_eur"])}
        r += [_ncell(vals[k]) for k in vals if k != "fair" and k != "unmet"] + [_ncell(vals["unmet"], warn=True)]
        src = str(ob.at[g, "source"])
        r.append(_td(f'<span class="src {esc(src)}">{esc(src)}</span>', raw=True))
        if offsets is not None:
            vals["off"] = int(offsets.at[g, "offset"]) if g in offsets.index else 0
            r.append(_ncell(vals["off"]))
        for k, v in vals.items():
            total[k] = total.get(k, 0) + v
        rows.append(r)
    foot = [_td("Total")]
    if shares is not None:
        foot += [_td(num(total.get("fair", 0)), "n"), _td("")]
    foot += [_td(num(total[k]), "n") for k in ("obl", "rel", "fin", "third", "alt", "val", "unmet")
             if k != "third" or third] + [_td("")]
    if offsets is not None:
        foot.append(_td(num(total.get("off", 0)), "n"))
    note = ("Pledged value counts relocations at EUR " + num(rate) + " each. " if rate else "")
    note += ("Source: <b>recorded</b> is the pledge in the Council act; <b>stated</b> is the state's own "
             "preference, floors or caps; <b>assumed</b> means the state stated nothing and the model chose "
             "its mix (each state has full discretion over the mix, Art 56).")
    if third:
        note += (" Of the money, the part earmarked for actions in or in relation to third countries "
                 "(Art 56(2)(b), Art 64) counts in the fair share and is not distributed to the benefitting "
                 "states.")
    if offsets is not None:
        note += (" Offsets owed are mandatory responsibility offsets (Art 63(3)), in addition to the pledges.")
    if meta.get("benefitting_states_deducted_by_default", "none") != "none":
        note += (" Benefitting states are fully deducted by default (Art 60(3)): "
                 + esc(meta["benefitting_states_deducted_by_default"]) + ".")
    return ("<h2 id=\"states\">Per state: obligation and pledges</h2>"
            + _table(head, rows, foot) + f'<p class="note">{note}</p>')


def _beneficiaries_section(tables) -> str:
    ben = tables["beneficiaries"].reset_index()
    benefs = list(dict.fromkeys(ben["beneficiary"]))
    types = [t for t in TYPE_NAMES if ((ben["type"] == t) & ((ben["need"] > 0) | (ben["received"] > 0))).any()]
    if not types:
        return ("<h2 id=\"beneficiaries\">Beneficiaries: needs and what they receive</h2>"
                '<p class="note">No needs were stated.</p>')
    by = ben.set_index(["beneficiary", "type"])
    group = ['<th scope="col"></th><th scope="col"></th>'] + [
        f'<th scope="colgroup" colspan="3" class="sep">{esc(TYPE_NAMES[t])}, '
        f'{"persons" if t == "relocation" else "EUR"}</th>' for t in types]
    head = [_th("Beneficiary"), _th("SAR")]
    for _ in types:
        head += [_th("Need", numeric=True).replace('class="n"', 'class="n sep"'), _th("Received", numeric=True),
                 _th("Coverage", numeric=True)]
    rows, tot = [], {t: [0, 0] for t in types}
    for b in benefs:
        sar = bool(by.loc[b]["sar"].iloc[0])
        r = [f'<th scope="row">{esc(state(b))}</th>', _td("yes" if sar else "")]
        for t in types:
            need, got = (int(by.at[(b, t), "need"]), int(by.at[(b, t), "received"])) if (b, t) in by.index else (0, 0)
            tot[t][0] += need
            tot[t][1] += got
            r += [_ncell(need).replace('class="n', 'class="sep n'), _ncell(got),
                  _td(pct(got / need, 1) if need else "", "n")]
        rows.append(r)
    foot = [_td("Total"), _td("")]
    for t in types:
        need, got = tot[t]
        foot += [_td(num(need), "sep n"), _td(num(got), "n"), _td(pct(got / need, 1) if need else "", "n")]
    table = _table(head, rows, foot).replace("<thead><tr>", "<thead><tr class=\"group\">" + "".join(group)
                                             + "</tr><tr>", 1)
    return ("<h2 id=\"beneficiaries\">Beneficiaries: needs and what they receive</h2>" + table
            + '<p class="note">Needs by type as stated in the scenario; coverage is received / need. '
              "Contributions are distributed among the benefitting states in a balanced way (Art 60(2)), "
              "every contributor called on for the same share of its pledge. SAR: a state with recurring "
              "search-and-rescue disembarkations (Art 57(2)).</p>")


def _crisis_section(tables) -> str:
    cr = tables["crisis"].reset_index()
    cr = cr.iloc[sorted(range(len(cr)), key=lambda i: (KNOWN_CODES.get(cr["geo"].iloc[i], cr["geo"].iloc[i]),
                                                        cr["geo"].iloc[i]))]
    cols = [("from_unallocated", "Pledges not allocated"), ("additional", "Additional pledges"),
            ("within_fair_share", "Offsets within fair share"), ("above_fair_share", "Offsets above fair share"),
            ("total", "Total"), ("credit_eur", "Credit earned")]
    rows = []
    for _, r in cr.iterrows():
        if int(r["total"]) == 0 and int(r["credit_eur"]) == 0:
            continue
        rows.append([f'<th scope="row">{esc(state(r["geo"]))}</th>']
                    + [_ncell(int(r[c])) for c, _ in cols])
    head = [_th("State")] + [_th(lab, "EUR" if c == "credit_eur" else "persons", True) for c, lab in cols]
    foot = [_td("Total")] + [_td(num(int(cr[c].sum())), "n") for c, _ in cols]
    out = "<h2 id=\"crisis\">Crisis: the Solidarity Response Plan</h2>" + _table(head, rows, foot)
    credits = tables.get("credits")
    if credits is not None and len(credits):
        c = credits.reset_index()
        crow = [[f'<th scope="row">{esc(state(r["geo"]))}</th>', _td(str(int(r["year"])), "n"),
                 _ncell(int(r["credit_eur"]))] for _, r in c.iterrows()]
        out += "<h3>Credits against later obligations</h3>" + _table(
            [_th("State"), _th("Year", numeric=True), _th("Credit", "EUR", True)], crow)
    out += ('<p class="note">The plan takes first the relocation pledges not allocated, then additional '
            "pledges, then mandatory offsets pro rata to the key (CR Art 8, 9); offsets above a state's "
            "fair share are credited against its later obligations.</p>")
    return out


def generic_table(name: str, df: pd.DataFrame) -> str:
    """Any table, flat, with the registry's units in the header."""
    out = flat(name, df)
    spec = REGISTRY.get(name)
    info = {c.name: c for c in spec.columns} if spec else {}

    def kind(c) -> tuple[str, str]:
        if c in info:
            return info[c].dtype, info[c].unit
        s = out[c]
        if pd.api.types.is_bool_dtype(s):
            return "bool", ""
        if pd.api.types.is_integer_dtype(s):
            return ("int", "year") if c == "year" else ("int", "")
        if pd.api.types.is_float_dtype(s):
            return "float", ""
        return "str", ""

    kinds = {c: kind(c) for c in out.columns}
    numeric = {c: k[0] in ("int", "Int", "float") for c, k in kinds.items()}
    head = [_th(str(c), kinds[c][1] if kinds[c][1] in ("EUR", "persons", "million EUR", "fraction")
                else "", numeric[c]).replace("_", "_<wbr>") for c in out.columns]
    rows = []
    for rec in out.itertuples(index=False, name=None):
        rows.append([_td(fmt(v, *kinds[c]), "n" if numeric[c] else "") for c, v in zip(out.columns, rec)])
    doc = spec.doc if spec else ""
    return f'<h2 id="t-{esc(name)}">{esc(name)}</h2>' + _table(head, rows, caption=doc)


def _figure(stem: str, charts: Mapping[str, bytes], done: set[str]) -> str:
    """A chart as an embedded image: the SVG if there is one, else the PNG."""
    if stem in done:
        return ""
    for ext, mime in (("svg", "image/svg+xml"), ("png", "image/png")):  # noqa: B007 - used after the loop
        data = charts.get(f"{stem}.{ext}")
        if data is not None:
            break
    else:
        return ""
    done.add(stem)
    try:
        from .charts import CAPTIONS
    except ImportError:  # pragma: no cover - charts.py is part of the package
        CAPTIONS = {}
    caption = CAPTIONS.get(stem) or stem.replace("_", " ")
    uri = f"data:{mime};base64," + base64.b64encode(data).decode("ascii")
    return (f'<figure id="chart-{esc(stem)}"><img src="{uri}" alt="{esc(caption)}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def _stems(charts: Mapping[str, bytes]) -> list[str]:
    out = []
    for name in charts:
        p = PurePosixPath(name)
        if p.suffix.lower() in (".svg", ".png") and p.stem not in out:
            out.append(p.stem)
    return out


def _footer(tables) -> str:
    m = _meta(tables)
    if not m:
        return ""
    rows = [("Scenario", (f"{m.get('scenario', '')} ({m.get('scenario_year', '')}), file "
                          f"{m.get('scenario_file', '')}, SHA-256 {m.get('scenario_sha256', '')}")),
            ("Overrides (--set, --variant)", m.get("overrides", "")),
            ("Population", m.get("population", "")), ("GDP", m.get("gdp", "")),
            ("Distribution key", m.get("key_weights", "")),
            ("Participants", m.get("participants", "")),
            ("Solver", f"{m.get('solver', '')} ({m.get('solver_version', '')}), status {m.get('status', '')}"
             if "solver" in m else ""),
            ("Verification", ("passed: an independent verifier re-derived every rule from the scenario, "
                              "the data and these tables, in exact integer and rational arithmetic, "
                              "and found the outcomes as reported")
             if m.get("verification") == "passed" else m.get("verification", "")),
            ("Software", m.get("package", ""))]
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows if v and v.strip(" ,()"))
    params = [(k[6:], v) for k, v in m.items() if k.startswith("param_")]
    plist = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in params)
    allm = "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in m.items())
    return ("<footer><p><b>Data vintages and verification.</b> Every number on this page comes from one "
            "run of the scenario below. The fair shares rest on the population and GDP figures named here: "
            "a later Eurostat release changes them.</p>"
            f"<dl>{dl}</dl>"
            + (f"<p><b>Parameters</b></p><dl>{plist}</dl>" if plist else "")
            + f"<details><summary>Full provenance (the meta table)</summary><table>{allm}</table></details>"
            "</footer>")


def _design_acts(tables: Mapping[str, pd.DataFrame]) -> str:
    """The acts of a design's run, briefly (its meta names the design), else ''."""
    from ..schema import Design

    if "design_states" not in tables or "meta" not in tables or "design" not in tables["meta"].index:
        return ""
    try:
        return Design(str(tables["meta"].at["design", "value"])).acts
    except ValueError:
        return ""


def to_html(tables: Mapping[str, pd.DataFrame], title: str = "solidarity", intro: str = "",
            charts: Mapping[str, bytes] | None = None) -> bytes:
    """One self-contained HTML page (UTF-8 bytes); see the module's docstring.

    ``tables``: name -> table as in ``Result.tables`` (any subset; tables
    without a section of their own are shown as they are); ``charts``: file
    name -> PNG or SVG bytes, e.g. :func:`solidarity.outputs.charts.run_charts`.
    """
    charts = charts or {}
    stems = _stems(charts)
    done: set[str] = set()
    used: set[str] = set()

    def figs(section: str) -> str:
        return "".join(_figure(s, charts, done) for s in stems if _CHART_SECTION.get(s) == section)

    acts = _design_acts(tables)
    kicker = f"Another solidarity design · {acts}" if acts else "EU Annual Solidarity Pool · Regulation (EU) 2024/1351"
    body = [(f'<header><p class="kicker">{esc(kicker)}</p>'
             f"<h1>{esc(title)}</h1>")]
    if intro:
        body += [f'<p class="lead" id="intro">{esc(_keep_numbers(intro))}</p>']
    body.append("</header>")
    body.append(_cards(tables))
    if "pool" in tables:
        body.append(_pool_section(tables))
        used.add("pool")
    if "obligations" in tables and "pledges" in tables:
        body.append(_states_section(tables) + figs("states"))
        used |= {"obligations", "pledges", "offsets", "shares"}
    if "beneficiaries" in tables:
        body.append(_beneficiaries_section(tables) + figs("beneficiaries"))
        used |= {"beneficiaries", "flows"}
    if "crisis" in tables and len(tables["crisis"]):
        body.append(_crisis_section(tables) + figs("crisis"))
        used |= {"crisis", "credits"}
    rest = [s for s in stems if s not in done]
    if rest:
        body.append('<h2 id="charts">Charts</h2>' + "".join(_figure(s, charts, done) for s in rest))
    used.add("meta")
    others = [n for n in tables if n not in used]
    for name in others:
        body.append(generic_table(name, tables[name]))
    body.append(_footer(tables))
    page = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(b for b in body if b) + "\n</main>\n</body>\n</html>\n")
    return page.encode("utf-8")

