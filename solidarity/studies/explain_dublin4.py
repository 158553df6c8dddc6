"""Why a state got its numbers under the Dublin IV proposal (COM(2016) 270 Art 34-37).

Read from a run's tables only (``design_states``, ``dublin4_months``,
``meta``): the key (Art 35), the months the state was above the trigger
(Art 34(2)) or receiving (Art 36), its opt-out and contribution (Art 37),
and a month-by-month summary.
"""

from __future__ import annotations

from ..errors import InputError, Problem
from ..schema import KNOWN_CODES
from .explain import Explanation, Fact, Section, Value


def _key(row) -> Section:
    return Section("key", "Reference key (COM(2016) 270 Art 35, Annex I)", (
        Fact("share", "50 % population share and 50 % GDP share among the states bound give {key_share}.",
             {"key_share": Value(float(row["key_share"]), "fraction")}),))


def _outcome(row, months, meta) -> Section:
    opted = bool(months["opted_out"].any())
    trig = int(months["triggered"].sum())
    facts = [Fact("rule", "Rule: {rule}.", {"rule": Value(str(row["rule"]), "text")}),
             Fact("lodged", "Applications lodged in it over {months}: {lodged}.",
                  {"months": Value(meta.get("months_simulated", ""), "text"),
                   "lodged": Value(int(months["lodged"].sum()), "persons")})]
    if trig:
        facts.append(Fact("triggered", "Above {trigger} % of its reference number in {n} month(s) (Art 34(2)); "
                          "{out} of its new applicants were allocated to other states (Art 36).",
                          {"trigger": Value(meta.get("param_trigger_percent", "150").split(" ")[0], "text"),
                           "n": Value(trig, "count"), "out": Value(int(row["relocated_from"]), "persons")}))
    if opted:
        facts.append(Fact("opt_out", "Opted out for 12 months (Art 37(1), (3)): it received nobody; it would have "
                          "received {would} and pays {pays}.",
                          {"would": Value(int(months["would_receive"].sum()), "persons"),
                           "pays": Value(int(row["pays_eur"]), "EUR")}))
    else:
        facts.append(Fact("received", "Allocated to it while below {below} % of its reference number "
                          "(Art 36), in proportion to the key: {persons}.",
                          {"below": Value(meta.get("param_receive_below_percent", "100").split(" ")[0], "text"),
                           "persons": Value(int(row["persons"]), "persons")}))
    if int(row["receives_eur"]):
        facts.append(Fact("contributions", "Solidarity contributions received for persons taken instead of a "
                          "state that opted out (Art 37(1), (3)): {eur}.",
                          {"eur": Value(int(row["receives_eur"]), "EUR")}))
    return Section("outcome", "Outcome (COM(2016) 270 Art 34, 36, 37)", tuple(facts))


def _months(months) -> Section:
    facts = []
    for m, r in months.iterrows():
        state = ("above the trigger" if r["triggered"] else "receiving" if r["receiving"] else "in between")
        facts.append(Fact(f"m{m}", "{month}: lodged {lodged}, responsible for {resp} against a reference number "
                          "of {ref} ({share} %), {state}; in {inn}, out {out}"
                          + (", pays {pays}" if r["pays_eur"] else "")
                          + (", receives {recv}" if r["receives_eur"] else "") + ".",
                          {"month": Value(str(m), "text"), "lodged": Value(int(r["lodged"]), "persons"),
                           "resp": Value(int(r["responsible"]), "persons"),
                           "ref": Value(f"{float(r['reference_number']):,.2f}".replace(",", " "), "text"),
                           "share": Value(f"{float(r['share_of_reference_pct']):.1f}", "text"),
                           "state": Value(state, "text"), "inn": Value(int(r["allocated_in"]), "persons"),
                           "out": Value(int(r["allocated_out"]), "persons"),
                           "pays": Value(int(r["pays_eur"]), "EUR"), "recv": Value(int(r["receives_eur"]), "EUR")}))
    return Section("months", "Month by month (Art 34(3): counts over the window; Art 36: allocation)", tuple(facts))


def explain_design(result, state: str) -> Explanation:
    """Which rule of COM(2016) 270 gave ``state`` its numbers, from the run's tables."""
    st = result.tables["design_states"]
    if state not in st.index:
        raise InputError(Problem("explain", "state", state, "not in design_states", ", ".join(st.index)))
    row = st.loc[state]
    months = result.tables["dublin4_months"].xs(state, level=0)
    meta = {str(k): str(v) for k, v in result.tables["meta"]["value"].items()}
    return Explanation(state=state, country=KNOWN_CODES.get(state, state), scenario=result.scenario.name,
                       year=result.scenario.year,
                       sections=(_key(row), _outcome(row, months, meta), _months(months)))
