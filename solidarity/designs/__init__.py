"""Stage: the EU's other solidarity designs, each run end to end.

The adopted Pact runs through :func:`solidarity.pipeline.run` (key, optimiser,
rules, verifier). The designs the EU tried or proposed before it have rules of
their own (:class:`~solidarity.schema.Design`); each has a runner module here,
``solidarity.designs.<name>``, exporting ``run(scenario, data, verify)`` that
chains the design's stages (data, its law in :mod:`solidarity.pact`, its
tables, its independent verifier) and returns a :class:`DesignResult`.
:func:`solidarity.pipeline.run` calls :func:`run_design` for them, so every
command that runs a scenario runs any design.

Every design writes the tables ``design_states`` (one row per state: key
share, persons, money, and the rule that gave them), ``pool`` and ``meta``,
plus its own tables; ``compare`` and ``explain`` read them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from ..errors import InputError, Problem, VerificationError
from ..inputs.data import Indicator
from ..inputs.scenario import Scenario
from ..outputs.report import provenance
from ..outputs.summary import design_order
from ..outputs.tables import frame
from ..pact.verifiers import MODULES as VERIFIERS
from ..pact.verifiers import verify_run
from ..schema import Design

#: The runner module of each design.
RUNNERS: dict[Design, str] = {d: f"solidarity.designs.{d.module_name}" for d in Design if d.module_name}


#: Chart titles of the ``design_states`` measures (the columns' docs say more).
_CHART_LABELS = {"key_share": "key share", "persons": "persons to take in",
                 "relocated_from": "persons relocated from the state", "pays_eur": "money paid",
                 "receives_eur": "money received"}


@dataclass(frozen=True, eq=False)
class DesignResult:
    """A verified run of a design other than the adopted Pact.

    Attributes
    ----------
    scenario : the scenario that ran (``scenario.design`` says which design).
    population, gdp : the key's data, as for the Pact.
    tables : every table the run writes, by registered name, each indexed by
        its primary key (``design_states``, ``pool``, ``meta`` and the
        design's own).
    details : the design's own result object (its law's output).
    verified : True when the design's independent verifier found nothing (set by
        :func:`run_design`; a runner's own result is not verified).
    """

    scenario: Scenario
    population: Indicator
    gdp: Indicator
    tables: dict[str, pd.DataFrame]
    details: Any = None
    verified: bool = False

    @property
    def design(self) -> Design:
        return self.scenario.design

    def status_line(self) -> str:
        """What the CLI says after a run (``<design>: computed, verified``)."""
        return f"{self.design.value}: computed by its rules, " + ("verified" if self.verified else "NOT verified")

    def intro(self) -> str:
        """The run in a paragraph (the summary's opening), read from its tables."""
        from ..outputs.summary import design_intro
        return design_intro(self.scenario, self.tables)

    def charts(self) -> dict[str, bytes]:
        """The run's numbers per state, one chart per ``design_states`` measure the
        design fills (``design_<column>.png`` / ``.svg``). Needs matplotlib."""
        from ..outputs.charts import compare_charts, data_source, study_source
        from ..outputs.tables import REGISTRY

        st = self.tables["design_states"]
        spec = REGISTRY["design_states"]
        axes = {"fraction": ("%", 0.01), "persons": ("persons", 1.0), "EUR": ("EUR million", 1e6)}
        rows = [{"geo": g, "metric": col, "label": self.scenario.name, "unit": spec.column(col).unit,
                 "value": float(v), "delta": None}
                for col in ("key_share", "persons", "relocated_from", "pays_eur", "receives_eur")
                if st[col].fillna(0).astype(float).any() for g, v in st[col].items() if not pd.isna(v)]
        long = pd.DataFrame(rows, columns=["geo", "metric", "label", "unit", "value", "delta"])
        units = {m: axes[u] for m, u in zip(long["metric"], long["unit"])}
        source = study_source([data_source(self.population, self.gdp)], self.scenario.name)
        return compare_charts(long, units=units, title=self.scenario.name, labels=_CHART_LABELS, source=source,
                              values=True, prefix="design")

    def __repr__(self) -> str:
        return (f"<DesignResult {self.scenario.name!r} ({self.scenario.year}), design {self.design.value}: "
                f"{len(self.tables['design_states'])} states; tables: {', '.join(self.tables)}>")

    def _repr_html_(self) -> str:
        from ..outputs.notebook import block

        return block(f"{self.scenario.name} ({self.scenario.year}), design {self.design.value}", [],
                     {k: self.tables[k] for k in ("design_states", "pool") if k in self.tables},
                     hint=f"Every table: .tables[name] ({', '.join(self.tables)}).")


def run_design(scenario: Scenario, data: tuple[Indicator, Indicator] | None = None,
               verify: bool = True) -> DesignResult:
    """Run a scenario of a design other than the adopted Pact.

    Raises
    ------
    InputError : the design is not available, or bad data for it.
    VerificationError : a rule's outcome, re-derived independently, differs.
    """
    name = RUNNERS.get(scenario.design)
    try:
        mod = importlib.import_module(name) if name else None
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        mod = None
    if mod is None:
        raise InputError(Problem(scenario.path, "design.kind", scenario.design.value,
                                 "this design cannot run in this version", "ammr"))
    result: DesignResult = mod.run(scenario, data)
    missing = {"design_states", "pool", "meta"} - set(result.tables)
    if missing:
        raise RuntimeError(f"the {scenario.design.value} runner wrote no {', '.join(sorted(missing))} table")
    if verify:  # the design's own verifier, as `solidarity verify` calls it on a written folder
        violations = verify_run(scenario, result.population, result.gdp, result.tables)
        if violations:
            raise VerificationError(violations)
    tables = dict(result.tables)
    note = f"passed ({VERIFIERS[scenario.design]})" if verify else "not run"
    tables["meta"] = _with_provenance(scenario, tables["meta"], note)
    order = design_order(tables)  # one order for the writers and the audit's summary check
    return replace(result, tables={k: tables[k] for k in order}, verified=verify)


def _with_provenance(scenario: Scenario, meta: pd.DataFrame, verification: str) -> pd.DataFrame:
    """The design's meta after the rows every run writes first (tool, scenario,
    digest, overrides) and before the verifier's verdict; a key the design
    already wrote is kept as the design wrote it."""
    own = [(str(k), str(v)) for k, v in meta["value"].items()]
    first = [(k, str(v)) for k, v in provenance(scenario) if k not in meta.index]
    last = [("verification", verification)]
    return frame("meta", [{"key": k, "value": v} for k, v in first + own + last])


__all__ = ["RUNNERS", "DesignResult", "run_design"]
