"""Stage 5b: the Pact's rules applied after pledges are known.

Pure functions over whole numbers; each returns a small typed result that the
report turns into a table and the verifier checks again.

* :func:`capped_apportion` -- whole units in proportion to a key, no one above
  a cap (the building block of offsets and crisis shares).
* :func:`offsets` -- responsibility offsets (Art 63, 69 AMMR).
* :func:`crisis_plan` -- a Solidarity Response Plan (CR Art 4, 8, 9) and the
  credits it earns.
* :func:`spread_credit` -- a credit spread over the next cycles.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from .apportionment import bounded


def capped_apportion(total: int, key: Mapping[str, Fraction | int], caps: Mapping[str, int | None]
                     ) -> dict[str, int]:
    """Whole units summing to ``min(total, sum(caps))``, proportional to ``key``
    among the states below their cap.

    States whose proportional share reaches their cap get the cap; the rest is
    shared again among the others (water-filling) and rounded by largest
    remainder (:func:`~solidarity.pact.apportionment.bounded`). A cap of None
    means no cap. States with a zero key or zero cap get 0.
    """
    geos = sorted(key)
    if not geos:
        return {}
    cap = [caps.get(g) for g in geos]
    cap = [0 if key[g] == 0 else c for g, c in zip(geos, cap)]
    if all(c is not None for c in cap):
        total = min(total, sum(c for c in cap if c is not None))
    if total <= 0 or all(key[g] == 0 for g in geos):
        return {g: 0 for g in geos}
    units = bounded(total, [key[g] for g in geos], [0] * len(geos), cap).units
    return dict(zip(geos, units))


# --- offsets (Art 63) ----------------------------------------------------------

@dataclass(frozen=True)
class OffsetParams:
    """Art 63 thresholds, all [param] in the spec (wording of 63(3) partly unverified)."""

    proposal_relocations: int  #: Art 63(1): relocation number in the Commission proposal
    identified_needs: int  #: Art 63(3)(a): identified relocation needs
    reference_relocations: int  #: Art 63(3)(b): default the adopted pool's R
    voluntary_share: Fraction = Fraction(1, 2)  #: Art 63(1): pool pledges >= this x proposal
    state_share: Fraction = Fraction(1, 2)  #: Art 63(2)(b): e x own pledge >= this x fair share
    needs_share: Fraction = Fraction(3, 5)  #: Art 63(3)(a): this x identified needs


@dataclass(frozen=True)
class Offsets:
    """Outcome of the Art 63 tests and the mandatory offsets per state."""

    pledged: int  #: relocations pledged in the pool
    voluntary_threshold: Fraction  #: Art 63(1): voluntary_share x proposal relocations
    voluntary_open: bool
    needs_threshold: Fraction  #: Art 63(3)(a)
    reference_threshold: int  #: Art 63(3)(b)
    triggered: bool  #: pledges below the higher of the two, with relocation needs left to cover
    uncovered_needs: int  #: relocation needs not covered by the pool
    gap: int  #: offsets to share: up to the higher threshold, at most the uncovered needs
    fair: Mapping[str, int]  #: fair share in persons (after deduction): the cap basis
    pledges: Mapping[str, int]
    caps: Mapping[str, int]
    owed: Mapping[str, int]
    state_voluntary: Mapping[str, bool]  #: Art 63(2)(b)

    @property
    def covered(self) -> int:
        return sum(self.owed.values())

    @property
    def uncovered(self) -> int:
        return self.gap - self.covered

    @property
    def higher_threshold(self) -> int:
        return max(math.ceil(self.needs_threshold), self.reference_threshold)


def offsets(fair: Mapping[str, int], pledged: Mapping[str, int], key: Mapping[str, Fraction],
            uncovered_needs: int, params: OffsetParams, obligation_eur: Mapping[str, int],
            rate: int) -> Offsets:
    """Apply Art 63 to relocation pledges.

    Parameters
    ----------
    fair : each state's fair share in persons after deduction (its relocation
        equivalent, the basis of the Art 63(7) cap).
    pledged : relocations pledged per state.
    key : distribution key shares (offsets are shared pro rata to it).
    uncovered_needs : beneficiaries' relocation needs the pool leaves uncovered.
    obligation_eur, rate : each state's fair share in EUR after deduction and
        the EUR per relocation, for Art 63(2)(b): ``e x pledged >= state_share x V``.

    Notes
    -----
    Mandatory offsets (Art 63(3)) are triggered when relocation pledges are
    below the higher of ``needs_share x identified_needs`` and
    ``reference_relocations`` while relocation needs are left uncovered; the
    gap to that number, never more than the uncovered needs, is shared pro rata to the key, each state owing at most
    its fair share in persons minus its pledge (Art 63(7)), whole persons
    adding up exactly to ``min(gap, sum of caps)``.
    """
    total = sum(pledged.values())
    needs_thr = params.needs_share * params.identified_needs
    higher = max(math.ceil(needs_thr), params.reference_relocations)
    gap = max(0, min(higher - total, uncovered_needs)) if total < higher else 0
    triggered = gap > 0
    caps = {g: max(0, fair[g] - pledged.get(g, 0)) for g in fair}
    owed = capped_apportion(gap, key, caps) if gap else {g: 0 for g in fair}
    return Offsets(
        pledged=total, voluntary_threshold=params.voluntary_share * params.proposal_relocations,
        voluntary_open=total >= params.voluntary_share * params.proposal_relocations,
        needs_threshold=needs_thr, reference_threshold=params.reference_relocations,
        triggered=triggered, uncovered_needs=uncovered_needs, gap=gap, fair=dict(fair),
        pledges=dict(pledged), caps=caps, owed={g: owed.get(g, 0) for g in fair},
        state_voluntary={g: obligation_eur[g] > 0
                         and rate * pledged.get(g, 0) >= params.state_share * obligation_eur[g]
                         for g in fair})


# --- crisis (CR Art 4, 8, 9) ---------------------------------------------------

@dataclass(frozen=True)
class Crisis:
    """How a Solidarity Response Plan's relocation needs were covered."""

    state: str
    needs: int
    from_unallocated: Mapping[str, int]
    additional: Mapping[str, int]
    within_fair_share: Mapping[str, int]
    above_fair_share: Mapping[str, int]
    credit_eur: Mapping[str, int]

    def total(self, g: str) -> int:
        return (self.from_unallocated.get(g, 0) + self.additional.get(g, 0)
                + self.within_fair_share.get(g, 0) + self.above_fair_share.get(g, 0))

    @property
    def covered(self) -> int:
        return sum(self.total(g) for g in self.from_unallocated)


