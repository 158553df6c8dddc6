"""Stage 6: an independent verifier of the rules' outcomes.

:func:`verify_outcomes` reads only the scenario, the indicator data and the
result *tables* (so it runs as well on tables read back from files, see
``solidarity verify``). It never looks at the model, the solver or the
allocation code: every rule is re-derived here, in its own code and in exact
integer and rational arithmetic, and compared with what the tables say:

* the key from the data, the fair shares (largest remainder), deductions,
  redistribution, credits and obligations; the apportionment of R
  (largest remainder, each quota rounded up, or one that a divisor gives);
* pledges: sources, recorded amounts, limits (with the Art 57(2) cut of
  alternative measures), preferences and deviations, value, unmet, excess
  and assumed value; no unmet obligation that the state's limits or recorded
  pledge did not force; no deviation from a stated preference that a
  feasible pledge closer to it avoids (priority ``preferences``);
* the beneficiaries table: the scenario's needs and SAR flags, caps, and
  what follows from the receipts;
* needs: no need left unmet that a free state's room could have covered; no
  in-kind pledge asked of a free state beyond what is received; the SAR
  target met whenever possible; the types covered evenly when short;
* the fairness level: the in-kind adjustments of the free states are
  proportional to their obligations up to one unit (no transfer between two
  of them brings both closer);
* the balance: per type, no transfer between beneficiaries improves the
  leximin order of coverage ratios, within the SAR rule;
* the calls (the same share of every pledge, within one unit) and the flows
  (margins, values, nobody sending to itself, each flow within one unit of
  its proportional value: ``call x received / total``, or, when a
  beneficiary also pledges, the biproportional fit without self-flows);
* offsets (thresholds and their pool rows, gap, caps, binding flags, pro
  rata shares), the crisis plan's order of sources, totals and pool row,
  credits, and every amount, reference and shortfall of the pool table;
* the order of a forced deviation: money, then alternative measures, then
  relocations (no stated state's value can move to an earlier type without
  adding to its deviation);
* the derived texts: each pool row's rule and status, each state's status,
  and (:func:`solidarity.outputs.audit.verify_summary`) the summary's title and opening paragraph;
* in a cycle (:func:`verify_ledger`), the credit available each year from
  the credits earned and used over the whole ledger.

Each check returns sentences; an empty list means the result is what the
rules say.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import cast

import numpy as np
import pandas as pd

from ..numbers import group
from ..schema import DEFAULT_EQUIVALENCE_EUR, MIN_FINANCIAL_EUR, MIN_RELOCATIONS, TYPES, Priority, Source

_T = [t.value for t in TYPES]  # relocation, financial, alternative
_REL, _FIN, _ALT = 0, 1, 2


# --- own arithmetic (deliberately not shared with the code under test) --------

def _half_up(x: Fraction) -> int:
    return math.floor(x + Fraction(1, 2))


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _largest_remainder(weights: Mapping[str, Fraction], house: int) -> dict[str, int]:
    """Hamilton: floors, then the largest remainders (ties: larger quota, code A..Z)."""
    total = sum(weights.values())
    if house == 0 or total == 0:
        return {g: 0 for g in weights}
    q = {g: house * w / total for g, w in weights.items()}
    out = {g: math.floor(v) for g, v in q.items()}
    left = house - sum(out.values())
    for g in sorted(q, key=lambda g: (-(q[g] - out[g]), -q[g], g))[:left]:
        out[g] += 1
    return out


def _water_fill(total: int, weights: Mapping[str, Fraction], caps: Mapping[str, int | None]) -> dict[str, int]:
    """Proportional whole units with caps, by repeated largest remainder."""
    out = {g: 0 for g in weights}
    active = {g for g, w in weights.items() if w > 0 and (caps.get(g) is None or cast(int, caps[g]) > 0)}
    if all(caps.get(g) is not None for g in active):
        total = min(total, sum(caps[g] for g in active))  # type: ignore[misc]
    while total > 0 and active:
        wsum = sum(weights[g] for g in active)
        full = {g for g in active if caps.get(g) is not None and total * weights[g] / wsum >= cast(int, caps[g])}
        if not full:
            for g, v in _largest_remainder({g: weights[g] for g in active}, total).items():
                out[g] += v
            return out
        for g in full:
            out[g] += caps[g]  # type: ignore[operator]
            total -= caps[g]  # type: ignore[operator]
        active -= full
    return out


def _divisor_violation(weights: Mapping[str, Fraction], seats: Mapping[str, int], method: str):
    """A divisor method's apportionment is one that some divisor gives: no
    state's claim to one more seat, w / d(a), beats another's claim to its
    last seat, w / d(a - 1), with d(k) = k + 1 (D'Hondt), k + 1/2 (Webster)
    or sqrt(k (k + 1)) (Huntington-Hill, compared squared; d(0) = 0 is an
    infinite claim). Returns ((state, its last claim), (state, its next
    claim)) for the worst pair, or None."""
    def claim(w: Fraction, k: int) -> tuple[int, Fraction]:  # (infinite?, value), comparable
        if method == "dhondt":
            return 0, w / (k + 1)
        if method == "webster":
            return 0, w / (k + Fraction(1, 2))
        return (1, Fraction(0)) if k == 0 else (0, w * w / (k * (k + 1)))  # huntington_hill

    last = [(claim(weights[g], seats[g] - 1), g) for g in weights if seats[g] > 0]
    nxt = [(claim(weights[g], seats[g]), g) for g in weights]
    if not last or not nxt:
        return None
    (lo, i), (hi, j) = min(last), max(nxt)
    if hi <= lo:
        return None
    show = (lambda c: math.inf if c[0] else float(c[1]) ** (0.5 if method == "huntington_hill" else 1))
    return (i, show(lo)), (j, show(hi))


def _within_quota(got: int, quota: Fraction) -> bool:
    return math.floor(quota) <= got <= math.ceil(quota)


def _i(v) -> int:
    return int(v)


def _opt(v) -> int | None:
    return None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else int(v)


# --- the checks ------------------------------------------------------------------

def verify_outcomes(scenario, population, gdp, tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Every rule whose outcome in ``tables`` differs from what the rule says."""
    try:
        ctx = _Context(scenario, population, gdp, tables)
    except (KeyError, ValueError, TypeError) as exc:
        return [f"tables: the tables cannot be read ({type(exc).__name__}: {exc})"]
    out: list[str] = []
    # The distribution's checks see only the money a beneficiary can call on
    # (Art 64: money earmarked for third countries is not distributed).
    net = _distributable(ctx)
    for check, c in ((_check_shares, ctx), (_check_pledges, ctx), (_check_earmarks, ctx), (_check_stated, ctx),
                     (_check_receipts, net), (_check_needs, net), (_check_fairness, net), (_check_balance, net),
                     (_check_calls, net), (_check_flows, net), (_check_offsets, ctx), (_check_crisis, ctx),
                     (_check_pool, ctx), (_check_texts, ctx), (_check_deviation_order, ctx)):
        try:
            out += check(c)
        except (KeyError, ValueError, TypeError, ZeroDivisionError) as exc:
            out.append(f"{check.__name__[7:]}: the tables cannot be read for this check ({type(exc).__name__}: {exc})")
    return out


class _Context:
    """The scenario, the data and the tables, as plain Python values."""

    def __init__(self, scenario, population, gdp, tables):
        self._pledged: list[int] | None = None
        self.art57: dict[str, int] | None = None  #: Art 57(2) caps, see :func:`_art57_caps`
        self.sc = scenario
        self.t = tables
        self.geos = list(scenario.participants)
        self.benef = list(scenario.beneficiaries)
        pool = scenario.pool
        if pool.equivalence_eur is not None:
            self.e = pool.equivalence_eur
        elif pool.relocations == 0 or pool.financial_eur == 0:
            self.e = DEFAULT_EQUIVALENCE_EUR
        else:
            self.e = _half_up(Fraction(pool.financial_eur, pool.relocations))
        self.u = [self.e, 1, 1]
        self.value_eur = pool.financial_eur if pool.financial_eur > 0 else self.e * pool.relocations
        self.pop = {g: Fraction(repr(float(population.values[g]))) for g in self.geos}
        self.gdp = {g: Fraction(repr(float(gdp.values[g]))) for g in self.geos}
        sh = tables["shares"]
        self.obligation = {g: _i(sh.at[g, "obligation_eur"]) for g in self.geos if g in sh.index}
        pl = tables["pledges"]
        self.p = {g: [_i(pl.at[(g, t), "units"]) for t in _T] for g in self.geos if (g, _T[0]) in pl.index}
        self.called = {g: [_i(pl.at[(g, t), "called_units"]) for t in _T] for g in self.p}
        bt = tables["beneficiaries"]
        # Needs are the scenario's (the table's copy is checked against them).
        self.need = {b: [scenario.beneficiaries[b].needs.get(t) or 0 for t in TYPES] for b in self.benef}
        self.y = {b: [_i(bt.at[(b, t), "received"]) for t in _T] for b in self.benef}
        self.sar = [b for b in self.benef if scenario.beneficiaries[b].sar]
        self.needs_priority = scenario.allocation.priority is Priority.NEEDS
        #: money earmarked for third countries, per state (Art 56(2)(b), Art 64)
        self.earmark = {g: scenario.state(g).third_country_eur for g in self.geos}
        #: what the money's bounds and reference are lowered by: 0 here, the
        #: earmarks in the view of :func:`_distributable`
        self.shift = dict.fromkeys(self.geos, 0)
        #: the obligations the SAR target is a share of (always the whole ones)
        self.sar_base = sum(self.obligation.values())

    def state(self, g):
        return self.sc.state(g)

    def bounds(self, g) -> tuple[list[int], list[int | None]]:
        st = self.state(g)
        if st.fixed is not None:
            v = [st.fixed.get(t) or 0 for t in TYPES]
            lo, hi = v, list(v)
        else:
            lo, hi = [st.minimum.get(t) or 0 for t in TYPES], [st.maximum.get(t) for t in TYPES]
        k = self.shift[g]
        if k:
            lo[_FIN] -= k
            cap = hi[_FIN]
            hi[_FIN] = None if cap is None else cap - k
        return lo, hi

    def value(self, g) -> int:
        return sum(self.u[t] * self.p[g][t] for t in range(3))

    def stated(self, g) -> bool:
        st = self.state(g)
        return st.fixed is None and (st.mix is not None or st.preferred.given())

    def free(self, g) -> bool:
        st = self.state(g)
        return st.fixed is None and (self.needs_priority or not self.stated(g))

    def reference(self, g) -> list[int]:
        """The stated preference (the verifier's own reading of the rule)."""
        st, o, e = self.state(g), self.obligation[g], self.e
        if st.mix is not None:
            share = st.mix[TYPES[_REL]]
            r = _ceil_div(math.ceil(share * o), e) if share else 0
            a = _half_up(st.mix[TYPES[_ALT]] * o)
            return self._net([r, max(0, o - e * r - a), a], g)
        if st.preferred.given():
            r, a = st.preferred.relocation or 0, st.preferred.alternative or 0
            f = st.preferred.financial
            return self._net([r, max(0, o - e * r - a) if f is None else f, a], g)
        return [0, 0, 0]

    def _net(self, ref: list[int], g) -> list[int]:
        """A reference's money less the shift (none below 0)."""
        return [ref[0], max(0, ref[1] - self.shift[g]), ref[2]] if self.shift[g] else ref

    def received_total(self, t: int) -> int:
        return sum(self.y[b][t] for b in self.benef)

    def pledged_total(self, t: int) -> int:
        # asked per state by several checks: summed once (the tables do not change)
        if self._pledged is None:
            self._pledged = [sum(self.p[g][k] for g in self.p) for k in range(3)]
        return self._pledged[t]

    def spare(self, t: int) -> int:
        """Pledges of type t not received that a call could still have used:
        a beneficiary's own pledges beyond what the others receive can
        reach nobody (nobody sends to itself)."""
        total = self.received_total(t)
        own = sum(max(0, self.p[b][t] - (total - self.y[b][t])) for b in self.benef if b in self.p)
        return self.pledged_total(t) - total - own

    def receipt_cap(self, b: str, t: int) -> int:
        own = self.p[b][t] if b in self.p else 0
        return min(self.need[b][t], self.pledged_total(t) - own)


def _distributable(c: _Context) -> _Context:
    """The verifier's own view of the pool without the money earmarked for
    third countries (Art 56(2)(b), Art 64): each state's money, its floor,
    cap and stated amount less its earmark, and its obligation less the
    earmark (what the earmark leaves open, shared fairly). The stated
    preference is read from the whole obligation, then lowered. Art 57(2)
    caps do not depend on money: they are taken from the whole view."""
    if not any(c.earmark.values()):
        return c
    import copy
    _art57_caps(c)
    net = copy.copy(c)
    whole = dict(c.obligation)
    net.obligation = {g: max(0, o - c.earmark[g]) for g, o in whole.items()}
    net.p = {g: [v[0], v[1] - c.earmark[g], v[2]] for g, v in c.p.items()}
    net.shift = dict(c.earmark)
    net._pledged = None
    whole_reference = _Context.reference

    def reference(g):  # the stated mix is a share of the whole obligation
        net.obligation, saved = whole, net.obligation
        try:
            return whole_reference(net, g)
        finally:
            net.obligation = saved
    net.reference = reference  # type: ignore[method-assign]
    return net


def _check_earmarks(c: _Context) -> list[str]:
    """The pledges table's third_country_eur: the scenario's earmark on the
    money row (within the money pledged), empty on the others."""
    out: list[str] = []
    pl = c.t["pledges"]
    for g in c.p:
        for t, typ in enumerate(_T):
            found = _opt(pl.at[(g, typ), "third_country_eur"])
            want = c.earmark[g] if t == _FIN else None
            if found != want:
                out.append(f"pledges: {g} {typ}: third_country_eur {found}, the scenario earmarks {want}")
        if c.p[g][_FIN] < c.earmark[g]:
            out.append(f"pledges: {g}: money {c.p[g][_FIN]} below its third-country earmark {c.earmark[g]}")
    total = sum(c.earmark.values())
    pool = c.t["pool"]
    if total and "third_country_eur" not in pool.index:
        out.append("pool: the row third_country_eur is missing")
    elif total:
        found_row = (_opt(pool.at["third_country_eur", "amount"]), _opt(pool.at["third_country_eur", "reference"]))
        if found_row != (total, c.pledged_total(_FIN)):
            out.append(f"pool: third_country_eur {found_row}, re-derived ({total}, {c.pledged_total(_FIN)})")
    elif "third_country_eur" in pool.index:
        out.append("pool: a third_country_eur row, but the scenario earmarks nothing")
    return out


def _check_shares(c: _Context) -> list[str]:
    """The shares table re-derived: states, data, key shares, fair shares in
    EUR and persons, apportionment, deductions, redistribution, credits and
    obligations.

    Long because it is a list of one check per column, in the table's order;
    split, the columns' checks would scatter over several functions.
    """
    out: list[str] = []
    sh = c.t["shares"]
    if sorted(sh.index) != sorted(c.geos):
        return [f"shares: the states are {sorted(sh.index)}, not the participants {sorted(c.geos)}"]
    w = c.sc.key.weights
    tp, tg = sum(c.pop.values()), sum(c.gdp.values())
    key = {g: w["population"] * c.pop[g] / tp + w["gdp_meur"] * c.gdp[g] / tg for g in c.geos}
    fair = _largest_remainder(key, c.value_eur)
    ded, redis = {}, {}
    for g in c.geos:
        if _i(sh.at[g, "population"]) != round(c.pop[g]) or Fraction(repr(float(sh.at[g, "gdp_meur"]))) != c.gdp[g]:
            out.append(f"shares: {g}'s population or GDP ({_i(sh.at[g, 'population'])} persons, "
                       f"{float(sh.at[g, 'gdp_meur'])} million EUR) is not the data's ({round(c.pop[g])}, "
                       f"{float(c.gdp[g])})")
        if abs(float(sh.at[g, "population_share"]) - float(c.pop[g] / tp)) > 1e-12 or \
                abs(float(sh.at[g, "gdp_share"]) - float(c.gdp[g] / tg)) > 1e-12:
            out.append(f"shares: {g}: population_share {float(sh.at[g, 'population_share']):.12f} or gdp_share "
                       f"{float(sh.at[g, 'gdp_share']):.12f} is not its share of the participants' "
                       f"({float(c.pop[g] / tp):.12f}, {float(c.gdp[g] / tg):.12f})")
        if abs(float(sh.at[g, "key_share"]) - float(key[g])) > 1e-12:
            out.append(f"shares: {g}: key_share {float(sh.at[g, 'key_share']):.12f} differs from the key "
                       f"re-derived from the data ({float(key[g]):.12f})")
        quota = c.sc.pool.relocations * key[g]
        if abs(float(sh.at[g, "relocations_quota"]) - float(quota)) > 1e-6:
            out.append(f"shares: {g}: relocations_quota {float(sh.at[g, 'relocations_quota']):.6f} is not "
                       f"key_share x R ({float(quota):.6f})")
        if _i(sh.at[g, "fair_share_eur"]) != fair[g]:
            out.append(f"shares: {g}: fair_share_eur {_i(sh.at[g, 'fair_share_eur'])} is not the largest-"
                       f"remainder share of EUR {c.value_eur} ({fair[g]})")
        if _i(sh.at[g, "fair_share_relocations"]) != _ceil_div(fair[g], c.e):
            out.append(f"shares: {g}: fair_share_relocations {_i(sh.at[g, 'fair_share_relocations'])} is not "
                       f"ceil({fair[g]} / {c.e}) = {_ceil_div(fair[g], c.e)}")
        d = c.state(g).deduction
        if Fraction(repr(float(sh.at[g, "deduction"]))) != Fraction(repr(float(d))):
            out.append(f"shares: {g}: deduction {sh.at[g, 'deduction']} is not the scenario's {float(d)}")
        ded[g] = _half_up(d * fair[g])
        if _i(sh.at[g, "deduction_eur"]) != ded[g]:
            out.append(f"shares: {g}: deduction_eur {_i(sh.at[g, 'deduction_eur'])} is not "
                       f"round({float(d)} x {fair[g]}) = {ded[g]}")
    if c.sc.pool.redistribute_deductions and sum(ded.values()):
        takers = {g: key[g] for g in c.geos if c.state(g).deduction == 0 and key[g] > 0}
        redis = _largest_remainder(takers, sum(ded.values())) if takers else {}
    for g in c.geos:
        add = redis.get(g, 0)
        if _i(sh.at[g, "redistributed_eur"]) != add:
            out.append(f"shares: {g}: redistributed_eur {_i(sh.at[g, 'redistributed_eur'])}, rule gives {add}")
        left = fair[g] - ded[g] + add
        used = min(c.state(g).credit_eur, left)
        if _i(sh.at[g, "credit_used_eur"]) != used:
            out.append(f"shares: {g}: credit_used_eur {_i(sh.at[g, 'credit_used_eur'])} is not min(credit, "
                       f"what is owed) = {used}")
        if _i(sh.at[g, "obligation_eur"]) != left - used:
            out.append(f"shares: {g}: obligation_eur {_i(sh.at[g, 'obligation_eur'])} is not fair share - "
                       f"deduction + redistribution - credit = {left - used}")
        if _i(sh.at[g, "obligation_relocations"]) != _ceil_div(left - used, c.e):
            out.append(f"shares: {g}: obligation_relocations {_i(sh.at[g, 'obligation_relocations'])} is not "
                       f"ceil({left - used} / {c.e}) = {_ceil_div(left - used, c.e)}")
    r = c.sc.pool.relocations
    app = {g: _i(sh.at[g, "relocations_apportioned"]) for g in c.geos}
    method = c.sc.key.method.value
    if method == "hamilton" and app != (want := _largest_remainder(key, r)):
        bad = [g for g in c.geos if app[g] != want[g]]
        out.append(f"shares: relocations_apportioned is not the largest-remainder apportionment of R = {r} "
                   f"({', '.join(f'{g} {app[g]}, rule {want[g]}' for g in bad[:5])})")
    elif method == "ceiling" and app != (want := {g: math.ceil(r * key[g]) for g in c.geos}):
        bad = [g for g in c.geos if app[g] != want[g]]
        out.append(f"shares: relocations_apportioned is not each quota rounded up "
                   f"({', '.join(f'{g} {app[g]}, rule {want[g]}' for g in bad[:5])})")
    elif method not in ("hamilton", "ceiling") and sum(app.values()) != r:
        out.append(f"shares: relocations_apportioned adds up to {sum(app.values())}, not R = {r}")
    elif method not in ("hamilton", "ceiling") and (bad := _divisor_violation(key, app, method)):
        (i, last), (j, nxt) = bad
        out.append(f"shares: relocations_apportioned is not a {method} apportionment of R = {r}: {j} (with "
                   f"{app[j]}) has a stronger claim to one more person ({nxt:.6f}) than {i} to its last of "
                   f"{app[i]} ({last:.6f}); no divisor gives these numbers")
    ob = c.t["obligations"]
    for g in c.geos:
        if _i(ob.at[g, "obligation_eur"]) != _i(sh.at[g, "obligation_eur"]):
            out.append(f"obligations: {g}: obligation_eur {_i(ob.at[g, 'obligation_eur'])} is not the "
                       f"shares table's {_i(sh.at[g, 'obligation_eur'])}")
    return out


def _check_pledges(c: _Context) -> list[str]:
    """The pledges and obligations tables against each state's settings:
    recorded pledges kept, stated floors, caps and mixes respected, sources
    right, unmet obligations only where nothing could meet them.

    Long because it is a list of one check per rule a state's pledge obeys,
    in the order of the rules; split, they would scatter.
    """
    out: list[str] = []
    pl, ob = c.t["pledges"], c.t["obligations"]
    art57 = _art57_caps(c)
    for g in c.geos:
        st = c.state(g)
        lo, hi = c.bounds(g)
        p = c.p[g]
        told = st.fixed is not None or c.stated(g)
        pref = lo if st.fixed is not None else c.reference(g)
        sources = []
        for t, typ in enumerate(TYPES):
            row = pl.loc[(g, typ.value)]
            want = (Source.RECORDED if st.fixed is not None else Source.STATED
                    if c.stated(g) or st.minimum.get(typ) is not None or st.maximum.get(typ) is not None
                    else Source.ASSUMED).value
            sources.append(want)
            if row["source"] != want:
                out.append(f"pledges: {g} {typ.value}: source {row['source']}, the scenario makes it {want}")
            cap = hi[t]
            if t == _ALT and g in art57:  # Art 57(2): alternative measures only up to the requests
                cap = art57[g] if cap is None else min(cap, art57[g])
            if p[t] < lo[t] or (cap is not None and p[t] > cap):
                out.append(f"pledges: {g} {typ.value}: {p[t]} outside its limits [{lo[t]}, {cap}]")
            if _i(row["value_eur"]) != c.u[t] * p[t]:
                out.append(f"pledges: {g} {typ.value}: value_eur {_i(row['value_eur'])} is not units x {c.u[t]} "
                           f"= {c.u[t] * p[t]}")
            kept = c.earmark[g] if t == _FIN else 0  # Art 64: earmarked money is neither called nor idle
            left = p[t] - c.called[g][t] - kept
            if _i(row["unallocated_units"]) != left:
                out.append(f"pledges: {g} {typ.value}: unallocated_units {_i(row['unallocated_units'])} is not "
                           f"units - called_units{' - third_country_eur' if kept else ''} = {left}")
            want_pref = pref[t] if told else None
            want_dev = p[t] - pref[t] if told else None
            if _opt(row["preferred_units"]) != want_pref or _opt(row["deviation_units"]) != want_dev:
                out.append(f"pledges: {g} {typ.value}: preferred_units {_opt(row['preferred_units'])} and "
                           f"deviation_units {_opt(row['deviation_units'])}, its recorded or stated amount "
                           f"gives {want_pref} and {want_dev}")
            floor = lo[t] if lo[t] > 0 or st.fixed is not None else None
            limit = ("recorded" if st.fixed is not None else "cap" if cap is not None and p[t] == cap
                     else "floor" if lo[t] > 0 and p[t] == lo[t] else "")
            if (_opt(row["min_units"]), _opt(row["max_units"]), row["limit"]) != (floor, cap, limit):
                out.append(f"pledges: {g} {typ.value}: limits min {_opt(row['min_units'])}, max "
                           f"{_opt(row['max_units'])}, held by '{row['limit']}'; the scenario gives min {floor}, "
                           f"max {cap}, held by '{limit}'")
        o, v = c.obligation[g], c.value(g)
        if _i(ob.at[g, "pledged_value_eur"]) != v or _i(ob.at[g, "unmet_eur"]) != max(0, o - v) \
                or _i(ob.at[g, "above_obligation_eur"]) != max(0, v - o):
            out.append(f"obligations: {g}: value {_i(ob.at[g, 'pledged_value_eur'])}, unmet "
                       f"{_i(ob.at[g, 'unmet_eur'])} or excess {_i(ob.at[g, 'above_obligation_eur'])} do not "
                       f"follow from its pledges (value {v}, obligation {o})")
        # a euro moved between types is one euro of deviation: the larger of the value above and below
        moved = [c.u[t] * (p[t] - pref[t]) for t in range(3)]
        dev = max(sum(m for m in moved if m > 0), -sum(m for m in moved if m < 0)) if c.stated(g) else 0
        if _i(ob.at[g, "deviation_value_eur"]) != dev:
            out.append(f"obligations: {g}: deviation_value_eur {_i(ob.at[g, 'deviation_value_eur'])}, its pledges "
                       f"deviate from its stated preference by EUR {dev}")
        src = (Source.RECORDED.value if st.fixed is not None else Source.ASSUMED.value
               if all(s == Source.ASSUMED.value for s in sources) else Source.STATED.value)
        if ob.at[g, "source"] != src or bool(ob.at[g, "model_chooses"]) != c.free(g):
            out.append(f"obligations: {g}: source {ob.at[g, 'source']}, model_chooses "
                       f"{bool(ob.at[g, 'model_chooses'])}; the scenario makes it {src}, model_chooses {c.free(g)}")
        assumed = sum(c.u[t] * p[t] for t in range(3) if sources[t] == Source.ASSUMED.value)
        if _i(ob.at[g, "assumed_value_eur"]) != assumed:
            out.append(f"obligations: {g}: assumed_value_eur {_i(ob.at[g, 'assumed_value_eur'])} is not the "
                       f"value of its assumed pledges ({assumed})")
        ref = c.reference(g) if c.stated(g) else (lo if st.fixed is not None else [0, 0, 0])
        allowed = max(0, sum(c.u[t] * lo[t] for t in range(3)) - o)
        if c.stated(g) or st.fixed is not None:
            allowed = max(allowed, sum(c.u[t] * ref[t] for t in range(3)) - o)
        if v > o + allowed:
            out.append(f"{g}: pledges worth {v} EUR exceed its obligation {o} EUR by more than its own "
                       f"floors, recorded pledge or stated preference imply ({allowed} EUR)")
        if v < o and st.fixed is None:
            # Nothing unmet unless the state's caps stop it: a type below its
            # cap could add value (alternative measures only while requests are
            # open), one whole unit within what the state may pledge above its
            # obligation, its money giving way down to its floor.
            slack = o - v + allowed + p[_FIN] - lo[_FIN]
            alt_open = sum(c.need[b][_ALT] - c.y[b][_ALT] for b in c.benef if b != g) > 0  # others' requests
            room = [t for t in range(3) if (hi[t] is None or p[t] < hi[t]) and (t != _ALT or alt_open)
                    and c.u[t] <= slack]
            if room:
                out.append(f"{g}: EUR {o - v} of its obligation is unmet although nothing stops it "
                           f"(room left in {', '.join(_T[t] for t in room)})")
    return out


def _candidate(c: _Context, g: str) -> list[int]:
    """A feasible pledge as close to the stated preference as a simple rule
    gets: clipped to the limits, then value added or removed on money first,
    then alternative measures, then relocations. The optimum can only be
    closer; the verifier checks it is not further."""
    lo, hi = c.bounds(g)
    alt_cap = _art57_caps(c).get(g)
    hi = list(hi)
    if alt_cap is not None:
        hi[_ALT] = alt_cap if (h := hi[_ALT]) is None else min(h, alt_cap)
    if g in c.benef:  # alternative measures are called in full, and only the others' requests can take them
        others = sum(c.need[b][_ALT] for b in c.benef if b != g)
        hi[_ALT] = others if (h := hi[_ALT]) is None else min(h, others)
    # The others' pledges stay as they are (a state's own move is checked,
    # not a joint one): the requests left to g are the rest (Art 57(2)).
    left = sum(c.need[b][_ALT] for b in c.benef) - (c.pledged_total(_ALT) - c.p[g][_ALT])
    hi[_ALT] = max(0, left) if (h := hi[_ALT]) is None else min(h, max(0, left))
    ref = c.reference(g)
    p = [max(lo[t], ref[t] if (h := hi[t]) is None else min(ref[t], h)) for t in range(3)]
    o = c.obligation[g]
    allowed = max(0, sum(c.u[t] * lo[t] for t in range(3)) - o, sum(c.u[t] * ref[t] for t in range(3)) - o)
    for t in (_FIN, _ALT, _REL):
        v = sum(c.u[k] * p[k] for k in range(3))
        if v < o:  # add, one type at a time
            add = _ceil_div(o - v, c.u[t])
            if t == _REL and c.u[t] * add - (o - v) > allowed:
                add -= 1
            p[t] += add if (h := hi[t]) is None else max(0, min(add, h - p[t]))
        elif v > o + allowed:
            cut = _ceil_div(v - o - allowed, c.u[t])
            p[t] -= min(cut, p[t] - lo[t])
    return p


def _art57_caps(c: _Context) -> dict[str, int]:
    if c.art57 is None:  # asked once per stated state: computed once
        c.art57 = _art57_caps_of(c)
    return c.art57


def _art57_caps_of(c: _Context) -> dict[str, int]:
    """Alternative measures stated beyond what beneficiaries requested are cut
    pro rata to obligations (the verifier's own water-filling). What states
    with an obligation cannot absorb falls on those without one; the rule
    does not say how they share it, so each is held only to the part the
    others cannot take (the reading most favourable to the state)."""
    want = {g: c.reference(g)[_ALT] for g in c.geos if c.stated(g) and c.reference(g)[_ALT] > 0}
    recorded = sum((c.state(g).fixed.alternative or 0) for g in c.geos if c.state(g).fixed is not None)
    room = sum(c.need[b][_ALT] for b in c.benef) - recorded
    if not want or sum(want.values()) <= room:
        return {}
    floors = {g: c.bounds(g)[0][_ALT] for g in want}
    room = max(room, sum(floors.values()))
    cut_total = sum(want.values()) - room
    cut = _water_fill(cut_total, {g: Fraction(c.obligation[g]) for g in want},
                      {g: max(0, want[g] - floors[g]) for g in want})
    rest = cut_total - sum(cut.values())
    if rest > 0:
        left = {g: max(0, want[g] - floors[g]) - cut[g] for g in want}
        cut = {g: cut[g] + max(0, rest - (sum(left.values()) - left[g])) for g in want}
    return {g: want[g] - cut[g] for g in want}


def _check_stated(c: _Context) -> list[str]:
    """No deviation from a stated preference that a closer pledge avoids."""
    if c.needs_priority:
        return []
    out: list[str] = []
    for g in c.geos:
        if not c.stated(g):
            continue
        ref, p, cand = c.reference(g), c.p[g], _candidate(c, g)
        o = c.obligation[g]

        def cost(q, o=o, ref=ref):
            unmet = max(0, o - sum(c.u[t] * q[t] for t in range(3)))
            return unmet, sum(c.u[t] * abs(q[t] - ref[t]) for t in range(3))

        if cost(p) > cost(cand):
            out.append(f"{g}: pledges {p} deviate from its stated preference {ref} by EUR {cost(p)[1]} "
                       f"(unmet {cost(p)[0]}), but {cand} deviates by EUR {cost(cand)[1]} (unmet {cost(cand)[0]})")
    return out


def _money_room(c: _Context, g: str, more: bool, amount: int = 1) -> bool:
    """Can g's money rise (``more``) or fall by ``amount`` within its floor and
    cap? A beneficiary that also pledges can give no more money than goes to
    the others (nobody sends to itself)."""
    lo, hi = c.bounds(g)
    f = c.p[g][_FIN]
    if not more:
        return f - amount >= lo[_FIN]
    cap = hi[_FIN]
    if g in c.y:
        own = c.pledged_total(_FIN) - c.y[g][_FIN]
        cap = own if cap is None else min(cap, own)
    return cap is None or f + amount <= cap


def _check_receipts(c: _Context) -> list[str]:
    """The beneficiaries table: the scenario's needs and SAR flags, and what
    follows from the receipts."""
    out: list[str] = []
    bt = c.t["beneficiaries"]
    found = sorted(set(bt.index.get_level_values(0)))
    if found != sorted(c.benef):
        out.append(f"beneficiaries: the table has {found}, the scenario {sorted(c.benef)}")
    for b in c.benef:
        sar = b in c.sar
        for t, typ in enumerate(TYPES):
            row = bt.loc[(b, typ.value)]
            need, y = c.need[b][t], c.y[b][t]
            if _i(row["need"]) != need:
                out.append(f"beneficiaries: {b} {typ.value}: need {_i(row['need'])} is not the scenario's {need}")
            if bool(row["sar"]) != sar:
                out.append(f"beneficiaries: {b}: sar {bool(row['sar'])}, the scenario says {sar}")
            if _i(row["cap"]) != c.receipt_cap(b, t):
                out.append(f"beneficiaries: {b} {typ.value}: cap {_i(row['cap'])} is not its need, within what "
                           f"the others pledged ({c.receipt_cap(b, t)})")
            cov = row["coverage"]
            cov_ok = (pd.isna(cov) and need == 0) or (need > 0 and abs(float(cov) - y / need) <= 1e-12)
            if _i(row["received_eur"]) != c.u[t] * y or _i(row["shortfall"]) != need - y or not cov_ok:
                out.append(f"beneficiaries: {b} {typ.value}: received_eur {_i(row['received_eur'])}, shortfall "
                           f"{_i(row['shortfall'])}, coverage {float(cov):.6f} do not follow from receiving {y} "
                           f"of a need of {need} (EUR {c.u[t] * y}, shortfall {need - y})")
    return out


def _check_needs(c: _Context) -> list[str]:
    """Needs and the SAR target: nothing left unmet that a free state could cover."""
    out: list[str] = []
    free = [g for g in c.geos if c.free(g)]
    unallocated_money = c.spare(_FIN)
    art57 = _art57_caps(c)  # a stated alternative measure cut by Art 57(2) is a cap here too
    for t in (_REL, _ALT):
        short = [b for b in c.benef if c.y[b][t] < c.need[b][t]]
        if not short:
            continue
        for g in free:
            lo, hi = c.bounds(g)
            cap = hi[t]
            if t == _ALT and g in art57:
                cap = art57[g] if cap is None else min(cap, art57[g])
            if not ((cap is None or c.p[g][t] < cap) and _money_room(c, g, more=False, amount=c.u[t])):
                continue
            # Would one more unit of type t from g reach a short beneficiary?
            if any(b != g for b in short) and unallocated_money >= c.u[t]:
                out.append(f"{g} could pledge {_T[t]} instead of money that stays unallocated (EUR "
                           f"{unallocated_money}), while {', '.join(b for b in short if b != g)} still need "
                           f"{_T[t]}: a need left unmet that its room could cover")
                break
    for t in (_REL, _ALT):
        unalloc = c.spare(t)
        if unalloc <= 0:
            continue
        asked = {}  # free states asked more than they stated, that money could relieve
        for g in free:
            ref = c.reference(g) if c.stated(g) else [0, 0, 0]
            lo, _ = c.bounds(g)
            if c.p[g][t] > max(ref[t], lo[t]) and _money_room(c, g, more=True, amount=c.u[t]):
                asked[g] = max(ref[t], lo[t])
        if asked:  # name the one with the most pledged units not called on
            g = max(asked, key=lambda g: c.p[g][t] - c.called[g][t])
            out.append(f"{g} is asked {c.p[g][t]} {TYPES[t].unit} of {_T[t]}, beyond the {asked[g]} it stated "
                       f"({c.p[g][t] - c.called[g][t]} not called on), while {unalloc} of the pool's {_T[t]} "
                       "pledges are not needed")
    # SAR target: a shortfall only where no unit could still reach a SAR state.
    target = _half_up(c.sc.pool.sar_share * c.sar_base)
    sar_got = sum(c.u[t] * c.y[b][t] for b in c.sar for t in range(3))
    sar_short = max(0, target - sar_got) if c.sar else 0
    if sar_short > 0:
        for t in range(3):
            room = [b for b in c.sar if c.y[b][t] < c.receipt_cap(b, t)]
            if not room:
                continue
            others = [b for b in c.benef if b not in c.sar and c.y[b][t] > 0]
            spare = c.pledged_total(t) - c.received_total(t)
            if others or spare > 0:
                out.append(f"SAR target missed by EUR {sar_short} although {_T[t]} could still reach "
                           f"{', '.join(room)} (from {', '.join(others) or 'unallocated pledges'})")
    # Type balance: when needs are short, no type's pool-wide coverage could rise
    # above the lowest by a free state shifting one unit from money.
    cov = {t: Fraction(c.received_total(t), sum(c.need[b][t] for b in c.benef))
           for t in range(3) if sum(c.need[b][t] for b in c.benef) > 0}
    if len(cov) >= 2 and _FIN in cov:
        low = min(cov.values())
        for t in (_REL, _ALT):
            if t not in cov or cov[t] != low or cov[_FIN] == low:
                continue
            nt = sum(c.need[b][t] for b in c.benef)
            nf = sum(c.need[b][_FIN] for b in c.benef)
            drop = max(0, c.u[t] - c.spare(_FIN))  # money the beneficiaries would no longer receive
            after = min(Fraction(c.received_total(t) + 1, nt), Fraction(c.received_total(_FIN) - drop, nf))
            # ... taken from states without SAR arrivals, or from the SAR states' margin above the target.
            # Taken from the others only if the SAR states' money can still be sent to them after the
            # shift: nobody sends to itself, so a SAR state's own money pledge cannot reach it (a
            # sufficient condition: the money of the states other than the SAR states covers theirs).
            sar_fed = sum(c.y[b][_FIN] + (c.p[b][_FIN] if b in c.p else 0) for b in c.sar) \
                <= c.pledged_total(_FIN) - drop
            sar_ok = not c.sar or drop <= max(0, sar_got - target) or (
                sar_fed and drop <= sum(c.y[b][_FIN] for b in c.benef if b not in c.sar))
            movable = [g for g in free if _money_room(c, g, more=False, amount=c.u[t])
                       and (c.bounds(g)[1][t] is None or c.p[g][t] < c.bounds(g)[1][t])
                       and any(b != g and c.y[b][t] < c.need[b][t] for b in c.benef)]  # a unit someone can take
            if movable and sar_ok and after > low and all(
                    v > low for k, v in cov.items() if k not in (t, _FIN)):
                out.append(f"pool coverage of {_T[t]} ({float(cov[t]):.4f}) could rise towards that of "
                           f"money ({float(cov[_FIN]):.4f}) if {movable[0]} shifted money to {_T[t]}")
    return out


def _check_fairness(c: _Context) -> list[str]:
    """Free states' in-kind adjustments proportional to obligations, to one unit."""
    out: list[str] = []
    everyone = [g for g in c.geos if c.free(g) and c.obligation[g] > 0]
    # States whose in-kind pledges cost a deviation (they stated a preference,
    # priority "needs") and states that stated nothing are shared apart:
    # a transfer between the two would undo the deviation level.
    for free, t in [(grp, t) for grp in ([g for g in everyone if c.stated(g)],
                                         [g for g in everyone if not c.stated(g)]) if grp
                    for t in (_REL, _ALT)]:
        ref = {g: (c.reference(g) if c.stated(g) else [0, 0, 0])[t] for g in free}
        adj = {g: c.p[g][t] - ref[g] for g in free}
        if not any(adj.values()):
            continue
        # A transfer of one unit from i to j is possible when i can give one
        # (above its floor, money can take it) and j can take one (below its
        # cap, its money can give it); it improves proportionality when i's
        # rate stays above j's after the move.
        give = [g for g in free if c.p[g][t] > c.bounds(g)[0][t] and _money_room(c, g, more=True, amount=c.u[t])]
        take = [g for g in free if (c.bounds(g)[1][t] is None or c.p[g][t] < c.bounds(g)[1][t])
                and _money_room(c, g, more=False, amount=c.u[t])
                and not (g in c.benef and c.p[g][t] + 1 > c.pledged_total(t) - c.y[g][t])]
        if not give or not take:
            continue
        hi = max(give, key=lambda g: Fraction(adj[g] - 1, c.obligation[g]))
        lo = min(take, key=lambda g: Fraction(adj[g] + 1, c.obligation[g]))
        if c.stated(hi) and _transfer_deviation(c, hi, lo, t) > 0:
            continue  # the transfer would cost a deviation the deviation level avoided
        if hi != lo and Fraction(adj[hi] - 1, c.obligation[hi]) > Fraction(adj[lo] + 1, c.obligation[lo]):
            out.append(f"fairness: {_T[t]} asked of {hi} ({adj[hi]} above what it stated, obligation "
                       f"{c.obligation[hi]}) and {lo} ({adj[lo]}, obligation {c.obligation[lo]}) are not "
                       "proportional to their obligations: one unit from the first to the second brings "
                       "both closer")
    return out


def _transfer_deviation(c: _Context, i: str, j: str, t: int) -> int:
    """Change in total deviation (EUR) if i gives one unit of type t to j,
    money compensating in both."""
    def dev(g, q):
        ref = c.reference(g)
        return sum(c.u[k] * abs(q[k] - ref[k]) for k in range(3))
    pi, pj = list(c.p[i]), list(c.p[j])
    before = dev(i, pi) + dev(j, pj)
    pi[t] -= 1
    pi[_FIN] += c.u[t]
    pj[t] += 1
    pj[_FIN] -= c.u[t]
    return dev(i, pi) + dev(j, pj) - before


def _check_balance(c: _Context) -> list[str]:
    """Leximin coverage over every beneficiary and type together, with the
    SAR target as a constraint (Art 60(2), 57(2)): the SAR states receive at
    least the target; within a type, no unit may move between two
    beneficiaries to improve the leximin order (from a SAR state to another
    only while the target stays met); and no beneficiary's lowest coverage
    may be raised by a unit from a SAR state whose value the others give
    back to the SAR states in other types, each staying above it."""
    out: list[str] = []
    if not c.benef:
        return out
    pool = c.t["pool"]
    target = _i(pool.at["sar_target", "reference"]) - _i(pool.at["sar_target", "shortfall"]) if c.sar else 0
    rest = [b for b in c.benef if b not in c.sar]
    given = sum(c.u[t] * c.y[b][t] for b in c.sar for t in range(3))
    slack = given - target
    if c.sar and slack < 0:
        out.append(f"balance: SAR states receive EUR {given}, less than the SAR target of EUR {target}")
    for t in range(3):
        for b in c.benef:
            if c.y[b][t] > c.receipt_cap(b, t):
                out.append(f"balance: {b} receives {c.y[b][t]} {TYPES[t].unit} of {_T[t]}, more than it can "
                           f"({c.receipt_cap(b, t)})")
        locked = bool(c.sar) and slack < c.u[t]
        viol = _leximin_violation(c, t, forbid=(set(c.sar), set(rest)) if locked else None)
        if viol:
            out.append(f"balance: {viol}")
    if c.sar and slack >= 0:
        trade = _sar_trade(c, rest, slack)
        if trade:
            out.append(f"balance: {trade}")
    return out


def _sar_trade(c: _Context, rest: list, slack: int) -> str:
    """A trade that improves the leximin order within the SAR target: the
    beneficiary without SAR arrivals with the lowest coverage of a type gets
    one more unit of it from a SAR state, and the others give the SAR states
    back the value the target then misses, in other types, each giver
    staying above the first one's new coverage."""
    for t in range(3):
        takers = [b for b in rest if c.need[b][t] > 0 and c.y[b][t] < c.receipt_cap(b, t)]
        if not takers:
            continue
        b = min(takers, key=lambda x: (Fraction(c.y[x][t], c.need[x][t]), x))
        after = Fraction(c.y[b][t] + 1, c.need[b][t])
        donors = [s for s in c.sar if c.y[s][t] > 0
                  and (c.need[s][t] == 0 or Fraction(c.y[s][t] - 1, c.need[s][t]) > after)]
        missing = c.u[t] - slack
        if not donors or missing <= 0:
            continue  # nothing to take, or the within-type check covers it
        back = 0
        for t2 in range(3):
            if t2 == t:
                continue
            spare = sum(max(0, c.y[g][t2] - math.floor(after * c.need[g][t2]) - 1)
                        for g in rest if c.need[g][t2] > 0)
            room = sum(max(0, c.receipt_cap(s, t2) - c.y[s][t2]) for s in c.sar)
            back += c.u[t2] * min(spare, room)
        if back >= missing:
            return (f"giving {b} one more unit of {_T[t]} (coverage {float(after):.6f}) from a SAR state, and "
                    f"the SAR states EUR {missing} back in other types from beneficiaries that stay above it, "
                    "keeps the SAR target and improves the balance (Art 60(2)): not leximin")
    return ""


def _leximin_violation(c: _Context, t: int, forbid: tuple[set, set] | None) -> str:
    """A transfer of one unit that improves the leximin order of coverage
    ratios (from ``a``, whose ratio after giving stays above ``b``'s before),
    other than from the first set of ``forbid`` to the second."""
    has = [b for b in c.benef if c.need[b][t] > 0]
    give = sorted((Fraction(c.y[b][t] - 1, c.need[b][t]), b) for b in has if c.y[b][t] > 0)[::-1]
    take = sorted((Fraction(c.y[b][t], c.need[b][t]), b) for b in has if c.y[b][t] < c.receipt_cap(b, t))
    for ra, a in give:
        for rb, b in take:
            if ra <= rb:
                break
            if a == b or (forbid and a in forbid[0] and b in forbid[1]):
                continue
            return (f"moving one unit of {_T[t]} from {a} (coverage {float(Fraction(c.y[a][t], c.need[a][t])):.6f}) "
                    f"to {b} (coverage {float(Fraction(c.y[b][t], c.need[b][t])):.6f}) improves the balance "
                    "(Art 60(2)): not leximin")
        else:
            continue
    return ""


def _check_calls(c: _Context) -> list[str]:
    """Every contributor called on for the same share of its pledge, in whole
    units (largest remainder); a beneficiary that also pledges for at most
    what goes to the others."""
    out: list[str] = []
    for t in range(3):
        total, pledged = c.received_total(t), c.pledged_total(t)
        called = {g: c.called[g][t] for g in c.p}
        if sum(called.values()) != total:
            out.append(f"calls: {_T[t]} called {sum(called.values())}, received {total}")
            continue
        if total == 0:
            continue
        caps = {g: min(c.p[g][t], total - (c.y[g][t] if g in c.y else 0)) for g in c.p}
        expected = _water_fill(total, {g: Fraction(c.p[g][t]) for g in c.p}, caps)
        bad = [g for g in c.p if called[g] != expected[g]]
        for g in bad[:5]:
            out.append(f"calls: {g} is called on for {called[g]} of its {c.p[g][t]} {_T[t]}, not the common "
                       f"share {total}/{pledged} of it ({expected[g]}; Art 60(3): pro rata)")
    return out


def _check_flows(c: _Context) -> list[str]:
    out: list[str] = []
    fl = c.t["flows"]
    df = fl.reset_index()
    proportional = c.sc.allocation.flows.value == "proportional"
    for t, typ in enumerate(_T):
        part = df[df["type"] == typ]
        for r in part[part["units"] <= 0].head(3).itertuples():
            out.append(f"flows: {r.geo} -> {r.beneficiary} sends {int(r.units)} {typ}: a flow must be positive")
        if (part["geo"] == part["beneficiary"]).any():
            out.append(f"flows: {', '.join(sorted(set(part.loc[part['geo'] == part['beneficiary'], 'geo'])))} "
                       f"send {typ} to themselves")
        wrong = part[part["value_eur"] != part["units"] * c.u[t]]
        for r in wrong.head(3).itertuples():
            out.append(f"flows: {r.geo} -> {r.beneficiary} {typ}: value_eur {int(r.value_eur)} is not units x "
                       f"{c.u[t]} = {int(r.units) * c.u[t]}")
        sent = part.groupby("geo")["units"].sum()
        got = part.groupby("beneficiary")["units"].sum()
        for g in c.p:
            if int(sent.get(g, 0)) != c.called[g][t]:
                out.append(f"flows: {g} sends {int(sent.get(g, 0))} {typ}, called on for {c.called[g][t]}")
        for b in c.benef:
            if int(got.get(b, 0)) != c.y[b][t]:
                out.append(f"flows: {b} gets {int(got.get(b, 0))} {typ} in flows, {c.y[b][t]} in beneficiaries")
        total = c.received_total(t)
        if not proportional or total == 0:
            continue
        rows = [g for g in c.p if c.called[g][t] > 0]
        cols = [b for b in c.benef if c.y[b][t] > 0]
        x = np.zeros((len(rows), len(cols)), dtype=object)
        ri = {g: k for k, g in enumerate(rows)}
        ci = {b: k for k, b in enumerate(cols)}
        for g, b, v in zip(part["geo"], part["beneficiary"], part["units"]):
            if g in ri and b in ci:
                x[ri[g], ci[b]] = int(v)
        a = np.array([c.called[g][t] for g in rows], dtype=object)
        y = np.array([c.y[b][t] for b in cols], dtype=object)
        if not any(g in ci for g in rows):
            # Every cell within one unit of call x received / total: |x Y - a y| < Y.
            dev = np.abs(x * total - np.multiply.outer(a, y))
            bad = np.argwhere(dev >= total)
            share = [float(Fraction(int(a[i] * y[j]), total)) for i, j in bad[:1]]
        else:
            # A beneficiary that also pledges sends nothing to itself: the
            # proportional flows are the biproportional fit of the margins with
            # those cells zero (own RAS iterations, where they converge).
            fit = _biproportional([int(v) for v in a], [int(v) for v in y],
                                  [[g != b for b in cols] for g in rows])
            if fit is None:
                continue
            bad = np.argwhere(np.abs(x.astype(float) - fit) >= 1 + 1e-6)
            share = [float(fit[i, j]) for i, j in bad[:1]]
        if len(bad):
            i, j = bad[0]
            out.append(f"flows: {rows[i]} -> {cols[j]} sends {x[i, j]} {typ}, not within one unit of its "
                       f"proportional share {share[0]:.3f}")
    return out


def _biproportional(a: list[int], y: list[int], allowed: list[list[bool]], rounds: int = 1000):
    """The matrix proportional to a_i y_j, zero where not allowed, scaled by
    rows and columns to the margins a and y; None if it does not converge."""
    m = np.array(allowed, dtype=float)
    av, yv = np.array(a, dtype=float), np.array(y, dtype=float)
    x = np.outer(av, yv) / av.sum() * m
    # Margins met to a thousandth of a unit (1e-9 of the total for small pools, as
    # before), so that floors are right for pools of billions of euros; no
    # tighter than float precision allows.
    tol = max(min(1e-9 * av.sum(), 1e-3), 64 * np.finfo(float).eps * av.sum())
    for _ in range(rounds):
        rs = x.sum(axis=1)
        x *= np.divide(av, rs, out=np.zeros_like(rs), where=rs > 0)[:, None]
        cs = x.sum(axis=0)
        x *= np.divide(yv, cs, out=np.zeros_like(cs), where=cs > 0)[None, :]
        if np.abs(x.sum(axis=1) - av).max(initial=0) < tol and np.abs(x.sum(axis=0) - yv).max(initial=0) < tol:
            return x
    return None


def _check_offsets(c: _Context) -> list[str]:
    out: list[str] = []
    off, pool = c.t["offsets"], c.t["pool"]
    o, p = c.sc.offsets, c.sc.pool
    rel = {g: c.p[g][_REL] for g in c.geos}
    total = sum(rel.values())
    fair = {g: _ceil_div(c.obligation[g], c.e) for g in c.geos}
    # Art 63(1) refers to the Commission proposal; not given, the Art 12(2) minimum stands in
    proposal = p.proposal_relocations if p.proposal_relocations is not None else MIN_RELOCATIONS
    ident = o.identified_needs if o.identified_needs is not None else sum(c.need[b][_REL] for b in c.benef)
    reference = o.reference_relocations if o.reference_relocations is not None else p.relocations
    higher = max(math.ceil(o.needs_share * ident), reference)
    uncovered = sum(c.need[b][_REL] - c.y[b][_REL] for b in c.benef)
    # Mandatory offsets are owed while pledges are below the higher threshold
    # and relocation needs are left to cover; never more than those needs.
    gap = max(0, min(higher - total, uncovered)) if total < higher else 0
    status = {"art63_1_voluntary_offsets": "open" if total >= o.voluntary_share * proposal else "closed",
              "art63_3a_needs_threshold": "below" if total < o.needs_share * ident else "met",
              "art63_3b_reference_threshold": "below" if total < reference else "met",
              "art63_3_mandatory_offsets": "triggered" if gap > 0 else "not triggered"}
    for item, want in status.items():
        if item in pool.index and pool.at[item, "status"] != want:
            out.append(f"offsets: pool row {item} says {pool.at[item, 'status']}, the thresholds give {want}")
    thresholds = {"art63_1_voluntary_offsets": math.ceil(o.voluntary_share * proposal),
                  "art63_3a_needs_threshold": math.ceil(o.needs_share * ident),
                  "art63_3b_reference_threshold": reference}
    for item, ref in thresholds.items():
        if item not in pool.index:
            continue
        found = [_opt(pool.at[item, k]) for k in ("amount", "reference", "shortfall")]
        if found != [total, ref, max(0, ref - total)]:
            out.append(f"offsets: pool row {item} gives relocations {found[0]}, threshold {found[1]}, shortfall "
                       f"{found[2]}; the rule gives {total}, {ref}, {max(0, ref - total)}")
    caps = {g: max(0, fair[g] - rel[g]) for g in c.geos}
    w = c.sc.key.weights
    tp, tg = sum(c.pop.values()), sum(c.gdp.values())
    key = {g: w["population"] * c.pop[g] / tp + w["gdp_meur"] * c.gdp[g] / tg for g in c.geos}
    owed = _water_fill(gap, key, caps) if gap else {g: 0 for g in c.geos}
    if "art63_3_mandatory_offsets" in pool.index:
        found = [_opt(pool.at["art63_3_mandatory_offsets", k]) for k in ("amount", "reference", "shortfall")]
        if found[1] != gap:
            out.append(f"offsets: the mandatory gap is {found[1]}, the rule gives {gap}")
        covered = sum(_i(off.at[g, "offset"]) for g in c.geos)
        if found[0] != covered or found[2] != gap - covered:
            out.append(f"offsets: pool row art63_3_mandatory_offsets gives {found[0]} offsets owed and "
                       f"{found[2]} uncovered; the offsets table gives {covered} and {gap - covered}")
    if sorted(off.index) != sorted(c.geos):
        out.append(f"offsets: the states are {sorted(off.index)}, not the participants {sorted(c.geos)}")
    for g in c.geos:
        row = off.loc[g]
        if _i(row["offset"]) != owed[g]:
            out.append(f"offsets: {g} owes {_i(row['offset'])} offsets, the rule gives {owed[g]} "
                       "(pro rata to the key within its cap)")
        if (_i(row["obligation_relocations"]), _i(row["pledged_relocations"])) != (fair[g], rel[g]):
            out.append(f"offsets: {g}: obligation_relocations {_i(row['obligation_relocations'])} and "
                       f"relocations pledged {_i(row['pledged_relocations'])} are not its obligation in persons "
                       f"({fair[g]}) and its pledge ({rel[g]})")
        if _i(row["cap"]) != caps[g]:
            out.append(f"offsets: {g}'s cap {_i(row['cap'])} is not its fair share in persons minus its "
                       f"relocations ({fair[g]} - {rel[g]}, at least 0: {caps[g]})")
        binding = caps[g] > 0 and _i(row["offset"]) == caps[g]
        if bool(row["binding"]) != binding:
            out.append(f"offsets: {g}: binding {bool(row['binding'])}, but it owes {_i(row['offset'])} of a cap "
                       f"of {caps[g]}")
        elig = c.obligation[g] > 0 and c.e * rel[g] >= o.state_share * c.obligation[g]
        if bool(row["voluntary_eligible"]) != elig:
            out.append(f"offsets: {g}'s Art 63(2)(b) eligibility is {bool(row['voluntary_eligible'])}, the rule "
                       f"gives {elig} ({rel[g]} relocations x {c.e} against {float(o.state_share):g} x "
                       f"{c.obligation[g]})")
    return out


def _check_crisis(c: _Context) -> list[str]:
    cr = c.sc.crisis
    if cr is None:
        return [] if "crisis" not in c.t else ["crisis: a crisis table without a crisis in the scenario"]
    if "crisis" not in c.t:
        return ["crisis: the scenario has a crisis plan but the tables have none"]
    out: list[str] = []
    t = c.t["crisis"]
    off = c.t["offsets"]
    others = [g for g in c.geos if g != cr.state]
    implemented = {g: math.floor(c.state(g).implemented * c.called[g][_REL]) for g in c.geos}
    avail = {g: c.p[g][_REL] - implemented[g] + c.state(g).carried_relocations for g in c.geos}
    fair = {g: _ceil_div(c.obligation[g], c.e) for g in c.geos}
    headroom = {g: max(0, fair[g] - c.p[g][_REL] - _i(off.at[g, "offset"])) for g in c.geos}
    col = {k: {g: _i(t.at[g, k]) for g in c.geos} for k in
           ("from_unallocated", "additional", "within_fair_share", "above_fair_share", "credit_eur")}
    if any(col[k][cr.state] for k in col):
        out.append(f"crisis: {cr.state} contributes to its own plan")
    left = cr.relocations
    w = c.sc.key.weights
    tp, tg = sum(c.pop.values()), sum(c.gdp.values())
    key = {g: w["population"] * c.pop[g] / tp + w["gdp_meur"] * c.gdp[g] / tg
           for g in others if g not in c.benef}  # benefitting states take no offsets
    stages = [("from_unallocated", {g: Fraction(avail[g]) for g in others}, {g: avail[g] for g in others}),
              ("additional", {g: Fraction(cr.additional.get(g, 0)) for g in others},
               {g: cr.additional.get(g, 0) for g in others}),
              ("within_fair_share", key, headroom),
              ("above_fair_share", key, {g: None for g in others})]
    for name, weights, caps in stages:
        want = {g: 0 for g in others}
        if left > 0:
            want.update(_water_fill(left, weights, caps))
        got = {g: col[name][g] for g in others}
        if got != want:
            bad = [g for g in others if got[g] != want[g]]
            out.append(f"crisis: {name} is not what the order of sources gives (CR Art 8, 9: unallocated "
                       "pledges, additional pledges, offsets within, then above fair shares, each pro rata): "
                       + ", ".join(f"{g} {got[g]}, rule {want[g]}" for g in bad[:5]))
        left -= sum(got.values())
    for g in c.geos:
        if col["credit_eur"][g] != c.e * col["above_fair_share"][g]:
            out.append(f"crisis: {g}'s credit EUR {col['credit_eur'][g]} is not its offsets above its fair share "
                       f"x {c.e} = {c.e * col['above_fair_share'][g]}")
        parts = sum(col[k][g] for k in ("from_unallocated", "additional", "within_fair_share", "above_fair_share"))
        if _i(t.at[g, "total"]) != parts:
            out.append(f"crisis: {g} gives {_i(t.at[g, 'total'])} in all, its sources add up to {parts}")
    covered = sum(col[k][g] for g in c.geos
                  for k in ("from_unallocated", "additional", "within_fair_share", "above_fair_share"))
    item = f"crisis_plan_{cr.state}"
    pool = c.t["pool"]
    if item not in pool.index:
        out.append(f"crisis: the pool table has no row {item}")
    else:
        found = [_opt(pool.at[item, k]) for k in ("amount", "reference", "shortfall")] + [pool.at[item, "status"]]
        want_row = [covered, cr.relocations, cr.relocations - covered,
                    "covered" if covered == cr.relocations else "not covered"]
        if found != want_row:
            out.append(f"crisis: pool row {item} gives {found[0]} of {found[1]} persons covered ({found[3]}), "
                       f"the plan's table {want_row[0]} of {want_row[1]} ({want_row[3]})")
    empty = pd.DataFrame({"geo": [], "year": [], "credit_eur": []})
    cred = c.t["credits"].reset_index() if "credits" in c.t else empty
    for g in c.geos:
        amount = col["credit_eur"][g]
        base, rest = divmod(amount, cr.credit_years)
        want_rows = [base + (1 if k < rest else 0) for k in range(cr.credit_years)] if amount else []
        rows = cred[cred["geo"] == g].sort_values("year")
        if [int(v) for v in rows["credit_eur"]] != want_rows or \
                [int(v) for v in rows["year"]] != list(range(c.sc.year + 1, c.sc.year + 1 + len(want_rows))):
            out.append(f"credits: {g}'s credit of EUR {amount} is not spread evenly over {cr.credit_years} "
                       f"cycles from {c.sc.year + 1}: rows {[int(v) for v in rows['credit_eur']]}, the rule "
                       f"gives {want_rows}")
    return out


def _check_pool(c: _Context) -> list[str]:
    out: list[str] = []
    pool = c.t["pool"]
    obl = sum(c.obligation.values())
    sar_target = _half_up(c.sc.pool.sar_share * obl)
    sar_got = sum(c.u[t] * c.y[b][t] for b in c.sar for t in range(3))
    ob = c.t["obligations"]
    pledged = sum(c.value(g) for g in c.geos)
    sh = c.t["shares"]
    # item: (amount, reference, shortfall); None where the row leaves it empty
    p = c.sc.pool
    proposal = (p.proposal_relocations if p.proposal_relocations is not None else MIN_RELOCATIONS,
                p.proposal_financial_eur if p.proposal_financial_eur is not None else MIN_FINANCIAL_EUR)
    want = {"pool_value": (c.value_eur, None, None), "pool_relocations": (c.sc.pool.relocations, None, None),
            "equivalence_eur": (c.e, None, None),
            "proposal_relocations": (proposal[0], MIN_RELOCATIONS, None),  # Art 12(2): the minimum
            "proposal_financial_eur": (proposal[1], MIN_FINANCIAL_EUR, None),
            "deductions": (sum(_i(sh.at[g, "deduction_eur"]) for g in c.geos), None, None),
            "obligations": (obl, c.value_eur, None),
            "pledged_value": (pledged, obl, sum(max(0, c.obligation[g] - c.value(g)) for g in c.geos)),
            "assumed_value": (sum(_i(v) for v in ob["assumed_value_eur"]), pledged, None),
            "sar_target": (sar_got, sar_target, max(0, sar_target - sar_got))}
    for t, typ in enumerate(_T):
        need = sum(c.need[b][t] for b in c.benef)
        want[f"{typ}_pledged"] = (c.pledged_total(t), need, None)
        want[f"{typ}_received"] = (c.received_total(t), need, need - c.received_total(t))
    thresholds = ("art63_1_voluntary_offsets", "art63_3a_needs_threshold", "art63_3b_reference_threshold",
                  "art63_3_mandatory_offsets")  # checked with the offsets
    for item in [*want, *thresholds]:
        if item not in pool.index:
            out.append(f"pool: the row {item} is missing")
            continue
        if item not in want:
            continue
        v = want[item]
        found = tuple(_opt(pool.at[item, k]) for k in ("amount", "reference", "shortfall"))
        for k, f, w in zip(("amount", "reference", "shortfall"), found, v):
            if f != w:
                what = item if k == "amount" else f"{item} {k}"
                out.append(f"pool: {what} is {f}, re-derived {w}"
                           + (f" (round({float(c.sc.pool.sar_share):g} x obligations {obl}) = {sar_target})"
                              if item == "sar_target" and k == "reference" else ""))
    return out


def _text(v) -> str:
    return "" if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v)


