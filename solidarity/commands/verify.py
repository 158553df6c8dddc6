"""`solidarity verify OUTPUT_DIR`: re-check a run's outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..cli import DataDirs, Debug, _fail, _out, _set_debug, app


@app.command()
def verify(folder: Annotated[Path, typer.Argument(help="Output folder of `solidarity run` or `cycle`.")],
           data_dirs: DataDirs = None, debug: Debug = False) -> None:
    """Re-check an output folder: every file's SHA-256 against manifest.json
    (a changed CSV cell is located by row and column), the data files read,
    and every rule's outcome re-derived from the written tables.

    Only the folder, the bundled data and --data-dir folders are read: files a
    received manifest or scenario names elsewhere are not (name their folder
    with --data-dir to check them).

    Exit code 0 when everything matches, 5 with the list of mismatches.

    Example: solidarity verify out/2026-adopted
    """
    _set_debug(debug)
    try:
        from ..audit import audit
        from ..errors import VerificationError

        found = audit(folder, data_dirs or ())
        if found:
            raise VerificationError([str(f) for f in found])
        _out(f"{folder}: every file matches its manifest and every rule's outcome verifies\n")
    except BaseException as exc:
        _fail(exc)
