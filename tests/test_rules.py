"""Pact rules after pledging: offsets (Art 63), crisis (CR Art 8, 9), credits.

Hand-computed small cases with the arithmetic in comments, and properties.
"""

from fractions import Fraction as F

from hypothesis import given, settings
from hypothesis import strategies as st

from solidarity.pact.rules import OffsetParams, capped_apportion, crisis_plan, offsets, spread_credit

KEY = {"AA": F(1, 2), "BB": F(3, 10), "CC": F(1, 5)}


def test_capped_apportion_water_filling():
    # 10 units by key 0.5/0.3/0.2 -> 5, 3, 2; AA capped at 2: AA 2, then 8
    # units by 0.3/0.2 -> BB 4.8, CC 3.2 -> Hamilton: BB 5, CC 3
    assert capped_apportion(10, KEY, {"AA": 2, "BB": 9, "CC": 9}) == {"AA": 2, "BB": 5, "CC": 3}
    # caps sum to 7 < 10: everyone at the cap
    assert capped_apportion(10, KEY, {"AA": 2, "BB": 3, "CC": 2}) == {"AA": 2, "BB": 3, "CC": 2}
    # no caps
    assert capped_apportion(10, KEY, {"AA": None, "BB": None, "CC": None}) == {"AA": 5, "BB": 3, "CC": 2}


def _params(**kw) -> OffsetParams:
    base = dict(proposal_relocations=200, identified_needs=300, reference_relocations=150)
    return OffsetParams(**{**base, **kw})


def test_mandatory_offsets_worked_example():
    # fair shares in persons 100, 60, 40 (key 0.5, 0.3, 0.2); pledged 20, 50, 10 = 80.
    # Needs 300 -> 60 % = 180 (Art 63(3)(a)); reference 150 (63(3)(b)) -> the
    # higher is 180; 250 needs left uncovered, so the gap is 180 - 80 = 100.
    # caps: AA 80, BB 10, CC 30. Key shares of 100: AA 50, BB 30 > 10 -> BB 10;
    # remaining 90 by 0.5/0.2: AA 64.29, CC 25.71 -> AA 64, CC 26 (largest remainder).
    o = offsets({"AA": 100, "BB": 60, "CC": 40}, {"AA": 20, "BB": 50, "CC": 10}, KEY, 250, _params(),
                {"AA": 2000, "BB": 1200, "CC": 800}, 20)
    assert o.triggered and o.gap == 100 and o.needs_threshold == 180 and o.higher_threshold == 180
    assert o.owed == {"AA": 64, "BB": 10, "CC": 26} and o.uncovered == 0
    assert o.caps == {"AA": 80, "BB": 10, "CC": 30}
    # Art 63(1): 80 < 0.5 x 200 (the proposal's number). Art 63(2)(b):
    # e x pledged >= 0.5 x fair share in EUR: BB 20 x 50 = 1000 >= 600.
    assert not o.voluntary_open and o.state_voluntary == {"AA": False, "BB": True, "CC": False}


def test_offsets_gap_capped_by_uncovered_needs_and_caps():
    # below the reference (500) by 410, but only 30 needs are uncovered
    o = offsets({"AA": 100, "BB": 50}, {"AA": 90, "BB": 0}, {"AA": F(2, 3), "BB": F(1, 3)}, 30,
                _params(reference_relocations=500, identified_needs=100), {"AA": 100, "BB": 50}, 1)
    assert o.gap == 30 and o.triggered and o.covered == 30
    # gap larger than all caps: offsets stop at the caps, the rest is uncovered
    o = offsets({"AA": 100, "BB": 50}, {"AA": 90, "BB": 0}, {"AA": F(2, 3), "BB": F(1, 3)}, 1000,
                _params(reference_relocations=500, identified_needs=100), {"AA": 100, "BB": 50}, 1)
    assert o.gap == 410 and o.owed == {"AA": 10, "BB": 50} and o.uncovered == 350