def _pool_texts(c: _Context) -> dict[str, tuple[str, str]]:
    """Each pool row's (status, rule) as the verifier states them from the
    scenario and the re-derived numbers (the statuses of the Art 63 and
    crisis rows are checked with their numbers, by the offsets and crisis
    checks)."""
    p = c.sc.pool
    # Art 63(1) refers to the Commission's proposal; when a scenario does not
    # give it, the Art 12(2) minimum is assumed (never the adopted pool).
    given = (p.proposal_relocations is not None, p.proposal_financial_eur is not None)
    proposal = (p.proposal_relocations if given[0] else MIN_RELOCATIONS,
                p.proposal_financial_eur if given[1] else MIN_FINANCIAL_EUR)
    uncovered = sum(c.need[b][_REL] - c.y[b][_REL] for b in c.benef)
    below = "below Art 12(2) minimum"

    def proposal_row(k: int, article: str, minimum: int) -> tuple[str, str]:
        status = "assumed" if not given[k] else below if proposal[k] < minimum else ""
        return status, (f"{article}: the Commission proposal"
                        + ("" if given[k] else " (not given: the Art 12(2) minimum is assumed)"))

    texts = {
        "pool_value": ("", "Art 57(1): the adopted pool, F EUR (or R x e without money)"),
        "pool_relocations": ("", "Art 57(1): the same pool in persons; not a target states must meet"),
        "equivalence_eur": ("", "recital 15: EUR per relocation" + ("" if p.equivalence_eur else " (default F / R)")),
        "proposal_relocations": proposal_row(0, "Art 12(2)(a)", MIN_RELOCATIONS),
        "proposal_financial_eur": proposal_row(1, "Art 12(2)(b)", MIN_FINANCIAL_EUR),
        "deductions": ("", "Art 61, 62" + (": redistributed to the others" if p.redistribute_deductions
                                           else ": not redistributed, the pool shrinks")),
        "obligations": ("", "the pool after deductions, redistribution and credits"),
        "pledged_value": ("", "Art 56(2): relocations at e; shortfall = unmet obligations"),
        "assumed_value": ("", "pledged value whose source is assumed (the state stated nothing; the model chose)"),
        "third_country_eur": ("", "Art 56(2)(b), Art 64: money earmarked for actions in or in relation to "
                                  "third countries; in the fair shares, not distributed to the benefitting states"),
        "sar_target": ("", f"Art 57(2): sar_share {float(p.sar_share):g} of the obligations, to SAR states "
                           "(a target, not a floor)"),
        "art63_1_voluntary_offsets": (None, "Art 63(1): relocation pledges >= voluntary_share x the Commission "
                                            "proposal's number"),
        "art63_3a_needs_threshold": (None, "Art 63(3)(a): needs_share x identified relocation needs [param]"),
        "art63_3b_reference_threshold": (None, "Art 63(3)(b): reference_relocations [param], default the adopted "
                                               "pool's R"),
        "art63_3_mandatory_offsets": (None, "Art 63(3), 63(7): gap to the higher threshold, at most the uncovered "
                                            f"relocation needs ({group(uncovered)}); shared pro rata to the key "
                                            "within each state's cap"),
    }
    for typ in _T:
        texts[f"{typ}_pledged"] = ("", "measured against the beneficiaries' needs")
        texts[f"{typ}_received"] = ("", "Art 60(2): distributed by needs")
    if c.sc.crisis is not None:
        texts[f"crisis_plan_{c.sc.crisis.state}"] = (None, "CR Art 8, 9: unallocated pledges, additional pledges, "
                                                           "then offsets")
    return cast(dict[str, tuple[str, str]], texts)


