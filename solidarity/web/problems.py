"""The library's errors as RFC 9457 problem documents (``application/problem+json``).

Each error keeps what the command line says (file, key path, bad value,
allowed values) and its exit code; the HTTP status follows the exit code, so
an API client and a shell script read the same outcome.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from ..errors import (
    MISSING,
    ConflictError,
    ExitCode,
    InputError,
    OutputError,
    Problem,
    SolidarityError,
    VerificationError,
)

#: HTTP status per exit code: bad input is 422, a conflicting scenario 409,
#: a solver limit 504 (the request ran out of time), a missing solver 503.
STATUS = {
    ExitCode.INVALID_INPUT: 422,
    ExitCode.CONFLICT: 409,
    ExitCode.VERIFICATION: 500,
    ExitCode.LIMIT: 504,
    ExitCode.OUTPUT: 500,
    ExitCode.SOLVER: 503,
    ExitCode.INTERNAL: 500,
    ExitCode.USAGE: 400,
}

MEDIA_TYPE = "application/problem+json"

_TITLES = {
    ExitCode.INVALID_INPUT: "invalid input",
    ExitCode.CONFLICT: "conflicting scenario",
    ExitCode.VERIFICATION: "the independent verifier rejected the result",
    ExitCode.LIMIT: "a solver limit was reached",
    ExitCode.OUTPUT: "outputs cannot be written",
    ExitCode.SOLVER: "the solver is missing or failed",
    ExitCode.INTERNAL: "internal error",
    ExitCode.USAGE: "bad request",
}


def json_value(v: Any) -> Any:
    """A problem's value as JSON: numbers and strings as they are, a missing
    key as ``None``, anything else as its text."""
    if v is MISSING:
        return None
    if isinstance(v, bool | int | str) or v is None:
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, Fraction):
        return float(v)
    if isinstance(v, list | tuple):
        return [json_value(x) for x in v]
    return str(v)


def problem_item(p: Problem) -> dict:
    """One :class:`~solidarity.errors.Problem` as a JSON object."""
    return {"file": p.file, "key": p.key, "value": json_value(p.value), "missing": p.value is MISSING,
            "message": p.message, "allowed": p.allowed, "text": str(p)}


def problem_document(exc: SolidarityError, instance: str = "") -> tuple[int, dict]:
    """The HTTP status and the problem document for a library error."""
    code = ExitCode(int(exc.exit_code))
    doc: dict[str, Any] = {"type": f"https://solidarity.invalid/problems/exit-{int(code)}",
                           "title": _TITLES[code], "status": STATUS[code], "detail": str(exc),
                           "exit_code": int(code)}
    if instance:
        doc["instance"] = instance
    if isinstance(exc, InputError):
        doc["problems"] = [problem_item(p) for p in exc.problems]
    elif isinstance(exc, ConflictError):
        doc["reasons"] = exc.reasons
    elif isinstance(exc, VerificationError):
        doc["violations"] = exc.violations
    elif isinstance(exc, OutputError):
        doc["reason"] = exc.reason
    return STATUS[code], doc


def simple(status: int, title: str, detail: str, **extra: Any) -> dict:
    """A problem document that is not a library error (busy, not found, too large)."""
    return {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