def crisis_plan(state: str, needs: int, unallocated: Mapping[str, int],
                additional: Mapping[str, int], headroom: Mapping[str, int],
                key: Mapping[str, Fraction], rate: int, benefitting: frozenset[str] = frozenset()) -> Crisis:
    """Cover a plan's relocation needs in the order of CR Art 8 and 9.

    1. relocation pledges of the pool not allocated or not implemented
       (``unallocated``), pro rata to what each state has left;
    2. additional pledges for the plan, pro rata to them;
    3. mandatory offsets pro rata to the key: first up to each state's fair
       share (``headroom``: fair share minus what it already gives), then
       above it, up to 100 % of the plan's needs. Benefitting states take
       no offsets (they draw on the pool).

    Every state's offsets above its fair share earn a credit of
    ``rate`` EUR per person against its later annual contributions.
    """
    states = sorted(key)
    left = needs

    def take(amounts: Mapping[str, int]) -> dict[str, int]:
        nonlocal left
        pool = {g: amounts.get(g, 0) for g in states if g != state}
        got = capped_apportion(min(left, sum(pool.values())), pool, pool) if left else {}
        left -= sum(got.values())
        return {g: got.get(g, 0) for g in states}

    first = take(unallocated)
    second = take(additional)
    others = {g: key[g] for g in states if g != state and g not in benefitting}
    room = {g: max(0, headroom.get(g, 0)) for g in others}
    within = capped_apportion(left, others, room) if left else {}
    left -= sum(within.values())
    above = capped_apportion(left, others, {g: None for g in others}) if left else {}
    left -= sum(above.values())
    return Crisis(state=state, needs=needs, from_unallocated=first, additional=second,
                  within_fair_share={g: within.get(g, 0) for g in states},
                  above_fair_share={g: above.get(g, 0) for g in states},
                  credit_eur={g: rate * above.get(g, 0) for g in states})


def spread_credit(credit: int, years: int) -> list[int]:
    """A credit in whole euros spread evenly over ``years`` cycles (earlier
    cycles take the remainder euros)."""
    if years <= 0:
        return []
    base, rest = divmod(credit, years)
    return [base + (1 if k < rest else 0) for k in range(years)]