def _check_texts(c: _Context) -> list[str]:
    """The derived texts of the tables: each pool row's rule and status, each
    state's status in shares (from the scenario)."""
    out: list[str] = []
    pool = c.t["pool"]
    texts = _pool_texts(c)
    for item in pool.index:
        if item not in texts:
            out.append(f"texts: the pool table has a row {item} that no rule gives")
            continue
        status, rule = texts[item]
        if _text(pool.at[item, "rule"]) != rule:
            out.append(f"texts: pool row {item} says rule '{_text(pool.at[item, 'rule'])}', the scenario gives "
                       f"'{rule}'")
        if status is not None and _text(pool.at[item, "status"]) != status:
            out.append(f"texts: pool row {item} says status '{_text(pool.at[item, 'status'])}', the rule gives "
                       f"'{status}'")
    sh = c.t["shares"]
    for g in c.geos:
        if g in sh.index and _text(sh.at[g, "status"]) != c.state(g).status.value:
            out.append(f"texts: shares: {g}'s status is '{_text(sh.at[g, 'status'])}', the scenario's "
                       f"'{c.state(g).status.value}'")
    return out


def _deviation_order(c: _Context, g: str, q: list[int]) -> int:
    """The weighted deviation the deviation-order rule minimises: a deviation
    falls on money first (weight 1), then alternative measures (2), then
    relocations (3), each in EUR (the verifier's own weights)."""
    ref = c.reference(g)
    return sum(w * c.u[t] * abs(q[t] - ref[t]) for t, w in ((_REL, 3), (_FIN, 1), (_ALT, 2)))


