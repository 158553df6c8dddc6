"""Conflicts between a scenario's hard constraints, explained in domain words.

Most of what a scenario asks is soft: an obligation a state's limits cannot
meet shows as unmet, a need nobody covers as a shortfall. Only a few things
are hard, and only they can make a scenario impossible:

* alternative measures can be pledged only up to what the beneficiaries
  requested (Art 57(2)), and a beneficiary cannot receive its own; so
  recorded pledges and floors of alternative measures must fit in the
  requests of the others;
* a crisis plan needs at least one other participant to take its offsets.

For each, :func:`explain` finds the smallest set of conflicting groups (the
fewest states whose recorded pledges or floors together exceed what can be
requested from them) without a solver, and says it as a user would.
"""

from __future__ import annotations

import numpy as np

from ..numbers import group
from .model import ALT


def _names(geos) -> str:
    geos = list(geos)
    return geos[0] if len(geos) == 1 else ", ".join(geos[:-1]) + " and " + geos[-1]


def _fmt(v: int) -> str:
    return group(v)


def explain(scenario, geos: tuple[str, ...], benef: tuple[str, ...], lower: np.ndarray,
            needs: np.ndarray) -> list[str]:
    """Every conflict found, each as one sentence (empty: none)."""
    out: list[str] = []
    floors = {g: int(v) for g, v in zip(geos, lower[:, ALT].tolist()) if v > 0}
    requests = {b: int(v) for b, v in zip(benef, needs[:, ALT].tolist())}
    total = sum(requests.values())
    if floors:
        # Hall's condition: a set of pledging states needs at least its floors
        # in requests from beneficiaries other than themselves. A single
        # state excludes its own request; two or more can serve each other.
        for g, v in sorted(floors.items()):
            room = total - requests.get(g, 0)
            if v > room and g in requests:
                out.append(f"the {_kind(scenario, g)} of {g} (EUR {_fmt(v)} of alternative measures) "
                           f"exceed what the other beneficiaries requested (EUR {_fmt(room)}); "
                           f"Art 57(2) allows alternative measures only up to requests, and {g} "
                           "cannot send them to itself")
        if sum(floors.values()) > total:
            ranked = sorted(floors, key=lambda g: (-floors[g], g))
            pick, s = [], 0
            for g in ranked:  # the fewest states whose floors exceed every request
                pick.append(g)
                s += floors[g]
                if s > total:
                    break
            kinds = {_kind(scenario, g) for g in pick}
            what = "recorded pledges" if kinds == {"recorded pledge"} else (
                "floors" if kinds == {"floor"} else "recorded pledges and floors")
            out.append(f"the {what} of {_names(sorted(pick))} (EUR {_fmt(s)} of alternative measures) "
                       f"exceed the alternative measures requested by all beneficiaries "
                       f"(EUR {_fmt(total)}); Art 57(2) allows them only up to requests")
    c = scenario.crisis
    if c is not None and not [g for g in scenario.participants if g != c.state] and c.relocations:
        out.append(f"the crisis plan for {c.state} needs {_fmt(c.relocations)} relocations but no "
                   "other participant can take offsets")
    return out


def _kind(scenario, g: str) -> str:
    return "recorded pledge" if scenario.state(g).fixed is not None else "floor"
