"""Runner of the 2016 Dublin IV proposal (``[design] kind = "dublin-iv"``).

Loads the key's data (population and GDP of the participants, the states
bound) and the monthly applications (Eurostat ``migr_asyappctzm``), runs the
corrective allocation mechanism month by month (:mod:`solidarity.pact.dublin4`,
COM(2016) 270 Art 34-37), writes ``design_states``, ``dublin4_months``,
``pool`` and ``meta``, and has :mod:`solidarity.pact.verify_dublin4`
re-simulate the year in its own code.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pandas as pd

from .. import __version__
from ..errors import MISSING, InputError, Problem
from ..inputs.data import Indicator, data_dir, load_data
from ..inputs.design_dublin4 import Dublin4Settings, Window
from ..inputs.monthly import MonthlySeries, load_monthly, months_from, shift
from ..inputs.scenario import Scenario
from ..outputs.tables import Column, TableSpec, frame, register
from ..pact import dublin4 as law
from ..pact.apportionment import TIE_RULE
from ..schema import GEO, KNOWN_CODES
from . import DesignResult

ACTS = ("COM(2016) 270 final, proposal for a Regulation (recast of Dublin III, Regulation (EU) 604/2013), "
        "Chapter VII (Art 34-43 [article range unverified]): corrective allocation mechanism (not adopted)")

MONTHS = register(TableSpec(
    "dublin4_months", "Dublin IV corrective allocation (COM(2016) 270 Art 34-37), per state and month",
    (GEO, "month"), (
        Column(GEO, "str", "code", "Eurostat country code"),
        Column("month", "str", "text", "month simulated, YYYY-MM"),
        Column("lodged", "int", "persons", "first-time asylum applications lodged in the state in the month "
               "(Eurostat migr_asyappctzm)"),
        Column("responsible", "int", "persons", "applications the state is responsible for over the window "
               "(Art 34(3)), this month's lodged included, before this month's allocation: lodged minus "
               "allocated away plus allocated to it in earlier months"),
        Column("reference_number", "float", "persons", "key share x all applications lodged in the states "
               "bound over the window (Art 34(3)); exact value rounded to 2 decimals"),
        Column("share_of_reference_pct", "float", "fraction", "responsible / reference_number x 100"),
        Column("triggered", "bool", "flag", "above the trigger (150 %) of its reference number: new "
               "applications are allocated away (Art 34(2))"),
        Column("receiving", "bool", "flag", "below 100 % of its reference number: may receive (Art 36(1))"),
        Column("opted_out", "bool", "flag", "opted out for the 12 months (Art 37(1)): receives nobody"),
        Column("would_receive", "int", "persons", "persons the pro-rata share gives it before opt-outs "
               "(for a state that opted out: the basis of its contribution)"),
        Column("allocated_in", "int", "persons", "applicants allocated to it this month"),
        Column("allocated_out", "int", "persons", "applicants lodged in it allocated to other states"),
        Column("responsible_after", "int", "persons", "responsible - allocated_out + allocated_in"),
        Column("pays_eur", "int", "EUR", "solidarity contribution paid (Art 37(1), (3): EUR 250 000 x would_receive)"),
        Column("receives_eur", "int", "EUR", "solidarity contributions received for persons taken instead of "
               "a state that opted out (Art 37(1), (3))"),
    )))


def _participants_data(scenario: Scenario, data) -> tuple[Indicator, Indicator, dict[str, Fraction]]:
    population, gdp = data if data is not None else load_data(scenario)  # see inputs.design_dublin4.key_data
    pop, val = population.exact(), gdp.exact()
    parts = list(scenario.participants)
    return population, gdp, law.reference_key({g: pop[g] for g in parts}, {g: val[g] for g in parts})


def needed_months(s: Dublin4Settings) -> list[str]:
    """The months read: the window before the first month simulated, then the simulated months."""
    first = s.first_month
    start = shift(first, -11) if s.window is Window.ROLLING else f"{first[:4]}-01"
    n = (int(first[:4]) * 12 + int(first[5:7])) - (int(start[:4]) * 12 + int(start[5:7])) + s.months
    return months_from(start, n)


def _applications(scenario: Scenario, s: Dublin4Settings) -> MonthlySeries:
    path = None
    if s.applications_file is not None:
        from ..inputs.trust import refusal, roots

        base = Path(scenario.path).parent
        path = Path(s.applications_file)
        path = path if path.is_absolute() else base / path
        why = refusal(path, roots(base)) or (None if path.is_file() else "file not found")
        if why is not None:
            raise InputError(Problem(scenario.path, "design.applications_file", s.applications_file, why,
                                     "a tidy monthly CSV or a Eurostat download, relative to the scenario file"))
    return load_monthly(needed_months(s), scenario.participants, path, dict(s.applications_filters) or None)


def rules_of(s: Dublin4Settings) -> law.Rules:
    return law.Rules(trigger_percent=s.trigger_percent, receive_below_percent=s.receive_below_percent,
                     contribution_eur=s.contribution_eur, method=s.method, rolling=s.window is Window.ROLLING,
                     opt_out=s.opt_out)


def _rule(g: str, t: dict, s: Dublin4Settings) -> str:
    """The article that gave the state its numbers."""
    if g in s.opt_out:
        return ("Art 37(1), (3) COM(2016) 270: opted out for 12 months; receives nobody, pays "
                f"EUR {s.contribution_eur:_} per applicant it would have received".replace("_", " "))
    if t["allocated_out"] > 0:
        return (f"Art 34(2), 36 COM(2016) 270: above {s.trigger_percent} % of its reference number in "
                f"{int(t['months_triggered'])} month(s); new applications allocated to states below "
                f"{s.receive_below_percent} %")
    if t["allocated_in"] > 0:
        return (f"Art 36 COM(2016) 270: below {s.receive_below_percent} % of its reference number; "
                "received in proportion to the key (Art 35)")
    return (f"Art 34(2), 36 COM(2016) 270: neither above {s.trigger_percent} % nor receiving: keeps the "
            "applications lodged in it")


def states_table(scenario: Scenario, out: law.Outcome, s: Dublin4Settings) -> pd.DataFrame:
    tot = {str(g): r for g, r in out.totals().to_dict("index").items()}
    rows = []
    for g in sorted(out.key):
        t = tot[g]
        rows.append({GEO: g, "country": KNOWN_CODES.get(g, g),
                     "role": "beneficiary" if t["allocated_out"] > 0 else "bound",
                     "key_share": float(out.key[g]), "persons": int(t["allocated_in"]),
                     "relocated_from": int(t["allocated_out"]), "pays_eur": int(t["pays_eur"]),
                     "receives_eur": int(t["receives_eur"]), "rule": _rule(g, t, s)})
    return frame("design_states", rows)


def months_table(out: law.Outcome, s: Dublin4Settings) -> pd.DataFrame:
    m = out.monthly.reset_index()
    ref = m["reference"]
    return frame("dublin4_months", pd.DataFrame({
        GEO: m["geo"], "month": m["month"], "lodged": m["lodged"], "responsible": m["responsible"],
        "reference_number": [round(float(r), 2) for r in ref],
        "share_of_reference_pct": [round(float(Fraction(x) * 100 / r), 2) if r else 0.0
                                   for x, r in zip(m["responsible"], ref)],
        "triggered": m["triggered"], "receiving": m["eligible"], "opted_out": m["geo"].isin(s.opt_out),
        "would_receive": m["would_receive"], "allocated_in": m["allocated_in"],
        "allocated_out": m["allocated_out"], "responsible_after": m["responsible_after"],
        "pays_eur": m["pays_eur"], "receives_eur": m["receives_eur"]}))


def pool_table(out: law.Outcome, s: Dublin4Settings) -> pd.DataFrame:
    tot, m = out.totals(), out.monthly
    months = f"{out.months[0]} to {out.months[-1]}"
    rows = [
        {"item": "applications_lodged", "unit": "persons", "amount": int(tot["lodged"].sum()),
         "rule": f"Eurostat migr_asyappctzm, first-time applicants, states bound, {months}"},
        {"item": "allocated", "unit": "persons", "amount": int(tot["allocated_in"].sum()),
         "reference": int(tot["allocated_out"].sum()),
         "rule": "Art 36 COM(2016) 270: applicants allocated to states below "
                 f"{s.receive_below_percent} % (reference: allocated away; equal)"},
        {"item": "months_with_allocation", "unit": "months",
         "amount": int((m.groupby(level="month")["allocated_out"].sum() > 0).sum()), "reference": len(out.months),
         "rule": f"Art 34(2): some state above {s.trigger_percent} % of its reference number"},
        {"item": "contributions_paid", "unit": "EUR", "amount": int(tot["pays_eur"].sum()),
         "reference": int(tot["receives_eur"].sum()),
         "rule": f"Art 37(1), (3): EUR {s.contribution_eur} per applicant a state that opted out would have "
                 "received (reference: contributions received; equal)"},
    ]
    triggered = {str(g): int(n) for g, n in tot["months_triggered"].items()}
    for g in sorted(out.key):
        n = triggered[g]
        if n:
            rows.append({"item": f"months_triggered_{g}", "unit": "months", "amount": n,
                         "reference": len(out.months), "status": "triggered",
                         "rule": f"Art 34(2): {g} above {s.trigger_percent} % of its reference number"})
    for r in rows:
        r.setdefault("reference", None)
        r.setdefault("status", "")
        r["shortfall"] = None
    return frame("pool", rows)


def _where(ind: Indicator) -> str:
    """The file an indicator came from; a bundled file by its name (the same on every machine)."""
    path = Path(ind.path) if ind.path else None
    if path is not None and path.parent == data_dir().resolve():
        return f"bundled data/{path.name}"
    return ind.source


def meta_table(scenario: Scenario, population: Indicator, gdp: Indicator, apps: MonthlySeries,
               out: law.Outcome, s: Dublin4Settings) -> pd.DataFrame:
    items: list[tuple[str, object]] = [
        ("package", f"solidarity {__version__}"), ("design", scenario.design.value), ("design_acts", ACTS),
        ("scenario", scenario.name), ("scenario_year", scenario.year),
        ("scenario_file", Path(scenario.path).name), ("scenario_sha256", scenario.digest),
        ("participants", " ".join(scenario.participants)),
        ("population", f"{population.year}, {population.vintage} ({_where(population)})"),
        ("gdp", f"{gdp.year}, {gdp.vintage} ({_where(gdp)})"),
        ("applications", f"{apps.vintage} ({apps.source}, {apps.format}, sha256 {apps.sha256[:12]})"),
        ("applications_filters", ", ".join(f"{k}={v}" for k, v in apps.filters.items()) or
         "none (tidy file of first-time applicants)"),
        ("months_simulated", f"{out.months[0]} to {out.months[-1]}"),
        ("months_read", f"{apps.values.columns[0]} to {apps.values.columns[-1]}"),
        ("key", "Art 35 and Annex I: 50 % population share + 50 % total GDP share of the participants"),
        ("param_window", f"{s.window.value} (Art 34(3) [unverified]: the preceding 12 months; default "
                          "rolling-12-months)"),
        ("param_trigger_percent", f"{s.trigger_percent} (Art 34(2); default 150)"),
        ("param_receive_below_percent", f"{s.receive_below_percent} (Art 36(1); default 100)"),
        ("param_method", f"{s.method.value} (not fixed by the text: a deterministic pro-rata sequence, "
                         "not a random draw; default hamilton)"),
        ("param_solidarity_contribution_eur", f"{s.contribution_eur} (Art 37(1), (3); default 250000)"),
        ("param_opt_out", " ".join(s.opt_out) or "none"),
        ("tie_rule", TIE_RULE),
        ("timing", "each month is taken as a whole: counts at the month's end, this month's lodged included, "
                   "then the month's allocation (monthly data has no order within a month)"),
        ("not_modelled", "persons effectively resettled (whether Art 34 counts them was not read [unverified]; "
                         "no monthly series bundled); "
                         "Art 37's timing of opt-outs (taken as the whole simulated period)"),
    ]
    return frame("meta", [{"key": k, "value": str(v)} for k, v in items])


def run(scenario: Scenario, data: tuple[Indicator, Indicator] | None) -> DesignResult:
    """Run a Dublin IV scenario and return its tables (verified by :func:`solidarity.designs.run_design`)."""
    s = scenario.design_settings
    if not isinstance(s, Dublin4Settings):  # pragma: no cover - the validator sets it
        raise InputError(Problem(scenario.path, "design", MISSING, "no Dublin IV settings", "[design] table"))
    population, gdp, key = _participants_data(scenario, data)
    apps = _applications(scenario, s)
    out = law.simulate(key, apps.values.astype("int64"), s.first_month, rules_of(s))
    tables = {"design_states": states_table(scenario, out, s), "dublin4_months": months_table(out, s),
              "pool": pool_table(out, s), "meta": meta_table(scenario, population, gdp, apps, out, s)}
    return DesignResult(scenario=scenario, population=population, gdp=gdp, tables=tables, details=out)
