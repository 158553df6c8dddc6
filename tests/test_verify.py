"""The independent verifier rejects forged results.

Each forgery takes a correct result of a bundled scenario, edits a copy of
its tables the way a careful forger would -- one rule broken, the
bookkeeping kept consistent (values, totals, calls, proportional flows and
pool rows follow the forged numbers; see :func:`rebook` and :func:`reflow`)
-- and checks that :func:`solidarity.pact.verify.verify_outcomes` names the
broken rule, the state and the numbers. Tests 01-16 are the forgeries the
verifier was built to catch; the ``message`` forgeries make sure that every
message the verifier can produce is triggered by at least one forgery
(``test_every_message_is_triggered``). Every bundled scenario, run alone,
passes the verifier.

Each bundled result is computed once per module; forgeries edit copies.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import solidarity
from solidarity.inputs.scenario import parse_scenario
from solidarity.optimise.allocate import leximin
from solidarity.pact.verify import verify_ledger, verify_outcomes

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
BUNDLED = sorted(SCENARIOS.glob("*.toml")) + sorted((SCENARIOS / "ledger-3y").glob("*.toml"))
TYPES = ("relocation", "financial", "alternative")

#: Small scenarios for the apportionment methods other than Hamilton.
CUSTOM = {f"method-{m}": f"""
[scenario]
name = "{m}"
year = 2026
[key]
method = "{m}"
[pool]
relocations = 21000
financial_eur = 420000000
[beneficiaries.EL]
needs = {{ relocations = 5000, financial_eur = 100000000 }}
""" for m in ("ceiling", "webster")}

_RESULTS: dict[str, object] = {}


@pytest.fixture(scope="module", autouse=True)
def _results_for_this_module():
    """Results and the verifier's messages live as long as the module's tests."""
    yield
    _RESULTS.clear()
    _MESSAGES.clear()


def result(name: str):
    """The result of a bundled scenario (or a :data:`CUSTOM` one), once per module."""
    if name not in _RESULTS:
        if name == "ledger-3y":
            from solidarity.studies.ledger import load_cycle, run_cycle
            _RESULTS[name] = run_cycle(load_cycle(SCENARIOS / "ledger-3y"))
        elif name in CUSTOM:
            return result_of_text(CUSTOM[name], name)
        else:
            _RESULTS[name] = solidarity.run(solidarity.load_scenario(SCENARIOS / f"{name}.toml"))
    return _RESULTS[name]


def result_of_text(text: str, key: str):
    """The result of a scenario given as TOML text, once per module."""
    if key not in _RESULTS:
        _RESULTS[key] = solidarity.run(parse_scenario(text, file=f"<{key}>"))
    return _RESULTS[key]


# --- forging helpers ----------------------------------------------------------------

def forge(res) -> dict[str, pd.DataFrame]:
    return {k: v.copy() for k, v in res.tables.items()}


def verify(res, t) -> list[str]:
    return verify_outcomes(res.scenario, res.population, res.gdp, t)


def unit_values(t) -> dict[str, int]:
    e = int(t["pool"].at["equivalence_eur", "amount"])
    return {"relocation": e, "financial": 1, "alternative": 1}


def units(t, g: str, typ: str, col: str = "units") -> int:
    return int(t["pledges"].at[(g, typ), col])


def received(t, b: str, typ: str) -> int:
    return int(t["beneficiaries"].at[(b, typ), "received"])


def shift(t, g: str, typ: str, pledged: int = 0, called: int = 0) -> None:
    """Add to a state's pledge and to what it is called on for."""
    pl = t["pledges"]
    pl.at[(g, typ), "units"] += pledged
    pl.at[(g, typ), "called_units"] += called


def receive(t, b: str, typ: str, n: int) -> None:
    t["beneficiaries"].at[(b, typ), "received"] += n


def send(t, g: str, b: str, typ: str, n: int) -> None:
    """Add to a flow, creating the row if needed."""
    fl = t["flows"]
    if (g, b, typ) in fl.index:
        fl.at[(g, b, typ), "units"] += n
        return
    row = pd.DataFrame({"unit": ["persons" if typ == "relocation" else "EUR"], "units": [n], "value_eur": [0]},
                       index=pd.MultiIndex.from_tuples([(g, b, typ)], names=fl.index.names))
    t["flows"] = pd.concat([fl, row.astype(fl.dtypes.to_dict())])


def move_pledge(t, g: str, typ: str, n: int, to: str) -> None:
    """Add n to g's pledge of typ, called on and received by ``to``."""
    shift(t, g, typ, n, n)
    receive(t, to, typ, n)
    send(t, g, to, typ, n)


def _hamilton(weights: dict[str, int], house: int) -> dict[str, int]:
    """Largest remainder (ties: the larger quota, then the code)."""
    total = sum(weights.values())
    q = {g: Fraction(house * w, total) for g, w in weights.items()}
    out = {g: math.floor(v) for g, v in q.items()}
    for g in sorted(q, key=lambda g: (-(q[g] - out[g]), -q[g], g))[:house - sum(out.values())]:
        out[g] += 1
    return out


def recall(t, typ: str) -> None:
    """Every contributor called on pro rata to its pledge (no beneficiary pledging)."""
    pl = t["pledges"]
    pledges = {g: int(v) for (g, ty), v in pl["units"].items() if ty == typ}
    total = int(t["beneficiaries"].xs(typ, level="type")["received"].sum())
    if total == 0:
        return
    for g, v in _hamilton(pledges, total).items():
        pl.at[(g, typ), "called_units"] = v


