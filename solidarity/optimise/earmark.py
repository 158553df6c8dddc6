"""Money earmarked for actions in or in relation to third countries.

AMMR Art 56(2)(b) and Art 64: financial contributions go "primarily" to
actions in the Member States and "may" also support actions in or in
relation to third countries with a direct impact on migratory flows at the
external borders. Such money counts inside the state's one fair share like
any money (the types are "of equal value", Art 56(2)), but it is not called
on by the benefitting states: it funds actions outside the pool's
distribution. The benefitting states' financial needs are covered by the
rest of the money.

The programme of :mod:`solidarity.optimise.model` is left as it is: it is
run on the *distributable* part of each money pledge. With ``e_i`` the
earmark of state ``i`` (whole euros, at most its money floor, see
:mod:`solidarity.inputs.scenario`)::

    p_total[i, money] = p[i, money] + e_i
    obligation'_i     = max(O_i - e_i, 0)
    over_max'_i       = over_max_i - max(e_i - O_i, 0)

and the money's floor, cap and reference lowered by ``e_i`` (a reference
below the earmark becomes 0: its deviation then differs from the whole
pledge's by a constant, so every level keeps its optimum). Supply, calls,
flows and receipts then see only the distributable money; the states the
model chooses for share their in-kind pledges pro rata to the part of the
obligation the earmark leaves open. Without earmarks the programme and
every number are unchanged.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .model import FIN, ModelInput, Solution, solution_of


def net_input(inp: ModelInput, earmark: np.ndarray) -> ModelInput:
    """The programme's input for the distributable money (see the module).

    ``earmark`` is (n,) whole euros, each at most the state's money floor
    (``inp.lower[:, FIN]``)."""
    e = np.asarray(earmark, dtype=np.int64)
    if not e.any():
        return inp
    if (e > inp.lower[:, FIN]).any():
        raise ValueError("an earmark exceeds its state's money floor")
    lower, upper, pref = inp.lower.copy(), inp.upper.copy(), inp.preferred.copy()
    lower[:, FIN] -= e
    upper[:, FIN] = np.where(upper[:, FIN] < 0, -1, upper[:, FIN] - e)
    pref[:, FIN] = np.maximum(pref[:, FIN] - e, 0)
    return replace(inp, obligation=np.maximum(inp.obligation - e, 0),
                   over_max=inp.over_max - np.maximum(e - inp.obligation, 0),
                   lower=lower, upper=upper, preferred=pref)


def gross_solution(inp: ModelInput, net: Solution, earmark: np.ndarray) -> Solution:
    """The whole pledges (earmarks added back to the money), with unmet and
    excess obligations re-derived against ``inp``'s whole obligations."""
    p = net.pledges.copy()
    p[:, FIN] += np.asarray(earmark, dtype=np.int64)
    return solution_of(inp, p, net.received)


__all__ = ["gross_solution", "net_input"]