def _stated_deviation(c: _Context, g: str, q: list[int]) -> int:
    """Deviation from the stated preference in EUR, as ``_check_pledges`` and
    ``_check_stated`` count it."""
    ref = c.reference(g)
    return sum(c.u[t] * abs(q[t] - ref[t]) for t in range(3))


def _check_deviation_order(c: _Context) -> list[str]:
    """A forced deviation falls on money, then alternative measures, then
    relocations: no stated state's pledge can move value (one person = e
    EUR, or e EUR or one euro between money and alternative measures) from a
    later type to an earlier one within its limits without adding to its
    deviation. Under priority ``needs`` the needs come first: not checked."""
    if c.needs_priority:
        return []
    out: list[str] = []
    art57 = _art57_caps(c)
    requested = sum(c.need[b][_ALT] for b in c.benef)
    for g in c.geos:
        if not c.stated(g):
            continue
        lo, hi = c.bounds(g)
        hi = list(hi)
        if g in art57:
            hi[_ALT] = art57[g] if hi[_ALT] is None else min(cast(int, hi[_ALT]), art57[g])
        room_alt = requested - c.pledged_total(_ALT)  # requests left for more alternative measures
        if g in c.benef:
            others = sum(c.need[b][_ALT] for b in c.benef if b != g)
            hi[_ALT] = others if hi[_ALT] is None else min(cast(int, hi[_ALT]), others)
        p = c.p[g]
        # (from, to, units taken from `from`, units added to `to`): equal value
        moves = [(_REL, _FIN, 1, c.e), (_REL, _ALT, 1, c.e), (_ALT, _FIN, 1, 1)]
        for a, b, da, db in moves:
            q = list(p)
            q[a] -= da
            q[b] += db
            if q[a] < lo[a] or (hi[b] is not None and q[b] > cast(int, hi[b])):
                continue
            if b == _ALT and db > room_alt:
                continue
            if b == _FIN and not _money_room(c, g, more=True, amount=db):
                continue
            if _stated_deviation(c, g, q) <= _stated_deviation(c, g, p) and \
                    _deviation_order(c, g, q) < _deviation_order(c, g, p):
                out.append(f"deviation order: {g} deviates from its stated preference {c.reference(g)} in "
                           f"{_T[a]} although {_T[b]} could take it (pledges {p}; {q} deviates no more): a "
                           "forced deviation falls on money, then alternative measures, then relocations")
                break
    return out


