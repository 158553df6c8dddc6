"""The law of the 2020 Pact proposal: key, fair shares, correction, return sponsorship.

Acts (never adopted as proposed):

- COM(2020) 610, proposal for a Regulation on asylum and migration
  management, Part IV (solidarity): the contribution types of Art 45(1)
  (read in a public copy of the text): (a) relocation of applicants, (b)
  return sponsorship, (c) relocation of beneficiaries of protection, (d)
  capacity building and operational support; the search-and-rescue pool of
  Art 47-49; the correction of Art 52-53; the key of Art 54; return
  sponsorship in Art 55; distribution in Art 57.
- COM(2020) 613, the crisis proposal: Part IV applies in a crisis except
  Art 45(1)(d), Art 47-49, 51(3)(b)(iii) and (4), 52(2) and (5), and the
  second and third subparagraphs of 53(2) (its Art 2(1), read): so no
  capacity building and no SAR pool in a crisis (the scenario is refused,
  :mod:`solidarity.inputs.design_pact2020`); the return-sponsorship deadline
  of 4 months instead of 8.

Confirmed from a text read (sources in docs/designs-pact2020.md): Art
45(1)(b) is return sponsorship and Art 55 sets it out, Art 53 is the
solidarity for a state under migratory pressure (Council doc 13261/20); a
person not returned within 8 months is transferred to the sponsoring state
(press reports of the proposal); the correction's "more than 30 % short" and
"at least half of their fair share", by relocation or return sponsorship at
the state's choice (the Commission's summary); a key of population and GDP.
What could not be read in the acts' text is marked **[unverified]** and is a
parameter with a stated default (``solidarity.inputs.design_pact2020``):

- Art 54 [unverified]: the key, 50 % population and 50 % total GDP, over the
  states bound to contribute (the participants other than the benefitting
  states), so that their fair shares add up to the pool.
- Art 52-53 [paragraphs unverified; rule from the Commission's own summary]:
  if the relocations and sponsorships pledged fall more than 30 % short of
  the need, each state whose relocations plus sponsorships are below half
  its fair share is topped up to that half, by relocation or return
  sponsorship at its choice (the summary says "Member States that didn't
  pledge"; a state that pledged less than half is read as not having
  pledged its half).
- Art 55(2) [paragraph unverified]: a sponsored person not returned within
  8 months is transferred to the sponsoring state; 4 months in a crisis
  (COM(2020) 613) [unverified].
- Art 47-49 [unverified details]: the SAR pool is distributed by the same
  key, as relocations only.
- Art 57 [unverified]: relocations and sponsorships go to the benefitting
  states in proportion to their needs.

Pure functions; whole persons everywhere; exact fractions for the key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from ..inputs.design_pact2020 import Choice, Pledge, Settings
from ..schema import Method
from .apportionment import apportion, half_up

#: Months a sponsoring state has to return a person before it is transferred to it.
DEADLINE_MONTHS = 8  #: Art 55 COM(2020) 610 (8 months read in press reports; paragraph (2) unverified)
CRISIS_DEADLINE_MONTHS = 4  #: COM(2020) 613 [unverified]


def deadline_months(crisis: bool) -> int:
    """The return-sponsorship deadline: 8 months, 4 in a crisis (Art 55(2); COM(2020) 613)."""
    return CRISIS_DEADLINE_MONTHS if crisis else DEADLINE_MONTHS


def key_shares(population: Mapping[str, Fraction], gdp: Mapping[str, Fraction]) -> dict[str, Fraction]:
    """Art 54 [unverified]: 50 % population, 50 % total GDP, over the states given (exact)."""
    tp, tg = sum(population.values(), Fraction(0)), sum(gdp.values(), Fraction(0))
    return {g: Fraction(1, 2) * population[g] / tp + Fraction(1, 2) * gdp[g] / tg for g in sorted(population)}


def fair_shares(key: Mapping[str, Fraction], pool: int, method: Method) -> dict[str, int]:
    """Each state's fair share of the pool in whole persons (``method``; hamilton adds up to the pool)."""
    return dict(apportion(key, pool, method).seats)


def shortfall_share(need: int, pledged: int) -> Fraction:
    """How far the pledges fall short of the need, as a share of it (0 when met or no need)."""
    return Fraction(max(0, need - pledged), need) if need else Fraction(0)


def correction_triggered(need: int, pledged: int, trigger: Fraction) -> bool:
    """Art 52-53 [per the Commission's summary]: pledges fall *more than* ``trigger`` short of the need."""
    return need - pledged > trigger * need


def correction_floor(fair_share: int, share: Fraction) -> int:
    """The least a corrected state covers: ``share`` of its fair share, rounded up to whole
    persons ("at least half")."""
    return math.ceil(share * fair_share)


def split_topup(topup: int, pledge: Pledge, choice: Choice) -> tuple[int, int]:
    """A top-up as (relocations, sponsorships), as the state chose (Art 52-53: "at its choice").

    ``proportional``: in the proportion of its own pledged relocations and
    sponsorships, the sponsorships rounded to the nearest person (halves up),
    relocations the rest; a state that pledged neither tops up by relocation.
    """
    if choice is Choice.RELOCATION:
        return topup, 0
    if choice is Choice.SPONSORSHIP:
        return 0, topup
    own = pledge.relocations + pledge.sponsorships
    if own == 0:
        return topup, 0
    spo = half_up(Fraction(topup * pledge.sponsorships, own))
    return topup - spo, spo