def test_offsets_not_triggered():
    # pledges at the higher threshold; or below it with every need covered
    o = offsets({"AA": 100}, {"AA": 90}, {"AA": F(1)}, 10, _params(reference_relocations=90, identified_needs=100),
                {"AA": 100}, 1)
    # 90 >= max(0.6 x 100, 90): not triggered; Art 63(1): 90 < 0.5 x 200, closed
    assert not o.triggered and o.gap == 0 and not o.voluntary_open
    o = offsets({"AA": 100}, {"AA": 50}, {"AA": F(1)}, 0, _params(), {"AA": 100}, 1)
    assert not o.triggered and o.gap == 0


def test_crisis_worked_example():
    # Plan for CC: 100 persons. 1) unallocated pool pledges AA 10, BB 5 -> 15.
    # 2) additional pledges BB 20 -> 35 so far. 3) 65 left, by key among AA and
    # BB (0.5 : 0.3) within headroom AA 30, BB 10: AA 65 x 5/8 = 40.6 > 30 -> 30;
    # BB gets the other 35 > 10 -> 10. 25 still left, above fair share by key:
    # 15.625 and 9.375 -> AA 16, BB 9. Credits 20 000 EUR per person above.
    c = crisis_plan("CC", 100, {"AA": 10, "BB": 5, "CC": 7}, {"BB": 20}, {"AA": 30, "BB": 10},
                    KEY, 20_000)
    assert c.from_unallocated == {"AA": 10, "BB": 5, "CC": 0}
    assert c.additional == {"AA": 0, "BB": 20, "CC": 0}
    assert c.within_fair_share == {"AA": 30, "BB": 10, "CC": 0}
    assert c.above_fair_share == {"AA": 16, "BB": 9, "CC": 0}
    assert c.covered == 100
    assert c.credit_eur == {"AA": 320_000, "BB": 180_000, "CC": 0}


def test_spread_credit():
    assert spread_credit(320_003, 5) == [64_001, 64_001, 64_001, 64_000, 64_000]
    assert sum(spread_credit(7, 3)) == 7


states = st.lists(st.tuples(st.integers(1, 1000), st.integers(0, 500), st.integers(0, 500)),
                  min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(states, st.integers(0, 5000), st.integers(0, 5000))
def test_offsets_properties(rows, needs, minimum):
    names = [f"S{i}" for i in range(len(rows))]
    total = sum(w for w, _, _ in rows)
    key = {g: F(w, total) for g, (w, _, _) in zip(names, rows)}
    fair = {g: f for g, (_, f, _) in zip(names, rows)}
    pledged = {g: min(p, f + 50) for g, (_, f, p) in zip(names, rows)}
    o = offsets(fair, pledged, key, needs, _params(reference_relocations=minimum, identified_needs=needs),
                {g: 10 * f for g, f in fair.items()}, 10)
    # never above a state's fair share minus its pledge (outside crisis mode),
    # never more than the uncovered needs
    assert all(0 <= o.owed[g] <= max(0, fair[g] - pledged[g]) for g in names)
    assert o.gap <= needs
    # exactly the gap, or every cap if the gap is larger
    assert o.covered == min(o.gap, sum(o.caps.values()))


@settings(max_examples=100, deadline=None)
@given(states, st.integers(0, 3000))
def test_crisis_covers_all_needs_and_credits_only_excess(rows, needs):
    names = [f"S{i}" for i in range(len(rows))] + ["X"]
    total = sum(w for w, _, _ in rows) + 1
    key = {g: F(w, total) for g, (w, _, _) in zip(names, rows)} | {"X": F(1, total)}
    room = {g: f for g, (_, f, _) in zip(names, rows)}
    c = crisis_plan("X", needs, {g: p for g, (_, _, p) in zip(names, rows)}, {}, room, key, 10)
    assert c.covered == needs and c.total("X") == 0
    assert all(c.within_fair_share[g] <= room[g] for g in room)
    # above the fair share only once every headroom is used
    if any(c.above_fair_share.values()):
        assert all(c.within_fair_share[g] == room[g] for g in room)
    assert all(c.credit_eur[g] == 10 * c.above_fair_share[g] for g in names)
