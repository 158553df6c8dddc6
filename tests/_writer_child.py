"""Helper for tests/test_output.py: a process writing outputs until killed.

Usage: ``python tests/_writer_child.py OUTDIR [--no-janitor] [--pause aside|commit]``

Prints ``ready`` once started, then calls ``write_outputs`` in a loop with a
new run each time. ``--no-janitor`` leaves the repair to the next write's
recovery pass; ``--pause`` stops for good right after the earlier folder is
set aside (``aside``) or the new one put in place (``commit``), printing
``paused``, so that a SIGKILL lands exactly there.

It loads ``solidarity/outputs/output.py`` without running the package's
``__init__``: a quicker start, and no dependence on the rest of the package.
"""

from __future__ import annotations

import sys
from pathlib import Path

IDENTITY = "kill-test"


def make_files(run: int, n: int = 24, size: int = 120_000) -> dict[str, bytes]:
    """A run's outputs: CSV tables and large binary files, in two year folders."""
    files = {}
    for k in range(n):
        year = 2026 + k % 2
        if k % 3 == 0:
            rows = "".join(f"C{r},{run},{r * k}\n" for r in range(size // 400))
            files[f"{year}/table{k}.csv"] = f"geo,run,value_eur\n{rows}".encode()
        else:
            files[f"{year}/blob{k}.bin"] = (f"{run}:{k}:".encode() * (size // 8 + 1))[:size]
    files["summary.md"] = f"# run {run}\n".encode()
    return files


def _load_output():
    import types

    pkg = types.ModuleType("solidarity")
    pkg.__path__ = [str(Path(__file__).resolve().parent.parent / "solidarity")]
    sys.modules["solidarity"] = pkg
    from solidarity.outputs import output
    return output


def main(argv: list[str]) -> None:
    import os
    import signal
    import time

    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
    output = _load_output()
    outdir = argv[0]
    if "--no-janitor" in argv:
        output._USE_JANITOR = False
    if "--pause" in argv:
        where = argv[argv.index("--pause") + 1]
        rename = os.rename

        def pausing_rename(src, dst, *args, **kwargs):
            rename(src, dst, *args, **kwargs)
            if (where == "aside" and ".solidarity-old-" in str(dst)
                    or where == "commit" and ".solidarity-tmp-" in str(src)):
                print("paused", flush=True)
                time.sleep(3600)

        os.rename = pausing_rename
    print("ready", flush=True)
    run = 1
    while True:
        output.write_outputs(make_files(run), outdir, identity=IDENTITY)
        run += 1


if __name__ == "__main__":
    main(sys.argv[1:])
