"""Errors a user can act on, each with its documented exit code.

Exit codes (also in the README):

== =====================================================================
0  success
1  unexpected internal error (a bug: please report it with ``--debug``)
2  command-line usage error (unknown option, missing argument)
3  invalid input: scenario file, data file or option value
4  the solver found no usable solution (infeasible, time limit, ...)
5  the independent verifier rejected the solver's solution
== =====================================================================
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, what value, what is allowed."""

    file: str
    key: str
    value: object
    message: str
    allowed: str = ""

    def __str__(self) -> str:
        shown = "" if self.value is _MISSING else f" = {self.value!r}"
        allowed = f"; allowed: {self.allowed}" if self.allowed else ""
        return f"{self.file}: {self.key}{shown}: {self.message}{allowed}"


class _Missing:
    def __repr__(self) -> str:  # pragma: no cover - never shown
        return "<missing>"


#: Value of a :class:`Problem` about a key that is absent.
_MISSING = _Missing()
MISSING = _MISSING


class SolidarityError(Exception):
    """Base class; ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class InputError(SolidarityError):
    """Bad scenario, data file or option; lists every problem found."""

    exit_code = 3

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found:"
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))


class SolveError(SolidarityError):
    """The solver returned no usable integer solution."""

    exit_code = 4


class VerificationError(SolidarityError):
    """The solution broke a constraint when recomputed independently."""

    exit_code = 5

    def __init__(self, violations: list[str]):
        self.violations = violations
        super().__init__("verification failed:\n" + "\n".join(f"  - {v}" for v in violations))
