"""The 2016 Dublin IV proposal's corrective allocation mechanism, month by month.

Proposal for a Regulation establishing the criteria and mechanisms for
determining the Member State responsible (recast), COM(2016) 270 final
(reissued as COM(2016) 270 final/2, Council doc 8715/1/16 REV 1), Chapter VII
(the corrective allocation mechanism), never adopted. The rules applied here,
each checked against a text read (sources in docs/designs-dublin4.md):

- Art 35 and Annex I [Annex number unverified]: the reference key, 50 %
  population and 50 % total GDP of the states bound (the participants).
- Art 34(3) [unverified]: a state's reference number is its key share of
  the applications in the Union over the preceding 12 months (``window``).
  Neither the paragraph, nor the 12 months, nor whether the proposal adds
  persons effectively resettled was read; no monthly series gives resettled
  persons, so none are counted (stated in meta).
- Art 34(2) [paragraph unverified]: the mechanism applies to a state whose
  applications (those it is responsible for) exceed 150 % of its reference
  number (``trigger_percent``).
- Art 36(1): new applications lodged in that state are allocated to the
  states below 100 % of their reference number (``receive_below_percent``),
  in proportion to the key among them; a state stops receiving once it
  reaches 100 %. The allocation continues as long as the state is above
  150 % (cessation article, Art 43, [unverified article number]).
- Art 37(1), (3): a state may opt out for 12 months; the applicants it would
  have received go to the others; it pays a solidarity contribution of EUR
  250 000 per applicant who would have been allocated to it, to the state
  that takes the person instead (``contribution_eur``); which of the two
  paragraphs holds the amount was not read [unverified].

Where the text leaves a choice: the allocation is a deterministic pro-rata
sequence (an exact whole-person apportionment of each month's persons with a
named method, :mod:`solidarity.pact.apportionment`), not a random draw; within
a month every state's count is taken once (monthly data has no order within
the month). Whole persons and whole euros throughout; the reference numbers
are exact fractions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import pandas as pd

from ..schema import Method
from .apportionment import apportion

#: The acts, for meta and the rule column.
ACT = "COM(2016) 270 (Dublin IV proposal)"

#: The columns of the monthly record, one row per state and month.
MONTH_COLUMNS = ("lodged", "responsible", "reference", "triggered", "eligible", "demand", "would_receive",
                 "allocated_in", "allocated_out", "responsible_after", "pays_eur", "receives_eur")


@dataclass(frozen=True)
class Rules:
    """The mechanism's parameters (see :mod:`solidarity.inputs.design_dublin4`)."""

    trigger_percent: int = 150  #: Art 34(2) [paragraph unverified]
    receive_below_percent: int = 100  #: Art 36(1)
    contribution_eur: int = 250_000  #: Art 37(1), (3)
    method: Method = Method.HAMILTON
    rolling: bool = True  #: Art 34(3): the preceding 12 months; False: the calendar year so far
    opt_out: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Outcome:
    """The simulated year.

    Attributes
    ----------
    key : state -> exact key share (Art 35).
    months : the simulated months, ``YYYY-MM``.
    monthly : one row per (geo, month) with :data:`MONTH_COLUMNS`
        (``reference`` an exact Fraction; the rest whole numbers or flags).
    """

    key: dict[str, Fraction]
    months: tuple[str, ...]
    monthly: pd.DataFrame

    def totals(self) -> pd.DataFrame:
        """Per state over the simulated months: persons in and out, euros, months triggered."""
        m = self.monthly
        g = m.groupby(level="geo", sort=True)
        return pd.DataFrame({"allocated_in": g["allocated_in"].sum(), "allocated_out": g["allocated_out"].sum(),
                             "pays_eur": g["pays_eur"].sum(), "receives_eur": g["receives_eur"].sum(),
                             "lodged": g["lodged"].sum(), "months_triggered": g["triggered"].sum()})


def reference_key(population: Mapping[str, Fraction], gdp: Mapping[str, Fraction]) -> dict[str, Fraction]:
    """Art 35 and Annex I: 50 % share of population plus 50 % share of total GDP."""
    p, y = sum(population.values()), sum(gdp.values())
    return {g: Fraction(1, 2) * Fraction(population[g]) / p + Fraction(1, 2) * Fraction(gdp[g]) / y
            for g in sorted(population)}


def window(months: Sequence[str], i: int, rolling: bool) -> list[str]:
    """The months counted for month ``months[i]`` (Art 34(3)): the 12 up to it, or its calendar year so far."""
    m = months[i]
    if rolling:
        return list(months[max(0, i - 11):i + 1])
    return [x for x in months[:i + 1] if x[:4] == m[:4]]


def capped_share(house: int, weights: Mapping[str, Fraction | int], caps: Mapping[str, int],
                 method: Method) -> dict[str, int]:
    """``house`` whole persons in proportion to ``weights``, none above its cap.

    A state whose apportioned number exceeds its cap gets its cap and leaves;
    the rest is apportioned again among the others (Art 36: a state stops
    receiving once it reaches 100 %). ``house`` must not exceed the caps' sum.
    """
    out = {g: 0 for g in weights}
    active = {g: w for g, w in weights.items() if caps[g] > 0}
    while house > 0:
        seats = apportion(active, house, method).seats
        over = [g for g in active if seats[g] > caps[g]]
        if not over:
            out.update(seats)
            return out
        for g in over:
            out[g] = caps[g]
            house -= caps[g]
            del active[g]
    return out


