"""Hypothesis strategies for random small :class:`~solidarity.optimise.model.ModelInput`s.

:func:`model_inputs` draws inputs shaped like the ones
:func:`solidarity.pipeline.model_input` makes from a scenario, small enough
that every level solves in milliseconds:

* 2-8 contributors, each one of three kinds, as in ``model_input``:
  ``recorded`` (a Council act's pledge: lower = upper = preferred),
  ``stated`` (a preference, optional floors and caps) or ``free`` (nothing
  stated, preferred 0, optional floors and caps);
* 1-4 beneficiaries, some of them contributors (with pledges or without:
  a zero obligation, or caps at 0), needs per type, some zero; SAR flags and
  a SAR target;
* a rate of 10-1000 EUR per relocation; amounts of up to ``max_units``
  relocations or their value.

``free`` and ``over_max`` follow ``model_input``'s rules; pledge floors and
recorded pledges of alternative measures fit in what the beneficiaries
other than the pledging state requested (Art 57(2)). That conflict is the
only way a programme can be infeasible, so every drawn input is feasible.
As in ``model_input``, stated alternative measures beyond what is left of
the requests are cut pro rata (``pipeline._cut_alternative``), unless
``cut_alternative=False``.

Example::

    from hypothesis import given
    from tests.strategies import model_inputs

    @given(model_inputs(max_contributors=4, priority=Priority.NEEDS))
    def test_something(inp): ...
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from solidarity.optimise.model import ALT, ModelInput
from solidarity.pipeline import _cut_alternative
from solidarity.schema import Priority

#: Names drawn from: contributors and outside beneficiaries are disjoint sets.
CONTRIBUTOR_NAMES = ("AT", "BE", "CZ", "DE", "EE", "FR", "HU", "LU", "NL", "PL")
OUTSIDE_NAMES = ("CY", "ES", "GR", "IT", "MT")
KINDS = ("recorded", "stated", "free")


def _maybe(draw, values: st.SearchStrategy[int], one_in: int = 3) -> int:
    """0 about once in ``one_in`` draws, else a draw from ``values`` (zeros
    matter: they skip rows and levels). Shrinks towards 0."""
    return 0 if draw(st.integers(0, one_in - 1)) == 0 else draw(values)


def _limits(draw, top: np.ndarray, alt_room: int) -> tuple[list[int], list[int]]:
    """Optional floor and cap per type; the floor of alternative measures
    at most ``alt_room``; cap >= floor, -1 for none."""
    lower, upper = [], []
    for t in range(3):
        hi_floor = alt_room if t == ALT else int(top[t])
        lo = draw(st.integers(0, hi_floor)) if hi_floor > 0 and draw(st.booleans()) else 0
        cap = draw(st.integers(lo, lo + int(top[t]))) if draw(st.booleans()) else -1
        lower.append(lo)
        upper.append(cap)
    return lower, upper


@st.composite
def model_inputs(draw, min_contributors: int = 2, max_contributors: int = 8,
                 min_beneficiaries: int = 1, max_beneficiaries: int = 4, max_units: int = 12,
                 priority: Priority | None = None, cut_alternative: bool = True) -> ModelInput:
    """A valid, feasible :class:`~solidarity.optimise.model.ModelInput`.

    Parameters
    ----------
    min_contributors, max_contributors : between 1 and 10.
    min_beneficiaries, max_beneficiaries : between 1 and 5.
    max_units : scale of every amount: obligations, needs, floors and caps
        are at most this many relocations (or their value in EUR at the rate).
    priority : fixed priority; drawn when None.
    cut_alternative : cap stated alternative measures as ``model_input``
        does; without the cut, states that all prefer more alternative
        measures than requested leave the model a tie.
    """
    n = draw(st.integers(min_contributors, max_contributors))
    m = draw(st.integers(min_beneficiaries, max_beneficiaries))
    rate = draw(st.integers(10, 1000))
    contributors = CONTRIBUTOR_NAMES[:n]
    # Some beneficiaries are contributors too: they cannot receive their own pledges.
    inside = draw(st.lists(st.sampled_from(contributors), unique=True, max_size=min(m, n)))
    beneficiaries = tuple(sorted(inside) + list(OUTSIDE_NAMES[:m - len(inside)]))
    m = len(beneficiaries)
    prio = priority if priority is not None else draw(st.sampled_from(list(Priority)))
    u = np.array([rate, 1, 1], dtype=np.int64)
    top = np.array([max_units, max_units * rate, max_units * rate], dtype=np.int64)

    needs = np.array([[_maybe(draw, st.integers(1, int(top[t]))) for t in range(3)]
                      for _ in range(m)], dtype=np.int64).reshape(m, 3)
    # Alternative measures pledged for sure (floors, recorded pledges) must
    # reach requesters other than the state itself, in total and one by one.
    alt_left = int(needs[:, ALT].sum())
    own_request = {g: int(needs[b, ALT]) for b, g in enumerate(beneficiaries)}

    O, P, L, U, stated, recorded = [], [], [], [], [], []
    for g in contributors:
        kind = draw(st.sampled_from(KINDS))
        o = _maybe(draw, st.integers(1, max_units * rate), one_in=8)  # 0: a full deduction
        alt_room = max(0, min(alt_left, int(needs[:, ALT].sum()) - own_request.get(g, 0)))
        if kind == "recorded":
            vals = [draw(st.integers(0, max_units)), draw(st.integers(0, max_units * rate)),
                    _maybe(draw, st.integers(0, alt_room))]
            pref, lower, upper = vals, vals, vals
        else:
            lower, upper = _limits(draw, top, alt_room)
            if kind == "stated":
                r = draw(st.integers(0, o // rate + 1))
                a = _maybe(draw, st.integers(1, max_units * rate))
                rest = max(0, o - rate * r - a)  # money is the rest, unless given
                f = draw(st.one_of(st.just(rest), st.integers(0, o + rate)))
                pref = [r, f, a]
            else:
                pref = [0, 0, 0]
        alt_left -= lower[ALT]
        O.append(o)
        P.append(pref)
        L.append(lower)
        U.append(upper)
        stated.append(kind == "stated")
        recorded.append(kind == "recorded")

    O_ = np.array(O, dtype=np.int64)
    P_ = np.array(P, dtype=np.int64).reshape(n, 3)
    L_ = np.array(L, dtype=np.int64).reshape(n, 3)
    U_ = np.array(U, dtype=np.int64).reshape(n, 3)
    S = np.array(stated, dtype=bool)
    R = np.array(recorded, dtype=bool)
    if cut_alternative:
        U_ = _cut_alternative(contributors, O_, P_, S, R, L_, U_, needs)
        # With zero obligations the cut can fall below a state's own floor
        # (apportionment.bounded keeps zero-weight states at their base, bug
        # A in tests/test_oracle.py); keep the input valid.
        U_ = np.where(U_ >= 0, np.maximum(U_, L_), U_)
    # pipeline.model_input: above the obligation only as far as the state's
    # own floors, recorded pledge or stated preference imply.
    over = np.maximum(0, np.maximum((P_ * u).sum(axis=1), (L_ * u).sum(axis=1)) - O_)
    over = np.where(S | R, over, np.maximum(0, (L_ * u).sum(axis=1) - O_))
    free = ~R & ((prio is Priority.NEEDS) | ~S)
    sar = np.array(draw(st.lists(st.booleans(), min_size=m, max_size=m)), dtype=bool)
    sar_target = _maybe(draw, st.integers(1, max(1, int(O_.sum()) // 2)))
    return ModelInput(
        contributors=contributors, beneficiaries=beneficiaries, rate=rate, obligation=O_,
        preferred=P_, lower=L_, upper=U_, over_max=over,
        stated=S, recorded=R, free=free, needs=needs, sar=sar, sar_target=sar_target, priority=prio)


def check_valid(inp: ModelInput) -> None:
    """Assert what :func:`model_inputs` promises (for tests of the strategy)."""
    n, m = len(inp.contributors), len(inp.beneficiaries)
    assert inp.preferred.shape == inp.lower.shape == inp.upper.shape == (n, 3)
    assert inp.needs.shape == (m, 3) and (inp.needs >= 0).all()
    assert ((inp.upper < 0) | (inp.upper >= inp.lower)).all() and (inp.lower >= 0).all()
    assert (inp.lower[inp.recorded] == inp.upper[inp.recorded]).all()
    assert not (inp.stated & inp.recorded).any() and not (inp.free & inp.recorded).any()
    total = int(inp.needs[:, ALT].sum())
    assert int(inp.lower[:, ALT].sum()) <= total
    for b, i in enumerate(inp.self_index):
        if i >= 0:
            assert inp.lower[i, ALT] <= total - inp.needs[b, ALT]
    u = inp.unit_value
    floors = (inp.lower * u).sum(axis=1)
    implied = np.maximum(0, np.maximum((inp.preferred * u).sum(axis=1), floors) - inp.obligation)
    over = np.where(inp.stated | inp.recorded, implied, np.maximum(0, floors - inp.obligation))
    assert (inp.over_max == over).all()
    assert (inp.free == (~inp.recorded & ((inp.priority is Priority.NEEDS) | ~inp.stated))).all()


__all__ = ["CONTRIBUTOR_NAMES", "KINDS", "OUTSIDE_NAMES", "check_valid", "model_inputs"]
