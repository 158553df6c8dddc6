"""Command line: a thin layer over the library (see ``solidarity --help``).

The typer app and what every command shares live in :mod:`.common`; each
command (or group) in a module of its own registers on the app when
imported here. Heavy libraries are imported inside the commands, so that
``--help`` stays fast.
"""

from __future__ import annotations

import sys

from . import (  # noqa: F401  register
    compare,
    cycle,
    example,
    explain,
    key,
    keygen,
    run,
    schema,
    serve,
    sweep,
    synthetic,
    verify,
)
from .common import EXIT_CODES, app, quiet_broken_pipe, session

__all__ = ["EXIT_CODES", "app", "main"]


def main() -> None:
    # --debug is accepted after the subcommand too; take it out early so that
    # errors raised while parsing are shown with a traceback as asked.
    if "--debug" in sys.argv[1:]:
        session["debug"] = True
    try:
        app()
    except BrokenPipeError:
        quiet_broken_pipe()
        sys.exit(session.get("code", 0))