Counts = dict[str, dict[str, int]]  #: state -> month -> persons


def counts_of(frame: pd.DataFrame) -> Counts:
    """A frame (index geo, one column per month) as plain whole numbers."""
    return {str(g): {str(m): int(v) for m, v in row.items()} for g, row in frame.to_dict("index").items()}


def _month(key: Mapping[str, Fraction], lodged: Counts, done: Counts, months: Sequence[str],
           i: int, rules: Rules) -> dict[str, dict]:
    """One month of the mechanism: who is triggered, who receives, and how many.

    Long because Art 34 (trigger), Art 36 (pro-rata allocation up to 100 %)
    and Art 37 (opt-outs and their contributions) act on the same month's
    counts and must be read together.
    """
    win = window(months, i, rules.rolling)
    m = months[i]
    union = sum(lodged[g][w] for g in key for w in win)  # Art 34(3): all applications in the Union
    rows: dict[str, dict] = {}
    for g in key:
        ref = key[g] * union
        resp = sum(lodged[g][w] - done[g][w] for w in win)  # after earlier allocations
        trig = resp * 100 > rules.trigger_percent * ref  # Art 34(2)
        floor_t = math.floor(rules.trigger_percent * ref / 100)
        demand = min(lodged[g][m], resp - floor_t) if trig else 0  # while above 150 % (Art 43 [unverified])
        elig = not trig and resp * 100 < rules.receive_below_percent * ref  # Art 36(1): below the reference number
        cap = math.ceil(rules.receive_below_percent * ref / 100 - resp) if elig else 0
        rows[g] = {"lodged": lodged[g][m], "responsible": resp, "reference": ref, "triggered": trig,
                   "eligible": elig, "demand": demand, "cap": cap, "would_receive": 0, "allocated_in": 0,
                   "allocated_out": 0, "pays_eur": 0, "receives_eur": 0}
    senders = {g: r["demand"] for g, r in rows.items() if r["demand"] > 0}
    takers = [g for g, r in rows.items() if r["eligible"]]
    caps = {g: rows[g]["cap"] for g in takers}
    placed = min(sum(senders.values()), sum(caps.values()))
    if placed > 0:
        # Art 36: everyone below 100 % in proportion to the key, as if nobody had opted out ...
        would = capped_share(placed, {g: key[g] for g in takers}, caps, rules.method)
        # ... Art 37: the persons of states that opted out go to the others, within their room.
        opted = sum(would[g] for g in takers if g in rules.opt_out)
        rest = [g for g in takers if g not in rules.opt_out]
        room = {g: caps[g] - would[g] for g in rest}
        again = min(opted, sum(room.values()))
        extra = capped_share(again, {g: key[g] for g in rest}, room, rules.method) if rest else {}
        would_out = capped_share(placed, senders, senders, rules.method)
        out = capped_share(placed - (opted - again), senders, would_out, rules.method)
        for g in takers:
            r = rows[g]
            r["would_receive"] = would[g]
            if g in rules.opt_out:  # Art 37(1), (3): receives nobody, pays for whom it would have received
                r["pays_eur"] = rules.contribution_eur * would[g]
            else:  # the contribution goes to the state that takes the person instead
                r["allocated_in"] = would[g] + extra.get(g, 0)
                r["receives_eur"] = rules.contribution_eur * extra.get(g, 0)
        for g in senders:  # persons nobody could take stay with the sender, which is paid for them
            rows[g]["allocated_out"] = out[g]
            rows[g]["receives_eur"] += rules.contribution_eur * (would_out[g] - out[g])
    for r in rows.values():
        r["responsible_after"] = r["responsible"] - r["allocated_out"] + r["allocated_in"]
        del r["cap"]
    return rows


def simulate(key: Mapping[str, Fraction], lodged: pd.DataFrame, first: str, rules: Rules) -> Outcome:
    """Run the mechanism over the months of ``lodged`` from ``first`` on.

    Parameters
    ----------
    key : state -> key share (:func:`reference_key`), the states bound.
    lodged : whole applications lodged, index geo (every key state), one
        column per month in order; the months before ``first`` (no allocation
        yet) fill the window of the first months simulated.
    first : the first month simulated (a column of ``lodged``).
    rules : the parameters.
    """
    months = [str(c) for c in lodged.columns]
    counts = counts_of(lodged.loc[sorted(key), months])
    # done[g][m]: allocated out minus allocated in, in month m (0 before the mechanism runs)
    done = {g: dict.fromkeys(months, 0) for g in counts}
    records = []
    start = months.index(first)
    for i in range(start, len(months)):
        rows = _month(key, counts, done, months, i, rules)
        for g, r in rows.items():
            done[g][months[i]] = r["allocated_out"] - r["allocated_in"]
            records.append({"geo": g, "month": months[i], **r})
    monthly = pd.DataFrame(records, columns=["geo", "month", *MONTH_COLUMNS]).set_index(["geo", "month"])
    return Outcome(key=dict(key), months=tuple(months[start:]), monthly=monthly.sort_index())