def _controlled_rounding(a: list[int], y: list[int]) -> list[list[int]]:
    """A matrix with row sums a and column sums y, each cell the floor or the
    ceiling of a_i y_j / Y (augmenting paths over the cells with a remainder)."""
    total = sum(a)
    x = [[ai * yj // total for yj in y] for ai in a]
    rows = [ai - sum(r) for ai, r in zip(a, x)]
    cols = [yj - sum(x[i][j] for i in range(len(a))) for j, yj in enumerate(y)]
    frac = [[(ai * yj) % total > 0 for yj in y] for ai in a]
    extra = [[0] * len(y) for _ in a]

    def augment(i, seen) -> bool:
        for j in range(len(y)):
            if frac[i][j] and not extra[i][j] and j not in seen:
                seen.add(j)
                if cols[j] > 0:
                    cols[j] -= 1
                    extra[i][j] = 1
                    return True
                for k in range(len(a)):  # take the unit row k put in column j elsewhere
                    if extra[k][j] and k != i:
                        extra[k][j] = 0
                        if augment(k, seen):
                            extra[i][j] = 1
                            return True
                        extra[k][j] = 1
        return False

    for i in range(len(a)):
        for _ in range(rows[i]):
            assert augment(i, set()), "no controlled rounding"
    return [[x[i][j] + extra[i][j] for j in range(len(y))] for i in range(len(a))]


def reflow(t, typ: str) -> None:
    """The flows of one type rebuilt proportional to the calls and the
    receipts (for results where no beneficiary pledges)."""
    pl, bt = t["pledges"], t["beneficiaries"]
    geos = [g for g in dict.fromkeys(pl.index.get_level_values(0)) if pl.at[(g, typ), "called_units"] > 0]
    benef = [b for b in dict.fromkeys(bt.index.get_level_values(0)) if bt.at[(b, typ), "received"] > 0]
    assert not set(geos) & set(benef), "reflow: a beneficiary pledges"
    x = _controlled_rounding([units(t, g, typ, "called_units") for g in geos], [received(t, b, typ) for b in benef])
    fl = t["flows"]
    cells = [(g, b, typ, x[i][j]) for i, g in enumerate(geos) for j, b in enumerate(benef) if x[i][j]]
    new = pd.DataFrame({"unit": ["persons" if typ == "relocation" else "EUR"] * len(cells),
                        "units": [c[3] for c in cells], "value_eur": [0] * len(cells)},
                       index=pd.MultiIndex.from_tuples([c[:3] for c in cells], names=fl.index.names))
    t["flows"] = pd.concat([fl[fl.index.get_level_values("type") != typ], new.astype(fl.dtypes.to_dict())])


def rebook(t) -> None:
    """Every derived column follows the primary numbers (pledges, calls,
    receipts, flows, obligations), so that only a rule can be broken.
    Rule outcomes (offsets owed, statuses, the crisis plan) are left alone."""
    u = unit_values(t)
    pl = t["pledges"]
    uu = pl.index.get_level_values("type").map(u).to_numpy(np.int64)
    pl["value_eur"] = pl["units"] * uu
    pl["unallocated_units"] = pl["units"] - pl["called_units"]
    told = pl["preferred_units"].notna()
    pl.loc[told, "deviation_units"] = (pl.loc[told, "units"] - pl.loc[told, "preferred_units"]).astype("Int64")
    sh, ob = t["shares"], t["obligations"]
    ob["obligation_eur"] = sh["obligation_eur"]
    value = pl["value_eur"].groupby(level="geo").sum()
    ob["pledged_value_eur"] = value
    ob["unmet_eur"] = (ob["obligation_eur"] - value).clip(lower=0)
    ob["above_obligation_eur"] = (value - ob["obligation_eur"]).clip(lower=0)
    ob["assumed_value_eur"] = pl["value_eur"].where(pl["source"] == "assumed", 0).groupby(level="geo").sum()
    moved = pl["deviation_units"].fillna(0).astype(np.int64) * uu
    ob["deviation_value_eur"] = np.maximum(moved.clip(lower=0).groupby(level="geo").sum(),
                                           (-moved).clip(lower=0).groupby(level="geo").sum()).where(
        ob["source"] == "stated", 0)
    bt = t["beneficiaries"]
    bt["received_eur"] = bt["received"] * bt.index.get_level_values("type").map(u).to_numpy(np.int64)
    bt["shortfall"] = bt["need"] - bt["received"]
    total = pl["units"].groupby(level="type").sum()
    own = pl["units"].reindex(bt.index.rename(["geo", "type"])).fillna(0).astype(np.int64).to_numpy()
    bt["cap"] = np.minimum(bt["need"].to_numpy(), bt.index.get_level_values("type").map(total).to_numpy() - own)
    bt["coverage"] = [r / n if n else math.nan for r, n in zip(bt["received"], bt["need"])]
    fl = t["flows"]
    fl = fl[fl["units"] != 0].copy()
    fl["value_eur"] = fl["units"] * fl.index.get_level_values("type").map(u).to_numpy(np.int64)
    t["flows"] = fl
    pool = t["pool"]

    def put(item, amount=None, reference=None, shortfall=None):
        for col, v in (("amount", amount), ("reference", reference), ("shortfall", shortfall)):
            if v is not None:
                pool.at[item, col] = int(v)

    pledged = int(pl["value_eur"].sum())
    put("obligations", amount=int(ob["obligation_eur"].sum()))
    put("pledged_value", amount=pledged, reference=int(ob["obligation_eur"].sum()),
        shortfall=int(ob["unmet_eur"].sum()))
    put("assumed_value", amount=int(ob["assumed_value_eur"].sum()), reference=pledged)
    for typ in TYPES:
        got = int(bt.xs(typ, level="type")["received"].sum())
        need = int(bt.xs(typ, level="type")["need"].sum())
        put(f"{typ}_pledged", amount=int(pl.xs(typ, level="type")["units"].sum()), reference=need)
        put(f"{typ}_received", amount=got, reference=need, shortfall=need - got)
    sar = int(bt.loc[bt["sar"], "received_eur"].sum())
    put("sar_target", amount=sar, shortfall=max(0, int(pool.at["sar_target", "reference"]) - sar))
    rel = int(pl.xs("relocation", level="type")["units"].sum())
    for item in ("art63_1_voluntary_offsets", "art63_3a_needs_threshold", "art63_3b_reference_threshold"):
        put(item, amount=rel, shortfall=max(0, int(pool.at[item, "reference"]) - rel))
    off = t["offsets"]
    off["pledged_relocations"] = pl.xs("relocation", level="type")["units"]
    off["cap"] = (off["obligation_relocations"] - off["pledged_relocations"]).clip(lower=0)


# --- the registry of forgeries ----------------------------------------------------------

#: id -> (scenario, forge function, patterns the verifier's messages must match)
FORGERIES: dict[str, tuple[str, Callable, tuple[str, ...]]] = {}
_MESSAGES: dict[str, list[str]] = {}


def forgery(fid: str, scenario: str, *patterns: str):
    """Register ``fn(res, t)``, which forges the copied tables ``t`` in place."""
    def deco(fn):
        assert fid not in FORGERIES, fid
        FORGERIES[fid] = (scenario, fn, patterns)
        return fn
    return deco


def messages(fid: str) -> list[str]:
    """What the verifier says about a forgery (computed once)."""
    if fid not in _MESSAGES:
        scenario, fn, _ = FORGERIES[fid]
        res = result(scenario)
        if scenario == "ledger-3y":
            t = {"ledger": res.ledger.copy()}
            fn(res, t)
            _MESSAGES[fid] = verify_ledger(t["ledger"], *ledger_inputs(res))
        else:
            t = forge(res)
            fn(res, t)
            summary = t.pop("summary.md", None)  # a forged summary.md, for verify_summary
            _MESSAGES[fid] = verify(res, t)
            if summary is not None:
                from solidarity.outputs.audit import verify_summary
                _MESSAGES[fid] += verify_summary(res.scenario, t, summary)
    return _MESSAGES[fid]


def rejected(fid: str) -> list[str]:
    """Assert that the verifier rejects the forgery with the expected messages."""
    msgs = messages(fid)
    assert msgs, f"{fid}: the forgery was accepted"
    for p in FORGERIES[fid][2]:
        assert any(re.search(p, m) for m in msgs), f"{fid}: no message matches {p!r}; messages: {msgs}"
    return msgs


# --- 01-16: the forgeries the verifier must catch ----------------------------------------

def _de_pays_less(amount: int):
    def fn(res, t):
        st = res.scenario.state("DE")
        assert st.fixed is None and not st.states_preference and not st.maximum.given(), \
            "2026-adopted: DE should be an assumed state without caps"
        benef = list(res.scenario.beneficiaries)
        part, rest = divmod(amount, len(benef))
        for k, b in enumerate(benef):
            move_pledge(t, "DE", "financial", -(part + (1 if k < rest else 0)), to=b)
        reflow(t, "financial")
        rebook(t)
    return fn


forgery("01a-de-pays-one-euro-less", "2026-adopted",
        r"^DE: EUR 1 of its obligation is unmet although nothing stops it")(_de_pays_less(1))
forgery("01b-de-pays-a-million-less", "2026-adopted",
        r"^DE: EUR 1000000 of its obligation is unmet although nothing stops it")(_de_pays_less(1_000_000))


def test_01_de_paying_less_than_its_obligation_is_rejected():
    for fid in ("01a-de-pays-one-euro-less", "01b-de-pays-a-million-less"):
        msgs = rejected(fid)
        assert all("unmet" in m for m in msgs), msgs  # the only rule broken


def _money_away_from_sar(moves: dict[tuple[str, str], int]):
    def fn(res, t):
        for (src, dst), amount in moves.items():
            assert res.scenario.beneficiaries[src].sar and not res.scenario.beneficiaries[dst].sar
            receive(t, src, "financial", -amount)
            receive(t, dst, "financial", amount)
        reflow(t, "financial")
        rebook(t)
        assert int(t["pool"].at["sar_target", "shortfall"]) > 0, "the forgery should leave the SAR target short"
    return fn


forgery("02a-sar-target-missed", "sar-binding", r"^SAR target missed by EUR 1000 although financial could "
        r"still reach ES, IT")(_money_away_from_sar({("IT", "EL"): 1000}))
forgery("02b-sar-target-missed-2026", "2026-adopted", r"^SAR target missed by EUR \d+ although financial could "
        r"still reach ES, IT")(_money_away_from_sar({("IT", "CY"): 8_000_000, ("ES", "EL"): 8_000_000}))


def test_02_money_moved_away_from_the_sar_states_is_rejected():
    rejected("02a-sar-target-missed")
    msgs = rejected("02b-sar-target-missed-2026")
    row = result("2026-adopted").tables["pool"].loc["sar_target"]
    short = int(row["reference"]) - (int(row["amount"]) - 16_000_000)  # 42 % of obligations, less what is left
    assert any(m.startswith(f"SAR target missed by EUR {short} although") for m in msgs), msgs


@forgery("03-relocations-moved-cy-to-el", "2026-adopted",
         r"^balance: moving one unit of relocation from EL \(coverage [\d.]+\) to CY \(coverage [\d.]+\) "
         r"improves the balance \(Art 60\(2\)\): not leximin$")
def _(res, t):
    receive(t, "CY", "relocation", -500)
    receive(t, "EL", "relocation", 500)
    reflow(t, "relocation")
    rebook(t)


def test_03_relocations_moved_from_cy_to_el_are_rejected():
    assert all(m.startswith("balance:") for m in rejected("03-relocations-moved-cy-to-el"))


@forgery("04-nl-swaps-relocations-for-money", "alternative-capped",
         r"^NL: pledges \[\d+, \d+, \d+\] deviate from its stated preference \[\d+, \d+, \d+\] by EUR \d+ "
         r"\(unmet 0\), but \[\d+, \d+, \d+\] deviates by EUR \d+ \(unmet 0\)$")
def _(res, t):
    assert res.scenario.state("NL").states_preference and res.scenario.state("FR").states_preference
    e = unit_values(t)["relocation"]
    for g, d in (("NL", -100), ("FR", 100)):  # FR takes NL's persons so that every need stays met
        shift(t, g, "relocation", d, d)
        shift(t, g, "financial", -d * e)
    recall(t, "financial")
    reflow(t, "relocation")
    reflow(t, "financial")
    rebook(t)


def test_04_nl_swapping_relocations_for_money_against_its_preference_is_rejected():
    msgs = rejected("04-nl-swaps-relocations-for-money")
    nl = next(m for m in msgs if m.startswith("NL: pledges"))
    assert nl.startswith(f"NL: pledges [{units(result('alternative-capped').tables, 'NL', 'relocation') - 100}, ")
    # FR, whose money is already above its preference (its alternative
    # measures were cut, Art 57(2)), takes the persons with no more deviation
    # in EUR, but its forced deviation now falls on relocations instead of
    # money (test 17): the only other message.
    assert len(msgs) == 2 and msgs[1].startswith("deviation order: FR "), msgs


@forgery("05-fair-share-euro-fr-to-de", "2026-adopted",
         r"^shares: DE: fair_share_eur 91080040 is not the largest-remainder share of EUR 420000000 \(91080039\)$",
         r"^shares: FR: fair_share_eur \d+ is not the largest-remainder share",
         r"^shares: DE: obligation_eur \d+ is not fair share - deduction \+ redistribution - credit = \d+$")
def _(res, t):
    sh = t["shares"]
    e = unit_values(t)["relocation"]
    assert int(sh.at["DE", "fair_share_eur"]) == 91_080_039, "2026-adopted: DE's fair share changed"
    for g, d in (("FR", -1), ("DE", 1)):
        for col in ("fair_share_eur", "obligation_eur"):
            sh.at[g, col] += d
        sh.at[g, "fair_share_relocations"] = -(-int(sh.at[g, "fair_share_eur"]) // e)
        sh.at[g, "obligation_relocations"] = -(-int(sh.at[g, "obligation_eur"]) // e)
        move_pledge(t, g, "financial", d, to="CY")
    reflow(t, "financial")
    rebook(t)


def test_05_a_euro_of_fair_share_moved_from_fr_to_de_is_rejected():
    msgs = rejected("05-fair-share-euro-fr-to-de")
    assert all(m.startswith("shares:") for m in msgs), msgs


KEY_COLUMNS = ["population_share", "gdp_share", "key_share", "fair_share_eur", "fair_share_relocations",
               "relocations_quota", "relocations_apportioned", "obligation_eur", "obligation_relocations"]


def _swap_de_fr(columns):
    def fn(res, t):
        sh = t["shares"]
        sh.loc[["DE", "FR"], columns] = sh.loc[["FR", "DE"], columns].to_numpy()
        rebook(t)
    return fn


forgery("06a-key-with-de-fr-data-swapped", "2026-adopted",
        r"^shares: DE: key_share 0\.160\d+ differs from the key re-derived from the data \(0\.216\d+\)$",
        r"^shares: FR: key_share 0\.216\d+ differs from the key re-derived from the data \(0\.160\d+\)$",
        r"^shares: DE: population_share [\d.]+ or gdp_share [\d.]+ is not its share of the participants'",
        r"^shares: DE: relocations_quota [\d.]+ is not key_share x R",
        r"^shares: DE: fair_share_relocations \d+ is not ceil\(91080039 / 20000\) = 4555$",
        r"^shares: DE: obligation_relocations \d+ is not ceil\(91080039 / 20000\) = 4555$",
        r"^shares: relocations_apportioned is not the largest-remainder apportionment of R = 21000 \(DE \d+, rule \d+",
        )(_swap_de_fr(KEY_COLUMNS))
forgery("06b-key-and-data-of-de-fr-swapped", "2026-adopted",
        r"^shares: DE's population or GDP \(68635900 persons, [\d.]+ million EUR\) is not the data's "
        r"\(83577140, [\d.]+\)$",
        r"^shares: FR: key_share")(_swap_de_fr(KEY_COLUMNS + ["population", "gdp_meur"]))


def test_06_a_key_computed_with_de_and_fr_data_swapped_is_rejected():
    rejected("06a-key-with-de-fr-data-swapped")
    rejected("06b-key-and-data-of-de-fr-swapped")


@forgery("07-offsets-pl-to-de", "offsets-mandatory",
         r"^offsets: PL owes \d+ offsets, the rule gives \d+ \(pro rata to the key within its cap\)$",
         r"^offsets: DE owes \d+ offsets, the rule gives \d+ \(pro rata")
def _(res, t):
    off = t["offsets"]
    assert off.at["PL", "offset"] >= 1000 and off.at["DE", "offset"] + 1000 < off.at["DE", "cap"]
    off.at["PL", "offset"] -= 1000
    off.at["DE", "offset"] += 1000


def test_07_offsets_moved_from_pl_to_de_are_rejected():
    msgs = rejected("07-offsets-pl-to-de")
    off = result("offsets-mandatory").tables["offsets"]
    assert f"offsets: PL owes {int(off.at['PL', 'offset']) - 1000} offsets, the rule gives " \
           f"{int(off.at['PL', 'offset'])} (pro rata to the key within its cap)" in msgs
    assert len(msgs) == 2, msgs


FLIP = {"open": "closed", "closed": "open", "triggered": "not triggered", "not triggered": "triggered",
        "below": "met", "met": "below"}
ART63 = ("art63_1_voluntary_offsets", "art63_3a_needs_threshold", "art63_3b_reference_threshold",
         "art63_3_mandatory_offsets")


@forgery("08-art63-statuses-flipped", "2026-adopted",
         *[rf"^offsets: pool row {item} says [a-z ]+, the thresholds give [a-z ]+$" for item in ART63])
def _(res, t):
    for item in ART63:
        t["pool"].at[item, "status"] = FLIP[t["pool"].at[item, "status"]]


def test_08_flipped_art63_statuses_are_rejected():
    assert len(rejected("08-art63-statuses-flipped")) == 4


@forgery("09-crisis-person-out-of-order", "crisis-frontline",
         r"^crisis: from_unallocated is not what the order of sources gives \(CR Art 8, 9: .*\): DE \d+, rule \d+$",
         r"^crisis: within_fair_share is not what the order of sources gives .*: DE 1, rule 0")
def _(res, t):
    cr = t["crisis"]
    assert cr.at["DE", "from_unallocated"] > 0 and cr.at["DE", "within_fair_share"] == 0
    cr.at["DE", "from_unallocated"] -= 1  # counted as an offset instead: same total
    cr.at["DE", "within_fair_share"] += 1


def test_09_a_crisis_person_out_of_the_order_of_sources_is_rejected():
    assert all(m.startswith("crisis:") for m in rejected("09-crisis-person-out-of-order"))


@forgery("10-call-not-pro-rata", "crisis-frontline",
         r"^calls: DE is called on for \d+ of its \d+ relocation, not the common share 6000/\d+ of it "
         r"\(\d+; Art 60\(3\): pro rata\)$",
         r"^calls: FR is called on for \d+ of its \d+ relocation")
def _(res, t):
    assert units(t, "DE", "relocation", "unallocated_units") > 0
    shift(t, "DE", "relocation", 0, -1)
    shift(t, "FR", "relocation", 0, 1)
    send(t, "DE", "EL", "relocation", -1)
    send(t, "FR", "EL", "relocation", 1)
    cr = t["crisis"]  # the plan takes what is left uncalled
    for g, d in (("DE", 1), ("FR", -1)):
        cr.at[g, "from_unallocated"] += d
        cr.at[g, "total"] += d
    rebook(t)


def test_10_a_contributor_not_called_pro_rata_is_rejected():
    assert all(m.startswith("calls:") for m in rejected("10-call-not-pro-rata"))


def _swap_2x2(g1, g2, b1, b2, k):
    def fn(res, t):
        send(t, g1, b1, "relocation", k)
        send(t, g1, b2, "relocation", -k)
        send(t, g2, b1, "relocation", -k)
        send(t, g2, b2, "relocation", k)
        rebook(t)
    return fn


forgery("11a-flows-not-proportional", "2026-adopted",
        r"^flows: DE -> CY sends \d+ relocation, not within one unit of its proportional share [\d.]+$"
        )(_swap_2x2("DE", "FR", "CY", "EL", 3))
forgery("11b-flows-not-proportional-with-self-pairs", "crisis-frontline",
        r"^flows: DE -> EL sends \d+ relocation, not within one unit of its proportional share [\d.]+$"
        )(_swap_2x2("DE", "FR", "EL", "IT", 2))


def test_11_flows_keeping_margins_but_not_proportional_are_rejected():
    assert len(rejected("11a-flows-not-proportional")) == 1
    # a beneficiary that also pledges (EL): measured against the biproportional fit
    assert len(rejected("11b-flows-not-proportional-with-self-pairs")) == 1


@forgery("12-self-flow", "2026-commission-proposal", r"^flows: IT send relocation to themselves$")
def _(res, t):
    assert units(t, "IT", "relocation", "called_units") > 0, "2026-commission-proposal: IT should pledge"
    k = 5
    send(t, "IT", "EL", "relocation", -k)
    send(t, "IT", "IT", "relocation", k)
    send(t, "DE", "IT", "relocation", -k)
    send(t, "DE", "EL", "relocation", k)
    rebook(t)


def test_12_a_self_flow_is_rejected():
    assert all(m.startswith("flows:") for m in rejected("12-self-flow"))


@forgery("13-unfair-split-among-free-states", "2026-adopted",
         r"^fairness: relocation asked of FR \(\d+ above what it stated, obligation \d+\) and DE \(\d+, obligation "
         r"\d+\) are not proportional to their obligations: one unit from the first to the second brings both "
         r"closer$")
def _(res, t):
    e = unit_values(t)["relocation"]
    for g, d in (("DE", -10), ("FR", 10)):
        assert res.scenario.state(g).fixed is None and not res.scenario.state(g).states_preference
        shift(t, g, "relocation", d, d)
        shift(t, g, "financial", -d * e, -d * e)
    reflow(t, "relocation")
    reflow(t, "financial")
    rebook(t)
    off = t["offsets"]  # their offsets fill their caps, as before
    for g in ("DE", "FR"):
        assert off.at[g, "binding"]
        off.at[g, "offset"] = off.at[g, "cap"]


def test_13_an_unfair_split_among_free_states_is_rejected():
    assert [m.split(":")[0] for m in rejected("13-unfair-split-among-free-states")] == ["fairness"]


@forgery("14-balance-not-leximin", "deductions-redistributed",
         r"^balance: moving one unit of relocation from IT \(coverage [\d.]+\) to EL \(coverage [\d.]+\) "
         r"improves the balance")
def _(res, t):
    receive(t, "EL", "relocation", -1)
    receive(t, "IT", "relocation", 1)
    reflow(t, "relocation")
    rebook(t)


def test_14_a_balance_that_is_not_leximin_is_rejected():
    assert len(rejected("14-balance-not-leximin")) == 1


@forgery("15a-assumed-labelled-stated", "2026-adopted",
         *[rf"^pledges: DE {typ}: source stated, the scenario makes it assumed$" for typ in TYPES],
         r"^obligations: DE: source stated, model_chooses False; the scenario makes it assumed, model_chooses True$")
def _(res, t):
    t["pledges"].loc["DE", "source"] = "stated"
    t["obligations"].at["DE", "source"] = "stated"
    t["obligations"].at["DE", "model_chooses"] = False
    rebook(t)  # DE's value is no longer counted as assumed, in obligations and in the pool


@forgery("15b-assumed-value-misreported", "2026-adopted",
         r"^obligations: DE: assumed_value_eur 0 is not the value of its assumed pledges \(\d+\)$",
         r"^pool: assumed_value is \d+, re-derived \d+$")
def _(res, t):
    t["obligations"].at["DE", "assumed_value_eur"] = 0


@forgery("15c-assumed-value-moved-between-states", "2026-adopted",
         r"^obligations: DE: assumed_value_eur \d+ is not the value of its assumed pledges",
         r"^obligations: FR: assumed_value_eur \d+ is not the value of its assumed pledges")
def _(res, t):
    t["obligations"].at["DE", "assumed_value_eur"] -= 5_000_000
    t["obligations"].at["FR", "assumed_value_eur"] += 5_000_000


@forgery("15d-pool-assumed-value-misreported", "2026-adopted", r"^pool: assumed_value is 0, re-derived \d+$")
def _(res, t):
    t["pool"].at["assumed_value", "amount"] = 0


def test_15_an_assumed_pledge_labelled_stated_or_misreported_is_rejected():
    assert all(m.startswith(("pledges: DE", "obligations: DE")) for m in rejected("15a-assumed-labelled-stated"))
    rejected("15b-assumed-value-misreported")
    assert len(rejected("15c-assumed-value-moved-between-states")) == 2
    assert len(rejected("15d-pool-assumed-value-misreported")) == 1


@forgery("16-unneeded-relocations-asked-of-a-free-state", "2026-adopted",
         r"^DE is asked \d+ persons of relocation, beyond the 0 it stated \(10 not called on\), while 10 of the "
         r"pool's relocation pledges are not needed$")
def _(res, t):
    e = unit_values(t)["relocation"]
    shift(t, "DE", "relocation", 10)  # pledged, never called on
    shift(t, "DE", "financial", -10 * e, -10 * e)
    receive(t, "CY", "financial", -10 * e)
    reflow(t, "financial")
    rebook(t)


def test_16_unallocated_relocations_asked_of_a_free_state_are_rejected():
    rejected("16-unneeded-relocations-asked-of-a-free-state")


# --- forgeries for the other messages ------------------------------------------------------

@forgery("17-fr-pushed-into-relocations", "alternative-capped",
         r"^deviation order: FR deviates from its stated preference \[\d+, \d+, \d+\] in relocation although "
         r"financial could take it \(pledges \[941, \d+, \d+\]; \[940, \d+, \d+\] deviates no more\): a forced "
         r"deviation falls on money, then alternative measures, then relocations$")
def _(res, t):
    """FR stated a mix; Art 57(2) cut its alternative measures and the cut
    went to money (money first). Forged: 100 persons more, EUR 2 million of
    money less: the deviation in EUR is unchanged (EUR 29 842 991 below in
    alternative measures, as much above in money and relocations), but it
    now falls on relocations."""
    e = unit_values(t)["relocation"]
    assert units(t, "FR", "financial") - units(t, "FR", "financial", "preferred_units") >= 100 * e
    shift(t, "FR", "relocation", 100)
    shift(t, "FR", "financial", -100 * e)
    # ... and the free states, pro rata to their persons, give as many up for money: every need stays met
    free = {g: units(t, g, "relocation") for g in res.scenario.participants
            if t["obligations"].at[g, "model_chooses"] and units(t, g, "relocation") > 0}
    for g, n in _hamilton(free, 100).items():
        shift(t, g, "relocation", -n)
        shift(t, g, "financial", n * e)
    for typ in ("relocation", "financial"):
        recall(t, typ)
        reflow(t, typ)
    rebook(t)


def test_17_a_forced_deviation_pushed_from_money_into_relocations_is_rejected():
    msgs = rejected("17-fr-pushed-into-relocations")
    assert msgs == [m for m in msgs if m.startswith("deviation order: FR ")], msgs  # the only rule broken
    t = forge(result("alternative-capped"))
    before = int(t["obligations"].at["FR", "deviation_value_eur"])
    FORGERIES["17-fr-pushed-into-relocations"][1](result("alternative-capped"), t)
    assert int(t["obligations"].at["FR", "deviation_value_eur"]) == before  # the EUR deviation is unchanged


@forgery("18-pool-rule-rewritten", "2026-adopted",
         r"^texts: pool row pledged_value says rule 'Art 56\(2\): every obligation met', the scenario gives "
         r"'Art 56\(2\): relocations at e; shortfall = unmet obligations'$")
def _(res, t):
    t["pool"].at["pledged_value", "rule"] = "Art 56(2): every obligation met"


@forgery("18b-pool-status-rewritten", "2026-adopted",
         r"^texts: pool row proposal_relocations says status 'below Art 12\(2\) minimum', the rule gives ''$")
def _(res, t):
    t["pool"].at["proposal_relocations", "status"] = "below Art 12(2) minimum"


forgery("18c-pool-row-invented", "2026-adopted", r"^texts: the pool table has a row extra that no rule gives$")(
    lambda res, t: t.__setitem__("pool", pd.concat([t["pool"], t["pool"].loc[["deductions"]].rename(
        index={"deductions": "extra"})])))
forgery("18d-shares-status", "2026-adopted", r"^texts: shares: FR's status is 'none', the scenario's 'at_risk'$")(
    lambda res, t: t["shares"].__setitem__("status", t["shares"]["status"].where(t["shares"].index != "FR",
                                                                                  "none")))


def test_18_a_rewritten_rule_or_status_cell_is_rejected():
    for fid in ("18-pool-rule-rewritten", "18b-pool-status-rewritten", "18c-pool-row-invented",
                "18d-shares-status"):
        rejected(fid)


def summary_of(res) -> str:
    """The beginning of the run's summary.md, as ``solidarity run`` writes it."""
    from solidarity.outputs.summary import intro
    return f"# {res.scenario.name} ({res.scenario.year})\n\n{intro(res)}\n\n## shares\n"


@forgery("19-summary-nothing-unmet", "2026-adopted",
         r"^summary: the opening paragraph is not the one the tables give: it says '.*; nothing is unmet\..*'; the "
         r"tables say '.*\(EUR 11 190 581 unmet, by BE, HU and SK\)\..*'$")
def _(res, t):
    text = summary_of(res)
    assert "(EUR 11 190 581 unmet, by BE, HU and SK)" in text
    t["summary.md"] = text.replace(" (EUR 11 190 581 unmet, by BE, HU and SK)", "; nothing is unmet")


@forgery("19b-summary-title", "2026-adopted", r"^summary: the title is '# Another title', the scenario gives "
         r"'# 2026 adopted pool \(2026\)'$")
def _(res, t):
    text = summary_of(res)
    t["summary.md"] = "# Another title" + text[text.index("\n"):]


@forgery("19c-summary-from-unreadable-tables", "2026-adopted", r"^summary: the tables cannot be read for the "
         r"summary \(KeyError: 'pool_value'\)$")
def _(res, t):
    t["summary.md"] = summary_of(res)
    t["pool"] = t["pool"].drop(index="pool_value")


def test_19_a_summary_saying_nothing_unmet_is_rejected():
    """summary.md says every obligation is met while the tables say EUR
    11 190 581 is unmet (BE, HU and SK); a correct summary passes."""
    from solidarity.outputs.audit import verify_summary

    res = result("2026-adopted")
    assert verify_summary(res.scenario, res.tables, summary_of(res)) == []
    for fid in ("19-summary-nothing-unmet", "19b-summary-title"):
        assert len(rejected(fid)) == 1, messages(fid)


def _drop_column(table, column):
    def fn(res, t):
        t[table] = t[table].drop(columns=column)
    return fn


forgery("m-tables-unreadable", "2026-adopted", r"^tables: the tables cannot be read \(KeyError: ")(
    _drop_column("beneficiaries", "received"))
forgery("m-check-unreadable", "2026-adopted", r"^offsets: the tables cannot be read for this check \(KeyError")(
    _drop_column("offsets", "binding"))


def _set(table, key, column, value=None, add=None):
    """A forgery that sets (or adds to) one cell."""
    def fn(res, t):
        if add is not None:
            t[table].at[key, column] += add
        else:
            t[table].at[key, column] = value
    return fn


@forgery("m-shares-state-missing", "2026-adopted", r"^shares: the states are \[.*\], not the participants \[.*'SK'\]")
def _(res, t):
    t["shares"] = t["shares"].drop(index="SK")


@forgery("m-deduction-not-granted", "2026-adopted", r"^shares: AT: deduction 0\.5 is not the scenario's 1\.0$",
         r"^shares: AT: deduction_eur \d+ is not round\(1\.0 x \d+\) = \d+$")
def _(res, t):
    sh = t["shares"]
    fair = int(sh.at["AT", "fair_share_eur"])
    sh.at["AT", "deduction"] = 0.5
    sh.at["AT", "deduction_eur"] = fair // 2
    sh.at["AT", "obligation_eur"] = fair - fair // 2
    sh.at["AT", "obligation_relocations"] = -(-(fair - fair // 2) // unit_values(t)["relocation"])
    rebook(t)


forgery("m-deduction-eur", "2026-adopted", r"^shares: AT: deduction_eur \d+ is not round\(1\.0 x \d+\) = \d+$")(
    _set("shares", "AT", "deduction_eur", add=-1))


@forgery("m-redistributed", "deductions-redistributed",
         r"^shares: DE: redistributed_eur \d+, rule gives \d+$", r"^shares: FR: redistributed_eur \d+, rule gives \d+$")
def _(res, t):
    sh = t["shares"]
    for g, d in (("DE", -1), ("FR", 1)):
        sh.at[g, "redistributed_eur"] += d
        sh.at[g, "obligation_eur"] += d
        move_pledge(t, g, "financial", d, to="EL")
    reflow(t, "financial")
    rebook(t)


@forgery("m-credit-used", "2026-adopted",
         r"^shares: DE: credit_used_eur 1000000 is not min\(credit, what is owed\) = 0$")
def _(res, t):
    sh = t["shares"]
    sh.at["DE", "credit_used_eur"] = 1_000_000
    sh.at["DE", "obligation_eur"] -= 1_000_000
    rebook(t)


forgery("m-obligations-table", "2026-adopted",
        r"^obligations: DE: obligation_eur \d+ is not the shares table's \d+$")(
    _set("obligations", "DE", "obligation_eur", add=1))
forgery("m-apportionment-ceiling", "method-ceiling",
        r"^shares: relocations_apportioned is not each quota rounded up \(DE \d+, rule \d+\)$")(
    _set("shares", "DE", "relocations_apportioned", add=-1))


@forgery("m-apportionment-divisor", "method-webster",
         r"^shares: relocations_apportioned is not a webster apportionment of R = 21000: DE \(with \d+\) has a "
         r"stronger claim to one more person \([\d.]+\) than MT to its last of \d+ \([\d.]+\); no divisor gives")
def _(res, t):
    t["shares"].at["DE", "relocations_apportioned"] -= 1  # the sum is kept
    t["shares"].at["MT", "relocations_apportioned"] += 1


forgery("m-apportionment-sum", "method-webster",
        r"^shares: relocations_apportioned adds up to 21001, not R = 21000$")(
    _set("shares", "DE", "relocations_apportioned", add=1))


@forgery("m-recorded-pledge-topped-up", "2026-adopted",
         r"^pledges: BE financial: 13014787 outside its limits \[12900000, 12900000\]$")
def _(res, t):
    assert units(t, "BE", "financial") == 12_900_000, "2026-adopted: BE's recorded pledge changed"
    move_pledge(t, "BE", "financial", 114_787, to="CY")
    reflow(t, "financial")
    rebook(t)


forgery("m-pledge-value", "2026-adopted", r"^pledges: DE relocation: value_eur \d+ is not units x 20000 = \d+$")(
    _set("pledges", ("DE", "relocation"), "value_eur", add=1))
forgery("m-unallocated", "2026-adopted",
        r"^pledges: DE financial: unallocated_units 5 is not units - called_units = 0$")(
    _set("pledges", ("DE", "financial"), "unallocated_units", 5))


# --- money earmarked for third countries (Art 56(2)(b), Art 64) ---------------------------------

TC = "designs/2026-third-country"
forgery("m-tc-column", TC, r"^pledges: BE financial: third_country_eur 1000000, the scenario earmarks 2000000$")(
    _set("pledges", ("BE", "financial"), "third_country_eur", 1_000_000))
forgery("m-tc-below", TC, r"^pledges: FR: money 9000000 below its third-country earmark 10000000$")(
    _set("pledges", ("FR", "financial"), "units", 9_000_000))
forgery("m-tc-unallocated", TC, r"^pledges: NL financial: unallocated_units 5 is not units - called_units - "
        r"third_country_eur = 0$")(_set("pledges", ("NL", "financial"), "unallocated_units", 5))
forgery("m-tc-pool-amount", TC, r"^pool: third_country_eur \(17000001, \d+\), re-derived \(17000000, \d+\)$")(
    _set("pool", "third_country_eur", "amount", add=1))


@forgery("m-tc-pool-missing", TC, r"^pool: the row third_country_eur is missing$")
def _(res, t):
    t["pool"] = t["pool"].drop(index="third_country_eur")


@forgery("m-tc-pool-extra", "2026-adopted", r"^pool: a third_country_eur row, but the scenario earmarks nothing$")
def _(res, t):
    pool = t["pool"]
    t["pool"] = pd.concat([pool, pool.loc[["financial_pledged"]].rename(index={"financial_pledged":
                                                                                "third_country_eur"})])


# the calls are checked on the money a beneficiary can call on: BE's EUR 12.9 million less its earmark
@forgery("tc-earmark-distributed", TC, r"^calls: BE is called on for 12900000 of its 10900000 financial",
         r"^pledges: BE financial: unallocated_units 0 is not units - called_units - third_country_eur = -2000000$")
def _(res, t):
    """BE's earmarked EUR 2 million sent to Cyprus as if it were pool money."""
    assert units(t, "BE", "financial", "third_country_eur") == 2_000_000
    shift(t, "BE", "financial", 0, 2_000_000)
    receive(t, "CY", "financial", 2_000_000)
    send(t, "BE", "CY", "financial", 2_000_000)


def test_18_earmarked_money_sent_to_a_beneficiary_is_rejected():
    """Art 64: money earmarked for third countries is never called by a
    benefitting state; a table that distributes it is refused."""
    rejected("tc-earmark-distributed")


@forgery("m-deviation-hidden", "alternative-capped",
         r"^pledges: NL financial: preferred_units \d+ and deviation_units 0, its recorded or stated amount gives "
         r"\d+ and \d+$",
         r"^obligations: NL: deviation_value_eur 0, its pledges deviate from its stated preference by EUR \d+$")
def _(res, t):
    pl = t["pledges"]
    for typ in TYPES:
        pl.at[("NL", typ), "preferred_units"] = pl.at[("NL", typ), "units"]
        pl.at[("NL", typ), "deviation_units"] = 0
    t["obligations"].at["NL", "deviation_value_eur"] = 0


@forgery("m-art57-cap-hidden", "alternative-capped",
         r"^pledges: NL alternative: limits min None, max None, held by ''; the scenario gives min None, max \d+, "
         r"held by 'cap'$")
def _(res, t):
    t["pledges"].at[("NL", "alternative"), "max_units"] = pd.NA
    t["pledges"].at[("NL", "alternative"), "limit"] = ""


@forgery("m-unmet-hidden", "2026-adopted",
         r"^obligations: HU: value 0, unmet 0 or excess 0 do not follow from its pledges \(value 0, obligation \d+\)$",
         r"^pool: pledged_value shortfall is \d+, re-derived \d+$")
def _(res, t):
    hu = int(t["obligations"].at["HU", "unmet_eur"])
    t["obligations"].at["HU", "unmet_eur"] = 0
    t["pool"].at["pledged_value", "shortfall"] -= hu


@forgery("m-pledge-above-obligation", "2026-adopted",
         r"^DE: pledges worth \d+ EUR exceed its obligation \d+ EUR by more than its own floors, recorded pledge "
         r"or stated preference imply \(0 EUR\)$")
def _(res, t):
    move_pledge(t, "DE", "financial", 1_000_000, to="CY")
    reflow(t, "financial")
    rebook(t)


@forgery("m-need-lowered", "2026-adopted", r"^beneficiaries: CY relocation: need \d+ is not the scenario's 7500$")
def _(res, t):
    bt = t["beneficiaries"]
    bt.at[("CY", "relocation"), "need"] = bt.at[("CY", "relocation"), "received"]  # no shortfall to show
    rebook(t)


forgery("m-sar-flag", "2026-adopted", r"^beneficiaries: CY: sar True, the scenario says False$")(
    _set("beneficiaries", ("CY", "relocation"), "sar", True))
forgery("m-receipt-cap", "2026-adopted", r"^beneficiaries: CY relocation: cap 7500 is not its need, within what the "
        r"others pledged \(\d+\)$")(_set("beneficiaries", ("CY", "relocation"), "cap", 7500))
forgery("m-received-eur", "2026-adopted", r"^beneficiaries: CY financial: received_eur \d+, shortfall \d+, coverage "
        r"[\d.]+ do not follow from receiving \d+ of a need of \d+")(
    _set("beneficiaries", ("CY", "financial"), "received_eur", add=1))


@forgery("m-beneficiary-added", "2026-adopted", r"^beneficiaries: the table has \[.*'FR'.*\], the scenario \[")
def _(res, t):
    bt = t["beneficiaries"]
    extra = bt.loc[["CY"]].copy()
    extra.index = extra.index.set_levels(["FR"], level=0)
    for col in ("need", "cap", "received", "received_eur", "shortfall"):
        extra[col] = 0
    extra["coverage"] = math.nan
    t["beneficiaries"] = pd.concat([bt, extra])


@forgery("m-money-left-unallocated", "2026-adopted",
         r"^\w\w could pledge relocation instead of money that stays unallocated \(EUR 20000\), while CY, EL, ES, "
         r"IT still need relocation: a need left unmet that its room could cover$")
def _(res, t):
    e = unit_values(t)["relocation"]
    shift(t, "DE", "financial", 0, -e)
    receive(t, "CY", "financial", -e)
    reflow(t, "financial")
    rebook(t)


@forgery("m-types-uneven", "2026-adopted",
         r"^pool coverage of relocation \(0\.2\d+\) could rise towards that of money \(0\.2\d+\) if \w\w shifted "
         r"money to relocation$")
def _(res, t):
    e = unit_values(t)["relocation"]
    shift(t, "DE", "relocation", -200, -200)
    shift(t, "DE", "financial", 200 * e, 200 * e)
    for b in res.scenario.beneficiaries:
        receive(t, b, "relocation", -50)
        receive(t, b, "financial", 50 * e)
    reflow(t, "relocation")
    reflow(t, "financial")
    rebook(t)


@forgery("m-receives-more-than-requested", "alternative-capped",
         r"^balance: CY receives 2000001 EUR of alternative, more than it can \(2000000\)$")
def _(res, t):
    receive(t, "EL", "alternative", -1)
    receive(t, "CY", "alternative", 1)
    reflow(t, "alternative")
    rebook(t)


@forgery("m-sar-states-below-target", "sar-binding",
         r"^balance: SAR states receive EUR \d+, less than the SAR target of EUR \d+$",
         r"^pool: sar_target is \d+, re-derived \d+$")
def _(res, t):
    _money_away_from_sar({("IT", "EL"): 1000})(res, t)
    for col in ("amount", "shortfall"):  # the pool row still says the target is met
        t["pool"].at["sar_target", col] = res.tables["pool"].at["sar_target", col]


def _resplit(t, typ: str, group: list[str], total: int) -> None:
    """The group's receipts of one type set to the leximin split of ``total``."""
    bt = t["beneficiaries"]
    got = leximin(total, [int(bt.at[(b, typ), "need"]) for b in group], [int(bt.at[(b, typ), "cap"]) for b in group],
                  group)
    for b, v in zip(group, got):
        bt.at[(b, typ), "received"] = v


@forgery("m-sar-burden-on-one-type", "sar-binding",
         r"^balance: giving \w\w one more unit of financial \(coverage [\d.]+\) from a SAR state, and the SAR "
         r"states EUR 1 back in other types")
def _(res, t):
    # Issue 13: the SAR target met by money alone (as before the joint leximin): EUR 20 000 more of
    # money to the SAR states and one relocation fewer, the same value; each group still leximin
    # within itself, so only the trade across types shows that the others' money could be higher.
    bt = t["beneficiaries"]
    for typ, moved in (("financial", 20_000), ("relocation", -1)):
        sar, others = ["ES", "IT"], ["CY", "EL"]
        _resplit(t, typ, sar, sum(int(bt.at[(b, typ), "received"]) for b in sar) + moved)
        _resplit(t, typ, others, sum(int(bt.at[(b, typ), "received"]) for b in others) - moved)
        reflow(t, typ)
    rebook(t)


@forgery("m-calls-do-not-add-up", "2026-adopted", r"^calls: financial called \d+, received \d+$",
         r"^flows: DE sends \d+ financial, called on for \d+$")
def _(res, t):
    shift(t, "DE", "financial", 0, -1)
    rebook(t)


@forgery("m-flow-not-positive", "2026-adopted", r"^flows: DE -> CY sends 0 alternative: a flow must be positive$")
def _(res, t):
    send(t, "DE", "CY", "alternative", 0)


forgery("m-flow-value", "2026-adopted",
        r"^flows: DE -> CY relocation: value_eur \d+ is not units x 20000 = \d+$")(
    _set("flows", ("DE", "CY", "relocation"), "value_eur", add=1))


@forgery("m-flow-margins", "2026-adopted", r"^flows: DE sends \d+ relocation, called on for \d+$",
         r"^flows: CY gets \d+ relocation in flows, \d+ in beneficiaries$")
def _(res, t):
    send(t, "DE", "CY", "relocation", 1)
    rebook(t)


@forgery("m-threshold-row", "2026-adopted",
         r"^offsets: pool row art63_3b_reference_threshold gives relocations \d+, threshold 30000, shortfall \d+; "
         r"the rule gives \d+, 21000, \d+$")
def _(res, t):
    pool = t["pool"]
    pool.at["art63_3b_reference_threshold", "reference"] = 30_000
    pool.at["art63_3b_reference_threshold", "shortfall"] = 30_000 - int(pool.at["relocation_pledged", "amount"])


forgery("m-mandatory-gap", "2026-adopted", r"^offsets: the mandatory gap is \d+, the rule gives \d+$")(
    _set("pool", "art63_3_mandatory_offsets", "reference", add=1))
forgery("m-offsets-owed-total", "2026-adopted",
        r"^offsets: pool row art63_3_mandatory_offsets gives \d+ offsets owed and \d+ uncovered; the offsets "
        r"table gives \d+ and \d+$")(_set("pool", "art63_3_mandatory_offsets", "amount", add=-1))


@forgery("m-offsets-state-added", "2026-adopted", r"^offsets: the states are \[.*'DK'.*\], not the participants")
def _(res, t):
    off = t["offsets"]
    t["offsets"] = pd.concat([off, off.loc[["AT"]].rename(index={"AT": "DK"})])


forgery("m-offsets-pledge", "2026-adopted", r"^offsets: DE: obligation_relocations \d+ and relocations pledged "
        r"\d+ are not its obligation in persons \(4555\) and its pledge \(\d+\)$")(
    _set("offsets", "DE", "pledged_relocations", add=1))
forgery("m-offsets-cap", "2026-adopted", r"^offsets: DE's cap \d+ is not its fair share in persons minus its "
        r"relocations \(4555 - \d+, at least 0: \d+\)$")(_set("offsets", "DE", "cap", add=1))
forgery("m-offsets-binding", "2026-adopted", r"^offsets: DE: binding False, but it owes \d+ of a cap of \d+$")(
    _set("offsets", "DE", "binding", False))
forgery("m-offsets-eligibility", "2026-adopted", r"^offsets: DE's Art 63\(2\)\(b\) eligibility is False, the rule "
        r"gives True")(_set("offsets", "DE", "voluntary_eligible", False))


@forgery("m-crisis-without-plan", "2026-adopted", r"^crisis: a crisis table without a crisis in the scenario$")
def _(res, t):
    t["crisis"] = result("crisis-frontline").tables["crisis"].copy()


@forgery("m-crisis-table-missing", "crisis-frontline",
         r"^crisis: the scenario has a crisis plan but the tables have none$")
def _(res, t):
    del t["crisis"]


@forgery("m-crisis-own-plan", "crisis-frontline", r"^crisis: EL contributes to its own plan$")
def _(res, t):
    cr = t["crisis"]
    for g, d in (("EL", 1), ("DE", -1)):
        cr.at[g, "from_unallocated"] += d
        cr.at[g, "total"] += d


forgery("m-crisis-credit", "ledger-3y/2026",
        r"^crisis: DE's credit EUR \d+ is not its offsets above its fair share x 20000 = \d+$")(
    _set("crisis", "DE", "credit_eur", add=20_000))
forgery("m-crisis-total", "crisis-frontline", r"^crisis: DE gives \d+ in all, its sources add up to \d+$")(
    _set("crisis", "DE", "total", add=1))


@forgery("m-crisis-pool-row-missing", "crisis-frontline", r"^crisis: the pool table has no row crisis_plan_EL$")
def _(res, t):
    t["pool"] = t["pool"].drop(index="crisis_plan_EL")


forgery("m-crisis-pool-row", "crisis-frontline",
        r"^crisis: pool row crisis_plan_EL gives 8000 of 8000 persons covered \(not covered\), the plan's table "
        r"8000 of 8000 \(covered\)$")(_set("pool", "crisis_plan_EL", "status", "not covered"))


@forgery("m-credits-uneven", "ledger-3y/2026",
         r"^credits: DE's credit of EUR \d+ is not spread evenly over 5 cycles from 2027: rows \[\d+, \d+, \d+, \d+, "
         r"\d+\], the rule gives \[\d+, \d+, \d+, \d+, \d+\]$")
def _(res, t):
    cred = t["credits"]
    assert cred.loc["DE"].shape[0] == 5, "ledger-3y/2026: DE should earn a credit"
    cred.at[("DE", 2027), "credit_eur"] -= 1000
    cred.at[("DE", 2028), "credit_eur"] += 1000


@forgery("m-pool-row-missing", "2026-adopted", r"^pool: the row assumed_value is missing$",
         r"^pool: the row art63_3b_reference_threshold is missing$")
def _(res, t):
    t["pool"] = t["pool"].drop(index=["assumed_value", "art63_3b_reference_threshold"])


@forgery("m-proposal-misreported", "2026-adopted", r"^pool: proposal_relocations is 21000, re-derived 30000$")
def _(res, t):
    assert res.scenario.pool.proposal_relocations == 30_000, "2026-adopted: the proposal should be 30 000"
    t["pool"].at["proposal_relocations", "amount"] = 21_000  # the adopted number, as if no proposal were given


forgery("m-sar-reference", "2026-adopted", r"^pool: sar_target reference is \d+, re-derived \d+ "
        r"\(round\(0\.42 x obligations \d+\) = \d+\)$")(_set("pool", "sar_target", "reference", add=-1))


def _ledger_row(res, t):
    """The first (geo, year) row of the ledger with a credit available."""
    led = t["ledger"]
    rows = led[led["credit_available_eur"] > 0]
    assert len(rows), "ledger-3y: some state should have a credit in 2027"
    return rows.index[0]


def ledger_inputs(cyc):
    """The instalments of the cycle's credits tables and each year's own
    credits (before carrying), for :func:`verify_ledger`."""
    from solidarity.pact.verify import ledger_instalments
    from solidarity.studies.ledger import load_cycle

    credits = {r.scenario.year: r.tables["credits"] for r in cyc.results if "credits" in r.tables}
    own = {(g, sc.year): sc.state(g).credit_eur for sc in load_cycle(SCENARIOS / "ledger-3y")
           for g in sc.participants}
    return ledger_instalments(credits), own


def _instalment_counted_twice(res, t):
    """DE's 2027 credit instalment counted again in 2028 (and used there)."""
    led = t["ledger"]
    first = int(res.results[0].tables["credits"].at[("DE", 2027), "credit_eur"])
    assert first > 0 and int(led.at[("DE", 2027), "credit_available_eur"]) == first
    led.at[("DE", 2028), "credit_available_eur"] += first


forgery("20-ledger-instalment-counted-twice", "ledger-3y",
        r"^DE 2028: credit available EUR \d+, the ledger gives EUR \d+ \(its own 0 \+ unused from 2027 0 \+ "
        r"instalments due \d+\)$")(_instalment_counted_twice)


@forgery("20b-ledger-credit-earned", "ledger-3y", r"^DE 2026: credit earned EUR \d+, its instalments add up to "
         r"EUR \d+$")
def _(res, t):
    t["ledger"].at[("DE", 2026), "credit_earned_eur"] += 5


def test_20_a_credit_instalment_counted_again_the_next_year_is_rejected():
    msgs = rejected("20-ledger-instalment-counted-twice")
    assert len(msgs) == 1, msgs
    rejected("20b-ledger-credit-earned")


@forgery("m-ledger-credit-used", "ledger-3y", r"^\w\w 202\d: credit used \d+ outside 0\.\.\d+$")
def _(res, t):
    key = _ledger_row(res, t)
    t["ledger"].at[key, "credit_used_eur"] = t["ledger"].at[key, "credit_available_eur"] + 1


@forgery("m-ledger-implemented", "ledger-3y",
         r"^DE 2027: implemented value \d+ outside 0\.\.\d+ \(the value pledged\)$")
def _(res, t):
    t["ledger"].at[("DE", 2027), "implemented_value_eur"] = t["ledger"].at[("DE", 2027), "pledged_value_eur"] + 1


forgery("m-ledger-carried", "ledger-3y", r"^FR 2028: carried in \d+, but \d+ were carried out in 2027$")(
    _set("ledger", ("FR", 2028), "carried_in_relocations", add=1))


@forgery("m-ledger-credit-lost", "ledger-3y", r"^\w\w 202\d: unused credit from 202\d was lost$")
def _(res, t):
    g, year = _ledger_row(res, t)  # one euro of credit left unused, and gone the next year
    led = t["ledger"]
    assert led.at[(g, year), "credit_used_eur"] > 0
    led.at[(g, year), "credit_used_eur"] -= 1
    led.at[(g, year + 1), "credit_available_eur"] = 0
    led.at[(g, year + 1), "credit_used_eur"] = 0


MESSAGE_FORGERIES = [fid for fid in FORGERIES if fid.startswith("m-")]


@pytest.mark.parametrize("fid", MESSAGE_FORGERIES)
def test_message_forgery_is_rejected(fid):
    rejected(fid)


# --- every message is triggered --------------------------------------------------------------

#: One pattern per message site in verify.py, in the order of the source
#: (``balance: {viol}`` and the sentence it wraps share one pattern).
CATALOGUE = [
    r"^tables: the tables cannot be read", r"^\w+: the tables cannot be read for this check",
    r"^shares: the states are", r"^shares: \w\w's population or GDP", r"^shares: \w\w: population_share",
    r"^shares: \w\w: key_share .* differs from the key", r"^shares: \w\w: relocations_quota",
    r"^shares: \w\w: fair_share_eur \d+ is not the largest-remainder", r"^shares: \w\w: fair_share_relocations",
    r"^shares: \w\w: deduction \S+ is not the scenario's", r"^shares: \w\w: deduction_eur",
    r"^shares: \w\w: redistributed_eur", r"^shares: \w\w: credit_used_eur", r"^shares: \w\w: obligation_eur",
    r"^shares: \w\w: obligation_relocations", r"^shares: relocations_apportioned is not the largest-remainder",
    r"^shares: relocations_apportioned is not each quota rounded up", r"^shares: relocations_apportioned adds up",
    r"^shares: relocations_apportioned is not a \w+ apportionment",
    r"^obligations: \w\w: obligation_eur \d+ is not the shares table's",
    r"^pledges: \w\w \w+: source", r"^pledges: \w\w \w+: -?\d+ outside its limits", r"^pledges: \w\w \w+: value_eur",
    r"^pledges: \w\w \w+: unallocated_units", r"^pledges: \w\w \w+: preferred_units", r"^pledges: \w\w \w+: limits",
    r"^pledges: \w\w \w+: third_country_eur", r"^pledges: \w\w: money -?\d+ below its third-country earmark",
    r"^pool: the row third_country_eur is missing", r"^pool: third_country_eur \(",
    r"^pool: a third_country_eur row, but",
    r"^obligations: \w\w: value -?\d+, unmet", r"^obligations: \w\w: deviation_value_eur",
    r"^obligations: \w\w: source", r"^obligations: \w\w: assumed_value_eur",
    r"^\w\w: pledges worth \d+ EUR exceed its obligation", r"^\w\w: EUR \d+ of its obligation is unmet",
    r"^\w\w: pledges \[.*\] deviate from its stated preference",
    r"^beneficiaries: the table has", r"^beneficiaries: \w\w \w+: need", r"^beneficiaries: \w\w: sar",
    r"^beneficiaries: \w\w \w+: cap", r"^beneficiaries: \w\w \w+: received_eur",
    r"^\w\w could pledge \w+ instead of money", r"^\w\w is asked \d+ \w+ of \w+, beyond",
    r"^SAR target missed by EUR", r"^pool coverage of \w+", r"^fairness: ",
    r"^balance: \w\w receives", r"^balance: SAR states receive", r"^balance: moving one unit of",
    r"^balance: moving one unit of",
    r"^balance: giving \w\w one more unit of", r"^balance: giving \w\w one more unit of",
    r"^calls: \w+ called \d+, received", r"^calls: \w\w is called on for",
    r"^flows: .* a flow must be positive", r"^flows: .* to themselves$", r"^flows: .*: value_eur",
    r"^flows: \w\w sends -?\d+ \w+, called on for", r"^flows: \w\w gets", r"^flows: .* not within one unit",
    r"^offsets: pool row \w+ says", r"^offsets: pool row \w+ gives relocations", r"^offsets: the mandatory gap",
    r"^offsets: pool row art63_3_mandatory_offsets gives", r"^offsets: the states are", r"^offsets: \w\w owes",
    r"^offsets: \w\w: obligation_relocations", r"^offsets: \w\w's cap", r"^offsets: \w\w: binding",
    r"^offsets: \w\w's Art 63\(2\)\(b\) eligibility",
    r"^crisis: a crisis table without", r"^crisis: the scenario has a crisis plan",
    r"^crisis: \w\w contributes to its own plan", r"^crisis: \w+ is not what the order of sources gives",
    r"^crisis: \w\w's credit EUR", r"^crisis: \w\w gives \d+ in all", r"^crisis: the pool table has no row",
    r"^crisis: pool row crisis_plan", r"^credits: ",
    r"^pool: the row \w+ is missing", r"^pool: \w+( \w+)? is (None|-?\d+), re-derived",
    r"^texts: the pool table has a row", r"^texts: pool row \w+ says rule", r"^texts: pool row \w+ says status",
    r"^texts: shares: \w\w's status", r"^summary: the tables cannot be read", r"^summary: the title is",
    r"^summary: the opening paragraph", r"^deviation order: ",
    r"^\w\w \d+: credit used", r"^\w\w \d+: implemented value", r"^\w\w \d+: carried in",
    r"^\w\w \d+: unused credit", r"^\w\w \d+: credit available EUR", r"^\w\w \d+: credit earned EUR",
]


def test_every_message_is_triggered():
    import inspect

    from solidarity.outputs.audit import verify_summary

    # the verifier's messages, and the summary's (checked beside the folder's other texts)
    source = (ROOT / "solidarity" / "pact" / "verify.py").read_text() + inspect.getsource(verify_summary)
    sites = len(re.findall(r'(?:out\.append\(|return \[|else \[|return \()f?"', source))
    assert len(CATALOGUE) == sites, (f"verify.py and verify_summary have {sites} message sites, the catalogue "
                                     f"{len(CATALOGUE)} patterns: add a pattern and a forgery that triggers it")
    said = [m for fid in FORGERIES for m in messages(fid)]
    missing = [p for p in CATALOGUE if not any(re.search(p, m) for m in said)]
    assert not missing, f"messages no forgery triggers: {missing}"
    unknown = [m for m in said if not any(re.search(p, m) for p in CATALOGUE)]
    assert not unknown, f"messages the catalogue does not know: {unknown[:5]}"


# --- correct results pass -------------------------------------------------------------------------

@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: str(p.relative_to(SCENARIOS)))
def test_bundled_scenario_passes_the_verifier(path):
    res = result(str(path.relative_to(SCENARIOS))[:-len(".toml")])
    assert verify(res, forge(res)) == []


@pytest.mark.parametrize("name", ["2026-adopted", "sar-binding", "alternative-capped", "offsets-mandatory",
                                  "deductions-redistributed"])
def test_rebooking_a_correct_result_keeps_it_correct(name):
    """The forging helpers themselves break nothing: re-derived bookkeeping
    and re-apportioned calls and flows of a correct result still pass."""
    res = result(name)
    t = forge(res)
    for typ in TYPES:
        recall(t, typ)
        if (t["pledges"]["called_units"].xs(typ, level="type") > 0).any():
            reflow(t, typ)
    rebook(t)
    assert verify(res, t) == []
    for k in ("pledges", "obligations", "beneficiaries", "pool", "offsets"):
        pd.testing.assert_frame_equal(t[k], res.tables[k], check_dtype=False)


def test_ledger_passes_the_verifier():
    assert verify_ledger(result("ledger-3y").ledger) == []
    assert verify_ledger(result("ledger-3y").ledger, *ledger_inputs(result("ledger-3y"))) == []


ART57_NO_OBLIGATION = """
participants = ["AT", "BE", "BG", "CY"]
[scenario]
name = "alternative measures stated, none requested"
year = 2026
[pool]
relocations = 100
financial_eur = 0
[states.AT]
preferred = { alternative_eur = 1 }
[beneficiaries.AT]
needs = { relocations = 0, financial_eur = 0, alternative_eur = 0 }
[beneficiaries.BE]
needs = { relocations = 0, financial_eur = 0, alternative_eur = 0 }
"""


def test_art57_cut_falls_on_a_state_without_obligation(monkeypatch):
    """AT (a beneficiary, fully deducted: no obligation) states EUR 1 of
    alternative measures, but none are requested: Art 57(2) cuts it to 0.
    The cut is shared pro rata to obligations; what the states with an
    obligation cannot absorb falls on those without one. The verifier
    accepts AT pledging nothing (it once asked for the infeasible EUR 1) and
    rejects a table that reports EUR 1 as AT's cap."""
    import solidarity.pact.verify as verify_module

    monkeypatch.setattr(verify_module, "verify_outcomes", lambda *a, **k: [])
    res = solidarity.run(parse_scenario(ART57_NO_OBLIGATION, file="<art57>"))
    monkeypatch.undo()
    t = forge(res)
    assert units(t, "AT", "alternative") == 0
    t["pledges"].at[("AT", "alternative"), "max_units"] = 0
    t["pledges"].at[("AT", "alternative"), "limit"] = "cap"
    assert verify(res, t) == []
    t["pledges"].at[("AT", "alternative"), "max_units"] = 1
    t["pledges"].at[("AT", "alternative"), "limit"] = ""
    assert verify(res, t) == [("pledges: AT alternative: limits min None, max 1, held by ''; the scenario gives "
                               "min None, max 0, held by 'cap'")]


WHOLE_PERSONS = """
[scenario]
name = "relocations only"
year = 2026
[pool]
relocations = 21000
financial_eur = 420000000
[states.LT]
max = { financial_eur = 0, alternative_eur = 0 }
[beneficiaries.EL]
needs = { relocations = 5000, financial_eur = 100000000 }
"""


def test_unmet_forced_by_caps_and_whole_persons_is_accepted():
    """LT may give only relocations and states no preference, so it may not
    pledge above its obligation: the part of a person its obligation leaves
    over stays unmet. The verifier once said nothing stopped it; one person
    less is still rejected."""
    res = result_of_text(WHOLE_PERSONS, "whole-persons")
    t = forge(res)
    e = unit_values(t)["relocation"]
    o = int(t["obligations"].at["LT", "obligation_eur"])
    assert int(t["obligations"].at["LT", "unmet_eur"]) == o % e > 0
    assert verify(res, t) == []
    shift(t, "LT", "relocation", -1, -1)
    receive(t, "EL", "relocation", -1)
    reflow(t, "relocation")
    rebook(t)
    assert f"LT: EUR {o % e + e} of its obligation is unmet although nothing stops it (room left in relocation)" \
        in verify(res, t)


#: Correct results the verifier once rejected (found by tests/test_fuzz.py).
ONCE_REJECTED = {
    # ES, the only beneficiary, recorded 1 082 relocations: none can go to
    # ES itself, so they stay unallocated; NL's and SI's are all needed.
    "own-pledges-reach-nobody": """
participants = ["ES", "NL", "SI"]
[scenario]
name = "own pledges"
year = 2026
[pool]
relocations = 27270
financial_eur = 46582
[beneficiaries.ES]
needs = { relocations = 1019, financial_eur = 612690, alternative_eur = 0 }
[states.ES]
fixed = { financial_eur = 8, relocations = 1082 }
[allocation]
priority = "needs"
""",
    # MT, the only beneficiary, pays money of its own that can reach nobody:
    # it is not money "that stays unallocated" which LU could turn into persons.
    "own-money-reaches-nobody": """
participants = ["LU", "MT", "SE"]
[scenario]
name = "own money"
year = 2026
[pool]
relocations = 132
financial_eur = 569228
[beneficiaries.MT]
needs = { relocations = 2750, financial_eur = 1347095, alternative_eur = 0 }
[states.MT]
preferred = { financial_eur = 68419, relocations = 0 }
[allocation]
priority = "needs"
""",
    # PL (no obligation) prefers EUR 1 646 421 of alternative measures, but
    # only CZ's request (EUR 1 million) can take them: its preference is
    # measured against that, not against an impossible pledge.
    "own-alternative-capped-by-the-others-requests": """
participants = ["BG", "CY", "CZ", "LT", "PL", "SI"]
[scenario]
name = "own alternative measures"
year = 2026
[pool]
relocations = 11406
financial_eur = 228120000
sar_share = 0.6
[beneficiaries.PL]
needs = { relocations = 55, financial_eur = 1802, alternative_eur = 1000000 }
[beneficiaries.CZ]
needs = { relocations = 1212, financial_eur = 149, alternative_eur = 1000000 }
[states.CZ]
mix = { relocation = 0.0, financial = 0.0, alternative = 1.0 }
[states.PL]
deduction = 1.0
preferred = { relocations = 1780, financial_eur = 1480602, alternative_eur = 1646421 }
[states.CY]
mix = { relocation = 0.0, financial = 0.0, alternative = 1.0 }
[allocation]
flows = "compact"
""",
    # PT's money is EUR 16 636 below its cap: it cannot give up a person
    # (EUR 20 000) for money, so its relocations cannot move to DE.
    "money-cap-holds-a-person": """
participants = ["CY", "DE", "EL", "FR", "PT", "RO", "SK"]
[scenario]
name = "money cap"
year = 2026
[pool]
relocations = 19731
financial_eur = 394620000
sar_share = 0.3
[beneficiaries.CY]
needs = { relocations = 254, financial_eur = 1264, alternative_eur = 1000000 }
[beneficiaries.EL]
needs = { relocations = 1647, financial_eur = 43112, alternative_eur = 0 }
sar = true
[states.PT]
deduction = 0.25
max = { relocations = 1540, alternative_eur = 202, financial_eur = 262144 }
[allocation]
priority = "needs"
flows = "compact"
""",
    # The SAR target (60 %) takes all the money HR receives: money moved to
    # alternative measures would miss it, so alternative coverage may stay low.
    "sar-target-holds-the-money": """
participants = ["DE", "HR", "HU", "IT", "LT", "PL", "SK"]
[scenario]
name = "SAR holds money"
year = 2026
[pool]
relocations = 514
financial_eur = 2786
sar_share = 0.6
[beneficiaries.PL]
needs = { relocations = 83, financial_eur = 94245, alternative_eur = 1000000 }
[beneficiaries.HU]
needs = { relocations = 242, financial_eur = 35395, alternative_eur = 0 }
[beneficiaries.HR]
needs = { relocations = 2786, financial_eur = 583, alternative_eur = 0 }
sar = true
[states.LT]
mix = { relocation = 0.0, financial = 1.0, alternative = 0.0 }
[allocation]
flows = "compact"
""",
    # SI, the only beneficiary, cannot pledge alternative measures to itself:
    # the part of a person left unmet is not "room left in alternative".
    "own-alternative-is-no-room": """
participants = ["AT", "BE", "BG", "ES", "IT", "LV", "SI"]
[scenario]
name = "own alternative room"
year = 2026
[pool]
relocations = 376
financial_eur = 0
sar_share = 0.3
[beneficiaries.SI]
needs = { relocations = 4511, financial_eur = 2694991, alternative_eur = 1000000 }
[states.BE]
fixed = { financial_eur = 2299659 }
[states.AT]
fixed = { alternative_eur = 12593, relocations = 793, financial_eur = 2863 }
[states.SI]
max = { alternative_eur = 12593, relocations = 793, financial_eur = 2863 }
deduction = 0.0
[states.LV]
mix = { relocation = 0.0, financial = 1.0, alternative = 0.0 }
""",
    # ES, the only contributor, covers every relocation need but its own:
    # one more person from ES could go to nobody.
    "own-need-no-one-else-can-serve": """
participants = ["AT", "ES", "HR"]
[scenario]
name = "own need"
year = 2026
[pool]
relocations = 29083
financial_eur = 87259969
[beneficiaries.HR]
needs = { relocations = 32, financial_eur = 424822, alternative_eur = 0 }
[beneficiaries.ES]
needs = { relocations = 319, financial_eur = 2286, alternative_eur = 0 }
sar = true
[beneficiaries.AT]
needs = { relocations = 4952, financial_eur = 16665, alternative_eur = 0 }
[states.ES]
deduction = 0.0
""",
}


@pytest.mark.parametrize("key", ONCE_REJECTED)
def test_correct_result_once_rejected_passes(key):
    res = result_of_text(ONCE_REJECTED[key], key)  # solidarity.run verifies
    assert verify(res, forge(res)) == []


# --- the folder on disk: forged with every digest recomputed --------------------------------
#
# A careful forger edits the written files and recomputes manifest.json
# (:func:`reseal`). ``solidarity verify`` (exit 5) and the Python verifier
# (:func:`solidarity.outputs.audit.audit`) must both reject each forgery below.

ADOPTED = SCENARIOS / "2026-adopted.toml"


def cli(*args):
    from typer.testing import CliRunner

    from solidarity.cli import app
    return CliRunner().invoke(app, [str(a) for a in args])


def reseal(folder: Path, **changes) -> None:
    """Recompute ``folder``'s manifest over its files as they are now (what
    anyone can do: the digests are plain SHA-256); ``changes`` replace
    manifest fields (``inputs``, ``scenario_digest``)."""
    import json

    from solidarity.outputs.output import MANIFEST, SIGNATURE, build_manifest, manifest_bytes

    old = json.loads((folder / MANIFEST).read_text())
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
             if p.is_file() and p.name not in (MANIFEST, SIGNATURE)}
    fields = {"identity": old["identity"], "scenario_digest": old["scenario_sha256"], "inputs": old["inputs"],
              "command": old["command"], "versions": old["versions"], **changes}
    (folder / MANIFEST).write_bytes(manifest_bytes(build_manifest(files, **fields)))


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    """A signed run of 2026-adopted and its key pair, written once per module."""
    base = tmp_path_factory.mktemp("signed")
    assert cli("keygen", base / "key").exit_code == 0
    res = cli("run", ADOPTED, "-o", base / "out", "-q", "--sign", base / "key")
    assert res.exit_code == 0, res.stderr
    return base


def copy_of(signed, tmp_path) -> Path:
    import shutil
    return Path(shutil.copytree(signed / "out", tmp_path / "out"))


def test_keygen_writes_a_private_key_only_its_owner_can_read(signed):
    assert (signed / "key").stat().st_mode & 0o777 == 0o600
    assert (signed / "key").read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert (signed / "key.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    res = cli("keygen", signed / "key")
    assert res.exit_code == 3
    for f in ("key", "key.pub"):
        assert f"  - {signed / f}: key file = '{signed / f}': exists already; a key is never overwritten; " \
            "allowed: a new file name\n" in res.stderr


def test_a_signed_run_verifies_with_the_public_key(signed):
    res = cli("verify", signed / "out", "--key", signed / "key.pub", "--scenario", ADOPTED)
    assert res.exit_code == 0, res.stderr
    assert res.stdout == (f"{signed / 'out'}: every file matches its manifest and every rule's outcome verifies\n"
                          f"signed: the manifest was signed by the holder of the private key of {signed / 'key.pub'}\n"
                          f"the folder is a run of {ADOPTED} (digest, overrides and data files match)\n")
    assert "checked against itself" not in res.stderr


@pytest.mark.parametrize("name", ["shares.csv", "pool.json", "summary.md", "meta.csv"])
def test_one_changed_digit_with_recomputed_digests_fails_with_the_key(signed, tmp_path, name):
    from solidarity.outputs.audit import audit

    out = copy_of(signed, tmp_path)
    text = (out / name).read_text()
    k = max(i for i, ch in enumerate(text) if ch.isdigit())  # the last digit, one higher
    (out / name).write_text(text[:k] + str((int(text[k]) + 1) % 10) + text[k + 1:])
    reseal(out)
    res = cli("verify", out, "--key", signed / "key.pub")
    assert res.exit_code == 5
    assert "manifest.json.sig: the signature does not match manifest.json" in res.stderr
    assert any("signature does not match" in str(f) for f in audit(out, key=signed / "key.pub"))


def test_an_unsigned_folder_or_another_key_fails_with_the_key(signed, tmp_path):
    out = copy_of(signed, tmp_path)
    assert cli("keygen", tmp_path / "other").exit_code == 0
    res = cli("verify", out, "--key", tmp_path / "other.pub")
    assert res.exit_code == 5 and "the signature does not match manifest.json" in res.stderr
    (out / "manifest.json.sig").unlink()
    res = cli("verify", out, "--key", signed / "key.pub")
    assert res.exit_code == 5
    assert "manifest.json.sig: missing: the folder is not signed (run with --sign KEY)" in res.stderr
    assert cli("verify", out).exit_code == 0  # without --key the digests alone still match


def test_a_key_that_is_not_a_key_exits_3(signed, tmp_path):
    bad = tmp_path / "bad.pub"
    bad.write_text("not a key\n")
    res = cli("verify", signed / "out", "--key", bad)
    assert res.exit_code == 3
    assert res.stderr == (f"error: 1 problem found:\n  - {bad}: public key = '{bad}': not a PEM public key "
                          "without a passphrase; allowed: an Ed25519 public key file from `solidarity keygen`\n")
    res = cli("run", ADOPTED, "-o", tmp_path / "o", "--sign", signed / "key.pub")
    assert res.exit_code == 3 and "private key" in res.stderr and not (tmp_path / "o").exists()


def test_signing_without_the_extra_names_the_pip_command(signed, tmp_path, monkeypatch):
    import sys
    for mod in [m for m in sys.modules if m == "cryptography" or m.startswith("cryptography.")]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setitem(sys.modules, "cryptography", None)  # import fails as if not installed
    for args in (("keygen", tmp_path / "k"), ("run", ADOPTED, "-o", tmp_path / "o", "--sign", signed / "key"),
                 ("verify", signed / "out", "--key", signed / "key.pub")):
        res = cli(*args)
        assert res.exit_code == 3, (args, res.stderr)
        assert "pip install 'solidarity[sign]'" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "k").exists() and not (tmp_path / "o").exists()


def _forge_deduction(signed, tmp_path) -> Path:
    """The folder of a run whose scenario gave FR a 50 % deduction, every table
    recomputed by the software itself, the manifest naming the original file."""
    import json

    forged_toml = tmp_path / "2026-adopted.toml"
    text = ADOPTED.read_text()
    forged_toml.write_text(text.replace('[states.FR]\nstatus = "at_risk"\n',
                                        '[states.FR]\nstatus = "at_risk"\ndeduction = 0.5\n'))
    assert forged_toml.read_text() != text
    out = tmp_path / "out"
    assert cli("run", forged_toml, "-o", out, "-q").exit_code == 0
    inputs = json.loads((signed / "out" / "manifest.json").read_text())["inputs"]  # the original file's
    reseal(out, inputs=inputs)
    return out


def test_verify_scenario_rejects_a_folder_run_from_another_scenario(signed, tmp_path):
    from solidarity.outputs.audit import audit

    out = _forge_deduction(signed, tmp_path)
    alone = cli("verify", out)
    assert alone.exit_code == 0  # self-consistent: checked only against itself ...
    assert (f"note: {out} was checked against itself (its own scenario.toml and the data files its manifest "
            "names); pass --scenario FILE to compare it with the scenario you ran") in alone.stderr
    res = cli("verify", out, "--scenario", ADOPTED)  # ... but not the scenario that was run
    assert res.exit_code == 5
    assert "manifest.json: scenario_sha256 " in res.stderr
    assert "scenario.toml: differs from the scenario named" in res.stderr
    assert "tables: shares: FR: deduction 0.5 is not the scenario's 0.0" in res.stderr
    found = [str(f) for f in audit(out, scenario=solidarity.load_scenario(ADOPTED))]
    assert any(f.startswith("meta.csv: scenario_sha256") for f in found), found
    assert any("FR: deduction 0.5 is not the scenario's 0.0" in f for f in found), found


def test_verify_scenario_compares_the_overrides_in_meta(signed):
    res = cli("verify", signed / "out", "--scenario", ADOPTED, "--set", "pool.sar_share=0.5")
    assert res.exit_code == 5
    assert "meta.csv: overrides 'none' are not those given with the scenario named" in res.stderr
    res = cli("verify", signed / "out", "--set", "pool.sar_share=0.5")
    assert res.exit_code == 3 and "--set/--variant" in res.stderr


@pytest.mark.parametrize("name, old, new, said", [
    ("summary.md", " (EUR 11 190 581 unmet, by BE, HU and SK)", "; nothing is unmet",
     "summary.md: summary: the opening paragraph is not the one the tables give"),
    ("summary.md", "| BE | Belgium | at_risk |", "| BE | Belgium | none |",
     "summary.md: line "),  # a table in the summary, not its opening
    ("pool.csv", "Art 56(2): relocations at e; shortfall = unmet obligations", "Art 56(2): every obligation met",
     "tables: texts: pool row pledged_value says rule 'Art 56(2): every obligation met'"),
])
def test_a_derived_text_rewritten_in_the_folder_is_rejected(signed, tmp_path, name, old, new, said):
    """The forged texts of tests 18 and 19 in a written folder, digests
    recomputed: ``solidarity verify`` and :func:`solidarity.outputs.audit.audit`
    reject them."""
    from solidarity.outputs.audit import audit

    out = copy_of(signed, tmp_path)
    text = (out / name).read_text()
    assert old in text
    (out / name).write_text(text.replace(old, new))
    reseal(out)
    res = cli("verify", out)
    assert res.exit_code == 5 and f"  - {said}" in res.stderr, res.stderr
    assert any(str(f).startswith(said) for f in audit(out))


def test_a_credit_instalment_counted_twice_in_a_cycle_folder_is_rejected(tmp_path):
    """ledger.csv with DE's 2027 instalment counted again in 2028, digests
    recomputed: ``solidarity verify`` and :func:`solidarity.outputs.audit.audit`
    reject it; the folder as written passes."""
    from solidarity.outputs.audit import audit

    out = tmp_path / "cycle"
    assert cli("cycle", SCENARIOS / "ledger-3y", "-o", out, "-q").exit_code == 0
    assert cli("verify", out).exit_code == 0
    led = pd.read_csv(out / "ledger.csv")
    first = int(pd.read_csv(out / "2026" / "credits.csv").set_index(["geo", "year"]).at[("DE", 2027), "credit_eur"])
    led.loc[(led["geo"] == "DE") & (led["year"] == 2028), "credit_available_eur"] += first
    led.to_csv(out / "ledger.csv", index=False)
    reseal(out)
    res = cli("verify", out)
    assert res.exit_code == 5
    assert "  - ledger.csv: DE 2028: credit available EUR " in res.stderr, res.stderr
    assert any(str(f).startswith("ledger.csv: DE 2028: credit available EUR") for f in audit(out))