def returns_expected(sponsorships: int, rate: Fraction) -> int:
    """Persons expected to be returned within the deadline: ``rate x sponsorships``, rounded down
    (a person is returned or not; rounding down does not understate the transfers)."""
    return math.floor(rate * sponsorships)


@dataclass(frozen=True)
class StateOutcome:
    """One bound state under the design (whole persons; EUR for capacity)."""

    key_share: Fraction
    fair_share: int
    pledge: Pledge
    floor: int  #: correction floor (0 when the correction is not triggered)
    topup_relocations: int
    topup_sponsorships: int
    sar_relocations: int

    @property
    def topup(self) -> int:
        return self.topup_relocations + self.topup_sponsorships

    @property
    def relocations(self) -> int:
        return self.pledge.relocations + self.topup_relocations

    @property
    def sponsorships(self) -> int:
        return self.pledge.sponsorships + self.topup_sponsorships


@dataclass(frozen=True)
class Outcome:
    """The design's outcome for one pool."""

    need: int
    pledged: int  #: relocations + sponsorships pledged, before the correction
    triggered: bool
    states: dict[str, StateOutcome]
    returns: dict[str, int]
    transfers: dict[str, int]
    deadline_months: int
    flows: dict[tuple[str, str], tuple[int, int, int, int]]  #: (geo, beneficiary) -> rel, spo, transfers, sar


def _correct(fair: Mapping[str, int], settings: Settings, triggered: bool) -> dict[str, tuple[int, int, int]]:
    """Per state (floor, top-up relocations, top-up sponsorships) under Art 52-53."""
    out = {}
    for g, f in fair.items():
        p = settings.pledge(g)
        floor = correction_floor(f, settings.correction_share) if triggered else 0
        topup = max(0, floor - p.relocations - p.sponsorships)
        out[g] = (floor, *split_topup(topup, p, settings.choice(g)))
    return out


def distribute(amounts: Mapping[str, int], needs: Mapping[str, int]) -> dict[tuple[str, str], int]:
    """Art 57 [unverified]: each contributor's amount to the benefitting states in proportion to
    their needs (largest remainder per contributor, so each contributor's row adds up exactly)."""
    weights = {b: n for b, n in needs.items() if n > 0}
    out: dict[tuple[str, str], int] = {}
    for g, a in amounts.items():
        seats = apportion(weights, a, Method.HAMILTON).seats if weights else {}
        for b in needs:
            out[(g, b)] = int(seats.get(b, 0))
    return out


def compute(population: Mapping[str, Fraction], gdp: Mapping[str, Fraction], need: int,
            needs: Mapping[str, int], sar_needs: Mapping[str, int], settings: Settings) -> Outcome:
    """The 2020 design for the bound states (the keys of ``population`` and ``gdp``).

    Parameters
    ----------
    population, gdp : exact indicator values of the bound states.
    need : relocations and sponsored returns needed (the pool).
    needs : each benefitting state's relocation need (weights of the distribution, Art 57).
    sar_needs : the weights for the SAR pool (the benefitting states with SAR disembarkations).
    settings : the design's parameters.
    """
    key = key_shares(population, gdp)
    fair = fair_shares(key, need, settings.method)
    sar = fair_shares(key, settings.sar_relocations, settings.method)
    pledged = sum(settings.pledge(g).relocations + settings.pledge(g).sponsorships for g in key)
    triggered = correction_triggered(need, pledged, settings.shortfall_trigger)
    corr = _correct(fair, settings, triggered)
    states = {g: StateOutcome(key[g], fair[g], settings.pledge(g), corr[g][0], corr[g][1], corr[g][2], sar[g])
              for g in key}
    returns = {g: returns_expected(s.sponsorships, settings.return_rate) for g, s in states.items()}
    transfers = {g: s.sponsorships - returns[g] for g, s in states.items()}
    rel = distribute({g: s.relocations for g, s in states.items()}, needs)
    spo = distribute({g: s.sponsorships for g, s in states.items()}, needs)
    sar_flows = distribute(sar, sar_needs) if sar_needs else {}
    tra: dict[tuple[str, str], int] = {}
    for g in states:  # a state's transfers come from the states it sponsors for, pro rata
        weights = {b: spo[(g, b)] for b in needs if spo[(g, b)] > 0}
        seats = apportion(weights, transfers[g], Method.HAMILTON).seats if weights else {}
        tra.update({(g, b): int(seats.get(b, 0)) for b in needs})
    flows = {(g, b): (rel.get((g, b), 0), spo.get((g, b), 0), tra.get((g, b), 0), sar_flows.get((g, b), 0))
             for g in states for b in sorted(set(needs) | set(sar_needs))}
    return Outcome(need, pledged, triggered, states, returns, transfers, deadline_months(settings.crisis),
                   {k: v for k, v in flows.items() if any(v)})


__all__ = ["CRISIS_DEADLINE_MONTHS", "DEADLINE_MONTHS", "Outcome", "StateOutcome", "compute",
           "correction_floor", "correction_triggered", "deadline_months", "distribute", "fair_shares",
           "key_shares", "returns_expected", "shortfall_share", "split_topup"]
