"""The ``[design]`` keys of the 2020 Pact proposal (``kind = "pact-2020"``).

COM(2020) 610 (proposal for a Regulation on asylum and migration management),
Part IV, and the crisis proposal COM(2020) 613. The scenario's ``[pool]
relocations`` is the need for relocations *and* sponsored returns; its
``participants`` other than the ``[beneficiaries]`` are the states bound to
contribute. What the proposal leaves open, or what could not be read in its
text, is a key here with a stated default (see ``docs/designs-pact2020.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any

from ..errors import MISSING
from ..schema import FrozenDict, Method

#: Bound for every whole number of persons or euros a pledge may give (as the scenario's MAX_AMOUNT).
_MAX = 10**12


class Choice(StrEnum):
    """How a state covers a correction top-up (Art 52-53 COM(2020) 610: "at its choice")."""

    RELOCATION = "relocation"  #: all by relocation
    SPONSORSHIP = "sponsorship"  #: all by return sponsorship
    PROPORTIONAL = "proportional"  #: in the proportion of its own pledges; relocation if it pledged none


@dataclass(frozen=True)
class Pledge:
    """What a state pledged (Art 45(1) COM(2020) 610); ``stated`` False: it stated nothing (all 0)."""

    relocations: int = 0
    sponsorships: int = 0
    capacity_eur: int = 0
    stated: bool = False


@dataclass(frozen=True)
class Settings:
    """The design's parameters (defaults: see :data:`KEYS`)."""

    return_rate: Fraction
    crisis: bool = False
    shortfall_trigger: Fraction = Fraction(3, 10)
    correction_share: Fraction = Fraction(1, 2)
    method: Method = Method.HAMILTON
    sar_relocations: int = 0
    correction_default: Choice = Choice.PROPORTIONAL
    correction_choice: FrozenDict = field(default_factory=lambda: FrozenDict({}))
    pledges: FrozenDict = field(default_factory=lambda: FrozenDict({}))

    def pledge(self, geo: str) -> Pledge:
        """The state's pledge (a state that stated nothing pledged nothing)."""
        p: Pledge = self.pledges.get(geo, Pledge())
        return p

    def choice(self, geo: str) -> Choice:
        c: Choice = self.correction_choice.get(geo, self.correction_default)
        return c


_CHOICES = ", ".join(f'"{c.value}"' for c in Choice)
_METHODS = ", ".join(f'"{m.value}"' for m in Method)

#: The keys below ``design.`` (path, type, allowed, default, doc).
KEYS: tuple[tuple[str, str, str, str, str], ...] = (
    ("return_rate", "number", "from 0 to 1", "required",
     "share of sponsored persons returned within the deadline (no default: the EU's return rate is "
     "the user's to state, with its source)"),
    ("crisis", "boolean", "true or false", "false",
     "a crisis (COM(2020) 613): the return-sponsorship deadline is 4 months instead of 8 [unverified]; "
     "no search-and-rescue pool and no capacity-building pledges (COM(2020) 613 Art 2(1))"),
    ("shortfall_trigger", "number", "from 0 to 1", "0.3",
     "the correction applies when relocations and sponsorships pledged fall more than this share short "
     "of the need (Art 52-53 COM(2020) 610, per the Commission's summary)"),
    ("correction_share", "number", "from 0 to 1", "0.5",
     "a corrected state covers at least this share of its fair share by relocation or return sponsorship"),
    ("method", "string", _METHODS, '"hamilton"',
     "apportionment of the pool and of the SAR pool to whole persons per state (hamilton: the shares add "
     "up to the pool)"),
    ("sar_relocations", "whole number", "whole persons >= 0", "0",
     "relocations needed after search and rescue disembarkations (Art 47-49 COM(2020) 610), distributed "
     "by the same key"),
    ("correction_default", "string", _CHOICES, '"proportional"',
     "how a state without a stated choice covers its top-up: in the proportion of its own pledges "
     "(relocation if it pledged none), or all one type"),
    ("correction_choice.CODE", "string", _CHOICES, "correction_default",
     "the state's own choice for its top-up (Art 52-53: relocation or return sponsorship at its choice)"),
    ("pledges.CODE.relocations", "whole number", "whole persons >= 0", "0",
     "relocations the state pledges (Art 45(1)(a))"),
    ("pledges.CODE.sponsorships", "whole number", "whole persons >= 0", "0",
     "return sponsorships the state pledges (Art 45(1)(b), Art 55)"),
    ("pledges.CODE.capacity_eur", "whole number", "whole euros >= 0", "0",
     "capacity-building and operational support measures, in EUR (Art 45(1)(d)); not counted against "
     "the need for relocations and sponsored returns"),
)

_TOP = {"return_rate", "crisis", "shortfall_trigger", "correction_share", "method", "sar_relocations",
        "correction_default", "correction_choice", "pledges"}
