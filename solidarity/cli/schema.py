"""`solidarity schema`: the JSON Schema of scenario files, for editors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import Debug, Force, app, emit, fail, say, set_debug


@app.command()
def schema(output: Annotated[Optional[Path], typer.Option(
               "--output", "-o", help="File to write the schema to (default: stdout).")] = None,
           force: Force = False, debug: Debug = False) -> None:
    """Write the JSON Schema (draft 2020-12) of scenario files, generated from
    the scenario key reference: editors then complete keys, explain them and
    flag wrong types, unknown keys and out-of-range values as you type. Rules
    across keys (weights adding up to 1, beneficiaries among the
    participants) are checked by `solidarity validate` only.

    With Even Better TOML (VS Code) or Taplo, put `#:schema ./scenario.schema.json`
    on the first line of a scenario file.

    Example: solidarity schema -o scenario.schema.json
    """
    set_debug(debug)
    try:
        import json

        from ..errors import OutputError
        from ..inputs.json_schema import scenario_schema
        from ..outputs.output import write_file

        text = json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"
        if output is None:
            emit(text)
            return
        if output.is_dir():
            raise OutputError(str(output), "is a folder, not a file", "name a file such as scenario.schema.json")
        if output.exists() and not force:
            raise OutputError(str(output), "the file exists", "use --force to replace it, or choose another name")
        write_file(output, text.encode("utf-8"))
        say(f"wrote {output}")
    except BaseException as exc:
        fail(exc)
