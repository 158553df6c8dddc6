"""Errors a user can act on, each with its documented exit code.

Exit codes (also in ``solidarity --help`` and the documentation's exit-code page):

== =====================================================================
0  success
1  internal error (a bug: please report it with ``--debug``)
2  command-line usage error (unknown option, missing argument)
3  invalid input: scenario file, data file, override or option value
4  conflicting scenario: its hard constraints cannot all hold
5  the independent verifier rejected the result
6  a solver limit (time, gap) was reached without an accepted solution
7  outputs cannot be written (permission, disk full, not a folder, or a
   folder holding another run's outputs without ``--force``)
8  the solver is missing or failed
== =====================================================================
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """One exit code per kind of outcome."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    INVALID_INPUT = 3
    CONFLICT = 4
    VERIFICATION = 5
    LIMIT = 6
    OUTPUT = 7
    SOLVER = 8

    @property
    def meaning(self) -> str:
        """What the code tells a user, in a sentence (the documentation's
        exit-code page is generated from these)."""
        return _MEANINGS[self]


_MEANINGS = {
    ExitCode.OK: "success",
    ExitCode.INTERNAL: "internal error (a bug: rerun with `--debug` and report it)",
    ExitCode.USAGE: "command-line usage error (unknown option, missing argument)",
    ExitCode.INVALID_INPUT: "invalid input: scenario, data file, override or option (every problem is listed)",
    ExitCode.CONFLICT: "conflicting scenario: its hard constraints cannot all hold (the smallest conflicting "
                       "set is named)",
    ExitCode.VERIFICATION: "the independent verifier rejected the result (or `verify` found a mismatch)",
    ExitCode.LIMIT: "a solver limit (time, gap) was reached without an accepted solution",
    ExitCode.OUTPUT: "outputs cannot be written (permission, disk full, not a folder, another run's outputs "
                     "without `--force`)",
    ExitCode.SOLVER: "the solver is missing or failed (the available ones are named)",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, what value, what is allowed."""

    file: str
    key: str
    value: object
    message: str
    allowed: str = ""

    def __str__(self) -> str:
        shown = "" if self.value is MISSING else f" = {self.value!r}"
        allowed = f"; allowed: {self.allowed}" if self.allowed else ""
        return f"{self.file}: {self.key}{shown}: {self.message}{allowed}"


class _Missing:
    def __repr__(self) -> str:  # pragma: no cover - never shown
        return "<missing>"

    def __reduce__(self) -> str:
        return "MISSING"  # unpickles as this module's singleton


#: Value of a :class:`Problem` about a key that is absent.
MISSING = _Missing()


class SolidarityError(Exception):
    """Base class; ``exit_code`` is what the CLI exits with."""

    exit_code: int = ExitCode.INTERNAL


class InputError(SolidarityError):
    """Bad scenario, data file or option; lists every problem found."""

    exit_code = ExitCode.INVALID_INPUT

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found:"
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))

    def __reduce__(self):  # errors travel back from worker processes
        return (type(self), (self.problems,))


class ConflictError(SolidarityError):
    """The scenario's hard constraints conflict; ``reasons`` say which, in
    domain words (the smallest set of conflicting groups found)."""

    exit_code = ExitCode.CONFLICT

    def __init__(self, reasons: list[str], file: str = ""):
        self.reasons = list(reasons)
        self.file = file
        where = f"{file}: " if file else ""
        super().__init__(f"{where}the scenario's constraints conflict:\n"
                         + "\n".join(f"  - {r}" for r in self.reasons))

    def __reduce__(self):
        return (type(self), (self.reasons, self.file))


class SolveError(SolidarityError):
    """The solver returned no usable solution (and no limit was reached)."""

    exit_code = ExitCode.SOLVER


class LimitError(SolveError):
    """A time or gap limit stopped the solver before an accepted solution."""

    exit_code = ExitCode.LIMIT


class SolverUnavailable(SolveError):
    """The chosen solver is missing or crashed."""

    exit_code = ExitCode.SOLVER


class VerificationError(SolidarityError):
    """The result broke a rule when re-derived independently."""

    exit_code = ExitCode.VERIFICATION

    def __init__(self, violations: list[str]):
        self.violations = violations
        super().__init__("verification failed:\n" + "\n".join(f"  - {v}" for v in violations))

    def __reduce__(self):
        return (type(self), (self.violations,))


class OutputError(SolidarityError):
    """Outputs cannot be written where asked; names the path and the reason."""

    exit_code = ExitCode.OUTPUT

    def __init__(self, path: str, reason: str, hint: str = ""):
        self.path, self.reason, self.hint = path, reason, hint
        super().__init__(f"cannot write {path}: {reason}" + (f" ({hint})" if hint else ""))

    def __reduce__(self):
        return (type(self), (self.path, self.reason, self.hint))


#: Why a write failed, and what to do, by errno.
_REASONS: dict[int | None, tuple[str | None, str]] = {  # errno may be None
    errno.ENOSPC: ("the disk is full", "free some space or choose a folder on another disk"),
    errno.EDQUOT: ("the disk quota is used up", "free some space or choose a folder on another disk"),
    errno.EROFS: ("the file system is read-only", "choose a folder on a writable disk"),
    errno.EACCES: ("permission denied", "choose a folder you may write to"),
    errno.EPERM: ("operation not permitted", "choose a folder you may write to"),
    errno.ENAMETOOLONG: ("a file or folder name is too long", "choose a shorter path"),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "choose another path"),
    errno.EBUSY: ("the folder is in use (a mount point?)", "choose a folder inside it"),
    errno.EIO: ("input/output error: the disk may be failing", "check the disk"),
    errno.EMFILE: ("too many open files", "raise the limit (ulimit -n)"),
}


def output_error(e: OSError, path: Path | str) -> OutputError:
    """An OSError met while writing ``path`` as an :class:`OutputError` that
    says why in words and what to do (exit 7)."""
    reason, hint = _REASONS.get(e.errno, (None, ""))
    if reason is None:
        text = e.strerror or str(e)
        reason = text[:1].lower() + text[1:]
    return OutputError(str(path), reason, hint)