_PLEDGE = {"relocations", "sponsorships", "capacity_eur"}


def _bound_code(c, code: Any, path: str, ctx) -> bool:
    """True for a state bound to contribute: a participant that is not a beneficiary."""
    if not c.code(code, path):
        return False
    if code in ctx.beneficiaries:
        c.add(path, code, "a benefitting state does not contribute to its own pool",
              "a participant that is not a beneficiary")
        return False
    if code not in ctx.participants:
        c.add(path, code, "not a participant",
              "one of the scenario's participants: " + ", ".join(ctx.participants))
        return False
    return True


def _pledges(c, doc: Any, ctx) -> dict[str, Pledge]:
    out: dict[str, Pledge] = {}
    doc = c.table(doc, "design.pledges", set(doc) if isinstance(doc, dict) else set(),
                  what="[design.pledges.CODE] tables, one per country code")
    for code, body in sorted(doc.items()):
        path = f"design.pledges.{code}"
        if not _bound_code(c, code, path, ctx):
            continue
        body = c.table(body, path, _PLEDGE)
        vals = {k: c.integer(body, k, path, hi=_MAX,
                             what="whole euros" if k == "capacity_eur" else "whole persons") for k in _PLEDGE}
        out[code] = Pledge(stated=True, **{k: v or 0 for k, v in vals.items()})
    return out


def _choices(c, doc: Any, ctx) -> dict[str, Choice]:
    out: dict[str, Choice] = {}
    doc = c.table(doc, "design.correction_choice", set(doc) if isinstance(doc, dict) else set(),
                  what="a table of CODE = \"relocation\" or \"sponsorship\"")
    for code in sorted(doc):
        path = f"design.correction_choice.{code}"
        if _bound_code(c, code, path, ctx):
            v = c.enum(doc, code, "design.correction_choice", Choice)
            if v is not None:
                out[code] = v
    return out


def _crisis_exclusions(c, sar: int | None, pledges: Mapping[str, Pledge]) -> None:
    """COM(2020) 613 Art 2(1): in a crisis, Part IV of COM(2020) 610 applies "with the exception
    of Article 45(1), point (d), Article 47, Article 48, Article 49" (read in the proposal's text):
    no capacity-building contributions and no search-and-rescue pool."""
    allowed = "0, or crisis = false"
    if sar:
        c.add("design.sar_relocations", sar, "the search-and-rescue pool (Art 47-49 COM(2020) 610) does not "
              "apply in a crisis (COM(2020) 613 Art 2(1))", allowed)
    for code, p in sorted(pledges.items()):
        if p.capacity_eur:
            c.add(f"design.pledges.{code}.capacity_eur", p.capacity_eur, "capacity-building measures "
                  "(Art 45(1)(d) COM(2020) 610) are not a solidarity contribution in a crisis "
                  "(COM(2020) 613 Art 2(1))", allowed)


def parse(c, table: dict, ctx) -> Settings | None:
    """The design's settings from ``[design]`` (without ``kind``); None after a problem."""
    before = len(c.problems)
    doc = c.table(table, "design", _TOP)
    rate = c.number(doc, "return_rate", "design", what="a share")
    if "return_rate" not in doc:
        c.add("design.return_rate", MISSING, "required key is missing: the share of sponsored persons "
              "returned within the deadline has no default", "a number from 0 to 1, with its source")
    crisis = c.boolean(doc, "crisis", "design")
    trigger = c.number(doc, "shortfall_trigger", "design", what="a share")
    share = c.number(doc, "correction_share", "design", what="a share")
    method = c.enum(doc, "method", "design", Method)
    sar = c.integer(doc, "sar_relocations", "design", hi=_MAX, what="whole persons")
    default = c.enum(doc, "correction_default", "design", Choice)
    choices = _choices(c, doc.get("correction_choice", {}), ctx)
    pledges = _pledges(c, doc.get("pledges", {}), ctx)
    if crisis:
        _crisis_exclusions(c, sar, pledges)
    bound = [g for g in ctx.participants if g not in ctx.beneficiaries]
    if not bound:
        c.add("participants", list(ctx.participants), "no state is bound to contribute: every participant "
              "is a beneficiary", "participants beyond the [beneficiaries]")
    if len(c.problems) > before or rate is None:
        return None
    return Settings(return_rate=rate, crisis=bool(crisis), method=method or Method.HAMILTON,
                    shortfall_trigger=Fraction(3, 10) if trigger is None else trigger,
                    correction_share=Fraction(1, 2) if share is None else share,
                    sar_relocations=sar or 0, correction_default=default or Choice.PROPORTIONAL,
                    correction_choice=FrozenDict(choices), pledges=FrozenDict(pledges))


__all__ = ["KEYS", "Choice", "Pledge", "Settings", "parse"]