def verify_ledger(ledger, instalments: pd.DataFrame | None = None,
                  own: Mapping[tuple[str, int], int] | None = None) -> list[str]:
    """Re-check a multi-year ledger table row by row and year to year.

    With ``instalments`` (the cycle's ``credits`` tables: ``geo``, ``year``
    the instalment is usable in, ``credit_eur``; see :func:`ledger_instalments`)
    and ``own`` ((geo, year) -> the credit the year's scenario gives before
    anything is carried), the credit available each year is re-derived from
    the credits earned and used over the whole ledger::

        available(y) = own(y) + available(y-1) - used(y-1) + instalments due in y

    and each year's earned credit must be the sum of its instalments.
    """
    out: list[str] = []
    rows = ledger.reset_index().sort_values(["geo", "year"]).to_dict("records")
    last: dict[str, dict] = {}
    due: dict[tuple[str, int], int] = {}
    spread: dict[tuple[str, int], int] = {}
    if instalments is not None:
        for r in instalments.reset_index().to_dict("records"):
            key = (str(r["geo"]), int(r["year"]))
            due[key] = due.get(key, 0) + int(r["credit_eur"])
            src = (str(r["geo"]), int(r["earned_in"]))
            spread[src] = spread.get(src, 0) + int(r["credit_eur"])
    for r in rows:
        g, y = r["geo"], int(r["year"])
        if not 0 <= r["credit_used_eur"] <= r["credit_available_eur"]:
            out.append(f"{g} {y}: credit used {r['credit_used_eur']} outside 0..{r['credit_available_eur']}")
        if not 0 <= r["implemented_value_eur"] <= r["pledged_value_eur"]:
            out.append(f"{g} {y}: implemented value {r['implemented_value_eur']} outside "
                       f"0..{r['pledged_value_eur']} (the value pledged)")
        prev = last.get(g)
        if prev is not None and r["carried_in_relocations"] != prev["carried_out_relocations"]:
            out.append(f"{g} {y}: carried in {r['carried_in_relocations']}, "
                       f"but {prev['carried_out_relocations']} were carried out in {y - 1}")
        if prev is not None and r["credit_available_eur"] < prev["credit_available_eur"] - prev["credit_used_eur"]:
            out.append(f"{g} {y}: unused credit from {y - 1} was lost")
        if instalments is not None and own is not None:
            left = int(prev["credit_available_eur"]) - int(prev["credit_used_eur"]) if prev is not None else 0
            want = own.get((g, y), 0) + left + due.get((g, y), 0)
            if int(r["credit_available_eur"]) != want:
                out.append(f"{g} {y}: credit available EUR {int(r['credit_available_eur'])}, the ledger gives EUR "
                           f"{want} (its own {own.get((g, y), 0)} + unused from {y - 1} {left} + instalments "
                           f"due {due.get((g, y), 0)})")
            if int(r["credit_earned_eur"]) != spread.get((g, y), 0):
                out.append(f"{g} {y}: credit earned EUR {int(r['credit_earned_eur'])}, its instalments add up to "
                           f"EUR {spread.get((g, y), 0)}")
        last[g] = r
    return out


def ledger_instalments(credits: Mapping[int, pd.DataFrame]) -> pd.DataFrame:
    """The cycle's credit instalments from each year's ``credits`` table
    (year earned -> table): ``geo``, ``year`` (usable in), ``credit_eur``,
    ``earned_in``."""
    parts = []
    for year, t in sorted(credits.items()):
        df = t.reset_index()[["geo", "year", "credit_eur"]].copy()
        df["earned_in"] = year
        parts.append(df)
    if not parts:
        return pd.DataFrame({"geo": [], "year": [], "credit_eur": [], "earned_in": []})
    return pd.concat(parts, ignore_index=True)
