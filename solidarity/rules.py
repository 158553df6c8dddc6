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
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

from .apportionment import apportion
from .schema import Method


def capped_apportion(total: int, key: Mapping[str, Fraction], caps: Mapping[str, int | None]
                     ) -> dict[str, int]:
    """Whole units summing to ``min(total, sum(caps))``, proportional to ``key``
    among the states below their cap.

    States whose proportional share reaches their cap get the cap; the rest is
    shared again among the others (water-filling), and the last round is
    apportioned by largest remainder (tie rule of :mod:`solidarity.apportionment`).
    A cap of None means no cap. States with a zero key or zero cap get 0.
    """
    out = {g: 0 for g in key}
    active = {g for g in key if key[g] > 0 and (caps.get(g) is None or caps[g] > 0)}
    left = total
    finite = all(caps.get(g) is not None for g in active)
    if finite:
        left = min(total, sum(caps[g] for g in active))
    while left > 0 and active:
        weight = sum(key[g] for g in active)
        full = {g for g in active if caps.get(g) is not None
                and Fraction(left) * key[g] / weight >= caps[g]}
        if not full:
            seats = apportion({g: key[g] for g in active}, left, Method.HAMILTON).seats
            for g, s in seats.items():
                out[g] += s
            return out
        for g in full:
            out[g] += caps[g]
            left -= caps[g]
        active -= full
    return out


# --- offsets (Art 63) ----------------------------------------------------------

@dataclass(frozen=True)
class OffsetParams:
    """Art 63 thresholds, all [param] in the spec (wording of 63(3) unverified)."""

    proposal_relocations: int  #: relocation number in the Commission proposal
    voluntary_share: Fraction = Fraction(1, 2)  #: Art 63(1): pool pledges >= this x proposal
    state_share: Fraction = Fraction(1, 2)  #: Art 63(2)(b): own pledge >= this x fair share
    needs_share: Fraction = Fraction(3, 5)  #: Art 63(3): pledges < this x identified needs
    minimum_relocations: int = 30_000  #: Art 63(3) with Art 12(2)(a)
    identified_needs: int | None = None  #: None: sum of beneficiaries' relocation needs


@dataclass(frozen=True)
class Offsets:
    """Outcome of the Art 63 tests and the mandatory offsets per state."""

    pledged: int
    voluntary_open: bool
    identified_needs: int
    needs_threshold: Fraction
    minimum_threshold: int
    triggered: bool
    gap: int
    fair: Mapping[str, int]
    pledges: Mapping[str, int]
    caps: Mapping[str, int]
    owed: Mapping[str, int]
    state_voluntary: Mapping[str, bool]

    @property
    def covered(self) -> int:
        return sum(self.owed.values())

    @property
    def uncovered(self) -> int:
        return self.gap - self.covered


def offsets(fair: Mapping[str, int], pledged: Mapping[str, int], key: Mapping[str, Fraction],
            needs: int, params: OffsetParams) -> Offsets:
    """Apply Art 63 to relocation pledges.

    Parameters
    ----------
    fair : fair-share relocations per state after deduction (the cap basis).
    pledged : relocations pledged per state.
    key : distribution key shares (offsets are shared pro rata to it).
    needs : identified relocation needs, used unless the params set them.

    Notes
    -----
    Mandatory offsets close ``gap = ceil(max(needs_share x needs, minimum)) -
    pledged`` when positive; each state owes at most ``fair - pledged``, and
    offsets add up exactly to ``min(gap, sum of caps)``.
    """
    total = sum(pledged.values())
    ident = params.identified_needs if params.identified_needs is not None else needs
    needs_threshold = params.needs_share * ident
    triggered = total < needs_threshold or total < params.minimum_relocations
    gap = max(0, math.ceil(max(needs_threshold, params.minimum_relocations)) - total) if triggered else 0
    caps = {g: max(0, fair[g] - pledged.get(g, 0)) for g in fair}
    owed = capped_apportion(gap, key, caps) if gap else {g: 0 for g in fair}
    return Offsets(
        pledged=total, voluntary_open=total >= params.voluntary_share * params.proposal_relocations,
        identified_needs=ident,
        needs_threshold=needs_threshold, minimum_threshold=params.minimum_relocations,
        triggered=triggered, gap=gap, fair=dict(fair), pledges=dict(pledged), caps=caps, owed=owed,
        state_voluntary={g: fair[g] > 0 and pledged.get(g, 0) >= params.state_share * fair[g]
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
                key: Mapping[str, Fraction], rate: int) -> Crisis:
    """Cover a plan's relocation needs in the order of CR Art 8 and 9.

    1. relocation pledges of the pool not allocated or not implemented
       (``unallocated``), pro rata to what each state has left;
    2. additional pledges for the plan, pro rata to them;
    3. mandatory offsets pro rata to the key: first up to each state's fair
       share (``headroom``: fair share minus what it already gives), then
       above it, up to 100 % of the plan's needs.

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
    others = {g: key[g] for g in states if g != state}
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
