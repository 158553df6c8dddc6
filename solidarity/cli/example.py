"""`solidarity example NAME -o FILE`: write a bundled example scenario.

The examples ship inside the package (``solidarity/_scenarios``), so a user
who installed a wheel, without the source tree, has them too. They use the
bundled Eurostat data, so the file written runs as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import Debug, Force, app, emit, fail, say, set_debug


def examples_dir() -> Path:
    """Folder of the bundled example scenarios."""
    return Path(__file__).resolve().parent.parent / "_scenarios"


#: The folder of the other designs' scenarios: each file is an example of its own
#: (``designs/2015-dublin-iv``), not a cycle of years.
DESIGNS = "designs"


def example_names() -> list[str]:
    """Bundled examples: one scenario file each, or a folder (a cycle of years);
    the designs' scenarios as ``designs/NAME``."""
    root = examples_dir()
    files = [p.stem for p in root.glob("*.toml")]
    folders = [p.name for p in root.iterdir() if p.is_dir() and p.name != DESIGNS and any(p.glob("*.toml"))]
    designs = [f"{DESIGNS}/{p.stem}" for p in (root / DESIGNS).glob("*.toml")]
    return sorted(files + folders + designs)


def _source(name: str) -> Path:
    from ..errors import InputError, Problem

    root = examples_dir()
    if name in example_names():  # a known name only: never a path the user made up
        return root / f"{name}.toml" if (root / f"{name}.toml").is_file() else root / name
    raise InputError(Problem("command line", "NAME", name, "no such example",
                             ", ".join(example_names())))


def _files_of(src: Path) -> dict[str, bytes]:
    if src.is_file():
        return {src.name: src.read_bytes()}
    return {p.name: p.read_bytes() for p in sorted(src.glob("*.toml"))}


@app.command()
def example(name: Annotated[Optional[str], typer.Argument(
                help="Example to write; without it, the list of examples.")] = None,
            output: Annotated[Optional[Path], typer.Option(
                "--output", "-o", help="File to write (a folder for a cycle of years); default: stdout.")] = None,
            force: Force = False, debug: Debug = False) -> None:
    """Write one of the bundled example scenarios, to start from or to run as it is.

    Example: solidarity example 2026-adopted -o my-scenario.toml
    """
    set_debug(debug)
    try:
        from ..errors import InputError, OutputError, Problem
        from ..outputs.output import write_file, write_outputs

        if name is None:
            emit("\n".join(example_names()) + "\n")
            return
        src = _source(name)
        files = _files_of(src)
        if output is None:
            if len(files) != 1:
                raise InputError(Problem("command line", "--output", None,
                                         f"{name} is a cycle of {len(files)} yearly files",
                                         "a folder: --output DIR"))
            emit(next(iter(files.values())).decode("utf-8"))
            return
        if src.is_dir():
            write_outputs(files, output, force=force, identity=f"example {name}")
            say(f"wrote {len(files)} files to {output}")
            return
        if output.exists() and not force:
            raise OutputError(str(output), "the file exists", "choose another name, or --force to replace it")
        write_file(output, files[src.name])
        say(f"wrote {output}")
    except BaseException as exc:
        fail(exc)

